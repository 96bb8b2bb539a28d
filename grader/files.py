"""Atomic file writes, for every file cnngrade produces: a reader (or a run killed half-way)
never sees a half-written file; :func:`remove_tree`, removing a folder a submission filled
(any depth, links never followed); and :func:`read_user_text`, reading a file the user
named (a course file, a roster) with one-line errors."""

from __future__ import annotations

import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from grader.errors import UserError

__all__ = ["atomic_open", "write_atomic", "remove_tree", "read_user_text"]


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


def read_user_text(path: str | os.PathLike, *, what: str, encoding: str = "utf-8") -> str:
    """The text of a file the user named (``what``: "course", "roster"...), or a UserError of
    one line when it is missing or is not UTF-8 text (``utf-8-sig`` also drops a BOM)."""
    path = Path(path)
    try:
        return path.read_text(encoding=encoding)
    except FileNotFoundError:
        raise UserError(f"the {what} file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"the {what} file {path} cannot be read as UTF-8 text ({exc})") from None


_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)


def remove_tree(path: str | os.PathLike) -> bool:
    """Remove the folder ``path`` and everything in it, as ``shutil.rmtree(path,
    ignore_errors=True)`` would, but for trees a submission built to break cleanup.

    It holds one directory descriptor at a time and walks down and back up by name, so depth
    is unbounded (shutil.rmtree recurses: a tree 1,500 levels deep raises RecursionError,
    which ``ignore_errors`` does not catch) and paths never grow past PATH_MAX. Symbolic
    links are removed, never followed; a folder made unreadable (mode 000) is made readable
    first. Returns True when ``path`` is gone (or was never there), False when something
    could not be removed; never raises OSError.
    """
    path = os.fspath(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode):
        try:
            os.unlink(path)
            return True
        except OSError:
            return False
    if os.open not in os.supports_dir_fd or os.scandir not in os.supports_fd:  # not POSIX
        import shutil

        shutil.rmtree(path, ignore_errors=True)
        return not os.path.lexists(path)
    try:
        os.chmod(path, 0o700)
        fd = os.open(path, _DIR_FLAGS)
    except OSError:
        return False
    names: list[str] = []  # the path from ``path`` down to the folder ``fd`` is open on
    stuck: set[tuple[int, int]] = set()  # folders that could not be entered or removed
    ok = True
    try:
        while True:
            child = None
            with os.scandir(fd) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            if (entry.inode(), info.st_dev) not in stuck:
                                child = entry.name
                                break
                            continue
                        os.unlink(entry.name, dir_fd=fd)
                    except OSError:
                        ok = False
            if child is not None:
                try:
                    os.chmod(child, 0o700, dir_fd=fd)  # a directory (checked without following links)
                    new = os.open(child, _DIR_FLAGS, dir_fd=fd)
                except OSError:
                    stuck.add((os.stat(child, dir_fd=fd, follow_symlinks=False).st_ino, info.st_dev))
                    ok = False
                    continue
                os.close(fd)
                fd = new
                names.append(child)
                continue
            if not names:
                break
            parent = os.open("..", _DIR_FLAGS, dir_fd=fd)
            here = os.fstat(fd).st_ino
            os.close(fd)
            fd = parent
            name = names.pop()
            try:
                os.rmdir(name, dir_fd=fd)
            except OSError:
                stuck.add((here, info.st_dev))
                ok = False
    except OSError:
        ok = False
    finally:
        os.close(fd)
    try:
        os.rmdir(path)
    except OSError:
        return False
    return ok
