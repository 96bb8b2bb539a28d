"""Course policies from one course file: deadlines, late penalties, extensions and manual
overrides, applied to raw results *after* grading.

Grading never sees the policy: the cache holds raw results, so editing an extension or an
override re-applies the policy without running anyone's code again (``cnngrade regrade OUT
--reason ...`` with no SUBMISSION, or the same ``grade`` command again).

The course file is TOML (read with the standard library's ``tomllib``)::

    [course]
    name = "Convolutional networks, autumn 2026"
    timezone = "Europe/Zurich"   # the zone of times written without an offset; omit it and
                                 # every time must carry one (2026-11-20T23:59:00+01:00)
    times = "times.csv"          # LMS export of submission times, beside this file (optional)

    [deadlines]                  # one per exercise; an exercise without one is never late
    conv2d-forward = 2026-11-20T23:59:00+01:00

    [late]
    per = "day"                  # or "hour"
    percent = 10                 # deducted per day (or hour) late
    max_percent = 100            # the most ever deducted
    grace_minutes = 15           # this late still counts as on time
    rounding = "ceil"            # "ceil": every started day counts whole; "exact": fractional
    of = "score"                 # percent of the raw "score" or of the "max_score"

    [[extensions]]               # a later deadline for one student
    submission = "ben"
    exercise = "conv2d-forward"  # optional: every exercise when omitted
    days = 2                     # or hours = 36, or until = 2026-11-24T12:00:00+01:00
    reason = "medical certificate"
    by = "prof.lee"

    [[overrides]]                # a human decision, applied last
    submission = "dan"
    exercise = "conv2d-forward"  # optional
    score = 9.5                  # the final score; or waive_late = true to drop the penalty
    reason = "derivation graded by hand"
    by = "prof.lee"

The rule, written once (:meth:`LateRule.fraction`): lateness is the submission time minus
the (extended) deadline. Up to ``grace_minutes`` late counts as on time; beyond it the
lateness is counted from the deadline itself, in days or hours, each started unit whole
(``ceil``, Canvas's rule: 1.5 days late at 10% per day costs 20%) or fractionally
(``exact``: 15%), then capped at ``max_percent``. The penalty is that fraction of the raw
score (or of the maximum), never more than the raw score, so a final score never goes below
zero. A grade the grader could not compute (verdict ``grader_error``) stays ungraded: its
final score is ``None``, never a zero, unless an override gives one.

Submission times come, per submission, from the LMS export (``--times`` or ``[course]
times``: a CSV with columns ``submission`` and ``submitted_at``, ISO 8601), else from the
submission file's modification time (``time_source: "file"``, said in the report), else
(grade-answers without times) none: nobody is late.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import UserError
from grader.files import read_user_text
from grader.results import SubmissionResult

__all__ = [
    "Course",
    "LateRule",
    "Extension",
    "Override",
    "SubmissionTime",
    "Outcome",
    "ClassPolicy",
    "load_course",
    "load_times",
    "file_times",
    "plain_outcome",
    "TIME_SOURCES",
]

#: Where a submission time came from: the LMS export, the file's modification time, none.
TIME_SOURCES = ("lms", "file", "none")
_TIME_COLUMNS = ("submitted_at", "submitted", "timestamp", "time")
_TABLES = {
    "course": {"name", "timezone", "times"},
    "deadlines": None,  # any exercise name
    "late": {"per", "percent", "max_percent", "grace_minutes", "rounding", "of"},
    "extensions": {"submission", "exercise", "days", "hours", "until", "reason", "by"},
    "overrides": {"submission", "exercise", "score", "waive_late", "reason", "by", "at"},
}


def _num(x: float) -> float | int:
    x = round(float(x), 6)
    return int(x) if x.is_integer() else x


class _Source:
    """The text of a course file, to name the line of a key in an error message."""

    def __init__(self, path: Path, text: str):
        self.path, self.lines = path, text.splitlines()

    def line_of(self, table: str, key: str | None = None, index: int = 0) -> int | None:
        """The line (1-based) of ``key`` in ``[table]`` (the ``index``-th ``[[table]]``), or
        of the table header when ``key`` is None; None when not found (an inline table)."""
        header = re.compile(r"^\s*\[\[?\s*" + re.escape(table) + r"\s*\]\]?\s*(#.*)?$")
        key_re = re.compile(r"""^\s*["']?""" + re.escape(key or "") + r"""["']?\s*=""")
        seen, inside = -1, False
        for number, line in enumerate(self.lines, start=1):
            if re.match(r"^\s*\[", line):
                inside = bool(header.match(line))
                seen += inside
                if inside and key is None and seen == index:
                    return number
                continue
            if inside and seen == index and key is not None and key_re.match(line):
                return number
        return None

    def error(self, message: str, table: str, key: str | None = None, index: int = 0) -> UserError:
        where = f"[{table}]" + (f" {key}" if key else "")
        if table in ("extensions", "overrides"):
            where = f"[[{table}]] #{index + 1}" + (f" {key}" if key else "")
        # A missing key has no line of its own: name its table's.
        line = self.line_of(table, key, index) or self.line_of(table, None, index)
        return UserError(f"{self.path}, {where}" + (f" (line {line})" if line else "") + f": {message}")


