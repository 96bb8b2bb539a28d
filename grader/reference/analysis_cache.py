"""The analyses ``cnngrade inspect`` printed before, kept in the user's cache folder, so that
inspecting the same model again neither imports torch nor runs the pass (issue 14: torch's
import is over 80% of a cold ``inspect resnet152``).

Only the default meta pass of a named model or a spec file is cached: a ``device`` pass, a
module or an in-memory spec always runs. An entry is keyed by what the analysis depends on:
the model's catalogue name, or the spec file's name (the table's title) and content hash;
the input shape and depth as given; the engine's source (the files of this package that build
and analyse the models); torch's version (read from its metadata, without importing it);
cnngrade's and Python's versions. The key is stored in the entry and compared on load, and
every field is checked: anything else (a damaged, truncated or foreign file) is a miss, and
the entry is written again. Entries of another engine or torch are removed on the next write;
deleting the folder is always safe. ``CNNGRADE_CACHE=off`` switches the cache off (nothing
is read or written), as for every disk cache (:mod:`grader.caches`).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import platform
from pathlib import Path
from typing import Any

from grader.caches import cache_dir
from grader.reference.analysis import Analysis, LayerInfo, analyze

__all__ = ["analyze_cached", "analysis_from_dict", "cache_key"]

_FORMAT = "cnngrade-analysis/1"
#: The files of this package whose code decides an analysis (and this one, which stores it).
_ENGINE = ("analysis.py", "models.py", "blocks.py", "spec.py", "spec_modules.py", "catalogue.py",
           "functional.py", "shapes.py", "analysis_cache.py")
#: Entries kept per engine; the oldest go first (each model, input, depth and spec is one).
MAX_ENTRIES = 256
_SPEC_SUFFIXES = (".yaml", ".yml", ".json")


def analyze_cached(model_or_spec, *, input_shape: tuple[int, ...] | None = None, device=None,
                   depth: int | None = None) -> Analysis:
    """:func:`~grader.reference.analysis.analyze`, answered from the disk cache when the same
    model or spec file was analysed with the same input, depth, engine and torch before
    (then torch is never imported); else analysed and stored."""
    from grader.files import write_atomic
    from grader.reference.spec import parse_shape

    if input_shape is not None:
        input_shape = parse_shape(input_shape)
    folder = cache_dir()
    key = None if device is not None or folder is None else cache_key(model_or_spec, input_shape, depth)
    if key is None:
        return analyze(model_or_spec, input_shape=input_shape, device=device, depth=depth)
    path = folder / "analysis" / _file_name(key)
    cached = _load(path, key)
    if cached is not None:
        return cached
    analysis = analyze(model_or_spec, input_shape=input_shape, depth=depth)
    try:
        write_atomic(path, json.dumps({"key": key, "analysis": analysis.to_dict()},
                                      separators=(",", ":")))
        _prune(path)
    except OSError:
        pass   # a read-only cache is only a miss next time
    return analysis


# --- keys ------------------------------------------------------------------------------------


def cache_key(model_or_spec, input_shape: tuple[int, ...] | None, depth) -> dict[str, Any] | None:
    """Everything the meta-pass analysis of ``model_or_spec`` depends on, or None for a target
    that is not cached (a module, a parsed spec, a name that is neither a model nor a file)."""
    from grader.reference.catalogue import canonical_model_name

    if not isinstance(model_or_spec, (str, Path)) or not (
            depth is None or (isinstance(depth, int) and not isinstance(depth, bool))):
        return None   # not cached; a bad depth is analyze's to report
    path = Path(model_or_spec)
    # The order analyze resolves in: a spec suffix, then a model name, then any other file.
    name = None if path.suffix.lower() in _SPEC_SUFFIXES or not isinstance(model_or_spec, str) \
        else canonical_model_name(model_or_spec)
    if name is not None:
        target = {"model": name}
    else:
        try:
            content = path.read_bytes()
        except OSError:   # not a file: analyze says what is wrong
            return None
        # The spec's label (its file name) is the table's title: part of the output.
        target = {"spec": path.name, "sha256": hashlib.sha256(content).hexdigest()}
    return {**_engine_key(), "target": target,
            "input": None if input_shape is None else list(input_shape),
            "depth": depth}


@functools.lru_cache(maxsize=1)
def _engine_key() -> dict[str, str]:
    """The part of every key that no argument changes: the engine's code and its versions."""
    import grader
    from grader.caches import package_version

    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in _ENGINE:
        try:
            digest.update(name.encode() + b"\0" + (here / name).read_bytes() + b"\0")
        except OSError:
            digest.update(name.encode() + b"\0?\0")
    return {"format": _FORMAT, "cnngrade": grader.__version__, "torch": package_version("torch"),
            "python": platform.python_version(), "source": digest.hexdigest()}


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def _file_name(key: dict[str, Any]) -> str:
    """``ENGINE-ENTRY.json``: entries of another engine or torch are found by name alone."""
    engine = {k: v for k, v in key.items() if k in _engine_key()}
    return f"{_digest(engine)}-{_digest(key)}.json"


