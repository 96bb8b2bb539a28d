"""Seeding, uniqueness within a roster, and the grading of numeric answers."""

from __future__ import annotations

import pytest

from exercises import get_exercise
from grader.errors import UserError
from grader.paper import grade_variant, make_variants, paper_exercises, parse_number


@pytest.mark.parametrize("name", sorted(paper_exercises()))
def test_same_seed_and_student_give_the_same_variant(name):
    """Determinism: (seed, student) -> variant, independent of call order; other ids differ."""
    ex = get_exercise(name)
    a = ex.variant(seed=11, student="alice", difficulty="medium")
    ex.variant(seed=11, student="bob", difficulty="medium")
    b = ex.variant(seed=11, student="alice", difficulty="medium")
    assert a.identity == b.identity and a.parts == b.parts
    others = {ex.variant(seed=11, student=f"s{i}", difficulty="medium").identity for i in range(20)}
    assert len(others) > 1


@pytest.mark.parametrize("name", ["conv-output-shape", "pooling-by-hand", "param-count"])
def test_roster_variants_are_distinct_and_reproducible(name):
    """No duplicate variant within a 60-student roster; regenerating gives the same list."""
    students = [f"st{i:03d}" for i in range(60)]
    first = make_variants(name, seed=3, students=students, difficulty="medium")
    assert len({v.identity for v in first}) == len(students)
    again = make_variants(name, seed=3, students=students, difficulty="medium")
    assert [v.identity for v in again] == [v.identity for v in first]


def test_too_small_a_space_for_the_roster_is_a_user_error():
    """When re-draws cannot find a new variant (here: one student id repeated, one attempt
    allowed) the roster fails with a clear UserError instead of looping."""
    ex = get_exercise("conv-output-shape")
    with pytest.raises(UserError, match="too few distinct variants"):
        ex.variants(["a"] * 3000, seed=0, difficulty="easy", max_attempts=1)


def test_parse_number_accepts_student_spellings():
    assert parse_number("19") == 19 and parse_number(" -0.5 ") == -0.5
    assert parse_number("6,25") == 6.25 and parse_number("25/4") == 6.25
    assert parse_number("") is None
    with pytest.raises(ValueError):
        parse_number("abc")


def test_partial_credit_per_sub_question():
    """Half the cells of a part right -> half its points; wrong answers named with expected."""
    ex = get_exercise("convolution-by-hand")
    v = ex.from_params({"input": [[[0, 1, 2], [3, 4, 5], [6, 7, 8]]], "kernel": [[[0, 1], [2, 3]]],
                        "bias": 0, "stride": 1, "padding": 0, "mode": "cross-correlation"})
    total = ex.total_points("medium")  # from_params builds at the default difficulty
    result = grade_variant(v, {"a_1_1": "19", "a_1_2": "25", "a_2_1": "36", "a_2_2": ""}, submission="s1")
    assert result.score == total / 2 and result.max_score == total and result.status == "failed"
    assert "a_2_1: got 36, expected 37" in result.tests[0].output
    assert "a_2_2: no answer" in result.tests[0].output
    full = grade_variant(v, {"a_1_1": "19", "a_1_2": "25", "a_2_1": "37", "a_2_2": "43"}, submission="s1")
    assert full.status == "passed" and full.score == total


def test_tolerance_is_applied_to_averages():
    ex = get_exercise("pooling-by-hand")
    v = ex.from_params({"type": "global", "grid": [[1, 2], [2, 2]]})
    ok = grade_variant(v, {"a": "2", "b": "1.76"})
    bad = grade_variant(v, {"a": "2", "b": "1.70"})
    assert ok.score == v.max_score and bad.score == v.max_score / 2


@pytest.mark.parametrize("name", sorted(paper_exercises()))
@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
def test_every_kind_has_room_for_a_300_student_roster(name, difficulty):
    """300 distinct variants exist at every difficulty (draws only; nothing is built)."""
    drawn = get_exercise(name).draw_roster([f"s{i}" for i in range(300)], seed=9, difficulty=difficulty)
    assert len({repr(sorted(p.items())) for _, p in drawn}) == 300
