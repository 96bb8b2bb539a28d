"""Unbounded recursion at the default limit. Expected: "exception" naming RecursionError
and the student's line."""


def f(x):
    return f(x) + 1
