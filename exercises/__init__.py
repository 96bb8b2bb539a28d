"""The exercise catalogue: one module per exercise.

Each module in this package defines a module-level ``EXERCISE`` object with at least
``name`` (the CLI name, e.g. ``"conv2d-forward"``), ``kind`` (``"code"`` for a numpy
function graded by the checker, ``"paper"`` for a seeded problem generator), ``title``
and ``summary`` (one line for ``cnngrade list``). Adding an exercise means adding a
module; nothing else needs registering.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from functools import lru_cache
from pathlib import Path

from grader.errors import UserError

__all__ = ["all_exercises", "get_exercise", "summaries"]


@lru_cache(maxsize=None)
def all_exercises() -> dict:
    """Every exercise, by name, in module order."""
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        exercise = getattr(module, "EXERCISE", None)
        if exercise is not None:
            found[exercise.name] = exercise
    return found


def get_exercise(name: str, *, kind: str | None = None):
    """The exercise called ``name`` (``kind`` restricts to "code" or "paper").

    Its module is looked up first under the exercise's own name (``conv-output-shape`` in
    ``conv_output_shape.py``, the usual layout), so that a paper exercise does not import the
    code exercises' hypothesis strategies; any other layout is found by the full scan."""
    stem = name.replace("-", "_") if isinstance(name, str) else ""
    if stem.isidentifier() and not stem.startswith("_") and (Path(__path__[0]) / f"{stem}.py").is_file():
        exercise = getattr(importlib.import_module(f"{__name__}.{stem}"), "EXERCISE", None)
        if getattr(exercise, "name", None) == name and (kind is None or exercise.kind == kind):
            return exercise
    catalogue = {n: e for n, e in all_exercises().items() if kind is None or e.kind == kind}
    if name not in catalogue:
        known = ", ".join(sorted(catalogue)) or "none"
        raise UserError(f"unknown exercise {name!r}; known exercises: {known}")
    return catalogue[name]


def summaries() -> list[dict[str, str]]:
    """``{name, kind, title, summary}`` of every exercise, in module order, for ``cnngrade
    list``: read from the user's cache (``catalogue.json``, see :mod:`grader.caches`) when
    no module of this package changed since (name, size and modification time of each),
    else from the modules themselves, importing them all (hypothesis, numpy), and cached."""
    from grader import __version__
    from grader.caches import read_entry, write_entry

    modules = sorted(Path(__path__[0]).glob("*.py"))
    key = [__version__, sys.version.split()[0],
           *[[p.name, p.stat().st_size, p.stat().st_mtime_ns] for p in modules]]
    cached = read_entry("catalogue.json", key)
    if type(cached) is list and all(type(e) is dict and set(e) == {"name", "kind", "title", "summary"} and
                                    all(isinstance(v, str) for v in e.values()) for e in cached):
        return cached
    found = [{"name": e.name, "kind": e.kind, "title": str(getattr(e, "title", "")), "summary": str(e.summary)}
             for e in all_exercises().values()]
    write_entry("catalogue.json", key, found)
    return found
