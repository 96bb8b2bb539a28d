"""Raises ValueError on line 6. Expected: "exception" with type, message and line 6."""


def f(x):
    n = x.shape[0]
    raise ValueError(f"shapes mismatch for n={n}")
