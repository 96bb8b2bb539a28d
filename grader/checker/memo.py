"""What grading computes the same way for every submission, computed once: the cases each
group's search draws and the reference's expected outputs.

A group's search is deterministic: with the same seed, settings, strategies and hypothesis
release, and every case passing, hypothesis draws the same cases in the same order. So the
first submission that passes a group records the cases it was called with, and a later
submission is called with exactly those cases, in that order, without running hypothesis
(:func:`grader.checker.grading._search_or_replay`). The first case it fails stops the
replay: the real search runs, answered from the replayed evaluations for the cases it asks
again (the same ones, in the same order), so the student's code sees the very calls it
would have seen and the grade is the one the search gives. The expected output of a case is
a pure function of its inputs, the reference code and the engine, so it is memoised too.

- **In memory**, per process, for both tiers: a batch worker draws and computes a class's
  cases once, not once per submission. Hidden cases live only there: never written anywhere.
  A pool or a Dask cluster does better still: the grading process draws every search once
  without any submission (:func:`grader.checker.grading.draw_cases`, the same cases while
  all pass) while the workers start, and each worker replays them from its first
  submission (:func:`grader.batch.worker.drawn_payload`); they go to each worker once,
  where the secret goes too.
- **On disk**, for the public tier of ``cnngrade check`` only: one ``.npz`` per exercise in
  the user's cache folder (:func:`grader.caches.cache_dir`). With it, a ``check`` of a
  correct submission neither runs hypothesis's search nor imports torch. ``grade`` neither reads nor writes it
  (a submission graded without a kernel layer could write in the grader's home).

A file is keyed by the exercise name and version, cnngrade's version, the source of the
code that draws the cases and computes the outputs (the exercise's module, the checker's
strategies, grading and reference wrappers, the engine), torch, numpy, hypothesis and Python
versions and the device selection (``CNNGRADE_DEVICE``, ``CUDA_VISIBLE_DEVICES``, a visible
NVIDIA device). The key is stored in the file and compared on load, and every array's dtype
and shape is checked against the manifest: anything else is ignored and computed again. The
cache is the grader's own data (never anything a submission produced); deleting the folder
is always safe. ``CNNGRADE_CACHE=off`` switches the disk cache off; ``CNNGRADE_CACHE=DIR``
moves it.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import platform
import re
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader.caches import CACHE_ENV, cache_dir, package_version
from grader.checker.spec import Case

__all__ = ["CACHE_ENV", "Memo", "cache_dir", "case_key"]  # the cache folder's names, re-exported

#: Expected outputs kept per exercise and tier in memory, and on disk: shrinking a buggy
#: submission draws new cases, and neither a long-running worker nor a file may grow without bound.
MAX_ENTRIES = 20_000
MAX_DISK_ENTRIES = 4_000
_FORMAT = "cnngrade-memo/1"
_MANIFEST, _DATA = "manifest", "data"
#: The modules (besides the exercise's own) whose code decides the cases drawn and the outputs expected.
_CODE = ("grader.checker.grading", "grader.checker.strategies", "grader.checker.spec", "grader.checker.refs",
         "grader.reference.functional", "grader.reference.device", "grader.reference.shapes")


# --- keys ------------------------------------------------------------------------------------


def _hash_value(digest, value: Any) -> bool:
    """Feed ``value`` to ``digest``; False for a value that is not plain data (never memoised)."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            return False
        digest.update(f"a{value.dtype.str}{value.shape}".encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, (tuple, list)):
        digest.update(f"{type(value).__name__}{len(value)}(".encode())
        if not all(_hash_value(digest, item) for item in value):
            return False
        digest.update(b")")
    elif value is None or type(value) in (bool, int, float, str):
        digest.update(f"{type(value).__name__}:{value!r};".encode())
    else:  # a Rng, a numpy scalar, an object: not memoised
        return False
    return True


def case_key(function: str, case: Case) -> str | None:
    """A content hash of one call (function name, positional and keyword inputs), or None
    when an input is not plain data (arrays, Python numbers and strings, tuples, lists)."""
    digest = hashlib.sha256(function.encode() + b"\0")
    if not _hash_value(digest, tuple(case.args)):
        return None
    for name in sorted(case.kwargs):
        digest.update(f"k{name}=".encode())
        if not _hash_value(digest, case.kwargs[name]):
            return None
    return digest.hexdigest()


def _module_file(name: str) -> Path | None:
    module = sys.modules.get(name)
    file = getattr(module, "__file__", None)
    return Path(file) if file else None


