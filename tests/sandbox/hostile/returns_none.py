"""Forgets the return statement. Expected: "ok" with value None (the checker fails it)."""


def f(x):
    x * 2
