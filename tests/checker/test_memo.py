"""The memo of recorded searches and expected outputs (grader/checker/memo.py): what it
stores, where, under which key, and that a replayed grade is the searched one."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from checker_support import SUBMISSIONS, quick

from grader.checker import check_submission, code_exercises
from grader.checker.memo import CACHE_ENV, Memo, cache_dir, case_key
from grader.checker.spec import Case

ROOT = SUBMISSIONS.parents[2]
EXERCISE = "relu"  # the quickest exercise to grade
CORRECT = SUBMISSIONS / "relu" / "correct_loops.py"
SECRET = "memo-test-secret-0123456789"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A disk cache of the test's own, and no memo left in memory from earlier tests."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    monkeypatch.setattr(Memo, "_memory", {})
    return folder


def _files(folder):
    return sorted(p.name for p in (folder / "memo").glob("*.npz")) if (folder / "memo").exists() else []


def _same(a, b):
    a, b = a.to_dict(), b.to_dict()
    a.pop("duration_s"), b.pop("duration_s")
    return a == b


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "cnngrade"
    monkeypatch.setenv(CACHE_ENV, "off")
    assert cache_dir() is None
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "elsewhere"))
    assert cache_dir() == tmp_path / "elsewhere"


def test_case_keys_separate_what_the_reference_separates():
    x = np.arange(6.0).reshape(2, 3)
    base = case_key("f", Case((x,), {"stride": 1}))
    assert base == case_key("f", Case((x.copy(),), {"stride": 1}))
    others = [case_key("g", Case((x,), {"stride": 1})), case_key("f", Case((x.reshape(3, 2),), {"stride": 1})),
              case_key("f", Case((x.astype(np.float32),), {"stride": 1})), case_key("f", Case((x,), {"stride": 2})),
              case_key("f", Case((x,), {"stride": (1, 1)})), case_key("f", Case((x,), {"stride": 1.0})),
              case_key("f", Case((x, 1), {}))]
    assert base not in others and len(set(others)) == len(others)
    # Large arrays whose repr is abbreviated still get keys of their own.
    big = np.zeros(5000)
    bigger = big.copy()
    bigger[2500] = 1
    assert case_key("f", Case((), {"x": big})) != case_key("f", Case((), {"x": bigger}))
    assert case_key("f", Case((object(),))) is None and case_key("f", Case((np.float64(1),))) is None


def test_check_writes_public_cases_once_and_a_warm_check_grades_the_same(cache):
    cold = check_submission(CORRECT, exercise=EXERCISE)
    (name,) = _files(cache)
    assert name.startswith(f"{EXERCISE}-")
    Memo._memory.clear()
    warm = check_submission(CORRECT, exercise=EXERCISE)
    assert _same(cold, warm) and warm.status == "passed"
    assert _files(cache) == [name]


def test_grade_with_a_secret_writes_nothing_to_disk(cache):
    result = check_submission(CORRECT, exercise=EXERCISE, secret=SECRET)
    assert result.status == "passed"
    assert _files(cache) == []


def test_the_disk_cache_can_be_switched_off(cache, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, "off")
    check_submission(CORRECT, exercise=EXERCISE)
    assert not cache.exists()


def test_a_changed_exercise_version_is_a_new_file_and_the_old_one_goes(cache):
    import dataclasses

    exercise = code_exercises()[EXERCISE]
    memo = Memo.for_exercise(exercise, tier="public", persistent=True)
    memo.expected["k"] = np.ones(2)
    memo.dirty = True
    memo.save()
    bumped = dataclasses.replace(exercise, version=f"{exercise.version}-next")
    other = Memo.for_exercise(bumped, tier="public", persistent=True)
    assert other.path != memo.path and other.expected == {}  # nothing of the old version is read
    other.expected["k"] = np.zeros(2)
    other.dirty = True
    other.save()
    assert _files(cache) == [other.path.name]


@pytest.mark.parametrize("damage", ["truncate", "foreign key", "wrong shape", "not a zip"])
def test_a_damaged_file_is_ignored_and_rewritten(cache, damage):
    exercise = code_exercises()[EXERCISE]
    check_submission(CORRECT, exercise=EXERCISE)
    (path,) = (cache / "memo").glob("*.npz")
    with np.load(path) as members:
        manifest = json.loads(members["manifest"].tobytes())
        data = members["data"].tobytes()
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:200])
    elif damage == "not a zip":
        path.write_bytes(b"not a cache file")
    else:
        if damage == "foreign key":
            manifest["key"]["torch"] = "0.0"
        else:
            first = next(iter(manifest["expected"].values()))
            (first if "a" in first else first["tuple"][0])["s"] = [10 ** 6]
        np.savez(path, manifest=np.frombuffer(json.dumps(manifest).encode(), np.uint8),
                 data=np.frombuffer(data, np.uint8))
    Memo._memory.clear()
    memo = Memo.for_exercise(exercise, tier="public", persistent=True)
    assert memo.expected == {} and memo.runs == {}
    Memo._memory.clear()
    again = check_submission(CORRECT, exercise=EXERCISE)
    assert again.status == "passed"
    Memo._memory.clear()
    assert Memo.for_exercise(exercise, tier="public", persistent=True).runs  # rewritten whole


def test_a_warm_check_of_a_correct_file_imports_neither_torch_nor_runs_a_search(tmp_path):
    """The cold start the cache exists for, in fresh processes as a student runs it."""
    script = ("import sys\n"
              "from grader.checker import check_submission\n"
              "import grader.checker.grading as grading\n"
              "searches = []\n"
              "real = grading._search\n"
              "grading._search = lambda *a, **k: searches.append(1) or real(*a, **k)\n"
              f"result = check_submission({str(CORRECT)!r}, exercise={EXERCISE!r})\n"
              "print(result.status, 'torch' in sys.modules, len(searches))\n")
    env = {**os.environ, CACHE_ENV: str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=300) for _ in range(2)]
    for run in runs:
        assert run.returncode == 0, run.stderr
    groups = len(code_exercises()[EXERCISE].groups)
    assert runs[0].stdout.split() == ["passed", "True", str(groups)]
    assert runs[1].stdout.split() == ["passed", "False", "0"]


def test_a_replayed_failure_gives_the_searched_grade(cache, monkeypatch):
    """Buggy files graded after a correct one (replayed until the first failure, then
    searched) get exactly what they get in a fresh process (searched from the start)."""
    exercise = quick("conv2d-forward", max_examples=4, shrink_budget=8)
    folder = SUBMISSIONS / "conv2d_forward"
    files = [folder / "correct_loops.py", *sorted(folder.glob("bug_*.py"))[:4]]
    monkeypatch.setenv(CACHE_ENV, "off")
    fresh = []
    for path in files:
        Memo._memory.clear()
        fresh.append(check_submission(path, exercise=exercise, secret=SECRET))
    Memo._memory.clear()
    replayed = [check_submission(path, exercise=exercise, secret=SECRET) for path in files]
    assert fresh[0].status == "passed" and all(r.status == "failed" for r in fresh[1:])
    assert all(_same(a, b) for a, b in zip(fresh, replayed))


def test_drawn_cases_are_the_ones_a_correct_submission_records(cache, monkeypatch):
    """grader.checker.grading.draw_cases (a batch draws once, for every worker) draws without
    a submission exactly the cases the first correct submission's searches are called with."""
    from grader.checker.grading import draw_cases

    monkeypatch.setenv(CACHE_ENV, "off")
    spec = code_exercises()[EXERCISE]
    drawn = draw_cases(spec, secret=SECRET)
    assert {tier for tier, *_ in drawn} == {"public", "hidden"}
    assert len(drawn) == 2 * len(spec.groups)
    assert check_submission(CORRECT, exercise=EXERCISE, secret=SECRET).status == "passed"
    for tier, group, name, cases in drawn:
        recorded = Memo.for_exercise(spec, tier=tier).runs[name].cases
        assert cases and [case_key("", c) for c in cases] == [case_key("", c) for c in recorded], (tier, group)


def test_installed_drawn_cases_are_replayed_and_a_buggy_file_still_gets_its_searched_grade(cache, monkeypatch):
    from grader.checker.grading import draw_cases, install_drawn

    monkeypatch.setenv(CACHE_ENV, "off")
    buggy = sorted((SUBMISSIONS / "relu").glob("bug*.py"))[0]
    searched = check_submission(buggy, exercise=EXERCISE, secret=SECRET)  # an empty memo: every search runs
    Memo._memory.clear()
    spec = code_exercises()[EXERCISE]
    install_drawn(spec, draw_cases(spec, secret=SECRET))
    searches = []
    import grader.checker.grading as grading

    real = grading._search
    monkeypatch.setattr(grading, "_search", lambda *a, **k: searches.append(a[1].name) or real(*a, **k))
    assert check_submission(CORRECT, exercise=EXERCISE, secret=SECRET).status == "passed"
    assert searches == []  # a correct file: every search replayed, none run
    assert _same(check_submission(buggy, exercise=EXERCISE, secret=SECRET), searched)
    assert searches  # the buggy file failed a replayed case: the real search ran from there
