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
from functools import lru_cache

from grader.errors import UserError

__all__ = ["all_exercises", "get_exercise"]


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
    """The exercise called ``name`` (``kind`` restricts to "code" or "paper")."""
    catalogue = {n: e for n, e in all_exercises().items() if kind is None or e.kind == kind}
    if name not in catalogue:
        known = ", ".join(sorted(catalogue)) or "none"
        raise UserError(f"unknown exercise {name!r}; known exercises: {known}")
    return catalogue[name]
