"""Monkeypatches comparisons so that anything looks equal, then returns garbage.
Expected: "ok" but wrong: patches live only in the child, the grader compares on its side."""
import math
import unittest

import numpy as np

np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.isclose = lambda a, b, *args, **k: np.ones(np.shape(a), dtype=bool)
np.testing.assert_allclose = lambda *a, **k: None
math.isclose = lambda *a, **k: True
unittest.TestCase.assertEqual = lambda *a, **k: None
np.asarray = lambda *a, **k: "patched"


def f(x):
    return np.zeros(x.shape) + 123.0
