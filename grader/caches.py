"""Where cnngrade keeps what it can compute again: the user's cache folder.

Everything in it is cnngrade's own data, keyed so that a change of version never reuses an
entry, and deleting the folder is always safe (``rm -rf ~/.cache/cnngrade``): the next run
computes it again. ``CNNGRADE_CACHE=off`` switches every disk cache off;
``CNNGRADE_CACHE=DIR`` puts them in DIR. What lives there: ``memo/`` (the public cases and
expected outputs of ``cnngrade check``, :mod:`grader.checker.memo`) ``analysis/`` (what
``cnngrade inspect`` printed, :mod:`grader.reference.analysis_cache`) and ``catalogue.json``
(what ``cnngrade list`` prints, :func:`exercises.summaries`).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["CACHE_ENV", "cache_dir"]

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
