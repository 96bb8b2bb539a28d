"""The data of a paper exercise: a variant's statement, its sub-questions and their answers.

A :class:`PaperExercise` is declarative: ``draw(rng, difficulty) -> params`` picks the
numbers of one variant, ``build(params) -> Body`` writes the statement, the sub-questions
(answers computed by the reference engine) and the worked solution. Keeping the two apart
lets tests build a variant from fixed parameters (the course notes' worked examples) and lets
the renderers work on plain data.

Points are fixed per exercise and difficulty (``PaperExercise.points``), never by the
variant: a builder gives each sub-question a relative ``weight`` and the model shares the
total among them in whole points (:func:`apportion`). So every student of a roster is
graded out of the same total whatever question type they drew, and every number a student
gives is worth at least one whole point (LMS question banks such as Moodle's cloze weigh
each blank by a whole number).
"""

from __future__ import annotations

import json
import random
import zlib
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Callable, Mapping, Sequence

from grader.errors import UserError

__all__ = [
    "DIFFICULTIES",
    "Grid",
    "Part",
    "Step",
    "Body",
    "Variant",
    "PaperExercise",
    "apportion",
    "fmt_number",
]

DIFFICULTIES = ("easy", "medium", "hard")

#: Absolute tolerance used for integer answers (sizes, counts, by-hand sums).
INTEGER_TOLERANCE = 0.0


def fmt_number(value: float, *, digits: int = 4) -> str:
    """A number the way a student writes it: ``19`` not ``19.0``, ``6.25``, ``-0.3333``."""
    value = float(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class Grid:
    """A small table of numbers shown in a statement or a solution (an input, a kernel)."""

    label: str
    """Its name in math, e.g. ``"X"`` or ``"W^{(1)}"`` (LaTeX, without dollars)."""
    rows: tuple[tuple[float, ...], ...]
    """Row-major values."""

    @classmethod
    def of(cls, label: str, rows) -> "Grid":
        return cls(label, tuple(tuple(float(v) for v in row) for row in rows))

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "rows": [list(r) for r in self.rows]}


@dataclass(frozen=True)
class Part:
    """One sub-question with a numeric answer (a scalar, a vector or a matrix)."""

    key: str
    """Short id, e.g. ``"a"``; answer-file columns derive from it (``a``, ``a_2``, ``a_1_3``)."""
    prompt: str
    """The question, Markdown text with inline ``$math$``."""
    answer: Any
    """A number, a tuple of numbers, or a tuple of row tuples."""
    tolerance: float = INTEGER_TOLERANCE
    """Absolute tolerance per number."""
    weight: float = 1.0
    """Share of the variant's points relative to the other sub-questions (e.g. 2 for a
    total asked after three shapes); the builder sets it."""
    points: int = 0
    """Whole points of the sub-question, shared equally among its numbers (partial credit).
    Set by :meth:`PaperExercise.from_params` from ``weight``; builders leave it."""

    @property
    def shape(self) -> tuple[int, ...]:
        if isinstance(self.answer, tuple):
            if self.answer and isinstance(self.answer[0], tuple):
                return (len(self.answer), len(self.answer[0]))
            return (len(self.answer),)
        return ()

    def cells(self) -> list[tuple[str, float]]:
        """(column name, expected value) for each number of the answer, row-major, 1-based."""
        if not isinstance(self.answer, tuple):
            return [(self.key, float(self.answer))]
        if self.answer and isinstance(self.answer[0], tuple):
            return [
                (f"{self.key}_{i + 1}_{j + 1}", float(v))
                for i, row in enumerate(self.answer)
                for j, v in enumerate(row)
            ]
        return [(f"{self.key}_{i + 1}", float(v)) for i, v in enumerate(self.answer)]

    def to_dict(self, *, key: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "key": self.key,
            "prompt": self.prompt,
            "points": self.points,
            "shape": list(self.shape),
            "columns": [name for name, _ in self.cells()],
        }
        if key:
            answer = self.answer
            if isinstance(answer, tuple):
                answer = [list(r) if isinstance(r, tuple) else r for r in answer]
            out["answer"] = answer
            out["tolerance"] = self.tolerance
        return out


