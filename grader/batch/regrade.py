"""Regrades with a trail: grade some submissions again, or re-apply the course policy to
everyone, and record who did it, when and why.

``cnngrade grade`` records its settings in ``OUT/.cnngrade/run.json`` (:func:`record_run`):
the submissions folder, the exercise, the secret file, the course file and times, the
exports, and the cache keys of the class. :func:`regrade` reads them back, so a regrade needs
only OUT, the names and a reason:

- with names: those submissions are graded again in the sandbox (a fixed test, a resubmission
  the instructor accepted), everyone else comes from the cache;
- without names: nobody is graded again. The outputs are rebuilt from the cached raw results
  with the course file as it is now (an extension or override edited), without starting a
  sandbox.

Either way one line is appended to ``OUT/regrades.jsonl`` (JSON Lines, one object per regrade:
``at, by, reason, kind, submissions, course_file, changes``, each change
``{submission, before: {raw_score, final_score}, after: {...}}``), under the OUT lock that
``grade`` holds, and the report lists every entry. The file is append-only: each write
replaces it atomically with its old content plus the new line.
"""

from __future__ import annotations

import datetime as _dt
import getpass
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import UserError
from grader.files import write_atomic

__all__ = ["regrade", "record_run", "load_run", "read_trail", "rewrite_outputs", "Regraded", "RUN_FILENAME",
           "TRAIL_FILENAME"]

#: The settings of the last ``grade`` run into OUT.
RUN_FILENAME = os.path.join(".cnngrade", "run.json")
#: The append-only regrade trail in OUT.
TRAIL_FILENAME = "regrades.jsonl"
_RUN_SCHEMA = "cnngrade-run/1"


def _path(value) -> str | None:
    if value is None:
        return None
    return str(Path(getattr(value, "path", value)).resolve())


def record_run(out: Path, graded, *, settings: dict[str, Any]) -> None:
    """Write ``OUT/.cnngrade/run.json`` for a finished ``grade`` run: ``settings`` (the
    arguments of :func:`grader.batch.grade_class` that :func:`regrade` replays; paths made
    absolute) and the class's cache keys, skipped entries and similar pairs."""
    data = {
        "schema": _RUN_SCHEMA,
        **{k: (_path(v) if k in ("submissions_dir", "secret_file", "roster", "course", "times") else v)
           for k, v in settings.items()},
        "keys": [list(k.as_tuple()) for k in graded.keys],
        "skipped": [s.to_dict() for s in graded.skipped],
        "similar": [asdict(p) for p in graded.similar],
    }
    write_atomic(Path(out) / RUN_FILENAME, json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def load_run(out: Path) -> dict[str, Any]:
    """The settings :func:`record_run` wrote; UserError when OUT holds none."""
    path = Path(out) / RUN_FILENAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{out} holds no 'cnngrade grade' run ({RUN_FILENAME} is missing); grade the class "
                        f"into it first") from None
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read {path} ({exc}); run the 'cnngrade grade' command again") from None
    if data.get("schema") != _RUN_SCHEMA:
        raise UserError(f"{path} was written by another cnngrade version; run the 'cnngrade grade' command again")
    return data


def read_trail(out: str | os.PathLike) -> list[dict[str, Any]]:
    """The entries of ``OUT/regrades.jsonl``, oldest first (none when there is no file)."""
    path = Path(out) / TRAIL_FILENAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _append_trail(out: Path, entry: dict[str, Any]) -> None:
    """Add one entry to the trail (the caller holds the OUT lock)."""
    path = out / TRAIL_FILENAME
    try:
        old = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        old = ""
    if old and not old.endswith("\n"):
        old += "\n"
    write_atomic(path, old + json.dumps(entry, ensure_ascii=False) + "\n")


def _scores(out: Path) -> dict[str, dict[str, Any]]:
    """Each submission's raw and final score in the current grades.json."""
    try:
        grades = json.loads((out / "grades.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {g["submission"]: {"raw_score": g.get("raw_score", g.get("score")),
                              "final_score": g.get("final_score", g.get("score"))} for g in grades}


def _cached_class(out: Path, run: dict[str, Any]):
    """The last run's results from the cache, its policy as the course file is now, and the
    other arguments of ``write_outputs``."""
    from grader.batch.cache import CACHE_FILENAME, CacheKey, ResultCache
    from grader.batch.discovery import Skipped, scan
    from grader.batch.exports import load_roster
    from grader.batch.grading import GradedClass
    from grader.batch.policy import ClassPolicy
    from grader.batch.similarity import SimilarPair

    keys = [CacheKey(*k) for k in run["keys"]]
    with ResultCache(out / CACHE_FILENAME) as cache:
        missing = [k.submission for k in keys if cache.graded_at(k) is None]
    if missing:
        raise UserError(f"the cache in {out} lacks the results of {', '.join(missing[:5])}; run the 'cnngrade "
                        f"grade' command again")
    # File times are read again from the submissions (an LMS export, when given, wins).
    found = scan(Path(run["submissions_dir"])) if run.get("course") else None
    policy = ClassPolicy.for_class(run.get("course"), run.get("times"), exercise=run["exercise"],
                                   submissions=found.submissions if found else ())
    kwargs = dict(exports=run.get("exports", ()), roster=load_roster(run["roster"]) if run.get("roster") else None,
                  similarity=[SimilarPair(**p) for p in run.get("similar", [])], title=run.get("title"),
                  skipped=[Skipped(**s) for s in run.get("skipped", [])])
    return GradedClass(out / CACHE_FILENAME, keys), policy, kwargs


