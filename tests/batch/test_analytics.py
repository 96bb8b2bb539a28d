"""Item analytics: the statistics against independent references (numpy's Pearson
correlation, textbook Fisher tables, closed-form chi-square tails), the item numbers of a
small class counted by hand, and seeded simulations of a paper exam whose variant families
are equally hard, or not."""

from __future__ import annotations

import csv
import json
import math
import random

import numpy as np
import pytest

from grader.batch.analytics import (ItemAnalytics, chi_square_homogeneity, family_tests, fisher_exact,
                                    point_biserial)
from grader.paper import grade_answers, make_variants
from grader.paper.grading import variant_family
from grader.results import SubmissionResult
from grader.results import TestResult as GroupResult


@pytest.mark.parametrize("seed", range(5))
def test_point_biserial_is_pearsons_r_of_the_zero_one_item(seed):
    rng = np.random.default_rng(seed)
    rest = rng.random(40)
    passed = rng.random(40) < rest  # related to the rest of the score
    assert point_biserial(list(passed), list(rest)) == pytest.approx(np.corrcoef(passed.astype(float), rest)[0, 1])


def test_point_biserial_is_undefined_without_variation():
    assert point_biserial([True, True], [0.1, 0.9]) is None
    assert point_biserial([True, False], [0.5, 0.5]) is None


@pytest.mark.parametrize("table, p", [
    ((3, 1, 1, 3), 34 / 70),             # Fisher's tea-tasting lady: two-sided 0.4857
    ((1, 9, 11, 3), 0.002759456185220),  # the textbook dieting example
    ((0, 5, 5, 0), 2 / 252),             # the two most extreme tables of C(10, 5)
    ((2, 2, 2, 2), 1.0),
])
def test_fisher_exact_matches_textbook_tables(table, p):
    assert fisher_exact(*table) == pytest.approx(p, rel=1e-9)


@pytest.mark.parametrize("statistic", [0.3, 2.0, 7.5, 15.0])
def test_chi_square_tail_matches_closed_forms(statistic):
    # Closed forms: df = 1: erfc(sqrt(x / 2)); df = 2: exp(-x / 2); df = 3:
    # erfc(sqrt(x/2)) + sqrt(2x / pi) exp(-x/2).
    closed = {1: math.erfc(math.sqrt(statistic / 2)), 2: math.exp(-statistic / 2),
              3: math.erfc(math.sqrt(statistic / 2)) + math.sqrt(2 * statistic / math.pi) * math.exp(-statistic / 2)}
    import mpmath

    for df, expected in closed.items():
        got = float(mpmath.gammainc(df / 2, statistic / 2, mpmath.inf, regularized=True))
        assert got == pytest.approx(expected, rel=1e-9)


def test_chi_square_homogeneity_of_a_worked_table():
    # 2 x 2: 10/20 and 20/30 passed; expected 12 and 18 passed: X2 = sum (O-E)^2/E, by hand.
    statistic, df, p = chi_square_homogeneity([10, 20], [20, 30])
    by_hand = (10 - 12) ** 2 / 12 + (10 - 8) ** 2 / 8 + (20 - 18) ** 2 / 18 + (10 - 12) ** 2 / 12
    assert (df, statistic) == (1, pytest.approx(by_hand))
    assert p == pytest.approx(math.erfc(math.sqrt(by_hand / 2)))
    assert chi_square_homogeneity([5, 5], [5, 5]) == (0.0, 1, 1.0)  # everybody passed: nothing to test


def _result(name, scores, misconceptions=(), status=None):
    tests = [GroupResult(g, s, 1.0, "passed" if s == 1 else "failed", misconception=m)
             for (g, s), m in zip(scores.items(), list(misconceptions) + [None] * len(scores))]
    total = sum(scores.values())
    status = status or ("passed" if total == len(scores) else "failed")
    return SubmissionResult(name, "conv2d-forward", total, float(len(scores)), status, tests)


def test_item_numbers_of_a_small_class_counted_by_hand():
    analytics = ItemAnalytics()
    analytics.add(_result("a", {"shape": 1, "padding": 1, "stride": 1}))
    analytics.add(_result("b", {"shape": 1, "padding": 0, "stride": 1}, [None, "padding_ignored"]))
    analytics.add(_result("c", {"shape": 1, "padding": 0, "stride": 0}, [None, "padding_ignored", "stride_ignored"]))
    analytics.add(_result("d", {"shape": 0, "padding": 0, "stride": 0}, ["flipped_kernel"] * 3))
    analytics.add(_result("e", {"shape": 0, "padding": 0, "stride": 0}, status="error"))  # did not run
    assert analytics.count == 4
    items = {i.name: i for i in analytics.items()}
    padding = items["padding"]
    assert (padding.graded, padding.passed, padding.mean_fraction) == (4, 1, 0.25)
    assert padding.misconceptions == {"padding_ignored": 2, "flipped_kernel": 1}
    # Rest of the score (shape + stride, out of 2) for a, b, c, d: 1, 1, 0.5, 0; only a passed.
    rest = [1.0, 1.0, 0.5, 0.0]
    assert padding.discrimination == pytest.approx(np.corrcoef([1, 0, 0, 0], rest)[0, 1])
    # Quarters of the rest score: d in 0-25%, c in 50-75%, a and b in 75-100% (a passed).
    assert padding.curve == [(0, 1), (0, 0), (0, 1), (1, 2)]
    # shape: passed by a, b, c, whose rest (padding + stride) is 1, 0.5, 0; d failed with 0.
    assert items["shape"].discrimination == pytest.approx(np.corrcoef([1, 1, 1, 0], [1.0, 0.5, 0.0, 0.0])[0, 1])


