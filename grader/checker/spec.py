"""The declarative vocabulary of a code exercise: points and labels are data.

An exercise module (``exercises/<name>.py``) builds one :class:`CodeExercise` from
:class:`Function` signatures, weighted :class:`PropertyGroup` s (each draws its inputs from a
hypothesis strategy of :class:`Case` s and compares one or more outputs with the reference),
and a catalogue of :class:`Misconception` s: common mistakes written as alternative
references, so the checker can name the mistake when a student's output equals one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from grader.checker.source import HEADER

__all__ = [
    "Case",
    "CodeExercise",
    "Failure",
    "Function",
    "Misconception",
    "PropertyGroup",
    "Tolerance",
    "CODE_FORBIDDEN_IMPORTS",
]

#: Modules a numpy layer exercise may not import: anything that already implements the layer.
CODE_FORBIDDEN_IMPORTS = (
    "torch", "tensorflow", "keras", "jax", "scipy", "sklearn", "cupy", "numba", "mxnet",
    "paddle", "chainer", "theano", "grader", "exercises", "solutions", "cli", "hypothesis",
)


@dataclass(frozen=True)
class Function:
    """One function the student writes."""

    name: str
    """Python name, e.g. ``"conv2d_forward"``."""
    params: str
    """The parameter list exactly as in DESIGN.md 3.1, e.g. ``"x, w, b, stride=1, padding=0"``."""
    doc: str
    """Docstring for the starter: shapes in, shapes out."""
    returns: tuple[str, ...] = ()
    """Names of the arrays of a tuple return, e.g. ``("dx", "dw", "db")``; empty for one array."""

    @property
    def param_names(self) -> list[str]:
        return [p.split("=")[0].strip() for p in self.params.split(",") if p.strip()]

    def __repr__(self) -> str:
        return f"Function({self.name}({self.params}))"


@dataclass(frozen=True, eq=False)
class Case:
    """One input to a student function: positional ``args`` then keyword ``kwargs``.

    Arrays are float64 numpy arrays; everything else is an int, a float, a tuple of ints,
    None or a :class:`grader.sandbox.Rng` (sent to the sandbox as data).
    """

    args: tuple
    kwargs: dict = field(default_factory=dict)

    def key(self) -> str:
        """A content hash: equal inputs give equal keys (the checker memoises on it)."""
        digest = hashlib.sha256()
        for item in (*self.args, *sorted(self.kwargs.items())):
            if isinstance(item, np.ndarray):
                digest.update(repr((item.dtype.str, item.shape)).encode())
                digest.update(np.ascontiguousarray(item).tobytes())
            else:
                digest.update(repr(item).encode())
            digest.update(b"|")
        return digest.hexdigest()

    def __repr__(self) -> str:
        shapes = [a.shape if isinstance(a, np.ndarray) else a for a in self.args]
        return f"Case(args={shapes}, kwargs={self.kwargs})"


@dataclass(frozen=True)
class Failure:
    """Why one case failed a group: a sentence, and optionally a diagnosed misconception key."""

    message: str
    misconception: str | None = None


@dataclass(frozen=True)
class Tolerance:
    """``|got - expected| <= atol * scale + rtol * |expected|`` with ``scale = max(1, max|expected|)``.

    Loose enough for a correct float32 implementation, tight enough to catch any real bug:
    drawn values sit on a grid of multiples of 1/4 (scaled by a power of two, or offset,
    in the groups that draw wide magnitudes), so wrong answers are far off. Batch norm's
    large-offset groups are the exception float32 cannot meet (1e7 + 1/4 is not a float32)."""

    rtol: float = 1e-4
    atol: float = 1e-5


@dataclass(frozen=True)
class PropertyGroup:
    """A weighted group of checks that isolates one feature (one row of the points table)."""

    name: str
    """Short label, e.g. ``"padding"``; also the grades.csv column."""
    points: float
    description: str
    """What the group checks, one sentence shown to the student."""
    function: str
    """Name of the student function the group calls."""
    cases: Any
    """A hypothesis strategy drawing :class:`Case` s (shrinkable: failures are minimised)."""
    examples: tuple[Case, ...] = ()
    """Explicit edge cases, tried after the drawn ones pass (never shrunk: keep them small)."""
    outputs: tuple[str, ...] | None = None
    """Which named outputs of a tuple-returning function this group compares (None: all)."""
    shape_only: bool = False
    """Compare shapes (and that the values are finite numbers) but not the values."""
    prop: Callable[..., Failure | None] | None = None
    """A custom property ``prop(case, call) -> Failure | None`` for random layers, where
    ``call(function_name, *args, **kwargs)`` runs the student function and returns its value
    or raises :class:`grader.checker.StudentFailure`. None: compare with the exercise reference."""
    max_examples: int | None = None
    """Drawn cases for this group (None: the exercise default)."""


@dataclass(frozen=True)
class Misconception:
    """A common mistake written as an alternative reference with the student's signature."""

    key: str
    """Stable identifier, e.g. ``"flipped_kernel"`` (reported in grades.json)."""
    function: str
    """The student function it concerns."""
    message: str
    """What the student did and what the layer really computes, e.g. "your output equals a
    true convolution with the flipped kernel; the layer computes cross-correlation"."""
    reference: Callable[..., Any] | None = None
    """Computes the mistaken output from the same arguments (numpy in, numpy out). None for
    misconceptions that a group's ``prop`` diagnoses itself."""


@dataclass(frozen=True)
class CodeExercise:
    """A numpy-layer exercise graded by properties against the reference engine."""

    name: str
    title: str
    summary: str
    version: str
    """Changes whenever grading changes (the batch cache keys on it)."""
    statement: str
    """The task in Markdown (conventions, shapes, what is graded)."""
    functions: tuple[Function, ...]
    groups: tuple[PropertyGroup, ...]
    references: dict[str, Callable[..., Any]]
    """Expected output(s) per function name, from the same numpy arguments (float64)."""
    misconceptions: tuple[Misconception, ...] = ()
    tolerance: Tolerance = Tolerance()
    forbidden_imports: tuple[str, ...] = CODE_FORBIDDEN_IMPORTS
    max_examples: int = 12
    """Drawn cases per group."""
    shrink_budget: int = 60
    """Test executions allowed for shrinking a group's failure, every execution counted
    (the draws hypothesis discards and replays of cases already run too): bounds the
    time a buggy submission costs, at about 2-10 ms per execution."""
    kind: str = "code"

    @property
    def max_score(self) -> float:
        return float(sum(g.points for g in self.groups))

    def function(self, name: str) -> Function:
        for fn in self.functions:
            if fn.name == name:
                return fn
        raise KeyError(name)

    def starter(self) -> str:
        """The student starter: header line, imports, one stub per function."""
        lines = [
            HEADER.format(name=self.name),
            f'"""{self.title}: see the statement for the conventions; run `cnngrade check` to grade."""',
            "",
            "import numpy as np",
            "",
        ]
        for fn in self.functions:
            doc = "\n".join(("    " + ln) if ln.strip() else "" for ln in fn.doc.strip().splitlines())
            lines += ["", f"def {fn.name}({fn.params}):", '    """' + doc.lstrip(), '    """',
                      "    # Write your code here.", "    pass", ""]
        return "\n".join(lines).rstrip() + "\n"

    def __repr__(self) -> str:
        return f"CodeExercise({self.name!r}, groups={len(self.groups)}, points={self.max_score:g})"