@dataclass(frozen=True)
class Step:
    """One line of a worked solution: a sentence and an optional display formula."""

    text: str
    """Markdown text with inline ``$math$``."""
    math: str = ""
    """A display formula in LaTeX (general formula from sympy, then the numbers)."""
    grid: Grid | None = None
    """An optional table (e.g. the output matrix)."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "math": self.math}
        if self.grid is not None:
            out["grid"] = self.grid.to_dict()
        return out


@dataclass(frozen=True)
class Body:
    """What ``PaperExercise.build`` returns for one set of parameters."""

    statement: tuple[Any, ...]
    """Paragraphs (Markdown with ``$math$``) and :class:`Grid` objects, in order."""
    parts: tuple[Part, ...]
    solution: tuple[Step, ...]


@dataclass(frozen=True)
class Variant:
    """One student's version of a paper exercise, with its key."""

    kind: str
    """Exercise name, e.g. ``"conv-output-shape"``."""
    seed: int
    student: str | None
    """Student id it was drawn for (None for ``--count`` variants numbered by index)."""
    difficulty: str
    params: dict[str, Any]
    """The drawn numbers; ``exercise.from_params(params)`` rebuilds the same variant."""
    title: str
    statement: tuple[Any, ...]
    parts: tuple[Part, ...]
    solution: tuple[Step, ...]
    attempt: int = 0
    """How many re-draws were needed to avoid a duplicate within the roster."""

    @property
    def identity(self) -> str:
        """Canonical text of the parameters: two variants are duplicates exactly when equal."""
        return _params_identity(self.params)

    @property
    def max_score(self) -> float:
        """The variant's total: ``PaperExercise.points[difficulty]``, the same for every
        variant of that exercise and difficulty."""
        return float(sum(p.points for p in self.parts))

    def cells(self) -> list[tuple[str, float, float, Part]]:
        """(column, expected, tolerance, part) for every number the student must give."""
        return [(c, v, p.tolerance, p) for p in self.parts for c, v in p.cells()]

    def to_dict(self, *, key: bool = True) -> dict[str, Any]:
        """JSON-able form (the schema of ``--format json``); ``key=False`` drops answers."""
        statement = [b.to_dict() if isinstance(b, Grid) else {"text": b} for b in self.statement]
        out: dict[str, Any] = {
            "kind": self.kind,
            "seed": self.seed,
            "student": self.student,
            "difficulty": self.difficulty,
            "title": self.title,
            "parameters": self.params,
            "statement": statement,
            "parts": [p.to_dict(key=key) for p in self.parts],
        }
        if key:
            out["solution"] = [s.to_dict() for s in self.solution]
        return out


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Share ``total`` whole points among sub-questions in proportion to ``weights``
    (largest remainders: exact when the shares are whole, ties to the earlier one).

    >>> apportion(6, [1, 1, 1]), apportion(6, [1, 1, 1, 1]), apportion(12, [1, 1, 1, 2])
    ([2, 2, 2], [2, 2, 1, 1], [3, 2, 2, 5])
    """
    if not weights or any(w <= 0 for w in weights):
        raise ValueError(f"weights must be positive, got {list(weights)}")
    exact = [Fraction(total) * Fraction(w) / sum(Fraction(v) for v in weights) for w in weights]
    shares = [int(q) for q in exact]  # floors (the quotas are positive)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[:total - sum(shares)]:
        shares[i] += 1
    return shares


def _params_identity(params: dict) -> str:
    """Canonical JSON of a variant's parameters (sorted keys, no spaces)."""
    return json.dumps(params, sort_keys=True, separators=(",", ":"))


def _student_salt(student: str | None) -> int:
    # crc32 is stable across runs and platforms (unlike hash()), and cheap.
    return 0 if student is None else zlib.crc32(student.encode("utf-8"))