def test_a_paper_family_gets_its_own_items():
    analytics = ItemAnalytics()
    analytics.add(_result("a", {"a": 1, "b": 0}), family="forward")
    analytics.add(_result("b", {"a": 0}), family="same-padding")
    assert [i.name for i in analytics.items()] == ["forward: a", "forward: b", "same-padding: a"]


def _simulated_class(seed: int, rates: dict[str, float], n: int = 200):
    """(family, passed, fraction) per simulated student: a student of family f gets full
    marks with probability rates[f]."""
    rng = random.Random(seed)
    names = sorted(rates)
    out = []
    for _ in range(n):
        family = rng.choice(names)
        passed = rng.random() < rates[family]
        out.append((family, passed, 1.0 if passed else rng.random() * 0.9))
    return out


def test_equal_families_are_flagged_at_most_at_the_stated_rate():
    """The Bonferroni guarantee: with equally hard families, some family is flagged in at most
    5% of classes. Over 200 seeded classes of 200 students and four families, the count of
    classes with a flag stays under the binomial(200, 0.05) 99.9% quantile (21)."""
    equal = {f: 0.5 for f in ("floor", "forward", "halving-stride", "same-padding")}
    flagged = sum(bool(family_tests(_simulated_class(seed, equal)).flagged) for seed in range(200))
    assert flagged <= 21


def test_an_easier_family_is_found_in_almost_every_class():
    """One family twice as easy: found in (nearly) every class of 200, and the other three
    are rarely flagged (only when a sample of one of them is itself far off: 9/45 passed
    where 45% is the rate)."""
    rates = {"floor": 0.45, "forward": 0.45, "halving-stride": 0.9, "same-padding": 0.45}
    found = others = 0
    for seed in range(50):
        flags = {f.name: f.direction for f in family_tests(_simulated_class(seed, rates)).flagged}
        found += flags.pop("halving-stride", None) == "easier"
        others += bool(flags)
    assert found >= 48 and others <= 3


def _exam(tmp_path, rates: dict[str, float], *, seed: int):
    """200 students sit conv-output-shape (medium: four question types); a student of family f
    answers everything right with probability rates[f], else gets at least one number wrong."""
    ids = [f"st{i:03d}" for i in range(200)]
    variants = make_variants("conv-output-shape", seed=4, students=ids, difficulty="medium")
    rng = random.Random(seed)
    rows = []
    for v in variants:
        cells = [c for c, _, _, _ in v.cells()]
        right = rng.random() < rates[variant_family(v)]
        wrong = set() if right else set(rng.sample(cells, rng.randint(1, len(cells))))
        rows.append({"submission": v.student,
                     **{c: str(e + 1 if c in wrong else e) for c, e, _, _ in v.cells()}})
    (tmp_path / "roster.csv").write_text("submission\n" + "\n".join(ids) + "\n")
    columns = sorted({c for r in rows for c in r} - {"submission"})
    with (tmp_path / "answers.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, ["submission", *columns])
        writer.writeheader()
        writer.writerows(rows)
    grade_answers("conv-output-shape", roster=tmp_path / "roster.csv", answers=tmp_path / "answers.csv", seed=4,
                  out_dir=tmp_path / "out")
    return json.loads((tmp_path / "out" / "report.json").read_text()), (tmp_path / "out" / "report.html").read_text()


def test_a_paper_exam_with_one_easier_family_is_flagged(tmp_path):
    rates = {"floor": 0.4, "forward": 0.4, "halving-stride": 0.4, "same-padding": 0.85}
    report, html = _exam(tmp_path, rates, seed=11)
    families = {f["name"]: f for f in report["families"]["families"]}
    assert set(families) == set(rates) and sum(f["students"] for f in families.values()) == 200
    assert [name for name, f in families.items() if f["flagged"]] == ["same-padding"]
    assert families["same-padding"]["direction"] == "easier"
    assert families["same-padding"]["p_adjusted"] == pytest.approx(min(1, 4 * families["same-padding"]["p_value"]))
    assert report["families"]["correction"] == "bonferroni" and report["families"]["p_value"] < 0.05
    assert "<h2>Variant families</h2>" in html and "easier than the others" in html
    assert any(item["name"].startswith("same-padding: ") for item in report["items"])


def test_a_paper_exam_with_equal_families_flags_nothing(tmp_path):
    report, html = _exam(tmp_path, dict.fromkeys(("floor", "forward", "halving-stride", "same-padding"), 0.5), seed=11)
    assert [f["name"] for f in report["families"]["families"] if f["flagged"]] == []
    assert "No family's pass rate differs from the others beyond chance" in html