# --- storage ---------------------------------------------------------------------------------


def _load(path: Path, key: dict[str, Any]) -> Analysis | None:
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored["key"] != key:
            return None
        return analysis_from_dict(stored["analysis"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        return None   # missing, damaged or not what this code wrote: analysed again, rewritten


def _prune(written: Path) -> None:
    """Remove the entries of other engines, and the oldest beyond MAX_ENTRIES."""
    engine = written.name.split("-", 1)[0]
    current = []
    for entry in written.parent.glob("*.json"):
        if entry.name.split("-", 1)[0] != engine:
            entry.unlink(missing_ok=True)
        elif entry != written:
            current.append((entry.stat().st_mtime, entry))
    for _, entry in sorted(current)[:max(0, len(current) + 1 - MAX_ENTRIES)]:
        entry.unlink(missing_ok=True)


def _plain_int(value) -> int:
    if type(value) is not int:
        raise ValueError(f"not an integer: {value!r}")
    return value


def _string(value) -> str:
    if type(value) is not str:
        raise ValueError(f"not a string: {value!r}")
    return value


def _shape(value) -> tuple[int, ...]:
    if type(value) is not list or any(_plain_int(n) < 0 for n in value):
        raise ValueError(f"not a shape: {value!r}")
    return tuple(value)


def _per_axis(value) -> tuple[float, ...] | None:
    if value is None:
        return None
    if type(value) is not list or any(type(v) not in (int, float) for v in value):
        raise ValueError(f"not a value per axis: {value!r}")
    return tuple(value)


#: How each field of LayerInfo and Analysis is read back, by its annotation.
_READERS = {"str": _string, "int": _plain_int, "tuple[int, ...]": _shape,
            "tuple[float, ...] | None": _per_axis}


def _fields(cls, data: dict, skip=()) -> dict[str, Any]:
    """The fields of dataclass ``cls`` read from ``data``; ValueError for a missing or
    mistyped one, or a field whose annotation this module does not know."""
    if type(data) is not dict:
        raise ValueError("not an object")
    values = {}
    for f in dataclasses.fields(cls):
        if f.name not in skip:
            reader = _READERS.get(f.type)
            if reader is None:
                raise ValueError(f"{cls.__name__}.{f.name}: no reader for {f.type}")
            values[f.name] = reader(data[f.name])
    return values


def analysis_from_dict(data: dict) -> Analysis:
    """The :class:`Analysis` whose :meth:`~Analysis.to_dict` (as JSON) is ``data``;
    ValueError or KeyError when a field is missing or of the wrong type."""
    layers = data["layers"]
    if type(layers) is not list:
        raise ValueError("layers is not a list")
    return Analysis(**_fields(Analysis, data, skip=("layers",)),
                    layers=[LayerInfo(**_fields(LayerInfo, row)) for row in layers])
