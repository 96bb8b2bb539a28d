"""Speed work must not change a grade (issue 14): the corpus graded now, public and hidden,
equals ``grades_before.json``, recorded with the code before it (see corpus_grades.py).

In the suite: a representative subset, one correct and one buggy file per exercise, the
correct one first, so the buggy one is graded against the memo the correct one filled
(replayed until its first failure) and a second time from an empty memo. The whole corpus:
``CNNGRADE_FULL_CORPUS=1`` here, or ``python tests/checker/corpus_grades.py --compare
tests/checker/grades_before.json``.
"""

import json
import os

import pytest
from corpus_grades import FIXTURE, SECRET, SUBMISSIONS, grade

from grader.caches import CACHE_ENV
from grader.checker import resolve_exercise
from grader.checker.grading import draw_cases, install_drawn
from grader.checker.memo import Memo

RECORDED = json.loads(FIXTURE.read_text(encoding="utf-8"))


def _subset() -> list[str]:
    if os.environ.get("CNNGRADE_FULL_CORPUS"):
        return sorted(RECORDED)
    chosen = []
    for folder in sorted({entry.split("/")[0] for entry in RECORDED}):
        entries = sorted(e for e in RECORDED if e.startswith(folder + "/"))
        chosen += [next(e for e in entries if "/correct" in e), next(e for e in entries if "/bug" in e)]
    return chosen


@pytest.mark.slow
def test_the_fixture_covers_the_corpus_it_was_recorded_from():
    assert len(RECORDED) >= 150
    assert all(set(r) == {"public", "hidden"} for r in RECORDED.values())


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    """One disk cache for the whole subset: the correct file fills it for the buggy one."""
    return tmp_path_factory.mktemp("cache")


@pytest.mark.slow
@pytest.mark.parametrize("entry", _subset())
def test_grades_are_the_recorded_ones_with_a_warm_memo_and_a_cold_one(entry, shared_cache, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(shared_cache))
    warm = grade(entry)  # memo and cache as the correct file of the exercise left them: replayed
    saved = dict(Memo._memory)
    Memo._memory.clear()
    monkeypatch.setenv(CACHE_ENV, "off")
    cold = grade(entry)  # nothing recorded: every search runs
    Memo._memory.clear()
    Memo._memory.update(saved)  # the next file of the exercise replays what this one recorded
    assert warm == RECORDED[entry]
    assert cold == RECORDED[entry]


@pytest.mark.slow
@pytest.mark.parametrize("entry", _subset())
def test_grades_are_the_recorded_ones_when_the_cases_were_drawn_beforehand(entry, monkeypatch):
    """As a batch grades (grader.batch.worker.drawn_payload): every search drawn without any
    submission, then replayed; a buggy file fails a replayed case and gets the real search."""
    monkeypatch.setenv(CACHE_ENV, "off")
    saved = dict(Memo._memory)
    Memo._memory.clear()
    try:
        spec = resolve_exercise("", (SUBMISSIONS / entry).parent.name.replace("_", "-"))
        install_drawn(spec, draw_cases(spec, secret=SECRET))
        assert grade(entry) == RECORDED[entry]
    finally:
        Memo._memory.clear()
        Memo._memory.update(saved)
