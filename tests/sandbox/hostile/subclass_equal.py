"""Returns an ndarray subclass whose comparisons say 'equal' to anything.
Expected: "ok" with a plain np.ndarray (the subclass is dropped) holding the real zeros."""
import numpy as np


class AlwaysEqual(np.ndarray):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __array_ufunc__(self, *args, **kwargs):
        return True


def f(x):
    return np.zeros(x.shape).view(AlwaysEqual)