@dataclass(frozen=True)
class PaperExercise:
    """A seeded generator of paper problems with answer keys and worked solutions."""

    name: str
    """CLI name, e.g. ``"conv-output-shape"``."""
    title: str
    summary: str
    draw: Callable[[random.Random, str], dict]
    """``draw(rng, difficulty) -> params``: the numbers of one valid variant."""
    build: Callable[[dict], Body]
    """``build(params) -> Body``: statement, parts (answers from the engine), solution."""
    difficulties: tuple[str, ...] = DIFFICULTIES
    points: Mapping[str, int] = field(default_factory=lambda: dict.fromkeys(DIFFICULTIES, 6))
    """Whole points of every variant, per difficulty. Each number a student gives must be
    worth at least one point, so a difficulty whose variants ask many numbers needs a
    larger total (``from_params`` raises otherwise; the catalogue tests walk every kind)."""
    kind: str = "paper"
    version: str = "2"
    topics: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        for d in self.difficulties:
            total = self.points.get(d)
            if isinstance(total, bool) or not isinstance(total, int) or total < 1:
                raise ValueError(f"{self.name}: points[{d!r}] must be a positive whole number, got {total!r}")

    def total_points(self, difficulty: str) -> int:
        """The points of every variant at ``difficulty``."""
        return self.points[self.check_difficulty(difficulty)]

    def rng(self, *, seed: int, student: str | None = None, attempt: int = 0,
            difficulty: str = "medium") -> random.Random:
        """The generator of one draw: a pure function of its arguments."""
        return random.Random(f"{self.name}|{int(seed)}|{_student_salt(student)}|{student}|"
                             f"{attempt}|{difficulty}")

    def _drawn_params(self, *, seed: int, student: str | None, attempt: int, difficulty: str) -> dict:
        return self.draw(self.rng(seed=seed, student=student, attempt=attempt,
                                  difficulty=difficulty), difficulty)

    def check_difficulty(self, difficulty: str) -> str:
        if difficulty not in self.difficulties:
            raise UserError(f"unknown difficulty {difficulty!r} for {self.name}; "
                            f"choose one of {', '.join(self.difficulties)}")
        return difficulty

    def variant(self, *, seed: int = 0, student: str | None = None,
                difficulty: str = "medium", attempt: int = 0) -> Variant:
        """The variant for (seed, student, attempt): always the same one."""
        self.check_difficulty(difficulty)
        params = self._drawn_params(seed=seed, student=student, attempt=attempt, difficulty=difficulty)
        return self.from_params(params, seed=seed, student=student, difficulty=difficulty,
                                attempt=attempt)

    def from_params(self, params: dict, *, seed: int = 0, student: str | None = None,
                    difficulty: str = "medium", attempt: int = 0) -> Variant:
        """Build the variant of given parameters (used by tests for fixed examples); its
        sub-questions share ``total_points(difficulty)`` by weight."""
        body = self.build(params)
        parts = self._scored(tuple(body.parts), self.total_points(difficulty))
        return Variant(kind=self.name, seed=int(seed), student=student, difficulty=difficulty,
                       params=params, title=self.title, statement=tuple(body.statement),
                       parts=parts, solution=tuple(body.solution), attempt=attempt)

    def _scored(self, parts: tuple[Part, ...], total: int) -> tuple[Part, ...]:
        if not parts:
            raise ValueError(f"{self.name}: a variant needs at least one sub-question")
        scored = tuple(replace(p, points=n) for p, n in zip(parts, apportion(total, [p.weight for p in parts])))
        for p in scored:
            if p.points < len(p.cells()):  # a catalogue bug, caught by the catalogue tests
                raise ValueError(f"{self.name}: part ({p.key}) asks {len(p.cells())} numbers but gets "
                                 f"{p.points} of {total} points; raise {self.name}'s points")
        return scored

    def draw_roster(self, students: Sequence[str | None], *, seed: int = 0,
                    difficulty: str = "medium", max_attempts: int = 200) -> list[tuple[int, dict]]:
        """(attempt, params) per student, in order: re-draws (attempt 1, 2...) until the
        parameters differ from every earlier student's. Cheap: nothing is built."""
        self.check_difficulty(difficulty)
        seen: set[str] = set()
        out = []
        for student in students:
            for attempt in range(max_attempts):
                params = self._drawn_params(seed=seed, student=student, attempt=attempt,
                                            difficulty=difficulty)
                ident = _params_identity(params)
                if ident not in seen:
                    break
            else:
                raise UserError(
                    f"{self.name} at difficulty {difficulty} has too few distinct variants for "
                    f"{len(students)} students; choose a higher difficulty or fewer students")
            seen.add(ident)
            out.append((attempt, params))
        return out

    def variants(self, students: Sequence[str | None], *, seed: int = 0,
                 difficulty: str = "medium", max_attempts: int = 200) -> list[Variant]:
        """One variant per student, in order, re-drawing deterministically on duplicates."""
        drawn = self.draw_roster(students, seed=seed, difficulty=difficulty,
                                 max_attempts=max_attempts)
        return [self.from_params(params, seed=seed, student=student, difficulty=difficulty,
                                 attempt=attempt)
                for student, (attempt, params) in zip(students, drawn)]

    def __repr__(self) -> str:
        return f"PaperExercise({self.name!r})"
