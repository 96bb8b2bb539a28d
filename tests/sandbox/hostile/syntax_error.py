"""A syntax error on line 6 (missing colon). Expected: load verdict "syntax_error" naming
line 6."""
import numpy as np


def f(x)
    return x
