"""Writing a class's results: the files of DESIGN.md 3.3, the exports and the report.

Every file is written to a temporary name and renamed into place, so a reader (or a run
killed half-way) sees either the previous version or the new one. Results are streamed:
the gradebooks are written row by row and only class statistics are kept in memory.

A course policy (``grader.batch.policy``) is applied here, to the raw results, as they are
written: grades.json gains ``raw_score, penalty, final_score`` on every object (the raw score
is final without a course; ``final_score`` is null for a grade the grader could not compute)
and a ``policy`` object with a course; grades.csv gains those columns after the groups with a
course; the LMS exports carry the final score. ``report.json`` holds the report's numbers
(item analytics, variant families, policy, regrade trail) for scripts.
"""

from __future__ import annotations

import json
import math
import os
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import sanitize
from grader.files import atomic_open, write_atomic
from grader.batch.exports import (
    CANVAS_COLUMNS,
    MOODLE_ID_COLUMNS,
    Roster,
    export_filename,
    grade_scale,
    percent,
    validate_exports,
)
from grader.batch.discovery import RESERVED_NAMES, Skipped, name_problem, shown_name
from grader.batch.analytics import FamilyTest, ItemAnalytics, ItemStats
from grader.batch.policy import ClassPolicy, Outcome, plain_outcome
from grader.batch.stats import ClassStats
from grader.errors import UserError
from grader.results import CSV_COLUMNS, PASSED, SubmissionResult

__all__ = [
    "write_outputs",
    "OutputSummary",
    "gradescope_results",
    "feedback_markdown",
    "RESERVED_NAMES",
    "check_submission_name",
]

@dataclass
class OutputSummary:
    """What :func:`write_outputs` wrote."""

    out_dir: Path
    files: list[Path] = field(default_factory=list)
    """The class-level files written (grades.json, grades.csv, report, exports)."""
    stats: ClassStats = field(default_factory=ClassStats)
    """Class statistics gathered while writing."""
    warnings: list[str] = field(default_factory=list)
    """Sentences for the instructor (e.g. submissions the roster does not list)."""
    items: list[ItemStats] = field(default_factory=list)
    """Item analytics: one entry per property group or paper part."""
    families: FamilyTest | None = None
    """The variant-family test (paper exercises with two families or more)."""
    policy: dict[str, Any] | None = None
    """The course policy applied (:meth:`ClassPolicy.summary`), with ``changed``: the
    submissions whose grade it touched (penalty, extension, override, ungraded); None
    without a course."""
    regrades: list[dict[str, Any]] = field(default_factory=list)
    """The regrade trail of OUT (``regrades.jsonl``)."""


def check_submission_name(name: str) -> None:
    """Raise UserError when ``name`` cannot be a submission name (the rules of
    :func:`grader.batch.discovery.name_problem`, the one place they live). ``grade`` never
    gets here with such a name (discovery skips the entry); a library caller or a roster can."""
    problem = name_problem(name)
    if problem is not None:
        raise UserError(f"submission name {shown_name(name)!r} cannot be used: {problem}; rename it")


def _num(x: float) -> float | int:
    """A score as JSON/CSV shows it: 10 rather than 10.0, at most 6 decimals."""
    x = round(float(x), 6)
    return int(x) if x.is_integer() else x


