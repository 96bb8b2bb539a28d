"""Helpers of test_sandbox_escapes.py: the class world an attack is graded in, the grading
process that grades it (a separate process, so an attack on it cannot take the test run
down), and the evidence collected before and after.

Nothing here imports student code. Every residue an attack of tests/sandbox/escapes/ can
leave carries the marker ``cnngrade-escape`` in its name or command line, so the cleanup
removes exactly those (and the world folder), never anything of another process.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sandbox_support import HERE, SECRET_NAME, SECRET_VALUE

ESCAPES = HERE / "escapes"
SOLUTION = HERE.parent.parent / "solutions" / "conv2d_forward.py"
MARKER = "cnngrade-escape"
PROC_MARKER = "cnngrade-escape-proc"
GRADER_TAG = "cnngrade-escape-grader"  # in the grading process's command line (attack 10)
LISTEN_PORTS = range(47300, 47310)  # where guard_disarm.py tries to connect (127.0.0.1 only)
ATTACKER = "mallory"  # graded between the two neighbours (name order)
NEIGHBOURS = ("alice", "zoe")
SO_PLACEHOLDER = "@@CNNGRADE_ESCAPE_SO_B64@@"
WATCHED_DIRS = ("/tmp", "/var/tmp", "/dev/shm")
#: Short limits: the attacks are bounded to a few seconds each.
LIMITS = dict(call_timeout_s=2.0, load_timeout_s=10.0, total_timeout_s=40.0)
DRIVER_TIMEOUT_S = 120.0
ATTACKS = sorted(p.stem for p in ESCAPES.glob("*.py"))


def attack_source(name: str) -> str:
    return (ESCAPES / f"{name}.py").read_text(encoding="utf-8")


def honest_source(text: str) -> str:
    """The attack file's honest part alone, as a submission: what the student would earn
    without the attack (the score the attacker may not exceed)."""
    start = text.index("# --- honest part")
    end = text.index("# --- end honest part ---")
    return text[start:end] + "\n\nconv2d_forward = _honest_conv2d\n"


def build_native_so(workdir: Path) -> tuple[bytes | None, str]:
    """Compile native_extension.py's ``C_SOURCE`` with the machine's C compiler, as the
    student would on their own machine: (the .so bytes, "") or (None, why not)."""
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        return None, "no C compiler (cc, gcc, clang) on this machine to build the extension"
    tree = ast.parse(attack_source("native_extension"))
    c_source = next(node.value.value for node in tree.body if isinstance(node, ast.Assign)
                    and getattr(node.targets[0], "id", "") == "C_SOURCE")
    src, out = workdir / "ext.c", workdir / "ext.so"
    src.write_text(c_source)
    proc = subprocess.run([cc, "-shared", "-fPIC", "-O1", "-o", str(out), str(src)],
                          capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        return None, f"{cc} cannot build a shared object here: {proc.stderr.strip()[-300:]}"
    return out.read_bytes(), ""


# --- the world ---------------------------------------------------------------------------
@dataclass
class World:
    """A class folder (the attacker between two correct neighbours), OUT with an
    instructor's file in it, the grader's working folder and home with canaries."""

    root: Path
    canary: str = field(default_factory=lambda: f"canary-{secrets.token_hex(12)}")

    @property
    def klass(self) -> Path:
        return self.root / "class"

    @property
    def out(self) -> Path:
        return self.root / "out"

    @property
    def cwd(self) -> Path:
        return self.root / "cwd"

    @property
    def home(self) -> Path:
        return self.root / "home"

    def canary_files(self) -> list[Path]:
        return [self.cwd / "api.secret", self.home / ".grader.secret", self.out / "notes.txt",
                self.cwd / "tool", self.cwd / "grades-2023.csv"]


def make_world(attacker_code: str, prefix: str = "cnngrade-world-") -> World:
    """Lives in /tmp like pytest's own folders (where a weak sandbox's attacker looks)."""
    world = World(Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp")).resolve())
    for d in (world.klass, world.out, world.cwd, world.home):
        d.mkdir()
    solution = SOLUTION.read_text(encoding="utf-8")
    for name in NEIGHBOURS:
        (world.klass / f"{name}.py").write_text(solution, encoding="utf-8")
    (world.klass / f"{ATTACKER}.py").write_text(attacker_code, encoding="utf-8")
    (world.out / "notes.txt").write_text("instructor's notes: do not lose\n")
    (world.cwd / "api.secret").write_text(f"{world.canary}\n")
    (world.home / ".grader.secret").write_text(f"token={world.canary}\n")
    (world.cwd / "grades-2023.csv").write_text("submission,score\nbob,17\n")
    shutil.copy2(shutil.which("true") or "/bin/true", world.cwd / "tool")
    os.chmod(world.cwd / "tool", 0o755)
    return world


def remove_world(world: World) -> None:
    for path in world.root.rglob("*"):  # xattrs first: a file capability must not linger
        with contextlib.suppress(OSError):
            for attr in os.listxattr(path, follow_symlinks=False):
                os.removexattr(path, attr, follow_symlinks=False)
    shutil.rmtree(world.root, ignore_errors=True)


# --- evidence ----------------------------------------------------------------------------
def meta_snapshot(root: Path) -> dict[str, tuple]:
    """Relative path -> (kind, mode, content hash or link target, xattrs) for everything
    under ``root``, the root included."""
    snap = {}
    for path in [root, *sorted(root.rglob("*"))]:
        rel = str(path.relative_to(root))
        try:
            st = path.lstat()
            if path.is_symlink():
                what = ("link", os.readlink(path))
            elif path.is_file():
                what = ("file", hashlib.sha256(path.read_bytes()).hexdigest())
            else:
                what = ("dir", "")
            attrs = tuple(sorted((a, os.getxattr(path, a, follow_symlinks=False))
                                 for a in os.listxattr(path, follow_symlinks=False)))
        except OSError as exc:
            snap[rel] = ("unreadable", str(exc))
            continue
        snap[rel] = (*what, oct(st.st_mode), attrs)
    return snap


def watched_entries() -> dict[str, set[str]]:
    out = {}
    for d in WATCHED_DIRS:
        try:
            out[d] = set(os.listdir(d))
        except OSError:
            out[d] = set()
    return out


def new_entries(before: dict[str, set[str]], after: dict[str, set[str]],
                secrets_: list[str]) -> list[str]:
    """Entries that appeared in /tmp, /var/tmp, /dev/shm and carry the escape marker or a
    secret in their name or content (a file, or the files right inside a folder).

    Other processes of a shared machine (other test runs, pools) create and delete
    temporary entries there all the time, so an entry is counted by what it carries, not
    merely for being new; every residue of this corpus carries the marker."""
    needles = [MARKER.encode()] + [s.encode() for s in secrets_]
    found = []
    for d, names in after.items():
        for name in sorted(names - before.get(d, set())):
            path = os.path.join(d, name)
            if MARKER in name or _carries(path, needles):
                found.append(path)
    return found


def _carries(path: str, needles: list[bytes]) -> bool:
    files = [path]
    if os.path.isdir(path) and not os.path.islink(path):
        with contextlib.suppress(OSError):
            files = [os.path.join(path, n) for n in os.listdir(path)[:50]]
    for f in files:
        with contextlib.suppress(OSError):
            if os.path.isfile(f) and not os.path.islink(f):
                with open(f, "rb") as fh:
                    data = fh.read(1 << 20)
                if any(n in data for n in needles):
                    return True
    return False


def marker_residue() -> list[str]:
    found = []
    for d in WATCHED_DIRS:
        with contextlib.suppress(OSError):
            found += [os.path.join(d, n) for n in os.listdir(d) if MARKER in n]
    return found


def remove_path(path: str) -> None:
    with contextlib.suppress(OSError):
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.remove(path)


def remove_marker_residue() -> None:
    for path in marker_residue():
        remove_path(path)


def _proc_text(pid: int, name: str) -> bytes:
    try:
        with open(f"/proc/{pid}/{name}", "rb") as fh:
            return fh.read()
    except OSError:
        return b""


def _alive(pid: int) -> bool:
    stat = _proc_text(pid, "stat")
    return bool(stat) and stat.rsplit(b")", 1)[1].split()[0] != b"Z"


def marker_processes() -> list[int]:
    """Live processes an attack started and tagged (or their children)."""
    tagged = {int(p) for p in os.listdir("/proc") if p.isdigit()
              and PROC_MARKER.encode() in _proc_text(int(p), "cmdline") and _alive(int(p))}
    children = set()
    for p in os.listdir("/proc"):
        if p.isdigit() and _alive(int(p)):
            status = _proc_text(int(p), "status")
            m = re.search(rb"\nPPid:\s+(\d+)", status)
            if m and int(m.group(1)) in tagged:
                children.add(int(p))
    return sorted(tagged | children)


def kill_marker_processes() -> None:
    for pid in marker_processes():
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def run_processes_since(start: float) -> list[int]:
    """Fallback when the sandbox exposes no run tokens: live processes carrying a
    CNNGRADE_RUN variable that started after ``start`` (may see other test runs' children
    on a shared machine)."""
    boot = time.time() - time.clock_gettime(time.CLOCK_BOOTTIME)
    tick = os.sysconf("SC_CLK_TCK")
    found = []
    for p in os.listdir("/proc"):
        if not p.isdigit() or b"CNNGRADE_RUN=" not in _proc_text(int(p), "environ"):
            continue
        stat = _proc_text(int(p), "stat")
        fields = stat.rsplit(b")", 1)[1].split() if stat else []
        if len(fields) > 19 and fields[0] != b"Z" and boot + int(fields[19]) / tick >= start:
            found.append(int(p))
    return found


def secret_texts() -> list[bytes]:
    """Lines of /etc/shadow (when this process can read it), for the leak check."""
    try:
        lines = Path("/etc/shadow").read_bytes().splitlines()
    except OSError:
        return []
    return [ln for ln in lines if len(ln) >= 12]


_NUMBER = re.compile(rb"-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?")


def numbers_in(data: bytes) -> list[float]:
    out = []
    for m in _NUMBER.finditer(data):
        with contextlib.suppress(ValueError):
            out.append(float(m.group()))
    return out


def leaks(out_dir: Path, secrets_: list[str], raw: list[bytes]) -> list[str]:
    """Every place in OUT (all files, the cache and its journals included) where a secret
    appears as text, or as the byte values of its first 8 characters in a row."""
    found = []
    for path in sorted(p for p in out_dir.rglob("*") if p.is_file()):
        data = path.read_bytes()
        rel = path.relative_to(out_dir)
        nums = numbers_in(data)
        for s in secrets_:
            if s.encode() in data:
                found.append(f"{rel}: {s!r} as text")
            codes = [float(c) for c in s.encode()[:8]]
            if any(nums[i:i + 8] == codes for i in range(len(nums) - 7)):
                found.append(f"{rel}: {s!r} as numbers")
        for line in raw:
            if line in data:
                found.append(f"{rel}: a line of /etc/shadow")
    return found


# --- the listener an attack may try to reach --------------------------------------------
class Listener:
    """A TCP listener on 127.0.0.1 (one of LISTEN_PORTS); records what connects."""

    def __init__(self):
        self.sock, self.port, self.received = None, None, []
        for port in LISTEN_PORTS:
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                s.close()
                continue
            s.listen(8)
            s.settimeout(0.2)
            self.sock, self.port = s, port
            break
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        if self.sock is not None:
            self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1.0)
                try:
                    self.received.append(conn.recv(4096) or b"(connected)")
                except OSError:
                    self.received.append(b"(connected)")

    def close(self):
        self._stop.set()
        if self.sock is not None:
            self._thread.join(2)
            self.sock.close()


# --- the grading process -----------------------------------------------------------------
_SUMMARY = "CNNGRADE-ESCAPE-SUMMARY "
DRIVER = r'''
import inspect, json, sys
args = json.loads(sys.argv[2])
import grader.sandbox as sandbox_module
from grader.sandbox import Sandbox, SandboxLimits
records = []

class RecordingSandbox(Sandbox):
    """Notes each run's tokens and folder for the leak checks, then closes as usual."""
    def close(self):
        try:
            tokens = list(getattr(self, "_tokens", None) or [])
            if not tokens and getattr(self, "_token", ""):
                tokens = [self._token]
            records.append({"tokens": tokens, "workdir": getattr(self, "_workdir", None),
                            "layer": getattr(self, "layer", None),
                            "filename": getattr(self, "filename", None)})
        except Exception:
            pass
        return super().close()

