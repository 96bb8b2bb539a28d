"""Platform behaviour: `cnngrade doctor`, falling back to the portable layer with a
warning, explicit layers, and running as an unprivileged user."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from click.testing import CliRunner
from sandbox_support import leftover_processes

from cli import main
from grader.errors import UserError
from grader.sandbox import Sandbox, SandboxWarning, capabilities
from grader.sandbox._isolation import probe

SMOKE = textwrap.dedent("""
    import warnings, numpy as np
    warnings.simplefilter("always")
    from grader.sandbox import Sandbox
    with Sandbox("import os\\ndef f(x):\\n    return x + 1\\ndef g():\\n    os.fork()\\n") as sb:
        print(sb.layer, sb.call("f", np.zeros(2)).value.tolist(), sb.call("g").verdict)
""")


def test_doctor_lists_protections():
    """`cnngrade doctor --json` reports the layer in use and every protection with a detail
    line; the table form names the same protections."""
    result = CliRunner().invoke(main, ["doctor", "--json"])
    caps = json.loads(result.output)
    names = {p["name"]: p for p in caps["protections"]}
    assert caps["layer"] in ("bwrap", "unshare", "portable")
    assert result.exit_code == (1 if caps["layer"] == "portable" else 0)
    for key in ("no network", "rlimit RLIMIT_AS", "self-test: fork refused"):
        assert key in names and names[key]["detail"]
    assert names["self-test: fork refused"]["active"]
    assert names["self-test: numpy call round trip"]["active"]
    table = CliRunner().invoke(main, ["doctor"])
    assert "protection" in table.output and "RLIMIT_NOFILE" in table.output


def test_capabilities_match_what_auto_uses():
    """The layer doctor reports is the one a Sandbox with isolation='auto' picks."""
    with Sandbox("x = 1\n") as sb:
        assert sb.layer == capabilities()["layer"]


def test_missing_namespaces_degrade_with_one_line_warning():
    """With neither bwrap nor unshare on PATH, 'auto' falls back to the portable layer,
    warns once in one line naming what is missing, and still grades (and refuses fork)."""
    env = {**os.environ, "PATH": "/nonexistent"}
    proc = subprocess.run([sys.executable, "-c", SMOKE], capture_output=True, text=True,
                          env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["portable", "[1.0,", "1.0]", "forbidden"]
    warning = [line for line in proc.stderr.splitlines() if "SandboxWarning" in line]
    assert len(warning) == 1
    assert "bubblewrap (bwrap) is not installed" in warning[0]
    assert "unshare (util-linux) is not installed" in warning[0]


def test_namespaces_requested_but_missing_is_a_user_error(monkeypatch):
    """isolation='namespaces' never silently downgrades."""
    monkeypatch.setenv("PATH", "/nonexistent")
    probe.cache_clear()
    try:
        with pytest.raises(UserError, match="Namespaces were requested but are unavailable"):
            Sandbox("x = 1\n", isolation="namespaces")
    finally:
        monkeypatch.undo()
        probe.cache_clear()


@pytest.mark.skipif(not probe()["unshare"][0], reason="unshare cannot create namespaces here")
def test_unshare_layer_runs_and_sweeps(monkeypatch):
    """The unshare fallback layer grades a call and refuses fork like the others, and no
    process of the run is left once it is closed."""
    monkeypatch.setitem(probe(), "bwrap", (False, "disabled for this test"))  # (cached dict)
    with pytest.warns(SandboxWarning, match="using unshare without a private filesystem"):
        sb = Sandbox("import os\ndef f(x):\n    return x * 3\ndef g():\n    os.fork()\n")
    with sb:
        assert sb.layer == "unshare"
        assert sb.call("f", np.ones(2)).value.tolist() == [3.0, 3.0]
        assert sb.call("g").verdict == "forbidden"
    assert sb._tokens and leftover_processes(sb._tokens) == []


def _unprivileged_prefix() -> list[str] | None:
    if os.geteuid() != 0:
        return []  # already a normal user: the whole suite runs unprivileged
    runuser = shutil.which("runuser") or shutil.which("setpriv")
    if runuser is None:
        return None
    if runuser.endswith("runuser"):
        return [runuser, "-u", "nobody", "--"]
    return [runuser, "--reuid=65534", "--regid=65534", "--clear-groups"]


def test_runs_as_unprivileged_user(tmp_path):
    """A smoke check (load, call, fork refused) as the 'nobody' user, when this machine
    lets that user run this Python; skipped (with the reason) otherwise."""
    prefix = _unprivileged_prefix()
    if prefix is None:
        pytest.skip("neither runuser nor setpriv is available")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__import__("grader").__file__)))
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": root, "HOME": str(tmp_path)}
    check = subprocess.run(prefix + [sys.executable, "-c", "import numpy, grader"],
                           capture_output=True, text=True, env=env, timeout=60)
    if check.returncode != 0:
        last = (check.stderr.strip().splitlines() or ["?"])[-1]
        pytest.skip(f"the unprivileged user cannot run this Python here: {last}")
    proc = subprocess.run(prefix + [sys.executable, "-c", SMOKE], capture_output=True,
                          text=True, env=env, timeout=60, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[1:] == ["[1.0,", "1.0]", "forbidden"]