@dataclass(frozen=True)
class LateRule:
    """How lateness turns into a penalty (see the module doc)."""

    per: str = "day"
    """The unit of lateness: ``"day"`` or ``"hour"``."""
    percent: float = 0.0
    """Percent deducted per unit late."""
    max_percent: float = 100.0
    """The most ever deducted, in percent."""
    grace: _dt.timedelta = _dt.timedelta(0)
    """Lateness up to this counts as on time."""
    rounding: str = "ceil"
    """``"ceil"``: each started unit counts whole; ``"exact"``: fractional units."""
    of: str = "score"
    """The penalty is a percentage of the raw ``"score"`` or of the ``"max_score"``."""

    def units(self, late: _dt.timedelta) -> float:
        """Days (or hours) late that the penalty counts: 0 within the grace period."""
        if late <= self.grace or late <= _dt.timedelta(0):
            return 0.0
        unit = _dt.timedelta(days=1) if self.per == "day" else _dt.timedelta(hours=1)
        exact = late / unit
        return float(math.ceil(exact - 1e-12)) if self.rounding == "ceil" else exact

    def fraction(self, late: _dt.timedelta) -> float:
        """The fraction deducted for being ``late`` (0 to max_percent / 100)."""
        return min(self.max_percent, self.percent * self.units(late)) / 100.0


@dataclass(frozen=True)
class Extension:
    """A later deadline for one student (one exercise, or all when ``exercise`` is None)."""

    submission: str
    exercise: str | None
    extra: _dt.timedelta | None
    """Time added to the deadline (``days`` / ``hours``), or None when ``until`` is given."""
    until: _dt.datetime | None
    """The student's own deadline, or None."""
    reason: str = ""
    by: str = ""

    def deadline(self, deadline: _dt.datetime) -> _dt.datetime:
        return self.until if self.until is not None else deadline + self.extra

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"reason": self.reason, "by": self.by}
        if self.until is not None:
            out["until"] = self.until.isoformat()
        else:
            out["hours"] = _num(self.extra / _dt.timedelta(hours=1))
        return out


