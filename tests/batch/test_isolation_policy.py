"""`grade` runs only behind walls the kernel enforces, and a sandbox that cannot start is
never a grade (DESIGN.md section 4; issue "isolation the operating system enforces").

- without a kernel layer, `grade` stops before writing anything, naming the fix and
  `--isolation none`; with `--isolation none` it grades, and the report says so;
- a sandbox whose self-test fails stops the class before any grade exists (exit 1);
- a sandbox that stops starting in the middle of a class turns those submissions into
  ``grader_error`` results: not cached as final, exit 1, a rerun grades them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from grader.batch import grade_class
from grader.batch.cache import CACHE_FILENAME, ResultCache
from grader.batch.worker import GRADER_ERROR
from grader.errors import UserError
from grader.sandbox import _isolation
from grader.sandbox._isolation import probe

ROOT = Path(__file__).resolve().parents[2]
GOOD = (ROOT / "solutions" / "conv2d_forward.py").read_text()


@pytest.fixture
def klass(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("ann", "bob"):
        (folder / f"{name}.py").write_text(GOOD)
    return folder


@pytest.fixture
def no_kernel_layer(monkeypatch):
    """This machine as a laptop without bubblewrap or user namespaces would be."""
    monkeypatch.setitem(probe(), "bwrap", (False, "bubblewrap (bwrap) is not installed"))
    monkeypatch.setitem(probe(), "linux", (False, "user namespaces are disabled"))


def test_grade_refuses_weak_isolation(klass, tmp_path, no_kernel_layer):
    out = tmp_path / "out"
    with pytest.raises(UserError, match="--isolation none"):
        grade_class(klass, exercise="conv2d-forward", out_dir=out, jobs=1, progress=False,
                    max_examples=2)
    assert not out.exists()  # refused before anything was written
    result = CliRunner().invoke(main, ["grade", str(klass), "-e", "conv2d-forward", "-o", str(out),
                                       "--max-examples", "2", "-q"])
    assert result.exit_code == 2
    assert "apt-get install bubblewrap" in result.output and "Traceback" not in result.output


def test_isolation_none_grades_and_says_so(klass, tmp_path, no_kernel_layer, capsys):
    out = tmp_path / "out"
    graded = grade_class(klass, exercise="conv2d-forward", out_dir=out, jobs=1, progress=True,
                         max_examples=2, isolation="none", similarity=False)
    assert [r.score for r in graded] == [20.0, 20.0]
    assert "isolation none: submissions run with in-process protections only" in capsys.readouterr().err


def _break_numpy_for_children(monkeypatch):
    """A real infrastructure failure: the child's view has no numpy (as with a venv the
    layer cannot see); the child dies before its ready message. The layers are probed first,
    as the machine is: a probe cached during the break would outlive this test."""
    probe().items()
    monkeypatch.setattr(_isolation, "child_site_dirs", lambda layer: ["/nonexistent-site"])
    monkeypatch.setattr(_isolation, "_numpy_dirs", lambda: ("/nonexistent-site", []))
    monkeypatch.setattr(_isolation, "site_dirs", lambda: ("/nonexistent-site",))


def test_broken_sandbox_stops_the_class_before_grading(klass, tmp_path, monkeypatch):
    _break_numpy_for_children(monkeypatch)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["grade", str(klass), "-e", "conv2d-forward", "-o", str(out),
                                       "--max-examples", "2", "-q", "--isolation", "none"])
    assert result.exit_code == 1
    assert "could not start" in result.output and "cnngrade doctor" in result.output
    assert not (out / "grades.json").exists()


def test_sandbox_failing_mid_class_is_grader_error_and_retried(klass, tmp_path, monkeypatch):
    """The self-test passes, then the sandbox stops starting: no grade, nothing final in
    the cache, and the next run (machine fixed) grades everyone."""
    import grader.sandbox as sandbox_pkg

    real = sandbox_pkg.preflight

    def preflight_then_break(isolation):
        layer = real(isolation)
        _break_numpy_for_children(monkeypatch)
        return layer

    monkeypatch.setattr(sandbox_pkg, "preflight", preflight_then_break)
    out = tmp_path / "out"
    graded = grade_class(klass, exercise="conv2d-forward", out_dir=out, jobs=1, progress=False,
                         max_examples=2, isolation="none", similarity=False)
    assert sorted(graded.grader_failures) == ["ann", "bob"]
    rows = json.loads((out / "grades.json").read_text())
    assert {r["status"] for r in rows} == {"error"}
    assert {r.get("verdict") for r in rows} == {GRADER_ERROR}
    assert all("could not start" in r["feedback"] for r in rows)
    cache = ResultCache(out / CACHE_FILENAME)
    try:
        assert not any(cache.has_final(k) for k in graded.keys)
    finally:
        cache.close()

    monkeypatch.undo()  # the machine is fixed
    again = grade_class(klass, exercise="conv2d-forward", out_dir=out, jobs=1, progress=False,
                        max_examples=2, isolation="none", similarity=False)
    assert sorted(again.regraded) == ["ann", "bob"] and not again.grader_failures
    assert [r.score for r in again] == [20.0, 20.0]


def test_check_says_when_the_sandbox_cannot_start(tmp_path, monkeypatch):
    _break_numpy_for_children(monkeypatch)
    path = tmp_path / "conv2d_forward.py"
    path.write_text(GOOD)
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    assert "could not start" in result.output and "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


VENV_SMOKE = """
import sys, numpy as np
assert numpy_file.startswith(sys.argv[1]) if (numpy_file := np.__file__) else False
from grader.sandbox import Sandbox
code = "import numpy\\ndef f(x):\\n    return x + float(numpy.__file__.startswith('/tmp/'))\\n"
for layer in sys.argv[2:]:
    with Sandbox(code, isolation=layer) as sb:
        print(layer, sb.call("f", np.zeros(1)).value.tolist())
