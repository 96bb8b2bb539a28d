"""Defines the function under a misspelled name. Expected: "missing_function" listing the
names found."""


def conv2d_forwrd(x):
    return x


def helper(x):
    return x
