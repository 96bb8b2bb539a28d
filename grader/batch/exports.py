"""Gradebook exports for learning-management systems, mapped through a roster.

Formats (``--export``), all written into OUT:

- ``canvas``: ``canvas.csv``, a Canvas gradebook import (columns ``Student, ID, SIS User ID,
  SIS Login ID, Section`` then one assignment column, and a ``Points Possible`` row).
  Needs a roster giving ``canvas_id``, ``student_id`` or ``login_id``.
- ``moodle``: ``moodle.csv``, for Moodle's "Import grades from CSV" (identifier columns
  ``Email address``, ``ID number``, ``Username``, then the grade and ``Feedback``). Needs a
  roster giving ``email``, ``student_id`` or ``username``.
- ``gradescope``: ``gradescope/<student>/results.json`` in Gradescope's autograder
  results schema, one folder per student (named by the roster's ``email`` when known).
- ``csv``: ``gradebook.csv``, a spreadsheet-friendly gradebook with the roster's columns,
  the percentage, and one row with status ``missing`` per roster student who submitted
  nothing.

The roster is a CSV file with a header row and a ``submission`` column (the submission name,
DESIGN.md 3.2), plus any of ``name, email, student_id, canvas_id, login_id, username, section``.

Grades: an LMS grade column has one maximum for the whole class, while each result carries
its own ``max_score``. :func:`grade_scale` decides once per export how a column shows them:
raw points out of the common maximum when every student has the same one, else percentages
out of 100, so every student's grade is their own ``score / max_score``
(:func:`percent`, the one place a percentage is computed).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UserError
from grader.files import read_user_text

__all__ = [
    "EXPORT_FORMATS",
    "ROSTER_FIELDS",
    "Roster",
    "load_roster",
    "read_submission_csv",
    "validate_exports",
    "CANVAS_COLUMNS",
    "MOODLE_ID_COLUMNS",
    "export_filename",
    "percent",
    "GradeScale",
    "grade_scale",
]

EXPORT_FORMATS = ("canvas", "moodle", "gradescope", "csv")
ROSTER_FIELDS = ("submission", "name", "email", "student_id", "canvas_id", "login_id", "username", "section")
#: Identity columns of a Canvas gradebook CSV, in Canvas's order (the roster field of each).
CANVAS_COLUMNS = (
    ("Student", "name"),
    ("ID", "canvas_id"),
    ("SIS User ID", "student_id"),
    ("SIS Login ID", "login_id"),
    ("Section", "section"),
)
#: Identifier columns Moodle's CSV import can match users on (the roster field of each).
MOODLE_ID_COLUMNS = (("Email address", "email"), ("ID number", "student_id"), ("Username", "username"))
# Roster fields of which at least one is needed to match students in each LMS.
_NEEDED = {"canvas": ("canvas_id", "student_id", "login_id"), "moodle": ("email", "student_id", "username")}


def export_filename(fmt: str) -> str:
    """The file (or folder) in OUT that export ``fmt`` writes."""
    return {"canvas": "canvas.csv", "moodle": "moodle.csv", "gradescope": "gradescope", "csv": "gradebook.csv"}[fmt]


def percent(score: float, max_score: float) -> float:
    """``score`` as a percentage of ``max_score``, two decimals (0 when nothing could be scored)."""
    return round(100.0 * float(score) / float(max_score), 2) if max_score else 0.0


@dataclass(frozen=True)
class GradeScale:
    """How one LMS grade column shows a class's scores (see :func:`grade_scale`)."""

    points_possible: float
    """The column's maximum (Canvas's "Points Possible" row, Moodle's grade item maximum)."""
    as_percent: bool
    """True when the students' maxima differ: every value is then a percentage out of 100."""

    def value(self, score: float, max_score: float) -> float:
        """The number to write in the column for a result ``score / max_score``."""
        return percent(score, max_score) if self.as_percent else round(float(score), 6)

    @property
    def label(self) -> str:
        """Words for the column heading or a warning: ``"points out of 6"``, ``"percent"``."""
        possible = int(self.points_possible) if float(self.points_possible).is_integer() else self.points_possible
        return "percent" if self.as_percent else f"points out of {possible}"


