"""``cnngrade grade-answers``: grade each student's numeric answers to their own variant.

Each sub-question is one property group (one ``TestResult``): its points are shared equally
among its numbers, each right within the part's absolute tolerance (partial credit). The
results go through ``grader.batch.write_outputs``, so the files are those of ``cnngrade grade``.
"""

from __future__ import annotations

import math
import os
from fractions import Fraction
from pathlib import Path
from typing import Mapping, Sequence

from grader.errors import UserError
from grader.paper.model import Variant, fmt_number
from grader.results import FAILED, PASSED, SubmissionResult, TestResult

__all__ = ["parse_number", "grade_variant", "read_answers", "grade_answers"]

# Float noise allowance on top of a part's tolerance (answers like 6.25 typed exactly).
_SLACK = 1e-9


def parse_number(text: str) -> float | None:
    """A student's number: ``19``, ``-0.5``, ``6,25`` (decimal comma), ``25/4``; None if blank.

    Raises ValueError for anything else.
    """
    text = (text or "").strip()
    if not text:
        return None
    if "/" in text:
        value = float(Fraction(text.replace(" ", "")))
    else:
        value = float(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def grade_variant(variant: Variant, answers: Mapping[str, str], *, submission: str | None = None) -> SubmissionResult:
    """Grade one student's answers (column -> text) to their variant."""
    tests = []
    for part in variant.parts:
        cells = part.cells()
        right, notes = 0, []
        for column, expected in cells:
            raw = answers.get(column, "")
            try:
                got = parse_number(raw)
            except (ValueError, ZeroDivisionError):
                notes.append(f"{column}: {raw!r} is not a number (expected {fmt_number(expected)})")
                continue
            if got is None:
                notes.append(f"{column}: no answer (expected {fmt_number(expected)})")
            elif abs(got - expected) <= part.tolerance + _SLACK:
                right += 1
            else:
                tol = "" if part.tolerance == 0 else f" ± {fmt_number(part.tolerance)}"
                notes.append(f"{column}: got {fmt_number(got)}, expected {fmt_number(expected)}{tol}")
        score = round(part.points * right / len(cells), 6)
        status = PASSED if right == len(cells) else FAILED
        summary = f"({part.key}) {right}/{len(cells)} correct"
        tests.append(TestResult(name=part.key, score=score, max_score=part.points, status=status,
                                output="; ".join([summary, *notes])))
    score = round(sum(t.score for t in tests), 6)
    max_score = variant.max_score
    lines = [f"{variant.title} (your variant: seed {variant.seed}), {fmt_number(score)}/"
             f"{fmt_number(max_score)} points."] + [t.output for t in tests]
    return SubmissionResult(submission=submission or (variant.student or ""), exercise=variant.kind,
                            score=score, max_score=max_score,
                            status=PASSED if score == max_score else FAILED, tests=tests,
                            feedback="\n".join(lines))


def read_answers(path: str | os.PathLike) -> dict[str, dict[str, str]]:
    """Answers CSV -> {submission: {column: text}}. The header has ``submission`` and one
    column per number (``a``, ``b_2``, ``c_1_3``: see the key or the answers template)."""
    from grader.batch.exports import read_submission_csv

    _, rows = read_submission_csv(path, what="answers")
    return {name: {k: v for k, v in row.items() if k != "submission"} for name, row in rows.items()}


def grade_answers(exercise, *, roster: str | os.PathLike, answers: str | os.PathLike,
                  seed: int = 0, out_dir: str | os.PathLike, difficulty: str = "medium",
                  exports: Sequence[str] = ()) -> tuple[list[SubmissionResult], list[str]]:
    """Regenerate every roster student's variant (same seed and difficulty as
    ``new exercise``), grade their answers and write the outputs of ``cnngrade grade``.

    Returns the results and warnings (answers of students the roster does not list).
    A student without a row in the answers file scores 0.
    """
    from grader.batch.exports import load_roster
    from grader.batch.outputs import write_outputs
    from grader.paper.generate import get_paper_exercise, make_variants

    ex = get_paper_exercise(exercise)
    roster_obj = load_roster(roster)
    students = list(roster_obj.rows)
    if not students:
        raise UserError(f"the roster {roster} lists no students")
    given = read_answers(answers)
    variants = make_variants(ex, seed=seed, students=students, difficulty=difficulty)
    results = []
    for v in variants:
        row = given.get(v.student)
        result = grade_variant(v, row or {}, submission=v.student)
        if row is None:
            result.feedback = f"No answers from {v.student} in {Path(answers).name}.\n" + result.feedback
        results.append(result)
    warnings = [f"answers for {name!r} ignored: not on the roster" for name in given if name not in roster_obj.rows]
    summary = write_outputs(results, out_dir=out_dir, exports=exports, roster=roster_obj,
                            title=f"{ex.title} ({ex.name}, seed {seed})")
    return results, warnings + list(summary.warnings)
