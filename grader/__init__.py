"""cnngrade: autograder toolkit for courses on convolutional networks.

Sub-packages: ``reference`` (torch engine), ``sandbox`` (running untrusted code),
``checker`` (property-based grading), ``batch`` (grading a class), ``render``
(output formats). Importing ``grader`` is cheap: torch loads only when a
reference computation needs it.
"""

__version__ = "0.1.0"