def rewrite_outputs(out: str | os.PathLike, run: dict[str, Any] | None = None):
    """Rebuild every output of OUT from the cached raw results of the last run and the course
    file as it is now; no sandbox starts. Returns the :class:`OutputSummary`. The caller
    holds the OUT lock (:func:`regrade` does)."""
    from grader.batch.outputs import write_outputs

    out = Path(out)
    graded, policy, kwargs = _cached_class(out, run or load_run(out))
    try:
        return write_outputs(graded, out_dir=out, policy=policy, **kwargs)
    finally:
        graded.close()


def _final_scores(out: Path, run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What grades.json will say of each submission's raw and final score, without writing."""
    graded, policy, _ = _cached_class(out, run)
    try:
        return {r.submission: {k: v for k, v in policy.apply(r).fields().items() if k != "penalty"}
                for r in graded}
    finally:
        graded.close()


@dataclass
class Regraded:
    """What :func:`regrade` did."""

    entry: dict[str, Any]
    """The trail entry it appended."""
    outputs: Any = None
    """The :class:`~grader.batch.outputs.OutputSummary` of the rewritten outputs."""
    graded: Any = None
    """The :class:`~grader.batch.grading.GradedClass` when submissions were graded again."""
    warnings: list[str] = field(default_factory=list)


def regrade(out_dir: str | os.PathLike, submissions: Sequence[str] = (), *, reason: str, by: str | None = None,
            course: str | os.PathLike | None = None, times: str | os.PathLike | None = None,
            progress: bool = False) -> Regraded:
    """Grade ``submissions`` of the class in ``out_dir`` again (none: re-apply the course
    policy to everyone without grading), rewrite the outputs and append a trail entry.

    - ``reason``: why (required, shown in the report); ``by``: who (default: the login name).
    - ``course`` / ``times``: a course file / LMS times to use from now on instead of the
      ones of the last run (recorded for the next regrade).

    Raises UserError for an OUT without a ``grade`` run, an empty reason, or a name that is
    not a submission of the class.
    """
    from grader.batch.grading import _OutLock, grade_class

    out = Path(out_dir)
    reason = (reason or "").strip()
    if not reason:
        raise UserError("a regrade needs a reason (--reason TEXT): the trail records who, when and why")
    by = (by or "").strip() or _login()
    run = load_run(out)
    if course is not None:
        run["course"] = _path(course)
    if times is not None:
        run["times"] = _path(times)
    names = list(dict.fromkeys(submissions))
    known = {k[0] for k in run["keys"]}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UserError(f"{unknown[0]!r} is not a submission of the class graded into {out}")
    before = _scores(out)
    graded = None
    if names:
        graded = grade_class(run["submissions_dir"], exercise=run["exercise"], out_dir=out,
                             exports=run.get("exports", ()), roster=run.get("roster"), progress=progress,
                             similarity=run.get("similarity", True), threshold=run.get("threshold", 0.6),
                             max_examples=run.get("max_examples"), secret_file=run.get("secret_file"),
                             isolation=run.get("isolation", "kernel"), regrade=names,
                             course=run.get("course"), times=run.get("times"))
        run = load_run(out)  # the keys of the new results
    else:
        from grader.batch.policy import ClassPolicy

        # Check the (edited) course file before taking the lock: a typo stops here, one line.
        ClassPolicy.for_class(run.get("course"), run.get("times"), exercise=run["exercise"])
    lock = _OutLock(out)
    lock.acquire()
    try:
        if not names:
            write_atomic(out / RUN_FILENAME, json.dumps(run, indent=1, ensure_ascii=False) + "\n")
        after = _final_scores(out, run)
        changes = [{"submission": name, "before": before.get(name), "after": after[name]}
                   for name in after if name in names or before.get(name) != after[name]]
        entry = {"at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"), "by": by,
                 "reason": reason, "kind": "regrade" if names else "policy", "submissions": names,
                 "course_file": run.get("course"), "changes": changes}
        _append_trail(out, entry)
        outputs = rewrite_outputs(out, run)  # after the entry, so that the report lists it
    finally:
        lock.release()
    return Regraded(entry, outputs, graded, list(outputs.warnings))


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in a bare container
        return "unknown"
