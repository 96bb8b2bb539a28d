"""Imports torch under an obfuscated name, inside the function. Expected: "forbidden"."""
import importlib


def f(x):
    t = importlib.import_module("to" + "rch")
    return t.relu(t.as_tensor(x)).numpy()
