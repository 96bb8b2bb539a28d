"""Item analytics for the class report: which questions work.

An *item* is a property group of a code exercise or a sub-question (part) of a paper
exercise: one :class:`~grader.results.TestResult` per submission. For each item,
:class:`ItemAnalytics` gives

- the mean score (points and share of the item's maximum) and the pass rate (full points);
- the discrimination: the point-biserial correlation between passing the item (0/1) and the
  rest of the score (the submission's other items, as a share of their maximum). A good item
  is passed by those who do well elsewhere (r well above 0); r near 0 or below flags an item
  that measures something else (or is broken). ``None`` when it is undefined: everyone passed
  or everyone failed the item, or the rest of the score is the same for everyone;
- the misconceptions diagnosed behind its failures, most frequent first;
- the pass rate per quarter of the rest score (0-25%, ..., 75-100%), the item's plot.

Only submissions that ran are counted (status ``passed`` or ``failed``): one that could not
run at all (a syntax error, a timeout at import) fails every item alike and says nothing
about any of them.

*Variant families* (paper exercises): students drew different variants, grouped into
families (the question type). :func:`family_tests` compares the families' pass rates (a
student passes with full marks): a chi-square test of homogeneity over all families, and for
each family an exact two-sided Fisher test of that family against all the others. Testing K
families is K tests, so each family's p-value is Bonferroni-corrected (multiplied by K,
capped at 1) and the most significant family is flagged when its corrected value is below
``alpha`` (0.05); it then leaves the comparison and the remaining families are tested again
among themselves, so an easier family does not make the others look harder. With families
equally hard, the chance of flagging any is at most 5%.

Statistics are exact or closed-form and need no scipy: Fisher's test sums hypergeometric
probabilities in integers (``math.comb``), and the chi-square tail is the regularized upper
incomplete gamma function of mpmath (which sympy, a dependency, requires).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from grader.batch.stats import GroupStats
from grader.results import ERROR, PASSED, SubmissionResult

__all__ = ["ItemAnalytics", "ItemStats", "FamilyStats", "FamilyTest", "point_biserial", "fisher_exact",
           "chi_square_homogeneity", "family_tests", "ALPHA", "CURVE_BINS"]

#: Family-wise significance level of the variant-family flags.
ALPHA = 0.05
#: Bins of the rest score in each item's plot.
CURVE_BINS = 4


def point_biserial(passed: list[bool], rest: list[float]) -> float | None:
    """Point-biserial correlation of a 0/1 item with a continuous score:
    ``(M1 - M0) / s * sqrt(p q)`` with M1, M0 the mean rest score of those who passed and
    failed, s the population standard deviation of the rest score and p, q the shares who
    passed and failed. None when undefined (p in {0, 1} or s = 0)."""
    n = len(passed)
    ones = [r for ok, r in zip(passed, rest) if ok]
    zeros = [r for ok, r in zip(passed, rest) if not ok]
    if not ones or not zeros:
        return None
    s = statistics.pstdev(rest)
    if s <= 1e-12:
        return None
    p = len(ones) / n
    return (statistics.fmean(ones) - statistics.fmean(zeros)) / s * math.sqrt(p * (1 - p))


def fisher_exact(a: int, b: int, c: int, d: int) -> float:
    """Two-sided p-value of Fisher's exact test on the 2x2 table ``[[a, b], [c, d]]``: the
    probability, with the margins fixed, of a table at most as likely as the one observed."""
    row, col, n = a + b, a + c, a + b + c + d
    total = math.comb(n, row)

    def weight(x: int) -> int:  # hypergeometric probability of a = x, times C(n, row)
        return math.comb(col, x) * math.comb(n - col, row - x)

    observed = weight(a)
    low, high = max(0, row + col - n), min(row, col)
    # A relative slack, as R and scipy use, so tables as likely as the observed one count.
    tail = sum(w for w in (weight(x) for x in range(low, high + 1)) if w <= observed * (1 + 1e-7))
    return min(1.0, tail / total)


def chi_square_homogeneity(passed: list[int], totals: list[int]) -> tuple[float, int, float]:
    """Chi-square test that K groups share one pass rate: ``(statistic, df, p_value)``.
    ``passed[k]`` of ``totals[k]`` passed in group k; groups without anyone are left out.
    p is 1 (statistic 0) when fewer than two groups, or nobody or everybody passed."""
    groups = [(p, t) for p, t in zip(passed, totals) if t > 0]
    n, k = sum(t for _, t in groups), len(groups)
    share = sum(p for p, _ in groups) / n if n else 0.0
    if k < 2 or share in (0.0, 1.0):
        return 0.0, max(k - 1, 0), 1.0
    statistic = 0.0
    for p, t in groups:
        for observed, expected in ((p, t * share), (t - p, t * (1 - share))):
            statistic += (observed - expected) ** 2 / expected
    df = k - 1
    import mpmath  # installed with sympy

    p_value = float(mpmath.gammainc(df / 2, statistic / 2, mpmath.inf, regularized=True))
    return statistic, df, min(1.0, max(0.0, p_value))


@dataclass
class ItemStats(GroupStats):
    """The numbers of one item across the class (the counts of a property group's
    :class:`~grader.batch.stats.GroupStats`, over the submissions that ran, and more)."""

    discrimination: float | None = None
    """Point-biserial r of passing against the rest of the score (None: undefined)."""
    misconceptions: Counter = field(default_factory=Counter)
    """Diagnosed misconception key -> failures of this item it explains."""
    curve: list[tuple[int, int]] = field(default_factory=list)
    """(passed, graded) per bin of the rest score (:data:`CURVE_BINS` bins, lowest first)."""

    @property
    def mean_fraction(self) -> float:
        return self.mean_points / self.max_score if self.max_score else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "max_score": self.max_score, "graded": self.graded, "passed": self.passed,
            "pass_rate": round(self.pass_rate, 6), "mean_score": round(self.mean_points, 6),
            "mean_fraction": round(self.mean_fraction, 6),
            "discrimination": None if self.discrimination is None else round(self.discrimination, 6),
            "misconceptions": [{"key": k, "failures": n} for k, n in self.misconceptions.most_common()],
            "curve": [{"passed": p, "graded": g} for p, g in self.curve],
        }


@dataclass
class FamilyStats:
    """The pass rate of one variant family and its test against the other families."""

    name: str
    students: int
    passed: int
    p_value: float = 1.0
    """Two-sided Fisher p of this family against the others in play (uncorrected), at the
    last step of :func:`family_tests` it took part in."""
    p_adjusted: float = 1.0
    """``p_value`` times the number of families in play (Bonferroni), at most 1."""
    flagged: bool = False
    mean_fraction: float = 0.0
    """Mean score / max_score of its students."""
    rest_pass_rate: float = 0.0
    """The pass rate of the other families in play, together."""

    @property
    def pass_rate(self) -> float:
        return self.passed / self.students if self.students else 0.0

    @property
    def direction(self) -> str:
        """``"easier"`` or ``"harder"`` than the others when flagged, else empty."""
        if not self.flagged:
            return ""
        return "easier" if self.pass_rate > self.rest_pass_rate else "harder"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "students": self.students, "passed": self.passed,
                "pass_rate": round(self.pass_rate, 6), "mean_fraction": round(self.mean_fraction, 6),
                "p_value": self.p_value, "p_adjusted": self.p_adjusted, "flagged": self.flagged,
                "direction": self.direction}


@dataclass
class FamilyTest:
    """Variant families of a paper exercise and whether their pass rates differ beyond chance."""

    families: list[FamilyStats]
    chi_square: float
    df: int
    p_value: float
    """Of the chi-square test of homogeneity over all families."""
    alpha: float = ALPHA

    @property
    def flagged(self) -> list[FamilyStats]:
        return [f for f in self.families if f.flagged]

    def to_dict(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "correction": "bonferroni", "chi_square": round(self.chi_square, 6),
                "df": self.df, "p_value": self.p_value, "families": [f.to_dict() for f in self.families]}


def family_tests(outcomes: Iterable[tuple[str, bool, float]], *, alpha: float = ALPHA) -> FamilyTest:
    """Test variant families for unequal difficulty. ``outcomes``: one ``(family, passed,
    score fraction)`` per student.

    Step by step: each family still in play is tested (Fisher, two-sided) against all the
    others still in play, Bonferroni-corrected over their number; the most significant one is
    flagged if its corrected p is below ``alpha`` and leaves play, and the step repeats. So one
    easier family is flagged alone: the others are not called harder for being compared with
    it. With every family equally hard the first step flags none with probability at least
    ``1 - alpha``. A family's p-values are those of the last step it took part in."""
    by_family: dict[str, list[tuple[bool, float]]] = {}
    for family, passed, fraction in outcomes:
        by_family.setdefault(family, []).append((bool(passed), fraction))
    names = sorted(by_family)
    stats = {name: FamilyStats(name, len(by_family[name]), sum(ok for ok, _ in by_family[name]),
                               mean_fraction=statistics.fmean(f for _, f in by_family[name])) for name in names}
    statistic, df, p_value = chi_square_homogeneity([stats[n].passed for n in names],
                                                    [stats[n].students for n in names])
    in_play = list(names)
    while len(in_play) >= 2:
        passed, everyone = sum(stats[n].passed for n in in_play), sum(stats[n].students for n in in_play)
        for name in in_play:
            f = stats[name]
            rest_ok, rest_n = passed - f.passed, everyone - f.students
            f.rest_pass_rate = rest_ok / rest_n
            f.p_value = fisher_exact(f.passed, f.students - f.passed, rest_ok, rest_n - rest_ok)
            f.p_adjusted = min(1.0, f.p_value * len(in_play))
        most = min(in_play, key=lambda n: (stats[n].p_value, n))
        if stats[most].p_adjusted >= alpha:
            break
        stats[most].flagged = True
        in_play.remove(most)
    return FamilyTest([stats[n] for n in names], statistic, df, p_value, alpha)


