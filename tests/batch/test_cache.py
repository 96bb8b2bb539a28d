"""The SQLite result cache: keys, the final flag, durability across connections."""

import sqlite3

from grader.batch.cache import CacheKey, ResultCache
from grader.results import SubmissionResult
from grader.results import TestResult as GroupResult


def _result(name: str, score: float) -> SubmissionResult:
    return SubmissionResult(name, "conv2d-forward", score, 2.0, "failed" if score < 2 else "passed",
                            tests=[GroupResult("shape", score, 2.0, "passed" if score == 2 else "failed", "out")],
                            feedback="text", misconceptions=["bias_missing"], duration_s=0.5)


KEY = CacheKey("alice", "ab" * 32, "conv2d-forward", "1", "0.1.0")


def test_a_stored_result_comes_back_equal_from_a_new_connection(tmp_path):
    with ResultCache(tmp_path / "c.sqlite") as cache:
        cache.put(KEY, _result("alice", 1.0))
    with ResultCache(tmp_path / "c.sqlite") as cache:
        assert cache.get(KEY) == _result("alice", 1.0)
        assert cache.has_final(KEY)
        assert cache.graded_at(KEY) is not None


def test_every_part_of_the_key_matters(tmp_path):
    with ResultCache(tmp_path / "c.sqlite") as cache:
        cache.put(KEY, _result("alice", 1.0))
        for field in ("submission", "content_hash", "exercise", "exercise_version", "grader_version"):
            other = CacheKey(**{**KEY.__dict__, field: "other"})
            assert cache.get(other) is None and not cache.has_final(other), field


def test_non_final_results_are_kept_but_not_reused(tmp_path):
    with ResultCache(tmp_path / "c.sqlite") as cache:
        cache.put(KEY, _result("alice", 0.0), final=False)
        assert cache.get(KEY) is None and not cache.has_final(KEY)
        assert cache.get(KEY, final_only=False).score == 0.0
        cache.put(KEY, _result("alice", 2.0))  # the retry replaces the row: no duplicate
        assert cache.get(KEY).score == 2.0
    rows = sqlite3.connect(tmp_path / "c.sqlite").execute("SELECT COUNT(*) FROM results").fetchone()[0]
    assert rows == 1


def test_the_journal_is_write_ahead(tmp_path):
    ResultCache(tmp_path / "c.sqlite").close()
    mode = sqlite3.connect(tmp_path / "c.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
