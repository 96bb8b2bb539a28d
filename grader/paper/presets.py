"""Fixed variants a paper exercise ships beside its random ones (``new exercise --preset``).

An exercise module offers them in a module-level ``PRESETS`` dict, name -> the parameters
``PaperExercise.from_params`` builds, e.g. architecture-trace's ``course-notes``: the
course notes' own 100x100x3 exercise. A preset is one variant, the same for every student.
"""

from __future__ import annotations

import copy
import importlib
from dataclasses import replace

from grader.errors import UserError
from grader.paper.model import PaperExercise

__all__ = ["presets_of", "preset_exercise"]


def presets_of(exercise: PaperExercise) -> dict[str, dict]:
    """The presets of an exercise (its module's ``PRESETS``; ``{}`` when it has none)."""
    return dict(getattr(importlib.import_module(exercise.draw.__module__), "PRESETS", {}))


def preset_exercise(exercise: PaperExercise, name: str) -> PaperExercise:
    """``exercise`` reduced to preset ``name``: every draw gives that variant, at the
    difficulties whose points it fits (one whole point per number asked).

    Raises ``UserError`` for an unknown preset, naming those that exist.
    """
    presets = presets_of(exercise)
    if name not in presets:
        known = f"its presets: {', '.join(sorted(presets))}" if presets else "it has none"
        raise UserError(f"{exercise.name} has no preset {name!r}; {known}")
    params = presets[name]
    fits = []
    for difficulty in exercise.difficulties:
        try:
            exercise.from_params(copy.deepcopy(params), difficulty=difficulty)
        except ValueError:   # too few points at this difficulty for the numbers it asks
            continue
        fits.append(difficulty)
    return replace(exercise, draw=lambda rng, difficulty: copy.deepcopy(params),
                   difficulties=tuple(fits))
