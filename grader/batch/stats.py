"""Class statistics gathered in one streaming pass (memory independent of feedback size).

Feeds both the terminal summary and ``OUT/report.html``: score histogram, pass rate per
property group, most frequent diagnosed misconceptions, runs that timed out or crashed,
and the slowest submissions.
"""

from __future__ import annotations

import heapq
import statistics
from collections import Counter
from dataclasses import dataclass, field

from grader.results import ERROR, FAILED, PASSED, SubmissionResult

__all__ = ["ClassStats", "GroupStats", "Incident", "HISTOGRAM_BINS"]

#: Number of bins of the score histogram (over score / max_score).
HISTOGRAM_BINS = 10
# Verdicts worth listing by name in the report: the run itself went wrong.
_INCIDENT_VERDICTS = ("timeout", "memory_limit", "crashed", "forbidden", "grader_error")
# Keep at most this many incidents by name (their count is always exact).
_MAX_INCIDENTS = 200
_SLOWEST = 10


def _incident_message(result: SubmissionResult) -> str:
    """The sentence saying what went wrong: the feedback's ``[verdict] message`` line (the
    checker writes one when a call timed out or crashed in a submission that otherwise ran),
    else the first test's "Failed:" line, else the feedback's last line."""
    tag = f"[{result.verdict}] "
    for line in (result.feedback or "").splitlines():
        if line.startswith(tag):
            return line[len(tag):].strip()
    for test in result.tests:
        for line in test.output.splitlines():
            if line.startswith("Failed:"):
                return line[len("Failed:"):].strip()
        if test.status != PASSED and test.output.strip():
            return test.output.strip().splitlines()[-1]
    lines = [line for line in (result.feedback or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


@dataclass
class GroupStats:
    """Outcome counts of one property group across the class."""

    name: str
    max_score: float = 0.0
    passed: int = 0
    graded: int = 0
    points: float = 0.0

    @property
    def pass_rate(self) -> float:
        return self.passed / self.graded if self.graded else 0.0

    @property
    def mean_points(self) -> float:
        return self.points / self.graded if self.graded else 0.0


@dataclass(frozen=True)
class Incident:
    """A submission whose run timed out, crashed, hit a limit or was refused."""

    submission: str
    verdict: str
    message: str


@dataclass
class ClassStats:
    """Aggregates over a class of results; :meth:`add` one result at a time."""

    exercise: str = ""
    count: int = 0
    by_status: Counter = field(default_factory=Counter)
    by_verdict: Counter = field(default_factory=Counter)
    fractions: list[float] = field(default_factory=list)
    groups: dict[str, GroupStats] = field(default_factory=dict)
    misconceptions: Counter = field(default_factory=Counter)
    incidents: list[Incident] = field(default_factory=list)
    incident_count: int = 0
    _slowest: list[tuple[float, str]] = field(default_factory=list)

    def add(self, result: SubmissionResult) -> None:
        """Count one result in."""
        self.exercise = self.exercise or result.exercise
        self.count += 1
        self.by_status[result.status] += 1
        self.by_verdict[result.verdict] += 1
        self.fractions.append(result.score / result.max_score if result.max_score else 0.0)
        for test in result.tests:
            group = self.groups.setdefault(test.name, GroupStats(test.name))
            group.max_score = max(group.max_score, test.max_score)
            group.graded += 1
            group.points += test.score
            group.passed += test.status == PASSED
        self.misconceptions.update(dict.fromkeys(result.misconceptions, 1))
        if result.verdict in _INCIDENT_VERDICTS:
            self.incident_count += 1
            if len(self.incidents) < _MAX_INCIDENTS:
                self.incidents.append(Incident(result.submission, result.verdict, _incident_message(result)))
        heapq.heappush(self._slowest, (result.duration_s, result.submission))
        if len(self._slowest) > _SLOWEST:
            heapq.heappop(self._slowest)

    @property
    def passed(self) -> int:
        return self.by_status[PASSED]

    @property
    def failed(self) -> int:
        return self.by_status[FAILED]

    @property
    def errors(self) -> int:
        return self.by_status[ERROR]

    @property
    def mean_fraction(self) -> float:
        return statistics.fmean(self.fractions) if self.fractions else 0.0

    @property
    def median_fraction(self) -> float:
        return statistics.median(self.fractions) if self.fractions else 0.0

    def histogram(self, bins: int = HISTOGRAM_BINS) -> list[int]:
        """Counts of score / max_score in ``bins`` equal bins over [0, 1] (1.0 in the last)."""
        counts = [0] * bins
        for fraction in self.fractions:
            counts[min(bins - 1, max(0, int(fraction * bins)))] += 1
        return counts

    def slowest(self) -> list[tuple[str, float]]:
        """The slowest submissions, slowest first: ``(name, seconds)``."""
        return [(name, seconds) for seconds, name in sorted(self._slowest, reverse=True)]

    def top_misconceptions(self, n: int = 10) -> list[tuple[str, int]]:
        """The ``n`` most frequent diagnosed misconceptions with the number of submissions."""
        return self.misconceptions.most_common(n)
