"""Opens a neighbour's folder, then writes a file relative to that directory descriptor
(the path check alone would see only a bare file name). Expected: "forbidden"."""
import os


def f(paths):
    target = paths.split("\n")[0]
    folder = os.open(os.path.dirname(target), os.O_RDONLY)
    fd = os.open(os.path.basename(target), os.O_WRONLY | os.O_TRUNC, dir_fd=folder)
    os.write(fd, b'{"score": 100}')
