"""``cnngrade grade-answers``: grade each student's numeric answers to their own variant.

Each sub-question is one property group (one ``TestResult``): its points are shared equally
among its numbers, each right within the part's absolute tolerance (partial credit). The
results go through ``grader.batch.write_outputs``, so the files are those of ``cnngrade grade``.

Answers graded against the wrong variants (another ``--seed`` or ``--difficulty`` than the
sheets were made with) would score about 0 for everyone without a sign of why, so
:func:`variant_mismatch` looks for that pattern and names the flags that fit.
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

__all__ = ["parse_number", "grade_variant", "read_answers", "grade_answers", "variant_mismatch", "variant_family",
           "SUSPICIOUS_RIGHT_SHARE", "SEARCHED_SEEDS", "TIME_COLUMN"]

# Float noise allowance on top of a part's tolerance (answers like 6.25 typed exactly).
_SLACK = 1e-9

#: Below this share of right numbers among those answered, the class looks graded against
#: other variants than the students had.
SUSPICIOUS_RIGHT_SHARE = 0.2
#: Seeds tried when looking for the variants the answers fit: small ones, and the usual
#: "favourite" and year-like ones.
SEARCHED_SEEDS = (*range(0, 101), 123, 1234, 12345, 31337, 4242, 777, 2023, 2024, 2025, 2026, 2027)
# Answers of this many students (the first who answered) are checked against other variants;
# a candidate must fit this share of each one's numbers.
_PROBES = 3
_FIT = 0.8
#: The answers file's optional column of submission times (ISO 8601), for a course policy.
TIME_COLUMN = "submitted_at"


def variant_family(variant: Variant) -> str:
    """The family of a variant, for the report's test of equally hard variants: its question
    type (``params["type"]``, e.g. ``"same-padding"``), else its sub-questions (``"a,b,c"``)."""
    kind = variant.params.get("type")
    return str(kind) if kind else ",".join(p.key for p in variant.parts)


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


def _answered(answers: Mapping[str, str]) -> int:
    return sum(1 for text in answers.values() if (text or "").strip())


def _right(variant: Variant, answers: Mapping[str, str]) -> int:
    """How many of the variant's numbers ``answers`` gives right."""
    right = 0
    for column, expected, tolerance, _ in variant.cells():
        try:
            got = parse_number(answers.get(column, ""))
        except (ValueError, ZeroDivisionError):
            continue
        if got is not None and abs(got - expected) <= tolerance + _SLACK:
            right += 1
    return right


def _fit(variant: Variant, answers: Mapping[str, str]) -> float:
    """Share of the numbers right, out of the larger of the variant's count and the student's."""
    return _right(variant, answers) / max(len(variant.cells()), _answered(answers), 1)


def variant_mismatch(exercise, variants: Sequence[Variant], answers: Mapping[str, Mapping[str, str]],
                     *, seed: int, difficulty: str) -> str | None:
    """A warning when the answers look written for other variants than ``variants``, else None.

    Triggers when fewer than :data:`SUSPICIOUS_RIGHT_SHARE` of the numbers students gave
    are right. Then, on the first students who answered, it checks whether their answers fit
    the variants of another difficulty or of a seed in :data:`SEARCHED_SEEDS` (the flags to
    rerun with), or the variant of another roster student (ids mixed up in the answers file).
    """
    from grader.paper.generate import get_paper_exercise

    ex = get_paper_exercise(exercise)
    answered = [(v, answers[v.student]) for v in variants
                if v.student in answers and _answered(answers[v.student])]
    given = sum(_answered(a) for _, a in answered)
    right = sum(_right(v, a) for v, a in answered)
    if given < 3 or right >= SUSPICIOUS_RIGHT_SHARE * given:
        return None
    share = f"only {right} of the {given} numbers {len(answered)} student(s) gave are right"
    probes = answered[:_PROBES]
    flags = f"--seed {seed} --difficulty {difficulty}"
    students = [v.student for v in variants]
    prefix = students[:students.index(probes[-1][0].student) + 1]  # re-draws depend on earlier students

    def fits(candidate_seed: int, candidate_difficulty: str) -> bool:
        drawn = dict(zip(prefix, ex.draw_roster(prefix, seed=candidate_seed, difficulty=candidate_difficulty)))
        for v, a in probes:  # only the probes are built (drawing is cheap, building is not)
            attempt, params = drawn[v.student]
            candidate = ex.from_params(params, seed=candidate_seed, student=v.student,
                                       difficulty=candidate_difficulty, attempt=attempt)
            if _fit(candidate, a) < _FIT:
                return False
        return True

    others = [d for d in ex.difficulties if d != difficulty]
    for candidate_difficulty in (difficulty, *others):
        for candidate_seed in (seed, *SEARCHED_SEEDS) if candidate_difficulty != difficulty else SEARCHED_SEEDS:
            if candidate_seed == seed and candidate_difficulty == difficulty:
                continue
            if fits(candidate_seed, candidate_difficulty):
                return (f"{share}, but they fit the variants of --seed {candidate_seed} --difficulty "
                        f"{candidate_difficulty}: these grades used {flags}; rerun with the flags the "
                        f"sheets were made with")
    by_key = {v.student: v for v in variants}
    for v, a in probes:
        match = next((other for other, w in by_key.items() if other != v.student and _fit(w, a) >= _FIT), None)
        if match is not None:
            return (f"{share}, and the answers of {v.student!r} fit the variant of {match!r}: check "
                    f"that the answers file's submission column names the same students as the roster")
    return (f"{share}: check that {flags} are the seed and difficulty given to 'cnngrade new "
            f"exercise' (the key's title shows both) and that the roster is the same file; no other "
            f"difficulty, nor seed 0-100 or a usual one, fits their answers")


