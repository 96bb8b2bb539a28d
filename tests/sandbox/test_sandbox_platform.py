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

from cli import main
from grader.errors import UserError
from grader.sandbox import Sandbox, SandboxWarning, capabilities
from grader.sandbox._isolation import probe

SMOKE = textwrap.dedent("""
    import sys, warnings, numpy as np
    warnings.simplefilter("always")
    from grader.sandbox import Sandbox
    with Sandbox("import os\\ndef f(x):\\n    return x + 1\\ndef g():\\n    os.fork()\\n",
                 isolation=sys.argv[1]) as sb:
        print(sb.layer, sb.call("f", np.zeros(2)).value.tolist(), sb.call("g").verdict)
""")


def test_doctor_lists_protections():
    """`cnngrade doctor --json` reports the layer in use and every protection with a detail
    line; exit 0 exactly when a kernel layer works; the table names the same protections."""
    result = CliRunner().invoke(main, ["doctor", "--json"])
    caps = json.loads(result.output)
    names = {p["name"]: p for p in caps["protections"]}
    assert caps["layer"] in ("bwrap", "linux", "portable")
    assert result.exit_code == (0 if caps["kernel"] else 1)
    for key in ("layer: bubblewrap", "layer: built-in Linux", "rlimit RLIMIT_AS",
                "self-test: fork refused"):
        assert key in names and names[key]["detail"]
    assert names["self-test: fork refused"]["active"]
    assert names["self-test: numpy call round trip"]["active"]
    if caps["kernel"]:
        for wall in ("seccomp syscall filter", "unprivileged identity, no capabilities",
                     "filesystem view: interpreter + numpy + run folder only"):
            assert names[wall]["active"], names[wall]
    table = CliRunner().invoke(main, ["doctor"])
    assert "protection" in table.output and "RLIMIT_NOFILE" in table.output


def test_doctor_without_kernel_layers_exits_1_and_names_the_fix(monkeypatch):
    """Where no kernel layer works, doctor says so, names the fix, and exits 1."""
    monkeypatch.setitem(probe(), "bwrap", (False, "bubblewrap (bwrap) is not installed"))
    monkeypatch.setitem(probe(), "linux", (False, "user namespaces are disabled"))
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 1
    assert "apt-get install bubblewrap" in result.output
    assert "'cnngrade grade' will refuse to run" in result.output


def test_capabilities_match_what_auto_uses():
    """The layer doctor reports is the one a Sandbox with isolation='auto' picks."""
    with Sandbox("x = 1\n") as sb:
        assert sb.layer == capabilities()["layer"]


def test_missing_kernel_layers_degrade_with_one_line_warning(monkeypatch):
    """Without a kernel layer, 'auto' (what check uses) falls back to the portable layer,
    warns in one line naming what is missing, and still grades (and refuses fork)."""
    monkeypatch.setitem(probe(), "bwrap", (False, "bubblewrap (bwrap) is not installed"))
    monkeypatch.setitem(probe(), "linux", (False, "user namespaces are disabled"))
    monkeypatch.setattr("grader.sandbox.sandbox._warned", set())
    with pytest.warns(SandboxWarning) as record:
        sb = Sandbox("import os\ndef f(x):\n    return x + 1\ndef g():\n    os.fork()\n")
    with sb:
        assert sb.layer == "portable"
        assert sb.call("f", np.zeros(2)).value.tolist() == [1.0, 1.0]
        assert sb.call("g").verdict == "forbidden"
    assert len(record) == 1 and "\n" not in str(record[0].message)
    assert "bubblewrap (bwrap) is not installed" in str(record[0].message)
    assert "user namespaces are disabled" in str(record[0].message)


@pytest.mark.parametrize("isolation", ["kernel", "namespaces", "bwrap", "linux"])
def test_kernel_isolation_requested_but_missing_is_a_user_error(monkeypatch, isolation):
    """An explicit kernel layer never silently downgrades."""
    monkeypatch.setitem(probe(), "bwrap", (False, "bubblewrap (bwrap) is not installed"))
    monkeypatch.setitem(probe(), "linux", (False, "user namespaces are disabled"))
    with pytest.raises(UserError, match="unavailable|no kernel-enforced isolation"):
        Sandbox("x = 1\n", isolation=isolation)


def _unprivileged_prefix() -> list[str] | None:
    if os.geteuid() != 0:
        return []  # already a normal user: the whole suite runs unprivileged
    runuser = shutil.which("runuser") or shutil.which("setpriv")
    if runuser is None:
        return None
    if runuser.endswith("runuser"):
        return [runuser, "-u", "nobody", "--"]
    return [runuser, "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.mark.parametrize("isolation", ["bwrap", "linux", "portable"])
def test_runs_as_unprivileged_user(tmp_path, isolation):
    """A smoke check (load, call, fork refused) on each layer as the 'nobody' user, when
    this machine lets that user run this Python; skipped (with the reason) otherwise."""
    prefix = _unprivileged_prefix()
    if prefix is None:
        pytest.skip("neither runuser nor setpriv is available")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__import__("grader").__file__)))
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": root, "HOME": str(tmp_path)}
    # The sandbox starts the interpreter by its real path, which the user must reach too
    # (setpriv execs with root's rights; a venv may link to a Python under /root).
    usable = ("import os, sys, numpy, grader; exe = os.path.realpath(sys.executable); "
              "sys.exit(0 if os.access(exe, os.X_OK) else f'{exe} is out of its reach')")
    check = subprocess.run(prefix + [sys.executable, "-c", usable],
                           capture_output=True, text=True, env=env, timeout=60)
    if check.returncode != 0:
        last = (check.stderr.strip().splitlines() or ["?"])[-1]
        pytest.skip(f"the unprivileged user cannot run this Python here: {last}")
    proc = subprocess.run(prefix + [sys.executable, "-c", SMOKE, isolation], capture_output=True,
                          text=True, env=env, timeout=60, cwd=str(tmp_path))
    if isolation != "portable" and "is unavailable" in proc.stderr:
        pytest.skip(f"{isolation} does not work for this user here: "
                    f"{proc.stderr.strip().splitlines()[-1]}")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [isolation, "[1.0,", "1.0]", "forbidden"]
