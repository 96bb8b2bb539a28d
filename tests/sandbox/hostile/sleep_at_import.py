"""Sleeps for a minute while being imported. Expected: load verdict "timeout"."""
import time

time.sleep(60)


def f(x):
    return x