def grade_scale(max_scores: Iterable[float]) -> GradeScale:
    """The scale of a grade column for results with these ``max_score`` values: their common
    value in points when all are equal (and positive), else percentages out of 100.

    >>> grade_scale([6, 6, 6]), grade_scale([1, 2]).value(1, 2)
    (GradeScale(points_possible=6.0, as_percent=False), 50.0)
    """
    distinct = {round(float(m), 6) for m in max_scores}
    if len(distinct) == 1 and next(iter(distinct)) > 0:
        return GradeScale(points_possible=distinct.pop(), as_percent=False)
    return GradeScale(points_possible=100.0, as_percent=True)


@dataclass(frozen=True)
class Roster:
    """Students of a class, by submission name."""

    path: Path
    rows: dict[str, dict[str, str]]
    """Roster row (field -> value, every field of ROSTER_FIELDS present) per submission name."""
    fields: tuple[str, ...]
    """The fields the roster file actually has (in ROSTER_FIELDS order)."""

    def __repr__(self) -> str:
        return f"Roster({str(self.path)!r}, {len(self.rows)} students, fields={self.fields})"

    def get(self, submission: str) -> dict[str, str] | None:
        return self.rows.get(submission)


def read_submission_csv(path: str | os.PathLike, *, what: str) -> tuple[list[str], dict[str, dict[str, str]]]:
    """Read a CSV keyed by a ``submission`` column (a roster, an answers file).

    Returns the lower-cased header and ``{submission: {column: stripped text}}``; ``what``
    names the file in the UserError raised for a missing or unreadable file, a missing
    ``submission`` column, an empty or a repeated submission name.
    """
    path = Path(path)
    text = read_user_text(path, what=what, encoding="utf-8-sig")
    reader = csv.DictReader(text.splitlines())
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    if "submission" not in header:
        raise UserError(f"the {what} file {path} has no 'submission' column "
                        f"(its columns: {', '.join(header) or 'none'})")
    rows: dict[str, dict[str, str]] = {}
    for line_no, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        name = row.get("submission", "")
        if not name:
            raise UserError(f"the {what} file {path} has an empty submission name on line {line_no}")
        if name in rows:
            raise UserError(f"the {what} file {path} lists submission {name!r} twice (line {line_no})")
        rows[name] = row
    return header, rows


def load_roster(path: str | os.PathLike) -> Roster:
    """Read a roster CSV (see module doc); UserError for a missing file or bad columns."""
    header, rows = read_submission_csv(path, what="roster")
    unknown = [h for h in header if h not in ROSTER_FIELDS]
    if unknown:
        raise UserError(
            f"the roster file {path} has unknown column(s) {', '.join(unknown)}; known: {', '.join(ROSTER_FIELDS)}"
        )
    present = tuple(f for f in ROSTER_FIELDS if f in header)
    return Roster(Path(path), {name: {f: row.get(f, "") for f in ROSTER_FIELDS} for name, row in rows.items()},
                  present)


def validate_exports(exports, roster: Roster | None) -> tuple[str, ...]:
    """Check the export names and that the roster has the ids each LMS needs."""
    chosen = tuple(dict.fromkeys(e.lower() for e in exports))
    for fmt in chosen:
        if fmt not in EXPORT_FORMATS:
            raise UserError(f"unknown export format {fmt!r}; choose from {', '.join(EXPORT_FORMATS)}")
        needed = _NEEDED.get(fmt)
        if needed is None:
            continue
        if roster is None:
            raise UserError(f"--export {fmt} needs --roster (a CSV mapping submissions to {' / '.join(needed)})")
        if not any(f in roster.fields for f in needed):
            raise UserError(f"--export {fmt} needs a roster column {' or '.join(needed)}; {roster.path} has none")
    return chosen
