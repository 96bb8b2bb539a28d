"""Plain dataclasses passed between the checker, the batch layer and the renderers.

These carry the fields of the grades.json contract (DESIGN.md section 3.3); the
export column names are defined here once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["TestResult", "SubmissionResult", "CSV_COLUMNS", "PASSED", "FAILED", "ERROR"]

PASSED, FAILED, ERROR = "passed", "failed", "error"

#: First columns of grades.csv; one column per property group follows.
CSV_COLUMNS = ("submission", "score", "max_score", "status")


@dataclass
class TestResult:
    """The outcome of one property group (one row of the points table)."""

    name: str
    """Property group name, e.g. ``"padding"``."""
    score: float
    """Points earned in this group."""
    max_score: float
    """Points available in this group."""
    status: str
    """``"passed"`` exactly when score == max_score, else ``"failed"`` (or ``"error"``)."""
    output: str = ""
    """Feedback text for the student: what was checked, got vs expected, where they differ."""
    counterexample: dict[str, Any] | None = None
    """The shrunk failing input and outputs as JSON-able data, or None when passed."""
    misconception: str | None = None
    """Key of the diagnosed misconception in the exercise catalogue, if one matched."""


@dataclass
class SubmissionResult:
    """The grade of one submission for one exercise."""

    submission: str
    """Submission name (entry name without extension, DESIGN.md 3.2)."""
    exercise: str
    """Exercise name, e.g. ``"conv2d-forward"``."""
    score: float
    """Sum of the group scores."""
    max_score: float
    """Sum of the group maxima."""
    status: str
    """``"passed"`` exactly when score == max_score, ``"failed"`` otherwise, ``"error"``
    when the submission could not be run at all (syntax error, missing function...)."""
    tests: list[TestResult] = field(default_factory=list)
    """One entry per property group, in the exercise's order."""
    feedback: str = ""
    """The whole feedback text shown to the student."""
    verdict: str = "ok"
    """Sandbox-level verdict for the run as a whole: ``ok``, ``syntax_error``, ``timeout``,
    ``memory_limit``, ``crashed``, ``forbidden``, ``missing_function``, ``bad_return``..."""
    misconceptions: list[str] = field(default_factory=list)
    """Keys of every misconception diagnosed across groups."""
    duration_s: float = 0.0
    """Wall-clock seconds spent grading."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SubmissionResult":
        tests = [TestResult(**t) for t in data.get("tests", [])]
        return cls(**{**data, "tests": tests})
