"""Puts the project folder on sys.path, or reads the reference file directly, given its
path. Expected: "forbidden" (portable) or "exception" (not even visible in bubblewrap)."""
import sys


def f(path):
    sys.path.insert(0, path.rsplit("/grader/", 1)[0])
    try:
        import solutions  # noqa: F401
    except ImportError as exc:
        print("import refused:", exc)
    with open(path) as fh:
        return fh.read()
