"""Points per variant: the same total for every variant of one paper exercise and
difficulty, by construction (``PaperExercise.points`` shared among parts by weight), for
every kind of the catalogue."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from grader.paper import make_variants, paper_exercises
from grader.paper.model import DIFFICULTIES, Part, PaperExercise, apportion

CATALOGUE = sorted(paper_exercises())


def test_the_catalogue_has_paper_kinds():
    assert len(CATALOGUE) >= 9  # a kind that stops loading must not shrink this walk to nothing


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
@pytest.mark.parametrize("name", CATALOGUE)
def test_every_variant_of_a_kind_and_difficulty_is_worth_the_same(name, difficulty):
    """Three rosters (40 students, seeds 0-2) and 40 numbered variants: one total, the
    exercise's declared one; parts carry whole points, at least one per number asked."""
    ex = paper_exercises()[name]
    total = ex.total_points(difficulty)
    variants = [v for seed in range(3)
                for v in make_variants(ex, seed=seed, students=[f"st{i:02d}" for i in range(40)],
                                       difficulty=difficulty)]
    variants += make_variants(ex, seed=99, count=40, difficulty=difficulty)
    assert {v.max_score for v in variants} == {float(total)}
    for v in variants:
        assert all(isinstance(p.points, int) and p.points >= len(p.cells()) for p in v.parts), v.params
    # The catalogue's question types really differ in shape: equal totals are not a coincidence.
    if name in ("conv-output-shape", "param-count", "architecture-trace", "pooling-by-hand"):
        if difficulty != "easy":
            assert len({len(v.cells()) for v in variants}) > 1


def test_the_issue_roster_gets_one_total():
    """The report: 29 students of conv-output-shape got 3, 2 or 1 points by question type."""
    variants = make_variants("conv-output-shape", seed=0, students=[f"s{i}" for i in range(29)])
    assert len({len(v.parts) for v in variants}) == 3  # all three shapes of question are drawn
    assert {v.max_score for v in variants} == {6.0}


@given(total=st.integers(1, 200), weights=st.lists(st.integers(1, 9), min_size=1, max_size=12))
def test_apportion_is_whole_exact_and_within_one_of_the_quota(total, weights):
    shares = apportion(total, weights)
    assert sum(shares) == total and all(isinstance(s, int) for s in shares)
    for share, w in zip(shares, weights):
        quota = Fraction(total * w, sum(weights))
        assert quota - 1 < share < quota + 1
        if quota.denominator == 1:
            assert share == quota


def test_apportion_examples():
    assert apportion(6, [1, 1, 1]) == [2, 2, 2]
    assert apportion(6, [1, 1]) == [3, 3]
    assert apportion(6, [1]) == [6]
    assert apportion(36, [1] * 7 + [2]) == [4] * 7 + [8]
    assert apportion(5, [1, 1]) == [3, 2]  # ties go to the earlier part


def _toy(points, parts):
    from grader.paper.model import Body

    return PaperExercise(name="toy", title="Toy", summary="", draw=lambda rng, d: {},
                         build=lambda p: Body(("x",), parts, ()), points=points)


def test_too_few_points_for_the_numbers_asked_is_caught_when_building():
    """A catalogue bug (a part asking more numbers than it gets points) fails loudly."""
    ex = _toy({"easy": 2, "medium": 2, "hard": 2}, (Part("a", "?", (1, 2, 3)),))
    with pytest.raises(ValueError, match=r"part \(a\) asks 3 numbers but gets 2 of 2 points"):
        ex.from_params({})


@pytest.mark.parametrize("points", [{"easy": 0, "medium": 1, "hard": 1}, {"easy": 1.5, "medium": 1, "hard": 1},
                                    {"medium": 1, "hard": 1}])
def test_points_must_be_whole_and_given_for_every_difficulty(points):
    with pytest.raises(ValueError, match="points"):
        _toy(points, (Part("a", "?", 1),))
