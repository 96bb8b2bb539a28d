"""Atomic file writes, for every file cnngrade produces: a reader (or a run killed half-way) never sees a half-written file."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

__all__ = ["atomic_open", "write_atomic"]


@contextmanager
def atomic_open(path: str | os.PathLike, *, binary: bool = False,
                newline: str | None = None) -> Iterator[IO]:
    """Open a file for writing (UTF-8 text, or bytes with ``binary=True``) that appears at
    ``path`` only when the block succeeds.

    The content goes to a temporary file in the same folder, which ``os.replace`` then
    renames over ``path`` (atomic on POSIX); on an exception the temporary file is removed
    and ``path`` keeps its previous content. No fsync: this guards against a killed
    process (the resumable-batch case), not against power loss, and stays fast for
    thousands of feedback files.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with (os.fdopen(fd, "wb") if binary
              else os.fdopen(fd, "w", encoding="utf-8", newline=newline)) as handle:
            yield handle
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_atomic(path: str | os.PathLike, data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8, or bytes such as a PDF) to ``path`` atomically."""
    with atomic_open(path, binary=isinstance(data, bytes)) as handle:
        handle.write(data)