def read_answers(path: str | os.PathLike) -> dict[str, dict[str, str]]:
    """Answers CSV -> {submission: {column: text}}. The header has ``submission`` and one
    column per number (``a``, ``b_2``, ``c_1_3``: see the key or the answers template), and
    optionally ``submitted_at`` (left out here: see :func:`grade_answers`)."""
    from grader.batch.exports import read_submission_csv

    _, rows = read_submission_csv(path, what="answers")
    return {name: {k: v for k, v in row.items() if k not in ("submission", TIME_COLUMN)} for name, row in rows.items()}


def grade_answers(exercise, *, roster: str | os.PathLike, answers: str | os.PathLike,
                  seed: int = 0, out_dir: str | os.PathLike, difficulty: str = "medium",
                  exports: Sequence[str] = (), course: str | os.PathLike | None = None,
                  times: str | os.PathLike | None = None) -> tuple[list[SubmissionResult], list[str]]:
    """Regenerate every roster student's variant (same seed and difficulty as
    ``new exercise``), grade their answers and write the outputs of ``cnngrade grade``.

    ``course``: a course file (``grader.batch.policy``) applied after grading, with the
    submission times of ``times`` (an LMS export), else the course file's, else the answers
    file's ``submitted_at`` column; with none of them nobody is late (the answers file's
    own modification time says when it was downloaded, not when anyone answered).

    Returns the results and warnings: answers of students the roster does not list, and
    first, when most answers are wrong, what :func:`variant_mismatch` found.
    A student without a row in the answers file scores 0. The report compares the pass
    rates of the variant families (:func:`variant_family`).
    """
    from grader.batch.exports import load_roster, read_submission_csv, validate_exports
    from grader.batch.outputs import write_outputs
    from grader.batch.policy import ClassPolicy, load_course, load_times
    from grader.paper.generate import get_paper_exercise, make_variants

    ex = get_paper_exercise(exercise)
    roster_obj = load_roster(roster)
    students = list(roster_obj.rows)
    if not students:
        raise UserError(f"the roster {roster} lists no students")
    given = read_answers(answers)
    variants = make_variants(ex, seed=seed, students=students, difficulty=difficulty)
    validate_exports(exports, roster_obj)
    course_obj = load_course(course) if course is not None else None
    answered_at = None
    if course_obj is not None and TIME_COLUMN in read_submission_csv(answers, what="answers")[0]:
        answered_at = load_times(answers, zone=course_obj.zone)
    policy = ClassPolicy.for_class(course_obj, times, exercise=ex.name, extra_times=answered_at)
    out = Path(out_dir)
    try:  # every input checked first; an unwritable OUT stops the run before any grading
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot write into {out}: {exc.strerror or exc}") from None
    results = []
    for v in variants:
        row = given.get(v.student)
        result = grade_variant(v, row or {}, submission=v.student)
        if row is None:
            result.feedback = f"No answers from {v.student} in {Path(answers).name}.\n" + result.feedback
        results.append(result)
    warnings = [f"answers for {name!r} ignored: not on the roster" for name in given if name not in roster_obj.rows]
    mismatch = variant_mismatch(ex, variants, given, seed=seed, difficulty=difficulty)
    if mismatch is not None:
        warnings.insert(0, mismatch)
    try:
        summary = write_outputs(results, out_dir=out, exports=exports, roster=roster_obj,
                                title=f"{ex.title} ({ex.name}, seed {seed}, {difficulty})", policy=policy,
                                families={v.student: variant_family(v) for v in variants})
    except OSError as exc:
        raise UserError(f"cannot write into {out}: {exc.strerror or exc}") from None
    return results, warnings + list(summary.warnings)
