"""The hostile corpus (tests/sandbox/hostile/*.py), one submission per threat-model class.

Every case checks: the expected verdict and message; the grader alive (this process goes
on: every later test runs in it); no process of the run left over; no file
changed outside the run's own folder; no value of the grader's environment in any output;
and the grading process's peak memory bounded. Each runs under bubblewrap ("auto" here)
and, unless it is decided purely inside the child's Python, under the portable layer.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from sandbox_support import (HOSTILE, LAYERS, PWNED, SECRET_VALUE, canary_paths,
                             leftover_processes, max_rss_mib, require_layer, snapshot)

import grader
from grader.sandbox import Sandbox, SandboxLimits

LIMITS = SandboxLimits(call_timeout_s=1.0, load_timeout_s=2.0, total_timeout_s=30.0,
                       folder_bytes=8 << 20)
X = np.arange(1.0, 25.0).reshape(4, 6)

# file -> (expected load verdict, expected call verdicts, substring of the message,
#          what to pass: "x" (an array), "paths" (canary files), "source" (a grader file))
CASES = {
    "exit_at_import_sys": ("exception", None, "sys.exit(3)", "x"),
    "exit_at_import_os": ("crashed", None, "exited with status 0 during import", "x"),
    "exit_mid_call_sys": ("ok", {"exception"}, "SystemExit", "x"),
    "exit_mid_call_os": ("ok", {"crashed"}, "exited with status 7 in f", "x"),
    "forged_prints": ("ok", {"ok"}, "", "x"),
    "forged_frame": ("ok", {"bad_return"}, "dtype '|O'", "x"),
    "forged_huge_frame": ("ok", {"bad_return"}, "over the 256 MiB limit", "x"),
    "frame_walk": ("ok", {"ok"}, "", "x"),
    "infinite_loop_sigterm": ("ok", {"timeout"}, "timed out after 1 s in f", "x"),
    "sleep_at_import": ("timeout", None, "timed out after 2 s while importing", "x"),
    "allocate_gbs": ("ok", {"memory_limit"}, "ran out of memory in f", "x"),
    "allocate_gbs_bytes": ("ok", {"memory_limit"}, "ran out of memory in f", "x"),
    "flood_output": ("ok", {"ok"}, "", "x"),
    "flood_forever": ("ok", {"timeout"}, "timed out after 1 s in f", "x"),
    "segfault_faulthandler": ("ok", {"crashed"}, "SIGSEGV", "x"),
    "segfault_kill_self": ("ok", {"crashed"}, "SIGSEGV", "x"),
    "segfault_ctypes": ("ok", {"forbidden"}, "ctypes", "x"),
    "recursion_crash": ("ok", {"crashed", "exception", "memory_limit"}, "", "x"),
    "recursion_plain": ("ok", {"exception"}, "RecursionError", "x"),
    "double_fork": ("ok", {"forbidden"}, "starting a process (os.fork)", "x"),
    "detached_popen": ("forbidden", None, "starting a process (subprocess.Popen)", "x"),
    "posix_spawn": ("ok", {"forbidden"}, "starting a process", "x"),
    "torch_plain": ("forbidden", None, "forbidden: import of torch", "x"),
    "torch_obfuscated": ("ok", {"forbidden"}, "forbidden: import of torch", "x"),
    "torch_obfuscated_meta": ("ok", {"forbidden"}, "forbidden: import of torch", "x"),
    "monkeypatch_numpy": ("ok", {"ok"}, "", "x"),
    "subclass_equal": ("ok", {"ok"}, "", "x"),
    "pickle_payload": ("ok", {"bad_return"}, "f returned a Payload object", "x"),
    "pickle_in_tuple": ("ok", {"bad_return"}, "Payload", "x"),
    "complex_return": ("ok", {"bad_return"}, "complex128", "x"),
    "syntax_error": ("syntax_error", None, "line 6", "x"),
    "wrong_names": ("ok", {"missing_function"}, "found: conv2d_forwrd, helper", "x"),
    "returns_none": ("ok", {"ok"}, "", "x"),
    "returns_nan": ("ok", {"ok"}, "", "x"),
    "raises": ("ok", {"exception"},
               "ValueError: shapes mismatch for n=4 (solution.py, line 6)", "x"),
    "mutate_inputs": ("ok", {"ok"}, "", "x"),
    "dump_environ": ("ok", {"ok"}, "", "x"),
    "write_neighbours": ("ok", {"forbidden"}, "writing outside the submission's own folder",
                         "paths"),
    "write_neighbours_lowlevel": ("ok", {"ok"}, "", "paths"),
    "write_via_dir_fd": ("ok", {"forbidden", "exception"}, "", "paths"),
    "read_other_runs": ("ok", {"ok"}, "", "x"),
    "tamper_bootstrap": ("ok", {"forbidden"}, "import of torch", "paths"),
    "disk_fill": ("ok", {"exception", "ok"}, "", "x"),
    "import_grader": ("forbidden", None, "import of grader", "x"),
    "import_grader_by_path": ("ok", {"forbidden", "exception"}, "", "source"),
    "network": ("ok", {"forbidden"}, "network access", "x"),
    "kill_grader": ("ok", {"forbidden"}, "signalling another process", "x"),
}


# Under the kernel layers the run folder is a small tmpfs and these targets do not exist
# (FileNotFoundError, "exception"); the portable layer, where they exist, must refuse them.
KERNEL_VERDICT = {"disk_fill": ("exception", "No space left on device")}
PORTABLE_VERDICT = {"write_via_dir_fd": ("forbidden", "writing outside the submission"),
                    "import_grader_by_path": ("forbidden", "reading the grader's files")}


def _check_value(name: str, value, expected: np.ndarray) -> None:
    """Case-specific checks on what came back (expected = the right answer, x * 2)."""
    if name in ("forged_prints", "frame_walk", "monkeypatch_numpy", "subclass_equal"):
        assert type(value) is np.ndarray  # never the subclass, never an object
        assert not np.allclose(value, expected)  # the grader's numpy is not patched
    if name == "monkeypatch_numpy":
        assert np.allclose(value, 123.0) and not np.allclose(0.0, 1.0)
    if name == "subclass_equal":
        assert np.array_equal(value, np.zeros_like(X)) and not (value == expected).all()
    if name == "flood_output":
        assert np.array_equal(value, expected)
    if name == "returns_none":
        assert value is None
    if name == "returns_nan":
        assert value.shape == X.shape and np.isnan(value).all()
    if name == "read_other_runs":
        assert np.array_equal(value, X)  # nothing stolen
    if name == "mutate_inputs":
        assert np.all(value == 999.0)


# Cases decided purely inside the child's Python (values, messages, the wire format) run
# under one layer; everything touching processes, signals, exit codes, files, memory or the
# environment runs under every layer, since each starts and kills children differently.
IN_CHILD_ONLY = {"forged_prints", "frame_walk", "monkeypatch_numpy", "subclass_equal",
                 "pickle_payload", "pickle_in_tuple", "complex_return", "syntax_error",
                 "wrong_names", "returns_none", "returns_nan", "raises", "recursion_plain",
                 "mutate_inputs", "forged_frame", "torch_obfuscated"}
PARAMS = [(name, layer) for name in sorted(CASES) for layer in LAYERS
          if layer == "portable" or name not in IN_CHILD_ONLY]


@pytest.mark.parametrize("name, isolation", PARAMS)
def test_hostile_submission(name, isolation, world):
    """Checks the verdict and message of one hostile submission, then the invariants: no
    leftover process, canary files unchanged, no secret in any output, bounded memory."""
    require_layer(isolation)
    load_verdict, call_verdicts, message, arg_kind = CASES[name]
    source = (HOSTILE / f"{name}.py").read_text()
    (world / "class" / "alice" / "solution.py").write_text(source)
    before = snapshot(world)
    rss_before = max_rss_mib()
    arg = {"x": X.copy(), "paths": "\n".join(canary_paths(world)),
           "source": str(Path(grader.__file__))}[arg_kind]
    expected = X * 2  # held by the grader only; frame_walk looks for it
    x_sent = arg.copy() if isinstance(arg, np.ndarray) else arg

    victim = Sandbox("ANSWER = 42\n", limits=LIMITS, isolation=isolation)
    if name == "read_other_runs":
        assert victim.load().ok  # a neighbour being graded at the same time
    with victim, Sandbox(source, limits=LIMITS, isolation=isolation) as sb:
        load = sb.load()
        assert load.verdict == load_verdict, load.message
        texts = [load.message, load.stdout, load.stderr]
        if load.ok:
            res = sb.call("conv2d_forward" if name == "wrong_names" else "f", arg)
            assert res.verdict in call_verdicts, (res.verdict, res.message)
            assert message in res.message
            if isolation == "portable" and name in PORTABLE_VERDICT:
                verdict, part = PORTABLE_VERDICT[name]
                assert res.verdict == verdict and part in res.message
            if sb.layer != "portable" and name in KERNEL_VERDICT:
                verdict, part = KERNEL_VERDICT[name]
                assert res.verdict == verdict and part in res.message, res.message
            texts += [res.message, res.stdout, res.stderr]
            if name == "flood_output":  # 8 MiB each way: 64 KiB kept, the rest counted
                for stream in (res.stdout, res.stderr):
                    assert len(stream) < LIMITS.output_bytes + 100
                    assert stream.endswith(" more bytes not shown]")
            if res.ok:
                _check_value(name, res.value, expected)
                if isinstance(res.value, np.ndarray):
                    texts.append(res.value.tobytes().decode("latin-1"))
        else:
            assert message in load.message
        tokens = sb._tokens + victim._tokens
        folder = sb._workdir

    assert leftover_processes(tokens) == []
    assert folder is None or not os.path.exists(folder)  # the run's folder is deleted
    assert snapshot(world) == before  # neighbours, gradebook, grader cwd, original file
    assert not PWNED.exists() and not Path("/tmp/grades.json").exists()
    assert all(SECRET_VALUE not in t for t in texts)
    if name == "import_grader_by_path":  # not one line of the grader's file comes back
        lines = [ln for ln in Path(grader.__file__).read_text().splitlines() if len(ln) > 20]
        assert lines and not any(ln in t for ln in lines for t in texts)
    if isinstance(x_sent, np.ndarray):
        assert np.array_equal(arg, x_sent)  # the grader's inputs are never mutated
    assert max_rss_mib() - rss_before < 100  # floods and forged sizes never reach memory
    assert os.environ.get("CNNGRADE_TEST_SECRET") == SECRET_VALUE


def test_crash_costs_one_call_only():
    """A child that dies in one call is restarted: the next call works again."""
    source = (HOSTILE / "crash_sometimes.py").read_text()
    with Sandbox(source, limits=LIMITS) as sb:
        assert sb.call("f", np.ones((3, 2))).ok
        crashed = sb.call("f", np.ones((13, 2)))
        assert crashed.verdict == "crashed" and "status 1" in crashed.message
        again = sb.call("f", np.ones((3, 2)))
        assert again.ok and np.array_equal(again.value, np.full((3, 2), 2.0))
        assert len(sb._tokens) == 2 and leftover_processes(sb._tokens[:1]) == []


def test_total_budget_stops_a_submission():
    """Once a submission has used its whole time budget, further calls time out at once."""
    source = (HOSTILE / "infinite_loop_sigterm.py").read_text()
    limits = SandboxLimits(call_timeout_s=1.0, load_timeout_s=3.0, total_timeout_s=1.5)
    with Sandbox(source, limits=limits) as sb:
        assert sb.call("f", X).verdict == "timeout"
        second = sb.call("f", X)
        assert second.verdict == "timeout"
        assert "whole time budget of 1.5 s" in second.message
        third = sb.call("f", X)
        assert third.verdict == "timeout" and third.duration_s < 0.5
