"""Overwrites its input in place and returns it. Expected: "ok"; the grader's own copy of
the input is unchanged."""


def f(x):
    x[...] = 999.0
    return x