def _source_digest(exercise) -> str:
    files = [_module_file(m) for m in _CODE]
    files += [_module_file(name) for name, module in sorted(sys.modules.items())
              if name.startswith("exercises.") and getattr(getattr(module, "EXERCISE", None), "name", None)
              == exercise.name]
    files += [_module_file(getattr(fn, "__module__", "")) for fn in exercise.references.values()]
    digest = hashlib.sha256()
    for path in sorted({f for f in files if f is not None}):
        try:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        except OSError:
            digest.update(path.name.encode() + b"\0?")
    return digest.hexdigest()


_SOURCES: dict[tuple[str, str], str] = {}


def cache_key(exercise) -> dict[str, str]:
    """Everything the cases and expected outputs depend on besides the group and the seed."""
    import grader

    name = (exercise.name, str(exercise.version))
    if name not in _SOURCES:  # read once per process: a worker grades many submissions
        _SOURCES[name] = _source_digest(exercise)
    return {"format": _FORMAT, "exercise": exercise.name, "version": str(exercise.version),
            "cnngrade": grader.__version__, "source": _SOURCES[name],
            "torch": package_version("torch"), "numpy": np.__version__, "hypothesis": package_version("hypothesis"),
            "python": platform.python_version(),
            "device": os.environ.get("CNNGRADE_DEVICE", "").strip().lower() or "auto",
            "cuda_visible": os.environ.get("CUDA_VISIBLE_DEVICES", ""),
            "nvidia": str(os.path.exists("/dev/nvidiactl"))}


def run_key(exercise, group, seed: int) -> str:
    """Names one search: the group, its seed and the example budget it runs with."""
    budget = (group.max_examples or exercise.max_examples, exercise.shrink_budget)
    return f"{group.name}|{budget[0]}|{budget[1]}|{hashlib.sha256(str(seed).encode()).hexdigest()[:16]}"


# --- storage ---------------------------------------------------------------------------------


