"""The installed package holds nothing for course staff only (DESIGN.md 3.4): students install
cnngrade to run ``check``, so the wheel must not carry the model solutions or the tests."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Build outputs and caches of the working tree are not sources (and may belong to other runs).
_NOT_SOURCES = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__", ".hypothesis",
                                      ".pytest_cache", "out", ".venv")


def test_the_wheel_holds_the_grader_but_no_model_solution_and_no_test(tmp_path):
    # Built from a copy, so the shared working tree gets no build/ folder or egg-info.
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCES)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps",
                           "--no-build-isolation", "-q", "-w", str(tmp_path / "wheels")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (wheel,) = (tmp_path / "wheels").glob("cnngrade-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        contents = {archive.read(n) for n in names if n.endswith(".py")}

    top = {n.split("/", 1)[0] for n in names}
    assert {"grader", "exercises", "cli.py"} <= top
    assert "grader/checker/grading.py" in names and "exercises/conv2d_forward.py" in names
    assert not [n for n in names if n.startswith(("solutions/", "tests/", "benchmarks/", "examples/"))]
    assert top - {"grader", "exercises", "cli.py"} == {n for n in top if n.endswith(".dist-info")}
    # No model solution under another name either (e.g. copied into a package).
    solutions = sorted((ROOT / "solutions").glob("*.py"))
    assert len(solutions) >= 9
    assert not [p.name for p in solutions if p.name != "__init__.py" and p.read_bytes() in contents]
