"""Returns NaN everywhere. Expected: "ok" with an all-NaN array (the checker fails it)."""
import numpy as np


def f(x):
    return np.full(x.shape, np.nan)
