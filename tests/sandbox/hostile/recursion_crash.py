"""Raises the recursion limit and recurses through C code (map) until the C stack
overflows. Expected: "crashed" (SIGSEGV) or "memory_limit"/"exception", never a dead grader."""
import sys

sys.setrecursionlimit(10**8)


def deep(n):
    return list(map(deep, [n + 1]))


def f(x):
    return deep(0)
