"""Rewrites the sandbox's own state before attacking: every global of the bootstrap
(__main__) that looks like configuration, builtins.any, os.path.realpath and
os.sep; then writes to the files given and imports torch. Expected: "forbidden" (the
guards keep their state in a closure with their own bound functions)."""
import builtins
import os
import sys

import __main__

for name in list(vars(__main__)):
    if name.startswith("_") and name.isupper() is False and name[1:].isupper():
        setattr(__main__, name, "/" if "DIR" in name else ())
builtins.any = lambda *a, **k: False
os.path.realpath = lambda p, *a, **k: os.getcwd()
os.sep = ""
sys.meta_path.clear()


def f(paths):
    for path in paths.split("\n"):
        try:
            with open(path, "w") as fh:
                fh.write('{"score": 100}')
        except ImportError as exc:
            print("write refused:", exc)
    __import__("torch")
