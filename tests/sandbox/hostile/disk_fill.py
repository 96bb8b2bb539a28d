"""Writes 4 MiB files into its own folder until the disk is full (here: 16 MiB, over the
8 MiB folder the tests allow). Expected under bubblewrap: "exception" (No space left on
device: the folder is a small tmpfs); under the portable layer: "ok" (each file is under
the per-file limit), the folder deleted when the sandbox closes."""


def f(x):
    block = b"\0" * (4 << 20)
    for i in range(4):
        with open(f"fill{i}.bin", "wb") as fh:
            fh.write(block)
    return x
