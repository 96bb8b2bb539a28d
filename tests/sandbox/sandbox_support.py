"""Shared helpers for the sandbox tests (imported by conftest.py and the tests): a fake
class folder with canary files, a secret in the grader's environment, and checks for
leftover processes and changed files."""

from __future__ import annotations

import hashlib
import os
import resource
from pathlib import Path

import pytest


HERE = Path(__file__).parent
HOSTILE = HERE / "hostile"
CORRECT = HERE / "correct"
SECRET_NAME = "CNNGRADE_TEST_SECRET"
SECRET_VALUE = "s3cret-gradebook-token-6f1d0a"
PWNED = Path("/tmp/cnngrade-pickle-pwned")


def snapshot(root: Path) -> dict[str, str]:
    """Path -> content hash of every file under ``root``."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def leftover_processes(tokens: list[str]) -> list[int]:
    """PIDs of live processes carrying one of the sandbox run tokens in their environment."""
    needles = [f"CNNGRADE_RUN={t}".encode() for t in tokens]
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                env = fh.read()
            with open(f"/proc/{entry}/stat", "rb") as fh:
                state = fh.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if state != b"Z" and any(n in env for n in needles):
            found.append(int(entry))
    return found


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_world(tmp_path, monkeypatch):
    """A class folder (alice's submission next to bob's), a gradebook, the grader's working
    directory with a canary, and a secret in the grader's environment."""
    (tmp_path / "class" / "alice").mkdir(parents=True)
    (tmp_path / "class" / "bob").mkdir(parents=True)
    (tmp_path / "class" / "bob" / "solution.py").write_text("def f(x):\n    return x\n")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "grades.json").write_text('[{"submission": "bob", "score": 3}]')
    (tmp_path / "cwd").mkdir()
    (tmp_path / "cwd" / "grades.csv").write_text("submission,score\nbob,3\n")
    monkeypatch.chdir(tmp_path / "cwd")
    monkeypatch.setenv(SECRET_NAME, SECRET_VALUE)
    PWNED.unlink(missing_ok=True)
    return tmp_path


def canary_paths(world: Path) -> list[str]:
    return [str(world / "class" / "bob" / "solution.py"), str(world / "out" / "grades.json"),
            str(world / "cwd" / "grades.csv"), str(world / "class" / "alice" / "solution.py")]


#: Every layer, in the order of strength; tests run under each one that works here.
LAYERS = ("bwrap", "linux", "portable")


def require_layer(layer: str) -> str:
    """Skip the calling test, with the reason, when ``layer`` cannot start on this machine."""
    from grader.sandbox._isolation import probe

    ok, why = probe()[layer]
    if not ok:
        pytest.skip(f"layer {layer} is unavailable here: {why}")
    return layer
