"""``cnngrade new exercise`` for paper exercises: variants for a roster or a count, rendered
to a student sheet and a separate instructor key, written atomically."""

from __future__ import annotations

import csv
import importlib
import io
import os
from pathlib import Path
from typing import Sequence

from grader.errors import UserError
from grader.files import write_atomic
from grader.paper.model import PaperExercise, Variant

__all__ = [
    "FORMATS",
    "MAX_COUNT",
    "paper_exercises",
    "get_paper_exercise",
    "read_roster_ids",
    "make_variants",
    "write_exercise_set",
]

#: ``--format`` choice -> renderer module in ``grader.render``.
FORMATS = {
    "md": "markdown",
    "tex": "latex",
    "pdf": "pdf",
    "html": "html",
    "json": "json_doc",
    "moodle": "moodle",
    "gift": "gift",
}


#: Most variants ``--count`` may ask for. A count is typed by hand, so a huge one is a typo
#: (``--count 1000000`` would build and render for minutes); a class that big comes as a
#: ``--roster`` file, which has no such limit.
MAX_COUNT = 10_000


def paper_exercises() -> dict[str, PaperExercise]:
    """Every paper exercise of the catalogue, by name."""
    from exercises import all_exercises

    return {n: e for n, e in all_exercises().items() if e.kind == "paper"}


def get_paper_exercise(exercise: str | PaperExercise) -> PaperExercise:
    if isinstance(exercise, PaperExercise):
        return exercise
    from exercises import get_exercise

    return get_exercise(exercise, kind="paper")


def read_roster_ids(path: str | os.PathLike) -> list[str]:
    """Student ids (the ``submission`` column) of a roster CSV, in file order.

    The roster format is the one ``cnngrade grade --roster`` reads
    (``grader.batch.exports.load_roster``), so one file serves both verbs.
    """
    from grader.batch.exports import load_roster

    ids = list(load_roster(path).rows)
    if not ids:
        raise UserError(f"the roster {path} lists no students")
    return ids


def make_variants(exercise: str | PaperExercise, *, seed: int = 0, count: int | None = None,
                  students: Sequence[str] | None = None, difficulty: str = "medium") -> list[Variant]:
    """Variants of a paper exercise: one per student id (``students``), or ``count``
    numbered ones (ids ``"1"`` ... ``"count"``). The same (seed, student id) always gives
    the same variant; duplicates within one call are re-drawn deterministically."""
    ex = get_paper_exercise(exercise)
    if students is None:
        count = 1 if count is None else count
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise UserError(f"--count must be a positive integer, got {count!r}")
        if count > MAX_COUNT:
            raise UserError(f"--count {count} is more than {MAX_COUNT:,} variants; for a class that "
                            f"large give its --roster file")
        students = [str(i + 1) for i in range(count)]
    elif count is not None:
        raise UserError("give either --count or --roster, not both")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise UserError(f"--seed must be an integer, got {seed!r}")
    return ex.variants(list(students), seed=seed, difficulty=difficulty)


def _renderer(fmt: str):
    if fmt not in FORMATS:
        raise UserError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return importlib.import_module(f"grader.render.{FORMATS[fmt]}")


def answers_template(variants: Sequence[Variant]) -> str:
    """A CSV with a ``submission`` column and one column per number to give (the format
    ``cnngrade grade-answers --answers`` reads), one empty row per student."""
    columns: dict[str, None] = {}
    for v in variants:
        for column, *_ in v.cells():
            columns.setdefault(column)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["submission", *columns])
    for v in variants:
        writer.writerow([v.student, *([""] * len(columns))])
    return buf.getvalue()


def write_exercise_set(exercise: str | PaperExercise, *, out_dir: str | os.PathLike = ".",
                       seed: int = 0, count: int | None = None,
                       roster: str | os.PathLike | None = None, fmt: str = "md",
                       difficulty: str = "medium", force: bool = False) -> list[Path]:
    """Generate the variants and write them: ``NAME-sheet.EXT`` (students) and
    ``NAME-key.EXT`` (answers and worked solutions) — for ``moodle`` and ``gift`` one
    question bank ``NAME.EXT`` — plus ``NAME-answers-template.csv``. Returns the paths.

    An existing file that differs from what would be written (another seed's sheets, an
    edited key) is never replaced unless ``force``: UserError, and nothing is written.
    """
    ex = get_paper_exercise(exercise)
    module = _renderer(fmt)  # validate the format before any work
    if fmt == "pdf":  # fail before any work rather than after rendering every variant
        module.require_engine()
    if roster is not None and count is not None:
        raise UserError("give either --count or --roster, not both")
    students = read_roster_ids(roster) if roster is not None else None
    variants = make_variants(ex, seed=seed, count=count, students=students, difficulty=difficulty)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise UserError(f"the output folder {out} is a file")
    ext = module.EXTENSION
    rendered: list[tuple[Path, str | bytes]] = []
    if getattr(module, "KEY_ONLY", False):
        rendered.append((out / f"{ex.name}.{ext}", module.render(variants, key=True)))
    else:
        rendered.append((out / f"{ex.name}-sheet.{ext}", module.render(variants, key=False)))
        rendered.append((out / f"{ex.name}-key.{ext}", module.render(variants, key=True)))
    rendered.append((out / f"{ex.name}-answers-template.csv", answers_template(variants)))
    if not force:
        for path, data in rendered:
            if _differs(path, data):
                raise UserError(f"{path} already exists with other content; nothing was written: use "
                                f"--force to replace it, or -o another folder")
    try:
        for path, data in rendered:  # everything rendered first: a failure writes nothing
            write_atomic(path, data)
    except OSError as exc:
        raise UserError(f"cannot write into {out}: {exc.strerror or exc}") from None
    return [path for path, _ in rendered]


def _differs(path: Path, data: str | bytes) -> bool:
    """Whether writing ``data`` to ``path`` would replace other content."""
    if not (path.exists() or path.is_symlink()):
        return False
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        return not path.is_file() or path.read_bytes() != data
    except OSError:
        return True
