"""Property-based grading of code exercises (numpy layers written by students).

``check_submission`` is the one entry point: it reads the code, picks the exercise, runs
the student's functions in the sandbox on inputs hypothesis draws here, compares with the
torch reference, and returns a :class:`grader.results.SubmissionResult` with points per
property group, the shrunk counterexample of each failing group and a diagnosis.

>>> result = check_submission("solution.py")            # exercise from the header line
>>> result.score, result.max_score
"""

from __future__ import annotations

import inspect
import textwrap
import time
from pathlib import Path
from typing import Any, Callable

from grader.checker.source import CodeSource, find_exercise_name, header_name, read_source
from grader.checker.spec import (
    Case,
    CodeExercise,
    Failure,
    Function,
    Misconception,
    PropertyGroup,
    Tolerance,
)
from grader.errors import UserError
from grader.results import SubmissionResult

__all__ = [
    "Case",
    "CodeExercise",
    "CodeSource",
    "Failure",
    "Function",
    "Misconception",
    "PropertyGroup",
    "Tolerance",
    "check",
    "check_submission",
    "code_exercises",
    "read_source",
    "resolve_exercise",
    "write_starter",
]


def code_exercises() -> dict[str, CodeExercise]:
    """The code exercises of the catalogue, by name."""
    from exercises import all_exercises

    return {n: e for n, e in all_exercises().items() if e.kind == "code"}


def resolve_exercise(code: str, exercise: str | CodeExercise | None = None) -> CodeExercise:
    """The exercise to grade ``code`` against: the one given, else the header line's, else
    the one whose function names the code defines (UserError when that is ambiguous)."""
    if isinstance(exercise, CodeExercise):
        return exercise
    named = exercise if exercise is not None else header_name(code)
    if named is not None:  # one module to import, not the catalogue (see exercises.get_exercise)
        from exercises import get_exercise

        try:
            return get_exercise(named, kind="code")
        except UserError:
            pass  # unknown: the full catalogue says so, with the names it knows
    catalogue = code_exercises()
    if exercise is not None:
        if exercise not in catalogue:
            known = ", ".join(sorted(catalogue))
            raise UserError(f"unknown code exercise {exercise!r}; known code exercises: {known}")
        return catalogue[exercise]
    return catalogue[find_exercise_name(code, catalogue)]


def check_submission(source: str | Path | CodeSource, *, exercise: str | CodeExercise | None = None,
                     name: str | None = None, sandbox_options: dict | None = None,
                     secret: str | bytes | None = None) -> SubmissionResult:
    """Grade one submission; deterministic (same code, same result, on every machine).

    - ``source``: a path to a ``.py`` file or ``.ipynb`` notebook, or a :class:`CodeSource`.
    - ``exercise``: exercise name (or object); None reads the ``# cnngrade exercise: NAME``
      header, else infers it from the function names the code defines.
    - ``name``: submission name in the result (default: the file's stem).
    - ``sandbox_options``: keyword arguments for :class:`grader.sandbox.Sandbox`
      (``limits=SandboxLimits(...)``, ``isolation="portable"``...).
    - ``secret``: None grades the public cases, as ``cnngrade check``; an instructor secret
      also draws hidden cases from it, as ``cnngrade grade`` (same secret, same grade).

    Student mistakes never raise: they become status ``"failed"`` (points lost) or
    ``"error"`` (could not be run: syntax error, forbidden import, no exercise function...).
    Raises UserError for the caller's mistakes (missing file, unknown exercise).
    """
    from grader.sandbox.sandbox import Sandbox, warm_up

    # The layer's probe children start now and run while the checker (hypothesis) imports.
    warm_up((sandbox_options or {}).get("isolation", "auto"))
    from grader.checker.grading import error_result, grade_in_sandbox, secret_fingerprint

    if secret is not None:
        secret_fingerprint(secret)  # raises UserError for an unusable secret, before any start-up
    if not isinstance(source, CodeSource):
        source = CodeSource.from_path(source, name=name)
    elif name is not None:
        source = CodeSource(source.code, name, source.filename)
    spec = resolve_exercise(source.code, exercise)
    options = dict(sandbox_options or {})
    options.setdefault("forbidden_imports", spec.forbidden_imports)
    started = time.perf_counter()
    with Sandbox(source.code, filename=source.filename, **options) as sandbox:
        load = sandbox.load()
        if not load.ok:
            return error_result(spec, submission=source.name, verdict=load.verdict, message=load.message,
                                duration_s=time.perf_counter() - started)
        defined = set(load.functions) & {f.name for f in spec.functions}
        if not defined:
            wanted = ", ".join(f.name for f in spec.functions)
            return error_result(spec, submission=source.name, verdict="missing_function",
                                message=f"{source.filename} defines none of the functions of "
                                        f"{spec.name} ({wanted}).",
                                duration_s=time.perf_counter() - started)
        return grade_in_sandbox(spec, sandbox, submission=source.name, defined=defined,
                                filename=source.filename, started=started, secret=secret)


