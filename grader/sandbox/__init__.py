"""Running untrusted student code: one child process per submission, arrays over pipes.

Every call into student code goes through :class:`Sandbox`; nothing else in cnngrade
runs student code. See DESIGN.md section 4 for the threat model.

>>> from grader.sandbox import Sandbox
>>> with Sandbox(open("solution.py").read()) as sb:          # doctest: +SKIP
...     sb.load().functions
...     sb.call("relu_forward", x).value
"""

from __future__ import annotations

import os
import resource
import sys

from grader.sandbox._isolation import probe
from grader.sandbox._wire import Rng
from grader.sandbox.sandbox import (DEFAULT_FORBIDDEN, CallResult, LoadResult, Sandbox,
                                    SandboxLimits, SandboxWarning)

__all__ = ["Sandbox", "SandboxLimits", "Rng", "LoadResult", "CallResult", "DEFAULT_FORBIDDEN",
           "SandboxWarning", "capabilities"]


_SELF_TEST = """
import os, socket
import numpy as np
def double(x):
    return np.asarray(x) * 2
def fork():
    os.fork()
def connect():
    socket.socket()
"""


def _self_test() -> list[tuple[str, bool, str]]:
    """Start a real sandbox and check that it computes, and refuses a fork and a socket."""
    import numpy as np

    with Sandbox(_SELF_TEST, limits=SandboxLimits(call_timeout_s=10.0)) as sb:
        load = sb.load()
        if not load.ok:
            return [("self-test: sandbox starts", False, load.message)]
        res = sb.call("double", np.arange(3.0))
        works = res.ok and np.array_equal(res.value, [0.0, 2.0, 4.0])
        fork, sock = sb.call("fork"), sb.call("connect")
    return [("self-test: numpy call round trip", works, res.message or "ok"),
            ("self-test: fork refused", fork.verdict == "forbidden", fork.message),
            ("self-test: socket refused", sock.verdict == "forbidden", sock.message)]


def capabilities() -> dict:
    """Which protections the sandbox uses on this machine, for ``cnngrade doctor``.

    Returns ``{"layer": "bwrap" | "unshare" | "portable", "protections": [{"name",
    "active", "detail"}, ...]}``; ``detail`` says how, or why a protection is missing.
    """
    layers = probe()
    bwrap_ok, bwrap_why = layers["bwrap"]
    unshare_ok, unshare_why = layers["unshare"]
    layer = "bwrap" if bwrap_ok else "unshare" if unshare_ok else "portable"
    ns = bwrap_ok or unshare_ok
    ns_why = bwrap_why if not unshare_ok else ""
    rows = [
        ("bubblewrap namespaces", bwrap_ok, "bwrap starts sandboxes here"
         if bwrap_ok else bwrap_why),
        ("unshare namespaces (fallback)", unshare_ok, "usable" if unshare_ok else unshare_why),
        ("no network", ns, "network namespace" if ns else ns_why),
        ("own PID space + sweep of leftover processes", True,
         "PID namespace: every process dies with the run" if ns else
         "process group kill + /proc sweep by run token (no PID namespace: " + ns_why + ")"),
        ("read-only system, private /tmp, only the run folder writable", bwrap_ok,
         "bubblewrap mount namespace; run folder and /tmp are size-capped tmpfs" if bwrap_ok else
         "only the in-child audit hook guards writes (" + bwrap_why + ")"),
        ("grader environment and source tree hidden", True,
         "cleared environment; project tree not mounted" if bwrap_ok else
         "cleared environment; audit hook refuses reads of the project tree"),
    ]
    default = SandboxLimits()
    what = {"RLIMIT_AS": f"address space {default.memory_bytes / 2**30:g} GiB",
            "RLIMIT_CPU": "CPU time", "RLIMIT_FSIZE": "file size",
            "RLIMIT_CORE": "no core files", "RLIMIT_NOFILE": "open files"}
    for name in default.rlimits():  # the limits the child really sets
        have = hasattr(resource, name)
        rows.append((f"rlimit {name}", have, what.get(name, name) if have
                     else "not on this platform"))
    linux = sys.platform.startswith("linux")
    rows += [
        ("audit hook (processes, signals, sockets, ctypes, writes)", hasattr(sys, "addaudithook"),
         "sys.addaudithook: cannot be removed by the submission"),
        ("forbidden-import blocker", True, "sys.meta_path finder + 'import' audit event"),
        ("wall-clock timeouts with SIGKILL", True, "per call and per submission"),
        ("parent death kills the child", linux,
         "PR_SET_PDEATHSIG" if linux else "no prctl on this platform"),
        ("no new privileges", linux, "PR_SET_NO_NEW_PRIVS" if linux else "no prctl here"),
        ("grader runs as a normal user", os.geteuid() != 0,
         f"user id {os.geteuid()}" if os.geteuid() != 0 else
         "running as root: namespaces drop capabilities, but prefer a normal user"),
    ]
    rows += _self_test()
    return {"layer": layer,
            "protections": [{"name": n, "active": bool(a), "detail": d} for n, a, d in rows]}
