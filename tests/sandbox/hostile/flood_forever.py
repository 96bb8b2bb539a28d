"""Prints without end. Expected: "timeout", and the grader's memory stays bounded."""


def f(x):
    while True:
        print("x" * 4096)
