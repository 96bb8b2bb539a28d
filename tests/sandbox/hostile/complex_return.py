"""Returns complex numbers. Expected: "bad_return" naming the dtype."""


def f(x):
    return x + 1j