def _jsonable(value: Any) -> Any:
    """Replace non-finite floats (a student's NaN in a counterexample) by strings: valid JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def gradescope_results(result: SubmissionResult, outcome: Outcome | None = None) -> dict[str, Any]:
    """``result`` in Gradescope's autograder ``results.json`` schema; the top-level score is
    ``outcome``'s final score (after a course policy; the raw score when it has none).

    Outputs are plain text (``output_format: "text"``): feedback quotes student-controlled
    strings (exception messages), which must never be rendered as HTML or Markdown.
    """
    outcome = outcome or plain_outcome(result)
    tests = [
        {
            "name": t.name,
            "number": str(i),
            "score": _num(t.score),
            "max_score": _num(t.max_score),
            "status": PASSED if t.status == PASSED else "failed",
            "output": t.output,
            "output_format": "text",
            "visibility": "visible",
            **({"tags": [t.misconception]} if t.misconception else {}),
        }
        for i, t in enumerate(result.tests, start=1)
    ]
    if not tests:  # nothing ran: one zero-point test tells the student why
        tests = [{
            "name": "submission runs", "number": "1", "score": 0, "max_score": _num(result.max_score),
            "status": "failed", "output": result.feedback, "output_format": "text", "visibility": "visible",
        }]
    final = outcome.final_score if outcome.final_score is not None else result.score
    return {
        "score": _num(final),
        "execution_time": max(0, round(result.duration_s)),
        "output": result.feedback,
        "output_format": "text",
        "test_output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "cnngrade": {
                "exercise": result.exercise,
                "status": result.status,
                "max_score": _num(result.max_score),
                "verdict": result.verdict,
                "misconceptions": list(result.misconceptions),
                **outcome.fields(),
            }
        },
    }


def _late_line(outcome: Outcome) -> str | None:
    """One sentence on what the course policy did to a grade (None when nothing)."""
    parts = []
    if outcome.penalty:
        days = f"{outcome.late_hours / 24:.2f} days" if outcome.late_hours >= 24 else f"{outcome.late_hours:.1f} hours"
        parts.append(f"submitted {days} after the deadline: -{_num(outcome.penalty_percent)}% "
                     f"({_num(outcome.penalty)} points)")
    if outcome.extension is not None:
        parts.append("extension granted" + (f" ({outcome.extension.reason})" if outcome.extension.reason else ""))
    if outcome.override is not None:
        parts.append(f"grade set by {outcome.override.by}: {outcome.override.reason}")
    if not parts:
        return None
    final = "not graded" if outcome.final_score is None else f"{_num(outcome.final_score)} / {_num(outcome.max_score)}"
    return "; ".join(parts) + f". Final score: {final}."


def feedback_markdown(result: SubmissionResult, outcome: Outcome | None = None) -> str:
    """The student's feedback.md: score, what the course policy did (``outcome``), points
    per group, then the feedback text.

    Names and headings go through :func:`grader.sanitize.markdown` and the feedback (which
    quotes the submission's own exception messages) through
    :func:`grader.sanitize.markdown_code_block`: student text never becomes HTML, Markdown
    or a terminal escape sequence."""
    md = sanitize.markdown
    lines = [
        f"# {md(result.exercise)}: {md(result.submission)}",
        "",
        f"**Score: {_num(result.score)} / {_num(result.max_score)}** ({md(result.status)})",
        "",
    ]
    late = _late_line(outcome) if outcome is not None else None
    if late:
        lines += [md(late), ""]
    if result.tests:
        lines += ["| property group | points | status |", "|---|---:|---|"]
        lines += [f"| {md(t.name)} | {_num(t.score)} / {_num(t.max_score)} | {md(t.status)} |" for t in result.tests]
        lines.append("")
    if result.feedback.strip():
        lines += ["## Feedback", "", sanitize.markdown_code_block(result.feedback.rstrip()), ""]
    return "\n".join(lines)


def _group_names(results: Iterable[SubmissionResult]) -> list[str]:
    names: dict[str, None] = {}
    for result in results:
        for test in result.tests:
            names.setdefault(test.name, None)
    return list(names)


def write_outputs(
    results: Iterable[SubmissionResult],
    *,
    out_dir: str | os.PathLike,
    exports: Iterable[str] = (),
    roster: Roster | None = None,
    report: bool = True,
    similarity: Sequence | None = None,
    title: str | None = None,
    skipped: Sequence[Skipped] | None = None,
    policy: ClassPolicy | None = None,
    families: Mapping[str, str] | None = None,
) -> OutputSummary:
    """Write grades.json, grades.csv, OUT/<submission>/{results.json,feedback.md}, the
    ``exports`` and (``report=True``) report.html for ``results``; every file atomically.

    - ``results``: SubmissionResults; a re-iterable sequence is read twice and never held
      whole in memory (a one-shot iterator is first turned into a list).
    - ``exports``: any of ``canvas, moodle, gradescope, csv`` (see ``grader.batch.exports``).
    - ``roster``: a :class:`Roster` mapping submissions to LMS ids (canvas and moodle need one).
    - ``similarity``: :class:`~grader.batch.similarity.SimilarPair` list shown in the report.
    - ``title``: heading of the report (default: the exercise name).
    - ``skipped``: entries of the submissions folder that were not graded
      (:class:`~grader.batch.discovery.Skipped`): written to ``skipped.json`` (a JSON array
      of ``{entry, reason}``; None: no such file) and listed in the report. grades.json keeps
      one object per submission (DESIGN.md 3.3): a skipped entry is not one.
    - ``policy``: the course policy applied to each raw result (None: the raw score is final).
    - ``families``: each submission's variant family (paper exercises), for the report's
      family test and per-family items.

    Returns an :class:`OutputSummary` (files written, class statistics, warnings).
    """
    out = Path(out_dir)
    chosen = validate_exports(exports, roster)
    if not isinstance(results, Sequence):
        results = list(results)
    for result in results:
        check_submission_name(result.submission)
    groups = _group_names(results)
    summary = OutputSummary(out)
    stats = summary.stats
    policy = policy or ClassPolicy(None, exercise="")
    with_course = policy.course is not None
    analytics = ItemAnalytics()
    changed: list[dict[str, Any]] = []  # submissions the policy changed, for the report
    seen: set[str] = set()

    with ExitStack() as stack:
        def open_out(name: str):
            path = out / name
            summary.files.append(path)
            return stack.enter_context(atomic_open(path, newline="" if name.endswith(".csv") else None))

        grades_json = open_out("grades.json")
        grades_csv = sanitize.csv_writer(open_out("grades.csv"))
        grades_csv.writerow([*CSV_COLUMNS, *groups, *(POLICY_COLUMNS if with_course else ())])
        scale = grade_scale(r.max_score for r in results)  # one LMS column maximum for everyone
        writers = {fmt: _EXPORTERS[fmt](out, open_out, roster, groups, title) for fmt in chosen}
        for writer in writers.values():
            writer.scale = scale
        if scale.as_percent and {"canvas", "moodle"} & set(chosen):
            summary.warnings.append("students have different maximum scores: the canvas and moodle "
                                    "exports give each grade as a percentage (out of 100)")

        grades_json.write("[")
        for index, result in enumerate(results):
            seen.add(result.submission)
            stats.add(result)
            analytics.add(result, family=(families or {}).get(result.submission))
            outcome = policy.apply(result)
            record = _jsonable({**result.to_dict(), **outcome.fields(),
                                **({"policy": outcome.to_dict()} if with_course else {})})
            grades_json.write(("," if index else "") + "\n" + json.dumps(record, indent=2, ensure_ascii=False))
            by_group = {t.name: t.score for t in result.tests}
            grades_csv.writerow([
                result.submission, _num(result.score), _num(result.max_score), result.status,
                *(_num(by_group.get(g, 0.0)) for g in groups), *(_policy_cells(outcome) if with_course else ()),
            ])
            if with_course and (outcome.penalty or outcome.extension or outcome.override or not outcome.graded):
                changed.append({"submission": result.submission, **outcome.fields(), **outcome.to_dict()})
            folder = out / result.submission
            write_atomic(folder / "results.json",
                         json.dumps(_jsonable(gradescope_results(result, outcome)), indent=2, ensure_ascii=False) + "\n")
            write_atomic(folder / "feedback.md", feedback_markdown(result, outcome))
            for writer in writers.values():
                writer.add(result, outcome)
        grades_json.write("\n]\n")
        for writer in writers.values():
            summary.warnings += writer.finish(seen)
        summary.warnings += policy.warnings()
        if skipped is not None:
            open_out("skipped.json").write(
                json.dumps([s.to_dict() for s in skipped], indent=2, ensure_ascii=False) + "\n")

    from grader.batch.regrade import read_trail

    summary.items = analytics.items()
    summary.families = analytics.families(families) if families else None
    summary.policy = policy.summary()
    if summary.policy is not None:
        summary.policy["changed"] = changed
    summary.regrades = read_trail(out)
    if report:
        from grader.render.report import render_report, report_data

        sections = dict(items=summary.items, families=summary.families, policy=summary.policy,
                        regrades=summary.regrades)
        path = out / "report.html"
        write_atomic(path, render_report(stats, title=title or stats.exercise, similarity=similarity,
                                         skipped=skipped, **sections))
        write_atomic(out / "report.json", json.dumps(_jsonable(report_data(stats, title=title or stats.exercise,
                                                                           skipped=skipped, **sections)),
                                                     indent=2, ensure_ascii=False) + "\n")
        summary.files += [path, out / "report.json"]
    return summary


#: Columns grades.csv gains after the groups when a course policy applies.
POLICY_COLUMNS = ("raw_score", "penalty", "final_score", "submitted_at", "time_source", "late_hours")


def _policy_cells(outcome: Outcome) -> list[Any]:
    fields, details = outcome.fields(), outcome.to_dict()
    blank = lambda v: "" if v is None else v  # noqa: E731  (an ungraded result has no final score)
    return [fields["raw_score"], blank(fields["penalty"]), blank(fields["final_score"]),
            blank(details["submitted_at"]), details["time_source"], details["late_hours"]]


# --- exporters: one object per format, fed one result at a time -----------------------------


class _Exporter(ABC):
    name = ""

    def __init__(self, out: Path, open_out, roster: Roster | None, groups: list[str], title: str | None):
        self.out, self.roster, self.groups, self.title = out, roster, groups, title
        self.unmapped: list[str] = []
        self.scale = grade_scale(())  # set by write_outputs from every result's max_score

    def row_of(self, result: SubmissionResult) -> dict[str, str] | None:
        if self.roster is None:
            return None
        row = self.roster.get(result.submission)
        if row is None:
            self.unmapped.append(result.submission)
        return row

    @abstractmethod
    def add(self, result: SubmissionResult, outcome: Outcome) -> None:
        """Write the rows of one result, graded ``outcome.final_score`` (after the policy)."""

    def grade_cell(self, outcome: Outcome) -> Any:
        """The LMS grade: the final score on the class's scale; empty when ungraded (an
        LMS leaves an empty cell alone, where a 0 would be a grade)."""
        if outcome.final_score is None:
            return ""
        return _num(self.scale.value(outcome.final_score, outcome.max_score))

    def finish(self, seen: set[str]) -> list[str]:
        if not self.unmapped:
            return []
        shown = ", ".join(self.unmapped[:10]) + (", ..." if len(self.unmapped) > 10 else "")
        return [f"{self.name} export: {len(self.unmapped)} submission(s) not in the roster were left out: {shown}"]


class _CanvasExporter(_Exporter):
    name = "canvas"

    def __init__(self, out, open_out, roster, groups, title):
        super().__init__(out, open_out, roster, groups, title)
        self.writer = sanitize.csv_writer(open_out(export_filename("canvas")))
        self.header_done = False

    def add(self, result, outcome):
        if not self.header_done:
            assignment = self.title or result.exercise
            self.writer.writerow([c for c, _ in CANVAS_COLUMNS] + [assignment])
            self.writer.writerow(["    Points Possible", "", "", "", ""] + [_num(self.scale.points_possible)])
            self.header_done = True
        row = self.row_of(result)
        if row is not None:
            self.writer.writerow([row[f] for _, f in CANVAS_COLUMNS] + [self.grade_cell(outcome)])


class _MoodleExporter(_Exporter):
    name = "moodle"

    def __init__(self, out, open_out, roster, groups, title):
        super().__init__(out, open_out, roster, groups, title)
        self.writer = sanitize.csv_writer(open_out(export_filename("moodle")))
        self.ids = [(col, f) for col, f in MOODLE_ID_COLUMNS if f in roster.fields]
        self.header_done = False

    def add(self, result, outcome):
        if not self.header_done:
            heading = f"{self.title or result.exercise} ({self.scale.label})"
            self.writer.writerow([c for c, _ in self.ids] + [heading, "Feedback"])
            self.header_done = True
        row = self.row_of(result)
        if row is not None:
            # The summary block only (up to the first blank line): LMS feedback cells are small.
            head = result.feedback.strip().split("\n\n", 1)[0]
            late = _late_line(outcome)
            feedback = "\n".join(filter(None, [f"{_num(result.score)} / {_num(result.max_score)} ({result.status}).",
                                                late, head]))
            self.writer.writerow([row[f] for _, f in self.ids] + [self.grade_cell(outcome), feedback])


class _GradescopeExporter(_Exporter):
    name = "gradescope"

    def add(self, result, outcome):
        row = self.row_of(result)
        folder = (row or {}).get("email") or result.submission
        if "/" in folder or folder in (".", ".."):
            folder = result.submission
        payload = json.dumps(_jsonable(gradescope_results(result, outcome)), indent=2, ensure_ascii=False) + "\n"
        write_atomic(self.out / export_filename("gradescope") / folder / "results.json", payload)

    def finish(self, seen):
        return []  # unmapped submissions keep their submission name as folder: nothing is left out


class _CsvExporter(_Exporter):
    name = "csv"
    identity = ("name", "email", "student_id")

    def __init__(self, out, open_out, roster, groups, title):
        super().__init__(out, open_out, roster, groups, title)
        self.writer = sanitize.csv_writer(open_out(export_filename("csv")))
        self.writer.writerow(["submission", *self.identity, "score", "max_score", "percent", "status", *groups,
                              "raw_score", "penalty"])
        self.max_score = 0.0

    def add(self, result, outcome):
        # score and percent are the final grade; raw_score and penalty say how it came about.
        row = (self.roster.get(result.submission) if self.roster else None) or {}
        by_group = {t.name: t.score for t in result.tests}
        self.max_score = self.max_score or result.max_score
        final = outcome.final_score
        self.writer.writerow([
            result.submission, *(row.get(f, "") for f in self.identity), "" if final is None else _num(final),
            _num(result.max_score), "" if final is None else _num(percent(final, result.max_score)), result.status,
            *(_num(by_group.get(g, 0.0)) for g in self.groups), _num(outcome.raw_score),
            "" if outcome.penalty is None else _num(outcome.penalty),
        ])

    def finish(self, seen):
        # Roster students without any submission: listed so the instructor sees who is missing.
        missing = [name for name in (self.roster.rows if self.roster else {}) if name not in seen]
        for name in missing:
            row = self.roster.rows[name]
            self.writer.writerow([name, *(row[f] for f in self.identity), 0, _num(self.max_score), 0, "missing",
                                  *([""] * len(self.groups)), "", ""])
        return [f"csv export: {len(missing)} roster student(s) submitted nothing (status 'missing')"] if missing else []


_EXPORTERS = {"canvas": _CanvasExporter, "moodle": _MoodleExporter, "gradescope": _GradescopeExporter, "csv": _CsvExporter}
