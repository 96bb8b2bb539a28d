"""What runs on a grading worker (a pool process, a Dask worker, or the batch process itself).

A task is a plain dict (the submission's code travels as text, and the instructor secret of
the hidden cases with it, so a Dask worker on another machine needs no access to the
submissions folder or to OUT); the answer is a plain dict too. The
worker never raises: a failure of the grader itself comes back as an ``"error"`` result
marked not final, so the next run grades that submission again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
import re
import threading
import time
import traceback
from typing import Any

from grader.results import ERROR, SubmissionResult

__all__ = ["grade_task", "grader_failure", "make_task", "drawn_payload", "install_drawn", "start_worker",
           "task_exercise", "GRADER_ERROR"]

#: Verdict of a result whose grading failed on our side (never cached as final).
GRADER_ERROR = "grader_error"
# Hypothesis is not thread-safe: a Dask worker with several threads grades one task at a time
# per process (run workers with --nthreads 1 and several processes for parallelism).
_ONE_AT_A_TIME = threading.Lock()
# File names the sandbox may show in tracebacks as they are; anything odder becomes solution.py.
_SAFE_FILENAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,80}\.py")
# Digests of the drawn cases this process installed (see drawn_payload).
_INSTALLED: set[str] = set()


def make_task(*, name: str, code: str, filename: str, exercise: str, max_score: float = 0.0,
              max_examples: int | None = None, sandbox_options: dict | None = None,
              secret: str | None = None) -> dict[str, Any]:
    """The task dict for one submission (picklable, small, self-contained); ``secret``: the
    instructor secret of the hidden cases (None: public cases only, as ``cnngrade check``)."""
    shown = filename[: -len(".ipynb")] + ".py" if filename.lower().endswith(".ipynb") else filename
    return {
        "name": name,
        "code": code,
        "filename": shown if _SAFE_FILENAME.fullmatch(shown) else "solution.py",
        "exercise": exercise,
        "max_score": max_score,  # for a grader-failure result: the grade it stands for is out of this
        "max_examples": max_examples,
        "sandbox_options": dict(sandbox_options or {}),
        "secret": secret,
    }


def grader_failure(name: str, exercise: str, message: str, *, max_score: float = 0.0) -> SubmissionResult:
    """An ``"error"`` result saying the grader (not the student) failed; graded again next run."""
    return SubmissionResult(
        submission=name, exercise=exercise, score=0.0, max_score=max_score, status=ERROR,
        feedback=f"The grader could not grade this submission ({message}); this is not your fault "
                 "and it will be graded again.",
        verdict=GRADER_ERROR,
    )


def task_exercise(exercise: str, max_examples: int | None = None):
    """The exercise a task is graded against: the catalogue's, or with ``max_examples`` a
    quicker pass (fewer drawn cases, and shrinking bounded in proportion)."""
    from grader.checker import resolve_exercise

    spec = resolve_exercise("", exercise)
    if max_examples:
        examples = int(max_examples)
        spec = dataclasses.replace(spec, max_examples=examples, shrink_budget=min(spec.shrink_budget, 5 * examples))
    return spec


def drawn_payload(exercise: str, *, max_examples: int | None = None, secret: str | None = None) -> dict[str, Any]:
    """A class's drawn cases for its tasks (``task["drawn"]``): what every search of the
    exercise evaluates when each case passes (:func:`grader.checker.grading.draw_cases`),
    pickled once here so that each task carries the same bytes, and named by a digest so
    that a worker installs them once. Grader data only, drawn in the grading process: never
    anything a submission produced. Hidden cases travel only where the secret already does."""
    from grader.checker.grading import draw_cases

    blob = pickle.dumps(draw_cases(task_exercise(exercise, max_examples), secret=secret),
                        protocol=pickle.HIGHEST_PROTOCOL)
    return {"exercise": exercise, "max_examples": max_examples, "digest": hashlib.sha256(blob).hexdigest(),
            "blob": blob}


def install_drawn(drawn: dict[str, Any] | None) -> None:
    """Record :func:`drawn_payload`'s cases in this process's memos (once per payload): by a
    task that carries them, or as a pool worker's initializer."""
    if not drawn or drawn["digest"] in _INSTALLED:
        return
    from grader.checker import grading

    spec = task_exercise(drawn["exercise"], drawn["max_examples"])
    grading.install_drawn(spec, pickle.loads(drawn["blob"]))  # the batch process's own data (drawn_payload)
    _INSTALLED.add(drawn["digest"])


def start_worker(drawn: dict[str, Any] | None, sandbox_findings: dict[str, Any]) -> None:
    """A local pool worker's initializer: the grading process's sandbox findings (the layer
    it probed and self-tested: not probed again here) and the class's drawn cases."""
    from grader.sandbox import _isolation

    _isolation.adopt(sandbox_findings)
    install_drawn(drawn)


def grade_task(task: dict[str, Any]) -> dict[str, Any]:
    """Grade one task: ``{"result": SubmissionResult as dict, "final": bool}``."""
    started = time.perf_counter()
    try:
        from grader.checker import CodeSource, check_submission

        spec = task_exercise(task["exercise"], task.get("max_examples"))
        source = CodeSource(task["code"], task["name"], task["filename"])
        with _ONE_AT_A_TIME:
            install_drawn(task.get("drawn"))
            result = check_submission(source, exercise=spec, name=task["name"],
                                      sandbox_options=task.get("sandbox_options") or None,
                                      secret=task.get("secret"))
        return {"result": result.to_dict(), "final": True}
    except Exception as exc:  # a grader bug must not stop the class: record it, retry next run
        last = traceback.extract_tb(exc.__traceback__)[-1:] or [None]
        where = f" at {last[0].filename.rsplit('/', 1)[-1]}:{last[0].lineno}" if last[0] else ""
        result = grader_failure(task["name"], task["exercise"], f"{type(exc).__name__}: {exc}{where}",
                                max_score=task.get("max_score", 0.0))
        result.duration_s = time.perf_counter() - started
        return {"result": result.to_dict(), "final": False}