class ItemAnalytics:
    """Collects item outcomes one result at a time (:meth:`add`), then :meth:`items` and,
    given each submission's variant family, :meth:`families`."""

    def __init__(self) -> None:
        self._order: dict[str, None] = {}
        self._max: dict[str, float] = {}
        # Per submission that ran: (name, {item: (score, max, passed, misconception)}, status passed).
        self._rows: list[tuple[str, dict[str, tuple[float, float, bool, str | None]], bool, float]] = []

    def add(self, result: SubmissionResult, *, family: str | None = None) -> None:
        """Count one result in. ``family``: its variant family (paper exercises), whose
        parts are then items of their own (``"forward: a"``): families ask other questions."""
        if result.status == ERROR or result.verdict == "grader_error" or not result.tests:
            return
        items = {}
        for test in result.tests:
            name = f"{family}: {test.name}" if family else test.name
            self._order.setdefault(name, None)
            self._max[name] = max(self._max.get(name, 0.0), test.max_score)
            items[name] = (test.score, test.max_score, test.status == PASSED, test.misconception)
        fraction = result.score / result.max_score if result.max_score else 0.0
        self._rows.append((result.submission, items, result.status == PASSED, fraction))

    @property
    def count(self) -> int:
        """Submissions counted (those that ran)."""
        return len(self._rows)

    def items(self) -> list[ItemStats]:
        out = []
        for name in self._order:
            stats = ItemStats(name, max_score=self._max[name])
            passed, rest = [], []
            for _, items, _, _ in self._rows:
                if name not in items:
                    continue
                score, max_score, ok, misconception = items[name]
                stats.graded += 1
                stats.passed += ok
                stats.points += score
                if not ok and misconception:
                    stats.misconceptions[misconception] += 1
                other_score = sum(s for s, _, _, _ in items.values()) - score
                other_max = sum(m for _, m, _, _ in items.values()) - max_score
                passed.append(ok)
                rest.append(other_score / other_max if other_max > 0 else 0.0)
            stats.discrimination = point_biserial(passed, rest)
            bins = [[0, 0] for _ in range(CURVE_BINS)]
            for ok, r in zip(passed, rest):
                b = bins[min(CURVE_BINS - 1, int(r * CURVE_BINS))]
                b[0] += ok
                b[1] += 1
            stats.curve = [(p, g) for p, g in bins]
            out.append(stats)
        return out

    def families(self, labels: Mapping[str, str], *, alpha: float = ALPHA) -> FamilyTest | None:
        """The family test over the submissions that ran and have a label (None when fewer
        than two families)."""
        outcomes = [(labels[name], ok, fraction) for name, _, ok, fraction in self._rows if name in labels]
        if len({family for family, _, _ in outcomes}) < 2:
            return None
        return family_tests(outcomes, alpha=alpha)