class _Blob:
    """The arrays of a memo file, end to end in one byte string (one read, not one per array)."""

    def __init__(self, data: bytes = b""):
        self.parts: list[bytes] = []
        self.size = 0
        self.data = data

    def add(self, array: np.ndarray) -> int:
        offset = self.size
        raw = np.ascontiguousarray(array).tobytes()
        self.parts.append(raw)
        self.size += len(raw)
        return offset

    def array(self, offset: int, dtype: str, shape: list[int]) -> np.ndarray:
        dtype = np.dtype(dtype)
        if dtype.kind not in "biuf" or not all(isinstance(n, int) and n >= 0 for n in shape):
            raise ValueError("not an array this code writes")
        size = math.prod(shape) * dtype.itemsize
        if not isinstance(offset, int) or offset < 0 or offset + size > len(self.data):
            raise ValueError("an array lies outside the file")
        return np.frombuffer(self.data, dtype, count=size // dtype.itemsize, offset=offset).reshape(shape).copy()


def _encode(value: Any, arrays: _Blob) -> Any:
    """JSON for a plain value, its arrays appended to ``arrays`` (see case_key for "plain")."""
    if isinstance(value, np.ndarray):
        return {"a": arrays.add(value), "d": value.dtype.str, "s": list(value.shape)}
    if isinstance(value, (tuple, list)):
        return {"tuple" if isinstance(value, tuple) else "list": [_encode(v, arrays) for v in value]}
    if isinstance(value, dict):  # keyword arguments
        return {"dict": {name: _encode(v, arrays) for name, v in value.items()}}
    return {"v": value}


def _decode(data: Any, arrays: _Blob) -> Any:
    if "a" in data:
        return arrays.array(data["a"], data["d"], data["s"])
    if "tuple" in data:
        return tuple(_decode(v, arrays) for v in data["tuple"])
    if "list" in data:
        return [_decode(v, arrays) for v in data["list"]]
    if "dict" in data:
        return {str(name): _decode(v, arrays) for name, v in data["dict"].items()}
    value = data["v"]
    if value is not None and type(value) not in (bool, int, float, str):
        raise ValueError("not a plain value")
    return value


def _copy(value: Any) -> Any:
    """Every caller gets arrays of its own."""
    return tuple(np.array(v) for v in value) if isinstance(value, tuple) else np.array(value)


@dataclass
class _Run:
    cases: list[Case]
    group: Any = None
    """The group object recorded in this process; None when read from disk (the catalogue's)."""


class Memo:
    """One exercise's and one tier's memo of recorded searches and expected outputs.
    Obtain one with :meth:`for_exercise`."""

    #: Memos by (cache key, tier), shared by every submission graded in this process.
    _memory: dict[tuple[str, str], "Memo"] = {}

    def __init__(self, key: dict[str, str], path: Path | None):
        self.key, self.path = key, path
        self.expected: dict[str, Any] = {}
        self.runs: dict[str, _Run] = {}
        self.dirty = False
        if path is not None:
            self._load()

    @classmethod
    def for_exercise(cls, exercise, *, tier: str, persistent: bool = False) -> "Memo":
        """The process's memo for ``exercise`` and ``tier`` ("public" or "hidden"); with
        ``persistent`` (the public tier of ``check`` for a catalogue exercise) backed by the disk cache."""
        if persistent and tier != "public":
            raise ValueError("only public cases may be written to disk")
        key = cache_key(exercise)
        digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
        folder = cache_dir() if persistent else None
        path = None if folder is None else folder / "memo" / f"{exercise.name}-{digest}.npz"
        memo = cls._memory.get((digest, tier))
        if memo is None or (path is not None and memo.path != path):
            memo = cls(key, path)
            if path is None:  # a disk-backed memo is read again by every check
                cls._memory[(digest, tier)] = memo
        return memo

    def expected_output(self, function: str, case: Case, compute: Callable[..., Any], *,
                        before_compute: Callable[[], None]) -> Any:
        """The expected output of ``function`` on ``case``: remembered, else ``compute(*args,
        **kwargs)`` (after ``before_compute``, which readies the engine)."""
        key = case_key(function, case)
        if key is not None and key in self.expected:
            return _copy(self.expected[key])
        before_compute()
        value = compute(*case.args, **case.kwargs)
        parts = value if isinstance(value, tuple) else (value,)
        if (key is not None and len(self.expected) < MAX_ENTRIES
                and all(isinstance(p, np.ndarray) and p.dtype == np.float64 for p in parts)):
            self.expected[key] = _copy(value)
            self.dirty = self.dirty or len(self.expected) <= MAX_DISK_ENTRIES
        return value

    def recorded(self, name: str, group, *, catalogue: bool) -> list[Case] | None:
        """The cases search ``name`` (:func:`run_key`) was called with when every one passed,
        if recorded for this very ``group`` (or read from disk, for a ``catalogue`` exercise)."""
        run = self.runs.get(name)
        if run is None or not (run.group is group or (run.group is None and catalogue)):
            return None
        return run.cases

    def record(self, name: str, group, cases: list[Case]) -> None:
        self.runs[name] = _Run(list(cases), group)
        self.dirty = True

    # --- the disk file ---------------------------------------------------------------------

    def _load(self) -> None:
        try:
            with np.load(self.path, allow_pickle=False) as members:
                manifest = json.loads(members[_MANIFEST].tobytes().decode("utf-8"))
                if manifest.get("key") != self.key:
                    return
                arrays = _Blob(members[_DATA].tobytes())
                expected = {}
                for key, parts in manifest["expected"].items():
                    value = _decode(parts, arrays)
                    if not all(isinstance(p, np.ndarray) and p.dtype == np.float64
                               for p in (value if isinstance(value, tuple) else (value,))):
                        return
                    expected[key] = value
                runs = {name: _Run([Case(tuple(_decode(a, arrays)), dict(_decode(k, arrays)))
                                    for a, k in cases])
                        for name, cases in manifest["runs"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError, zipfile.BadZipFile, EOFError):
            return  # missing, truncated or not what this code wrote: computed again, rewritten on save
        self.expected, self.runs = expected, runs

    def save(self) -> None:
        """Write a disk-backed memo that grew (atomically; a failed write is only a miss next
        time) and remove the older files of the same exercise."""
        if self.path is None or not self.dirty:
            return
        from grader.files import write_atomic

        arrays = _Blob()
        runs = {}
        for name, run in self.runs.items():
            if all(case_key("", c) is not None for c in run.cases):  # plain data only
                runs[name] = [[_encode(tuple(c.args), arrays), _encode(dict(c.kwargs), arrays)]
                              for c in run.cases]
        expected = {key: _encode(value, arrays)
                    for key, value in list(self.expected.items())[:MAX_DISK_ENTRIES]}
        manifest = {"key": self.key, "expected": expected, "runs": runs}
        buffer = io.BytesIO()
        np.savez(buffer, **{_MANIFEST: np.frombuffer(json.dumps(manifest).encode(), np.uint8),
                            _DATA: np.frombuffer(b"".join(arrays.parts), np.uint8)})
        try:
            write_atomic(self.path, buffer.getvalue())
            stale = re.compile(re.escape(self.key["exercise"]) + r"-[0-9a-f]{16}\.npz")
            for old in self.path.parent.iterdir():
                if old != self.path and stale.fullmatch(old.name):
                    old.unlink(missing_ok=True)
        except OSError:
            return
        self.dirty = False
