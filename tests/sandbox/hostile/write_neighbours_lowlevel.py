"""Like write_neighbours, but through os.open/os.rename/os.remove, swallowing refusals, and
also via relative paths from its folder. Expected: "ok" (it swallowed the refusals); every
file unchanged."""
import os


def f(paths):
    targets = paths.split("\n") + ["../grades.json", "../../grades.json", "/tmp/grades.json"]
    for path in targets:
        for attack in (lambda p: os.open(p, os.O_WRONLY | os.O_TRUNC),
                       lambda p: os.rename(p, p + ".bak"),
                       lambda p: os.remove(p),
                       lambda p: os.truncate(p, 0)):
            try:
                attack(path)
            except Exception as exc:
                print(path, type(exc).__name__)
