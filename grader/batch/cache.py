"""The result cache of a batch: an SQLite file in OUT that makes grading resumable.

Each finished result is committed in its own transaction (WAL journal), so a run killed
with SIGKILL loses at most the submissions still being graded, and the same command
resumes where it stopped. A result is keyed by the submission's name and content hash,
the exercise name and version, and the grader version: an unchanged submission is never
graded twice, and changing the exercise's ``version`` regrades everyone.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from grader.results import SubmissionResult

__all__ = ["CacheKey", "ResultCache", "CACHE_FILENAME"]

#: Where the cache lives inside OUT (hidden: never mistaken for a submission's folder).
CACHE_FILENAME = os.path.join(".cnngrade", "cache.sqlite")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    submission       TEXT NOT NULL,
    content_hash     TEXT NOT NULL,
    exercise         TEXT NOT NULL,
    exercise_version TEXT NOT NULL,
    grader_version   TEXT NOT NULL,
    final            INTEGER NOT NULL,
    graded_at        REAL NOT NULL,
    result           TEXT NOT NULL,
    PRIMARY KEY (submission, content_hash, exercise, exercise_version, grader_version)
)
"""
# The WHERE clause selecting one CacheKey's row (parameters in CacheKey.as_tuple() order).
_KEY_MATCH = "submission=? AND content_hash=? AND exercise=? AND exercise_version=? AND grader_version=?"


@dataclass(frozen=True)
class CacheKey:
    """What a cached result depends on."""

    submission: str
    content_hash: str
    exercise: str
    exercise_version: str
    grader_version: str

    def as_tuple(self) -> tuple[str, str, str, str, str]:
        return (self.submission, self.content_hash, self.exercise, self.exercise_version, self.grader_version)


class ResultCache:
    """SQLite store of graded results, one row per :class:`CacheKey`.

    ``final`` is False for results that record a failure of the grader itself (a worker
    that died, a bug): they appear in the outputs but are graded again on the next run.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: autocommit, so each put() is exactly one transaction.
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a killed process (our case); only power loss may
        # drop the last few commits, which are then simply graded again.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)

    def __repr__(self) -> str:
        return f"ResultCache({str(self.path)!r})"

    def _row(self, columns: str, key: CacheKey) -> tuple | None:
        return self._db.execute(f"SELECT {columns} FROM results WHERE {_KEY_MATCH}", key.as_tuple()).fetchone()

    def get(self, key: CacheKey, *, final_only: bool = True) -> SubmissionResult | None:
        """The stored result for ``key`` (only a final one unless ``final_only=False``)."""
        row = self._row("result, final", key)
        if row is None or (final_only and not row[1]):
            return None
        return SubmissionResult.from_dict(json.loads(row[0]))

    def has_final(self, key: CacheKey) -> bool:
        """Whether a final result for ``key`` is stored (cheaper than :meth:`get`)."""
        row = self._row("final", key)
        return bool(row and row[0])

    def put(self, key: CacheKey, result: SubmissionResult, *, final: bool = True) -> None:
        """Store ``result`` under ``key`` in one committed transaction (replacing any row)."""
        self._db.execute(
            "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (*key.as_tuple(), int(final), time.time(), json.dumps(result.to_dict())),
        )

    def graded_at(self, key: CacheKey) -> float | None:
        """When the stored result for ``key`` was written (seconds since the epoch)."""
        row = self._row("graded_at", key)
        return row[0] if row else None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "ResultCache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
