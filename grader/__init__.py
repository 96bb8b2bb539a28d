"""cnngrade: autograder toolkit for courses on convolutional networks.

Sub-packages: ``reference`` (torch engine), ``sandbox`` (running untrusted code),
``checker`` (property-based grading), ``batch`` (grading a class), ``render``
(output formats). Importing ``grader`` is cheap: torch loads only when a
reference computation needs it.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "check"]


def check(path_or_function, *, exercise=None):
    """Notebook convenience: grade a file or a function's source in the sandbox.

    ``grader.check("hw.py")`` or ``grader.check(conv2d_forward)``; see
    :func:`grader.checker.check` for the details.
    """
    from grader.checker import check as _check

    return _check(path_or_function, exercise=exercise)
