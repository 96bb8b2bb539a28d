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
import platform
import resource
import sys

from grader.sandbox._isolation import FIX_HINT, SANDBOX_UIDS, kernel_layers, probe
from grader.sandbox._wire import Rng
from grader.sandbox.sandbox import (DEFAULT_FORBIDDEN, CallResult, LoadResult, Sandbox,
                                    SandboxLimits, SandboxWarning)

__all__ = ["Sandbox", "SandboxLimits", "Rng", "LoadResult", "CallResult", "DEFAULT_FORBIDDEN",
           "SandboxWarning", "capabilities", "kernel_layers", "preflight"]


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


def _self_test(layer: str) -> list[tuple[str, bool, str]]:
    """Start a real sandbox on ``layer``: it computes, and refuses a fork and a socket."""
    import numpy as np

    from grader.errors import SandboxError

    try:
        with Sandbox(_SELF_TEST, limits=SandboxLimits(call_timeout_s=10.0), isolation=layer) as sb:
            load = sb.load()
            if not load.ok:
                return [("self-test: sandbox starts", False, load.message)]
            res = sb.call("double", np.arange(3.0))
            works = res.ok and np.array_equal(res.value, [0.0, 2.0, 4.0])
            fork, sock = sb.call("fork"), sb.call("connect")
    except SandboxError as exc:
        return [("self-test: sandbox starts", False, str(exc))]
    return [("self-test: numpy call round trip", works, res.message or "ok"),
            ("self-test: fork refused", fork.verdict == "forbidden", fork.message),
            ("self-test: socket refused", sock.verdict == "forbidden", sock.message)]


def preflight(isolation: str = "kernel") -> str:
    """The layer a batch will grade on, proven to work: a real sandbox on it computes and
    refuses a fork and a socket. Raises UserError when ``isolation`` is unavailable here
    (see :func:`grader.sandbox._isolation.choose_layer`) and SandboxError when the layer's
    self-test fails, so a broken machine stops a class before any grade is written."""
    from grader.errors import SandboxError
    from grader.sandbox._isolation import choose_layer

    layer, _ = choose_layer(isolation)
    failed = [(name, why) for name, ok, why in _self_test(layer) if not ok]
    if failed:
        raise SandboxError(f"the {layer} sandbox failed its self-test ({failed[0][0]}: "
                           f"{failed[0][1]})")
    return layer


def _kernel_walls(layer: str) -> list[tuple[str, bool, str]]:
    """What the kernel enforces on a child of ``layer`` (``bwrap`` or ``linux``)."""
    from grader.sandbox import _jail

    root = os.geteuid() == 0
    abi = _jail.landlock_abi() if sys.platform.startswith("linux") else 0
    how = "bubblewrap" if layer == "bwrap" else "built-in (cnngrade's _jail.py)"
    return [
        ("namespaces: mount, PID, network, IPC, UTS" + ("" if root else ", user"), True,
         f"{how}; the student's code is PID 2, its init dies with the run"),
        ("filesystem view: interpreter + numpy + run folder only", True,
         "read-only binds; /sandbox and /tmp are size-capped "
         + ("noexec tmpfs, /proc shows only the child" if layer == "linux" else
            "tmpfs (bubblewrap cannot make them noexec)")
         + "; no project, OUT, home or other run folder"),
        ("unprivileged identity, no capabilities", True,
         f"a uid of its own per run, from {SANDBOX_UIDS.start}-{SANDBOX_UIDS.stop - 1} (the "
         "grader is root); at most 8 processes" if root else
         f"the grader's own uid {os.getuid()} in a user namespace; every capability set cleared"),
        ("no network", True, "empty network namespace; Landlock refuses TCP" if abi >= 4
         else "empty network namespace"),
        ("seccomp syscall filter", platform.machine() in ("x86_64", "aarch64"),
         f"refuses {len(_jail.DENIED)} calls (ptrace, mount, unshare, bpf, keyctl, xattrs, pidfds, "
         "io_uring ...) and namespace flags of clone"),
        ("Landlock", abi > 0, f"ABI {abi}: writes only in /sandbox and /tmp"
         + (", no TCP" if abi >= 4 else "") + (", signals and abstract sockets scoped" if abi >= 6
                                                 else "") if abi else "the kernel has no Landlock"),
    ]


def capabilities() -> dict:
    """Which protections the sandbox uses on this machine, for ``cnngrade doctor``.

    Returns ``{"layer": "bwrap" | "linux" | "portable", "kernel": bool, "fix": str,
    "layers": {name: {"usable", "detail"}}, "protections": [{"name", "active", "detail"},
    ...]}``; ``detail`` says how, or why a protection is missing; ``kernel`` says whether
    ``cnngrade grade`` can run here (a kernel-enforced layer works, self-test included).
    """
    layers = probe()
    usable = kernel_layers()
    layer = usable[0] if usable else "portable"
    rows = [("layer: bubblewrap", layers["bwrap"][0], "usable" if layers["bwrap"][0] else layers["bwrap"][1]),
            ("layer: built-in Linux", layers["linux"][0],
             "usable" if layers["linux"][0] else layers["linux"][1])]
    if layer != "portable":
        rows += _kernel_walls(layer)
    else:
        rows.append(("kernel-enforced isolation", False,
                     f"none here: 'cnngrade grade' refuses to run; {FIX_HINT}"))
    default = SandboxLimits()
    what = {"RLIMIT_AS": f"address space {default.memory_bytes / 2**30:g} GiB",
            "RLIMIT_CPU": "CPU time", "RLIMIT_FSIZE": "file size",
            "RLIMIT_CORE": "no core files", "RLIMIT_NOFILE": "open files"}
    for name in default.rlimits():  # the limits the child really sets
        have = hasattr(resource, name)
        rows.append((f"rlimit {name}", have, what.get(name, name) if have
                     else "not on this platform"))
    rows += [
        ("wall-clock timeouts with SIGKILL", True, "per call and per submission"),
        ("advisory: audit hook and import blocker", hasattr(sys, "addaudithook"),
         "friendly verdicts (forbidden: import of torch); the student's process can undo them"),
    ]
    self_test = _self_test(layer)
    rows += self_test
    works = all(ok for _, ok, _ in self_test)
    return {"layer": layer, "kernel": layer != "portable" and works, "fix": FIX_HINT,
            "layers": {n: {"usable": ok, "detail": why} for n, (ok, why) in layers.items()},
            "protections": [{"name": n, "active": bool(a), "detail": d} for n, a, d in rows]}