@dataclass(frozen=True)
class Override:
    """A manual decision on one student's grade, with who made it and why."""

    submission: str
    exercise: str | None
    score: float | None
    """The final score to give (None: keep the computed one)."""
    waive_late: bool
    """Drop the late penalty."""
    reason: str
    by: str
    at: _dt.datetime | None = None
    where: str = ""
    """The file and line it was written on (for error messages)."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"reason": self.reason, "by": self.by}
        if self.score is not None:
            out["score"] = _num(self.score)
        if self.waive_late:
            out["waive_late"] = True
        if self.at is not None:
            out["at"] = self.at.isoformat()
        return out


@dataclass(frozen=True)
class Course:
    """A parsed, validated course file (:func:`load_course`)."""

    path: Path
    name: str = ""
    zone: _dt.tzinfo | None = None
    """The zone of times written without an offset (None: every time needs an offset)."""
    times: Path | None = None
    """The LMS export of submission times named by the file (resolved beside it)."""
    deadlines: dict[str, _dt.datetime] = field(default_factory=dict)
    late: LateRule = field(default_factory=LateRule)
    extensions: tuple[Extension, ...] = ()
    overrides: tuple[Override, ...] = ()

    def __repr__(self) -> str:
        return (f"Course({str(self.path)!r}, {len(self.deadlines)} deadlines, {len(self.extensions)} extensions, "
                f"{len(self.overrides)} overrides)")

    def _match(self, items, submission: str, exercise: str):
        # An entry for this exercise wins over one for every exercise.
        found = [i for i in items if i.submission == submission and i.exercise in (exercise, None)]
        found.sort(key=lambda i: i.exercise is None)
        return found[0] if found else None

    def extension(self, submission: str, exercise: str) -> Extension | None:
        return self._match(self.extensions, submission, exercise)

    def override(self, submission: str, exercise: str) -> Override | None:
        return self._match(self.overrides, submission, exercise)


def _aware(value: Any, *, zone: _dt.tzinfo | None, fail) -> _dt.datetime:
    """A TOML datetime or an ISO 8601 string as an aware datetime; ``fail(message)`` makes
    the UserError for anything else, or for a time without offset and no course zone."""
    if isinstance(value, str):
        try:
            value = _dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise fail(f"{value!r} is not an ISO 8601 time such as 2026-11-20T23:59:00+01:00") from None
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        raise fail(f"{value} is a date without a time; write e.g. {value}T23:59:00+01:00")
    if not isinstance(value, _dt.datetime):
        raise fail(f"{value!r} is not a time such as 2026-11-20T23:59:00+01:00")
    if value.tzinfo is None:
        if zone is None:
            raise fail(f"{value.isoformat()} has no UTC offset; add one (e.g. +01:00) or set "
                       f"[course] timezone")
        value = value.replace(tzinfo=zone)
    return value


def _text(value: Any, fail, *, what: str, required: bool = False) -> str:
    if value is None:
        if required:
            raise fail(f"{what} is required")
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise fail(f"{what} must be a non-empty text" if required else f"{what} must be text")
    return value.strip()


def _number(value: Any, fail, *, what: str, low: float = 0.0, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise fail(f"{what} must be a number, got {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"from {_num(low)} to {_num(high)}" if high is not None else f"at least {_num(low)}"
        raise fail(f"{what} must be {bound}, got {_num(value)}")
    return float(value)


def load_course(path: str | os.PathLike) -> Course:
    """Read and validate a course file (see the module doc).

    Raises UserError naming the file, the key and its line for a missing or unreadable
    file, invalid TOML, an unknown table or key (a typo would otherwise be ignored), a time
    without offset when the file sets no ``timezone``, or a value out of range.
    """
    path = Path(path)
    text = read_user_text(path, what="course")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path} is not valid TOML: {exc}") from None
    src = _Source(path, text)
    for table, value in data.items():
        if table not in _TABLES:
            raise src.error(f"unknown table; known: {', '.join(_TABLES)}", table)
        many = table in ("extensions", "overrides")
        if many != isinstance(value, list) or not all(isinstance(v, dict) for v in (value if many else [value])):
            form = f"[[{table}]] entries" if many else f"a [{table}] table"
            raise src.error(f"must be written as {form}", table)
        for index, entry in enumerate(value if many else [value]):
            known = _TABLES[table]
            for key in entry:
                if known is not None and key not in known:
                    raise src.error(f"unknown key; known: {', '.join(sorted(known))}", table, key, index)

    course_table = data.get("course", {})
    fail = lambda key: lambda message: src.error(message, "course", key)  # noqa: E731
    zone = None
    if "timezone" in course_table:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        name = _text(course_table["timezone"], fail("timezone"), what="timezone", required=True)
        try:
            zone = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise fail("timezone")(f"unknown time zone {name!r} (use an IANA name such as Europe/Zurich)") from None
    times = None
    if "times" in course_table:
        times = path.parent / _text(course_table["times"], fail("times"), what="times", required=True)

    deadlines = {}
    for exercise, value in data.get("deadlines", {}).items():
        deadlines[exercise] = _aware(value, zone=zone, fail=lambda m, e=exercise: src.error(m, "deadlines", e))

    late_table = data.get("late", {})
    lfail = lambda key: lambda message: src.error(message, "late", key)  # noqa: E731
    per = late_table.get("per", "day")
    if per not in ("day", "hour"):
        raise lfail("per")(f"must be \"day\" or \"hour\", got {per!r}")
    rounding = late_table.get("rounding", "ceil")
    if rounding not in ("ceil", "exact"):
        raise lfail("rounding")(f"must be \"ceil\" (every started {per} counts) or \"exact\", got {rounding!r}")
    of = late_table.get("of", "score")
    if of not in ("score", "max_score"):
        raise lfail("of")(f"must be \"score\" or \"max_score\", got {of!r}")
    late = LateRule(
        per=per,
        percent=_number(late_table.get("percent", 0), lfail("percent"), what="percent", high=100),
        max_percent=_number(late_table.get("max_percent", 100), lfail("max_percent"), what="max_percent", high=100),
        grace=_dt.timedelta(minutes=_number(late_table.get("grace_minutes", 0), lfail("grace_minutes"),
                                            what="grace_minutes")),
        rounding=rounding, of=of,
    )

    extensions = []
    for index, entry in enumerate(data.get("extensions", [])):
        efail = lambda key, i=index: lambda message: src.error(message, "extensions", key, i)  # noqa: E731
        submission = _text(entry.get("submission"), efail("submission"), what="submission", required=True)
        given = [k for k in ("days", "hours", "until") if k in entry]
        if len(given) != 1:
            raise efail(None)("give exactly one of days, hours or until" + (f" (found {', '.join(given)})" if given else ""))
        extra = until = None
        if "until" in entry:
            until = _aware(entry["until"], zone=zone, fail=efail("until"))
        else:
            key = given[0]
            amount = _number(entry[key], efail(key), what=key)
            extra = _dt.timedelta(**{key: amount})
        extensions.append(Extension(submission, _text(entry.get("exercise"), efail("exercise"), what="exercise") or None,
                                    extra, until, _text(entry.get("reason"), efail("reason"), what="reason"),
                                    _text(entry.get("by"), efail("by"), what="by")))
    _no_twice(src, "extensions", extensions)

    overrides = []
    for index, entry in enumerate(data.get("overrides", [])):
        ofail = lambda key, i=index: lambda message: src.error(message, "overrides", key, i)  # noqa: E731
        submission = _text(entry.get("submission"), ofail("submission"), what="submission", required=True)
        score = _number(entry["score"], ofail("score"), what="score") if "score" in entry else None
        waive = entry.get("waive_late", False)
        if not isinstance(waive, bool):
            raise ofail("waive_late")(f"must be true or false, got {waive!r}")
        if score is None and not waive:
            raise ofail(None)("give the final score (score = ...) or waive_late = true")
        # Who and why are what make an override auditable: both are required.
        reason = _text(entry.get("reason"), ofail("reason"), what="reason (why the grade changes)", required=True)
        by = _text(entry.get("by"), ofail("by"), what="by (who decided)", required=True)
        at = _aware(entry["at"], zone=zone, fail=ofail("at")) if "at" in entry else None
        line = src.line_of("overrides", None, index)
        overrides.append(Override(submission, _text(entry.get("exercise"), ofail("exercise"), what="exercise") or None,
                                  score, waive, reason, by, at, f"{path}" + (f" line {line}" if line else "")))
    _no_twice(src, "overrides", overrides)
    return Course(path=path, name=_text(course_table.get("name"), fail("name"), what="name"), zone=zone,
                  times=times, deadlines=deadlines, late=late, extensions=tuple(extensions), overrides=tuple(overrides))


def _no_twice(src: _Source, table: str, items) -> None:
    seen: dict[tuple[str, str | None], int] = {}
    for index, item in enumerate(items):
        key = (item.submission, item.exercise)
        if key in seen:
            what = f"exercise {item.exercise}" if item.exercise else "every exercise"
            raise src.error(f"a second entry for {item.submission!r} and {what} (the first is #{seen[key] + 1}); "
                            f"keep one", table, None, index)
        seen[key] = index


@dataclass(frozen=True)
class SubmissionTime:
    """When a submission was handed in, and where that time came from."""

    at: _dt.datetime | None
    source: str = "none"
    """One of :data:`TIME_SOURCES`."""


def load_times(path: str | os.PathLike, *, zone: _dt.tzinfo | None = None) -> dict[str, SubmissionTime]:
    """An LMS export of submission times: a CSV with a ``submission`` column and a time
    column (``submitted_at``, or ``submitted``, ``timestamp``, ``time``) in ISO 8601. A time
    without offset takes ``zone`` (the course's); without a zone it is a UserError naming
    the line. An empty time means no time known for that submission."""
    from grader.batch.exports import read_submission_csv

    header, rows = read_submission_csv(path, what="submission times")
    column = next((c for c in _TIME_COLUMNS if c in header), None)
    if column is None:
        raise UserError(f"the submission times file {path} has no time column ({' or '.join(_TIME_COLUMNS)}); "
                        f"its columns: {', '.join(header)}")
    times = {}
    for line_no, (name, row) in enumerate(rows.items(), start=2):
        raw = row.get(column, "")
        if not raw:
            times[name] = SubmissionTime(None, "none")
            continue
        fail = lambda message, n=line_no: UserError(f"the submission times file {path}, line {n}: {message}")  # noqa: E731
        times[name] = SubmissionTime(_aware(raw, zone=zone, fail=fail), "lms")
    return times


def file_times(submissions: Iterable) -> dict[str, SubmissionTime]:
    """Each :class:`~grader.batch.discovery.Submission`'s time from its source file's (else
    its entry's) modification time, in UTC: the fallback when the LMS gave no times."""
    times = {}
    for submission in submissions:
        path = submission.source_path or submission.path
        try:
            stamp = os.stat(path).st_mtime
        except OSError:
            times[submission.name] = SubmissionTime(None, "none")
            continue
        times[submission.name] = SubmissionTime(_dt.datetime.fromtimestamp(stamp, _dt.timezone.utc), "file")
    return times


@dataclass
class Outcome:
    """A result after the course policy: what grades.json, grades.csv and the exports show."""

    raw_score: float
    """The score the grader computed (``SubmissionResult.score``)."""
    max_score: float
    final_score: float | None
    """The grade after penalty and override; None when the grader could not compute one."""
    penalty: float | None = 0.0
    """Points deducted for lateness (None when ungraded)."""
    submitted_at: _dt.datetime | None = None
    time_source: str = "none"
    deadline: _dt.datetime | None = None
    """The deadline that applied (with the student's extension)."""
    late_hours: float = 0.0
    penalty_percent: float = 0.0
    extension: Extension | None = None
    override: Override | None = None

    @property
    def graded(self) -> bool:
        return self.final_score is not None

    def fields(self) -> dict[str, Any]:
        """The flat fields added to each grades.json object."""
        return {"raw_score": _num(self.raw_score),
                "penalty": None if self.penalty is None else _num(self.penalty),
                "final_score": None if self.final_score is None else _num(self.final_score)}

    def to_dict(self) -> dict[str, Any]:
        """The ``policy`` object of grades.json: how the final score came about."""
        return {
            "submitted_at": self.submitted_at.isoformat() if self.submitted_at else None,
            "time_source": self.time_source,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "late_hours": _num(self.late_hours),
            "penalty_percent": _num(self.penalty_percent),
            "extension": self.extension.to_dict() if self.extension else None,
            "override": self.override.to_dict() if self.override else None,
        }


def _ungraded(result: SubmissionResult) -> bool:
    return result.verdict == "grader_error"


def plain_outcome(result: SubmissionResult) -> Outcome:
    """The outcome without a course policy: the raw score is final (None when ungraded)."""
    if _ungraded(result):
        return Outcome(result.score, result.max_score, final_score=None, penalty=None)
    return Outcome(result.score, result.max_score, final_score=result.score)


class ClassPolicy:
    """A course applied to one exercise's class: :meth:`apply` one result at a time.

    ``times`` maps submission names to :class:`SubmissionTime` (a name missing there has no
    time, so it is never late). ``course=None`` gives the plain outcomes.
    """

    def __init__(self, course: Course | None, *, exercise: str, times: Mapping[str, SubmissionTime] | None = None):
        self.course, self.exercise, self.times = course, exercise, dict(times or {})
        self.seen: set[str] = set()

    def __repr__(self) -> str:
        return f"ClassPolicy({self.course!r}, exercise={self.exercise!r}, {len(self.times)} times)"

    @classmethod
    def for_class(cls, course: str | os.PathLike | Course | None, times: str | os.PathLike | None = None, *,
                  exercise: str, submissions: Iterable = (),
                  extra_times: Mapping[str, SubmissionTime] | None = None) -> "ClassPolicy":
        """The policy of a class: ``course`` (a course file or a :class:`Course`; None: no
        policy), submission times from ``times`` (an LMS export; default: the course file's
        ``[course] times``), else ``extra_times`` (e.g. an answers file's column), else the
        ``submissions``' file times. Raises UserError for a bad file, or ``times`` without
        ``course``; call it before writing anything."""
        if course is None:
            if times is not None:
                raise UserError("--times needs --course: submission times only matter to a course policy")
            return cls(None, exercise=exercise)
        course = course if isinstance(course, Course) else load_course(course)
        lms_path = times if times is not None else course.times
        merged = file_times(submissions)
        merged.update(extra_times or {})
        if lms_path is not None:
            merged.update({name: t for name, t in load_times(lms_path, zone=course.zone).items()
                           if t.at is not None or name not in merged})
        return cls(course, exercise=exercise, times=merged)

    def _time(self, name: str) -> SubmissionTime:
        return self.times.get(name) or SubmissionTime(None, "none")

    def apply(self, result: SubmissionResult) -> Outcome:
        self.seen.add(result.submission)
        if self.course is None:
            return plain_outcome(result)
        course, name = self.course, result.submission
        when = self._time(name)
        deadline = course.deadlines.get(self.exercise)
        extension = course.extension(name, self.exercise)
        if deadline is not None and extension is not None:
            deadline = extension.deadline(deadline)
        late = (when.at - deadline) if (when.at is not None and deadline is not None) else _dt.timedelta(0)
        fraction = course.late.fraction(late)
        override = course.override(name, self.exercise)
        if override is not None and override.waive_late:
            fraction = 0.0
        outcome = Outcome(result.score, result.max_score, final_score=None, penalty=None, submitted_at=when.at,
                          time_source=when.source, deadline=deadline,
                          late_hours=max(0.0, late / _dt.timedelta(hours=1)), penalty_percent=100 * fraction,
                          extension=extension, override=override)
        if not _ungraded(result):
            base = result.score if course.late.of == "score" else result.max_score
            outcome.penalty = round(min(result.score, fraction * base), 6)
            outcome.final_score = round(result.score - outcome.penalty, 6)
        if override is not None and override.score is not None:
            if override.score > result.max_score:
                raise UserError(f"{override.where}: the override gives {name!r} {_num(override.score)} points, "
                                f"more than the {_num(result.max_score)} of {self.exercise}")
            outcome.final_score = override.score
        return outcome

    def warnings(self) -> list[str]:
        """Sentences for the instructor: entries naming nobody in the class, no deadline."""
        if self.course is None:
            return []
        out = []
        if self.exercise not in self.course.deadlines:
            out.append(f"{self.course.path} has no deadline for {self.exercise}: nobody is late")
        for kind, items in (("extension", self.course.extensions), ("override", self.course.overrides)):
            for item in items:
                if item.submission not in self.seen and item.exercise in (None, self.exercise):
                    out.append(f"{self.course.path}: the {kind} for {item.submission!r} names no submission of "
                               f"this class")
        sources = {self._time(name).source for name in self.seen}
        if self.exercise in self.course.deadlines and sources == {"file"}:
            out.append("submission times are the files' modification times (no LMS export given with --times "
                       "or [course] times): check they survived the download")
        if self.exercise in self.course.deadlines and sources == {"none"}:
            out.append("no submission times (give --times, [course] times or a submitted_at column): nobody is late")
        return out

    def summary(self) -> dict[str, Any] | None:
        """The policy as the report shows it (None without a course)."""
        if self.course is None:
            return None
        course, rule = self.course, self.course.late
        deadline = course.deadlines.get(self.exercise)
        sources = Counter(self._time(name).source for name in self.seen)
        return {
            "course_file": str(course.path),
            "name": course.name,
            "deadline": deadline.isoformat() if deadline else None,
            "late_rule": {"per": rule.per, "percent": _num(rule.percent), "max_percent": _num(rule.max_percent),
                          "grace_minutes": _num(rule.grace / _dt.timedelta(minutes=1)), "rounding": rule.rounding,
                          "of": rule.of},
            "rule_text": describe_rule(rule),
            "time_sources": dict(sorted(sources.items())),
            "extensions": [{"submission": e.submission, **e.to_dict()} for e in course.extensions
                           if e.exercise in (None, self.exercise)],
            "overrides": [{"submission": o.submission, **o.to_dict()} for o in course.overrides
                          if o.exercise in (None, self.exercise)],
        }


def describe_rule(rule: LateRule) -> str:
    """The late rule in one sentence, e.g. "10% of the score per started day late, at most
    100%, 15 minutes' grace"."""
    if not rule.percent:
        return "no late penalty"
    started = "started " if rule.rounding == "ceil" else ""
    grace = rule.grace / _dt.timedelta(minutes=1)
    return (f"{_num(rule.percent)}% of the {'score' if rule.of == 'score' else 'maximum'} per {started}{rule.per} "
            f"late, at most {_num(rule.max_percent)}%" + (f", {_num(grace)} minutes' grace" if grace else ""))
