"""Shared helpers for the checker tests (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

from grader.checker import code_exercises

SUBMISSIONS = Path(__file__).parent / "submissions"
_EXPECT = re.compile(r"^# expect: (\S+)", re.MULTILINE)
_LOSES = re.compile(r"^# loses: (.+)$", re.MULTILINE)
_FAILS = re.compile(r"^# fails: (\S+)\s*$", re.MULTILINE)
#: The ``# expect:`` value of a buggy file that must lose points with no diagnosis at all.
SILENT = "silent"


def expectation(path: Path) -> str | None:
    """What a buggy file's ``# expect:`` line asks, or None for a correct file (full marks):
    a misconception KEY (named, and no other key named: right or silent), "silent" (points
    lost, nothing named) or "-" (points lost, no requirement on the diagnosis)."""
    match = _EXPECT.search(path.read_text(encoding="utf-8"))
    return match.group(1) if match else None


def lost_groups(path: Path) -> set[str] | None:
    """The ``# loses: GROUP ...`` line of a buggy file: exactly the groups it must fail when
    graded with the real budget (the scope of each group), or None when it has none."""
    match = _LOSES.search(path.read_text(encoding="utf-8"))
    return set(match.group(1).split()) if match else None


def failing_group(path: Path) -> str | None:
    """The ``# fails: GROUP`` line of a buggy file: graded on that group alone (with the real
    budget), the file must lose its points and get its ``# expect:`` diagnosis there. A cheap
    claim for exercises whose full grading is slow; None when the file has no such line."""
    match = _FAILS.search(path.read_text(encoding="utf-8"))
    return match.group(1) if match else None


def module_of(exercise) -> str:
    """The name of the module of ``exercises/`` that defines ``exercise`` (``"conv2d_forward"``
    for conv2d-forward): the stem of its solution file, submissions folder and closed-form check."""
    return next(name.rpartition(".")[2] for name, module in sorted(sys.modules.items())
                if name.startswith("exercises.") and getattr(module, "EXERCISE", None) is exercise)


def submissions_folder(exercise, root: Path = SUBMISSIONS) -> Path:
    """The folder of an exercise's buggy and correct files."""
    return root / module_of(exercise)


def check_diagnosis(result, expected: str) -> None:
    """Assert what ``# expect:`` asks of a failed result's diagnoses."""
    named = set(result.misconceptions)
    if expected == SILENT:
        assert not named, f"a diagnosis was named for a bug the catalogue does not hold: {named}\n{result.feedback}"
    elif expected != "-":
        assert expected in named, result.feedback
        assert named == {expected}, f"wrong diagnoses next to {expected}: {named - {expected}}\n{result.feedback}"


def quick(name: str, *, max_examples: int = 2, shrink_budget: int = 2):
    """The exercise with a smaller example budget: the same grading code path, fewer calls."""
    return dataclasses.replace(code_exercises()[name], max_examples=max_examples, shrink_budget=shrink_budget)
