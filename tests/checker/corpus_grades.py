"""The grades of the test corpus, public and hidden, as small JSON: points and status per group.

``grades_before.json`` holds them as graded by the code before the speed work (issue 14);
``test_grades_unchanged.py`` grades a representative subset again and requires the same
numbers. The whole corpus, by hand (minutes)::

    python tests/checker/corpus_grades.py --compare tests/checker/grades_before.json
    python tests/checker/corpus_grades.py --write FILE      # record (e.g. under an old checkout)

Run under another checkout with ``PYTHONPATH=/that/checkout`` (the files graded are this
folder's own submissions, so both sides grade the same bytes).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUBMISSIONS = HERE / "submissions"
FIXTURE = HERE / "grades_before.json"
#: The fixture secret of the batch tests: the hidden cases it draws are the ones compared.
SECRET = (HERE.parent / "batch" / "test-course.key").read_text(encoding="utf-8").strip()


def corpus() -> list[str]:
    """Every submission of the corpus, as ``exercise_folder/file.py``."""
    return sorted(f"{p.parent.name}/{p.name}" for p in SUBMISSIONS.glob("*/*.py"))


def summary(result) -> dict:
    """What must not change: the total, status, verdict, diagnoses and every group's points."""
    return {"score": result.score, "max_score": result.max_score, "status": result.status,
            "verdict": result.verdict, "misconceptions": sorted(result.misconceptions),
            "groups": {t.name: [t.score, t.status] for t in result.tests}}


def grade(entry: str) -> dict:
    """``entry`` graded as ``cnngrade check`` does (public) and as ``cnngrade grade`` does
    with the fixture secret (hidden)."""
    from grader.checker import check_submission

    path = SUBMISSIONS / entry
    exercise = path.parent.name.replace("_", "-")
    return {"public": summary(check_submission(path, exercise=exercise)),
            "hidden": summary(check_submission(path, exercise=exercise, secret=SECRET))}


def dumps(grades: dict) -> str:
    """The fixture's layout: one line per entry, keys sorted (small, and diffs read per file)."""
    lines = [f"{json.dumps(entry)}: {json.dumps(grades[entry], sort_keys=True, separators=(',', ':'))}"
             for entry in sorted(grades)]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", metavar="FILE", help="grade the whole corpus into FILE")
    action.add_argument("--compare", metavar="FILE", help="grade the entries FILE holds, report differences")
    args = parser.parse_args(argv)
    if args.write:
        grades = {}
        for entry in corpus():
            grades[entry] = grade(entry)
            print(entry, grades[entry]["public"]["score"], grades[entry]["hidden"]["score"], flush=True)
        Path(args.write).write_text(dumps(grades), encoding="utf-8")
        return 0
    recorded = json.loads(Path(args.compare).read_text(encoding="utf-8"))
    differ = [entry for entry in sorted(recorded) if grade(entry) != recorded[entry]]
    print(f"{len(recorded) - len(differ)} of {len(recorded)} identical" + "".join(f"\nDIFFERS: {e}" for e in differ))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