sandbox_module.Sandbox = RecordingSandbox
from grader.batch import grade_class
limits = SandboxLimits(**args["limits"])
options = {"exercise": "conv2d-forward", "out_dir": args["out"], "jobs": 1, "progress": False,
           "sandbox_options": {"isolation": args["layer"], "limits": limits}}
accepted = inspect.signature(grade_class).parameters
for name, value in (("max_examples", 3), ("similarity", False)):
    if name in accepted:
        options[name] = value
graded = grade_class(args["class"], **options)
results = [r.to_dict() for r in graded]
summary = {"results": results, "sandboxes": records, "regraded": list(graded.regraded),
           "grader_failures": list(getattr(graded, "grader_failures", []))}
print("''' + _SUMMARY + r'''" + json.dumps(summary), flush=True)
'''


@dataclass
class Graded:
    """What one grading process did: exit status, its summary, its output."""

    returncode: int | None
    summary: dict | None
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool = False

    def tokens(self) -> list[str]:
        return [t for r in (self.summary or {}).get("sandboxes", []) for t in r["tokens"]]

    def workdirs(self) -> list[str]:
        return [r["workdir"] for r in (self.summary or {}).get("sandboxes", []) if r["workdir"]]


def grade_world(world: World, layer: str, *, env_extra: dict | None = None) -> Graded:
    """Grade the world's class in a separate grading process, as ``cnngrade grade`` would:
    its cwd is the world's cwd, its HOME the world's home, the secret in its environment."""
    env = {**os.environ, SECRET_NAME: SECRET_VALUE, "HOME": str(world.home), **(env_extra or {})}
    args = json.dumps({"class": str(world.klass), "out": str(world.out), "layer": layer,
                       "limits": LIMITS})
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, GRADER_TAG, args], cwd=world.cwd,
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    timed_out = False
    try:
        stdout, stderr = proc.communicate(timeout=DRIVER_TIMEOUT_S)
    except subprocess.TimeoutExpired:  # stopped (SIGSTOP) or hung: the attack won
        timed_out = True
        proc.kill()
        stdout, stderr = proc.communicate()
    summary = None
    for line in stdout.splitlines():
        if line.startswith(_SUMMARY):
            summary = json.loads(line[len(_SUMMARY):])
    return Graded(proc.returncode, summary, stdout, stderr, time.monotonic() - start, timed_out)


#: What grades.json adds to a raw result when it writes it (the course policy's numbers,
#: DESIGN.md 3.3), and timings, which legitimately differ between two runs.
_NOT_COMPARED = ("duration_s", "execution_time", "raw_score", "penalty", "final_score", "policy")


def comparable(result: dict) -> dict:
    """A result as grading produced it: without timings and the policy's derived numbers."""
    return {k: v for k, v in result.items() if k not in _NOT_COMPARED}


def out_files(out_dir: Path) -> set[str]:
    return {str(p.relative_to(out_dir)) for p in out_dir.rglob("*") if p.is_file()}


def cache_state(out_dir: Path) -> tuple[set, dict]:
    """(schema rows of sqlite_master, submission -> stored result) of OUT's cache."""
    path = out_dir / ".cnngrade" / "cache.sqlite"
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        schema = set(con.execute("SELECT type, name, tbl_name FROM sqlite_master"))
        rows = {}
        for sub, result in con.execute("SELECT submission, result FROM results"):
            rows.setdefault(sub, []).append(json.loads(result))
    finally:
        con.close()
    return schema, rows
