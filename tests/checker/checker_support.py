"""Shared helpers for the checker tests (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from grader.checker import code_exercises

SUBMISSIONS = Path(__file__).parent / "submissions"
_EXPECT = re.compile(r"^# expect: (\S+)", re.MULTILINE)


def expectation(path: Path) -> str | None:
    """The misconception key a buggy file must be diagnosed with ("-": none required),
    or None for a correct file (full marks)."""
    match = _EXPECT.search(path.read_text(encoding="utf-8"))
    return match.group(1) if match else None


def quick(name: str, *, max_examples: int = 2, shrink_budget: int = 2):
    """The exercise with a smaller example budget: the same grading code path, fewer calls."""
    return dataclasses.replace(code_exercises()[name], max_examples=max_examples, shrink_budget=shrink_budget)

