"""Removes the import blocker from sys.meta_path, then imports torch through __import__
with a computed name. Expected: "forbidden" (the audit hook cannot be removed)."""
import sys


def f(x):
    sys.meta_path[:] = [m for m in sys.meta_path if "Blocker" not in type(m).__name__
                        and "Blocker" not in getattr(m, "__name__", "")]
    t = __import__(bytes([116, 111, 114, 99, 104]).decode())
    return t.relu(t.as_tensor(x)).numpy()
