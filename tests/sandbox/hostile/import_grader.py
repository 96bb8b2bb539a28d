"""Imports the grader's own reference implementation. Expected: "forbidden"."""
import grader.reference.functional as ref


def f(x):
    return ref.to_numpy(ref.relu(x))
