"""Where cnngrade keeps what it can compute again: the user's cache folder.

Everything in it is cnngrade's own data, keyed so that a change of version never reuses an
entry, and deleting the folder is always safe (``rm -rf ~/.cache/cnngrade``): the next run
computes it again. ``CNNGRADE_CACHE=off`` switches every disk cache off;
``CNNGRADE_CACHE=DIR`` puts them in DIR. What lives there: ``memo/`` (the public cases and
expected outputs of ``cnngrade check``, :mod:`grader.checker.memo`) ``analysis/`` (what
``cnngrade inspect`` printed, :mod:`grader.reference.analysis_cache`), ``catalogue.json``
(what ``cnngrade list`` prints, :func:`exercises.summaries`) and ``formulas.json`` (the LaTeX
sympy wrote for the worked solutions, :mod:`grader.paper.formulas`).
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

__all__ = ["CACHE_ENV", "cache_dir", "package_version", "read_entry", "write_entry"]

CACHE_ENV = "CNNGRADE_CACHE"
"""``off`` (or ``0``, ``no``, ``false``) disables the disk caches; a path puts them there."""
_OFF = {"off", "0", "no", "false"}


def cache_dir() -> Path | None:
    """The folder of cnngrade's disk caches (``$CNNGRADE_CACHE``, else
    ``$XDG_CACHE_HOME/cnngrade``, else ``~/.cache/cnngrade``), or None when switched off."""
    setting = os.environ.get(CACHE_ENV, "").strip()
    if setting.lower() in _OFF:
        return None
    if setting:
        return Path(setting).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "cnngrade"


def read_entry(name: str, key: Any) -> Any:
    """The data of cache file ``name`` (a JSON ``{"key", "data"}``) when it was written under
    this very ``key``; None when the cache is off, or the file is missing, damaged, foreign
    or of another key (the caller then computes the data again, and the caller checks the
    data's shape: the folder is the user's, anything may be in it)."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        stored = json.loads((folder / name).read_text(encoding="utf-8"))
        return stored.get("data") if type(stored) is dict and stored.get("key") == key else None
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def write_entry(name: str, key: Any, data: Any) -> None:
    """Store ``data`` under ``key`` in cache file ``name``, atomically; a cache that is off or
    cannot be written is only slower next time."""
    folder = cache_dir()
    if folder is None:
        return
    from grader.files import write_atomic

    try:
        write_atomic(folder / name, json.dumps({"key": key, "data": data}, separators=(",", ":")))
    except OSError:
        pass


@functools.lru_cache(maxsize=None)
def package_version(package: str) -> str:
    """An installed package's version for a cache key, read from its metadata without
    importing it (``"none"`` when it is not installed)."""
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "none"
