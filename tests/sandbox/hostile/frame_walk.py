"""Walks the caller's stack frames looking for the expected output (any other array of the
input's shape) and returns it. Expected: "ok" but wrong: the child never holds expected
values, they stay in the grading process."""
import sys

import numpy as np


def f(x):
    frame = sys._getframe(1)
    while frame is not None:
        for scope in (frame.f_locals, frame.f_globals):
            for value in list(scope.values()):
                if isinstance(value, np.ndarray) and value.shape == x.shape and value is not x:
                    return value
        frame = frame.f_back
    import gc

    try:
        for obj in gc.get_objects():
            if isinstance(obj, np.ndarray) and obj.shape == x.shape and obj is not x:
                return obj
    except ImportError as exc:
        print("gc refused:", exc)
    return np.full_like(x, -1.0)
