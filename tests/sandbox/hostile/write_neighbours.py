"""Tries to overwrite the files given to it (a neighbour's submission, the gradebook, a file
in the grader's working directory). Expected: "forbidden"; every file unchanged."""


def f(paths):
    for path in paths.split("\n"):
        with open(path, "w") as fh:
            fh.write('{"score": 100}')
