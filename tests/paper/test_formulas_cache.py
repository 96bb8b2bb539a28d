"""The worked solutions' general formulas in the user cache (grader/paper/formulas.py): a
second `new exercise` writes the same files without importing sympy or torch, and a cache
that is damaged, foreign, of another sympy or switched off only costs sympy's time."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.caches import CACHE_ENV

ROOT = Path(__file__).resolve().parents[2]

# Generate a parameter-count sheet in a fresh process and say which heavy libraries it loaded.
_SCRIPT = """
import json, sys
from grader.paper.generate import write_exercise_set
from exercises import get_exercise
write_exercise_set(get_exercise("param-count"), out_dir=sys.argv[1], count=5, seed=3)
print(json.dumps({m: m in sys.modules for m in ("sympy", "torch")}))
"""


def _generate(out: Path, cache: str) -> dict:
    env = {**os.environ, CACHE_ENV: cache, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", _SCRIPT, str(out)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def _files(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_second_run_reads_the_formulas_and_imports_neither_sympy_nor_torch(tmp_path):
    cache = tmp_path / "cache"
    first = _generate(tmp_path / "a", str(cache))
    assert first == {"sympy": True, "torch": False}
    assert (cache / "formulas.json").is_file()
    second = _generate(tmp_path / "b", str(cache))
    assert second == {"sympy": False, "torch": False}
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


@pytest.mark.parametrize("damage", ["garbage", "foreign key", "wrong types", "other sympy"])
def test_a_bad_cache_file_is_a_miss_and_is_written_again(tmp_path, damage):
    cache = tmp_path / "cache"
    _generate(tmp_path / "good", str(cache))
    path = cache / "formulas.json"
    stored = json.loads(path.read_text())
    if damage == "garbage":
        path.write_bytes(b"\x00{not json")
    elif damage == "foreign key":
        path.write_text(json.dumps({"key": {"format": "x"}, "data": stored["data"]}))
    elif damage == "wrong types":
        path.write_text(json.dumps({"key": stored["key"], "data": {k: 1 for k in stored["data"]}}))
    else:   # a table sympy 0.0 wrote: its LaTeX is not trusted for this sympy
        tampered = {k: "WRONG" for k in stored["data"]}
        path.write_text(json.dumps({"key": {**stored["key"], "sympy": "0.0"}, "data": tampered}))
    assert _generate(tmp_path / "again", str(cache))["sympy"] is True
    assert _files(tmp_path / "again") == _files(tmp_path / "good")
    assert json.loads(path.read_text()) == stored


def test_cache_off_writes_nothing_and_gives_the_same_files(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert _generate(tmp_path / "off", "off")["sympy"] is True
    assert not (tmp_path / "home").exists()
    _generate(tmp_path / "on", str(tmp_path / "cache"))
    assert _files(tmp_path / "off") == _files(tmp_path / "on")