"""


def test_venv_under_tmp_is_visible_to_every_layer(tmp_path):
    """numpy installed under /tmp (a venv there; a private /tmp would hide it) is still in
    the child's view on every kernel layer: its folders are bound inside the new /tmp."""
    import subprocess
    import sys

    import numpy

    layers = [layer for layer in ("bwrap", "linux") if probe()[layer][0]]
    if not layers:
        pytest.skip("no kernel layer works here")
    venv = Path("/tmp") / f"cnngrade-venv-{tmp_path.name}"
    site = venv / "lib" / "site-packages"
    src = Path(numpy.__file__).resolve().parent
    try:
        shutil.copytree(src, site / "numpy", symlinks=True)
        if (src.parent / "numpy.libs").is_dir():
            shutil.copytree(src.parent / "numpy.libs", site / "numpy.libs", symlinks=True)
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{site}:{ROOT}"}
        proc = subprocess.run([sys.executable, "-c", VENV_SMOKE, str(site), *layers],
                              capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert proc.stdout.splitlines() == [f"{layer} [1.0]" for layer in layers]
    finally:
        shutil.rmtree(venv, ignore_errors=True)


def test_without_bubblewrap_on_path_grade_uses_the_built_in_layer(tmp_path):
    """The machine CI runs on has bubblewrap; a student's or a TA's may not. With no bwrap on
    PATH (a fresh process, so no probe is cached), bubblewrap is reported unavailable and the
    layer chosen is the built-in one (or the portable one where namespaces are off)."""
    code = ("from grader.sandbox._isolation import choose_layer, probe\n"
            "print(probe()['bwrap'][0], probe()['linux'][0], choose_layer('auto')[0])\n")
    env = {"PATH": str(tmp_path), "HOME": str(tmp_path), "CNNGRADE_CACHE": "off"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120, cwd=str(tmp_path))
    bwrap_ok, linux_ok, layer = done.stdout.split()
    assert bwrap_ok == "False", done.stdout + done.stderr
    assert layer == ("linux" if linux_ok == "True" else "portable")


_ADOPTING_WORKER = """
import json, subprocess, sys
from grader.sandbox import Sandbox, _isolation

_isolation.adopt(json.loads(sys.argv[1]))


def probed_again(argv, *args, **kwargs):  # the probes and the library listing run through subprocess.run
    raise AssertionError(f"the worker probed again: {argv[:4]}")


subprocess.run = probed_again
with Sandbox("def double(x):\\n    return x * 2\\n", isolation=sys.argv[2]) as sandbox:
    print(sandbox.call("double", 21).value)
"""


@pytest.mark.parametrize("layer", ["bwrap", "linux"])
def test_a_pool_worker_starts_from_the_grading_process_findings(layer):
    """A local pool's workers take the layer the grading process probed and self-tested, and
    the libraries its children map (:func:`grader.batch.worker.start_worker`): a fresh
    process given them starts a real sandbox on that layer without starting a probe."""
    from grader.sandbox import preflight

    if not probe()[layer][0]:
        pytest.skip(f"layer {layer} is unavailable here: {probe()[layer][1]}")
    assert preflight(layer) == layer
    found = _isolation.findings()
    assert found["probes"][layer] == (True, "") and found["libraries"]
    done = subprocess.run([sys.executable, "-c", _ADOPTING_WORKER, json.dumps(found), layer], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.split() == ["42"], done.stdout + done.stderr[-2000:]