def write_starter(exercise: str | CodeExercise, *, out_dir: str | Path, force: bool = False) -> list[Path]:
    """Write the student starter ``<name>.py`` (the exercise name with ``_`` for ``-``:
    signatures, docstrings and the header line) and the statement ``<name>.md`` into
    ``out_dir``; returns both paths.

    An existing file that differs from what would be written (a student's work) is never
    replaced unless ``force``: UserError, and nothing is written. Rewriting identical files
    is harmless, so running the command twice is fine. An output path that cannot be
    written is a UserError too.
    """
    from grader.files import write_atomic

    if exercise is None:
        raise UserError("write_starter needs an exercise name")
    spec = resolve_exercise("", exercise)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise UserError(f"{out} exists and is not a folder")
    stem = spec.name.replace("-", "_")
    files = {out / f"{stem}.py": spec.starter(), out / f"{stem}.md": spec.statement}
    for path, text in files.items():
        if force or not (path.exists() or path.is_symlink()):
            continue
        try:
            same = path.is_file() and path.read_text(encoding="utf-8") == text
        except (OSError, UnicodeDecodeError):
            same = False
        if not same:
            raise UserError(f"{path} already exists and differs from the starter (your work?); nothing "
                            f"was written: use --force to replace it, or -o another folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        for path, text in files.items():
            write_atomic(path, text)
    except OSError as exc:
        raise UserError(f"cannot write into {out}: {exc.strerror or exc}") from None
    return list(files)


def _function_source(functions: list[Callable]) -> str:
    parts = ["import numpy as np", "import math"]
    for fn in functions:
        if not callable(fn) or not hasattr(fn, "__code__"):
            raise UserError(f"{fn!r} is not a Python function")
        try:
            parts.append(textwrap.dedent(inspect.getsource(fn)))
        except (OSError, TypeError):
            raise UserError(f"cannot read the source of {fn.__name__}; save it in a .py file and "
                            f"check the file") from None
    return "\n\n".join(parts) + "\n"


def check(path_or_function: Any, *, exercise: str | None = None, show: bool = True) -> SubmissionResult:
    """Notebook convenience: grade a file, or a function (or list of functions) by its source.

    The functions' source runs in the same sandbox as a file would (with ``numpy as np``
    imported). ``show`` prints the points table and feedback (rich renders in Jupyter).
    """
    if isinstance(path_or_function, (str, Path)):
        result = check_submission(path_or_function, exercise=exercise)
    else:
        functions = list(path_or_function) if isinstance(path_or_function, (list, tuple)) else [path_or_function]
        code = _function_source(functions)
        result = check_submission(CodeSource(code, functions[0].__name__, "solution.py"), exercise=exercise)
    if show:
        from grader.checker.display import print_result

        print_result(result)
    return result
