"""Looks for other submissions being graded at the same time (their run folders under
/tmp) and copies their code. Expected: "ok" with nothing found: under bubblewrap /tmp is
private, under the portable layer reading those folders is refused."""
import glob
import os


def f(x):
    stolen = []
    mine = os.path.realpath(os.getcwd())
    for path in glob.glob("/tmp/cnngrade-run-*/*.py"):
        if os.path.realpath(path).startswith(mine + os.sep):
            continue
        try:
            with open(path) as fh:
                stolen.append(fh.read())
        except Exception as exc:
            print("refused:", path, type(exc).__name__)
    print(len(stolen), "files stolen")
    return x if not stolen else x * 0
