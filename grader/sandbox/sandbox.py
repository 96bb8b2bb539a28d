"""Run one submission's code in a child process and call its functions with arrays.

The grading process never imports, unpickles or evaluates anything the submission
produced: a child loads the code, and every call goes over two pipes as a JSON header plus
raw array bytes (see ``_wire``); the reply's dtype, shape and size are checked before it
is read, and every verdict is decided here. One child serves all calls of a submission and
is restarted after it dies.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import selectors
import signal
import struct
import subprocess
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import SandboxError, UserError
from grader.files import remove_tree
from grader.sandbox import _isolation, _wire

__all__ = ["Sandbox", "SandboxLimits", "LoadResult", "CallResult", "DEFAULT_FORBIDDEN", "warm_up",
           "SandboxWarning"]

#: Always forbidden, whatever an exercise configures: cnngrade itself (the reference lives
#: there).
OWN_PACKAGES = ("grader", "exercises", "solutions", "cli")
#: Imports a layer exercise may not use: deep-learning and image libraries that would do
#: the work, and cnngrade's own packages.
DEFAULT_FORBIDDEN = ("torch", "torchvision", "tensorflow", "jax", "jaxlib", "scipy", "cv2",
                     "skimage", "keras") + OWN_PACKAGES

_CHILD_SOURCE = (Path(__file__).with_name("_child.py")).read_text(encoding="utf-8")
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_FILENAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,80}\.py$")  # no folders
_RUN_PREFIX = "cnngrade-run-"
_CALL_VERDICTS = {"ok", "exception", "timeout", "memory_limit", "crashed", "forbidden",
                  "missing_function", "bad_return"}
# The failures a child may report about itself; timeouts and crashes are only ever decided
# here, from the clock and the exit status.
_CHILD_VERDICTS = {"exception", "memory_limit", "forbidden", "missing_function", "bad_return"}


class SandboxWarning(UserWarning):
    """The sandbox runs with fewer protections than this platform could offer."""


@dataclass(frozen=True)
class SandboxLimits:
    """Resource limits of one submission's child process."""

    call_timeout_s: float = 10.0
    """Wall-clock seconds one call may take before the child is killed."""
    load_timeout_s: float = 10.0
    """Wall-clock seconds for start-up: interpreter, numpy and the submission's import."""
    total_timeout_s: float = 120.0
    """Wall-clock seconds the submission may use over all its calls and restarts."""
    memory_bytes: int = 1 << 30
    """Address-space limit (RLIMIT_AS)."""
    cpu_seconds: int | None = None
    """CPU-time limit (RLIMIT_CPU); None: the total timeout, rounded up, plus one."""
    file_bytes: int = 16 << 20
    """Largest file the child may write (RLIMIT_FSIZE)."""
    open_files: int = 64
    """Open file descriptors (RLIMIT_NOFILE)."""
    output_bytes: int = 64 << 10
    """stdout and stderr kept per call, each; the rest is drained and counted."""
    max_return_bytes: int = 256 << 20
    """Largest reply (all returned arrays together) the grading process will read."""
    tmp_bytes: int = 16 << 20
    """Size of the private /tmp inside bubblewrap."""
    folder_bytes: int = 64 << 20
    """Size of the run's own folder inside bubblewrap (a tmpfs; the portable layer writes
    to a host folder bounded only per file, by ``file_bytes``)."""

    def __post_init__(self):
        for name in ("call_timeout_s", "load_timeout_s", "total_timeout_s", "memory_bytes",
                     "file_bytes", "open_files", "output_bytes", "max_return_bytes",
                     "tmp_bytes", "folder_bytes"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise UserError(f"SandboxLimits.{name} must be a positive number, not {value!r}.")
        if self.cpu_seconds is not None and (not isinstance(self.cpu_seconds, int)
                                             or self.cpu_seconds <= 0):
            raise UserError(f"SandboxLimits.cpu_seconds must be a positive int or None, "
                            f"not {self.cpu_seconds!r}.")

    def rlimits(self) -> dict[str, int]:
        cpu = self.cpu_seconds or int(self.total_timeout_s + 0.999) + 1
        return {"RLIMIT_AS": int(self.memory_bytes), "RLIMIT_CPU": cpu,
                "RLIMIT_FSIZE": int(self.file_bytes), "RLIMIT_CORE": 0,
                "RLIMIT_NOFILE": int(self.open_files)}


@dataclass
class LoadResult:
    """The outcome of starting the child and importing the submission."""

    verdict: str
    """``ok``, ``syntax_error``, ``forbidden``, ``timeout``, ``crashed``, ``memory_limit``
    or ``exception``."""
    message: str = ""
    """One sentence for the student (empty when ok)."""
    functions: list[str] = field(default_factory=list)
    """Names of the public top-level functions the submission defines."""
    stdout: str = ""
    """What the submission printed while importing (capped)."""
    stderr: str = ""
    """What it wrote to stderr while importing (capped)."""
    duration_s: float = 0.0
    """Wall-clock seconds from spawn to the end of the import."""

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"


@dataclass
class CallResult:
    """The outcome of one call into the submission."""

    verdict: str
    """``ok``, ``exception``, ``timeout``, ``memory_limit``, ``crashed``, ``forbidden``,
    ``missing_function`` or ``bad_return``."""
    value: Any = None
    """When ok: a plain ``np.ndarray`` of real numbers, ``None``, or a tuple of those."""
    message: str = ""
    """One sentence for the student (empty when ok)."""
    stdout: str = ""
    """What the submission printed during the call (capped)."""
    stderr: str = ""
    """What it wrote to stderr during the call (capped)."""
    duration_s: float = 0.0
    """Wall-clock seconds of the round trip."""

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        warnings.warn(message, SandboxWarning, stacklevel=3)


_warming: threading.Thread | None = None


def warm_up(isolation: str = "auto") -> None:
    """Choose the isolation layer in a background thread: its probe (a real isolated child,
    and the interpreter that lists the libraries the child maps) runs in other processes
    while this one goes on importing the checker. The next :class:`Sandbox` waits for it and
    finds the answers cached; nothing is decided here that the Sandbox does not check again."""
    global _warming
    if _warming is not None:
        return

    def choose() -> None:
        try:
            layer, _ = _isolation.choose_layer(isolation)
            if layer != "portable":
                _isolation._view()  # the child's filesystem view (cached; the probe plans it too)
        except Exception:  # the Sandbox asks again and reports it in this thread
            pass

    _warming = threading.Thread(target=choose, name="cnngrade-sandbox-warm-up", daemon=True)
    _warming.start()


def _fmt_s(seconds: float) -> str:
    return f"{seconds:g} s"


def _signal_name(sig: int) -> str:
    try:
        name = signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"
    desc = signal.strsignal(sig) or ""
    return f"{name} ({desc.lower()})" if desc else name


class _Capture:
    """Keeps the first ``cap`` bytes of a stream, counts the rest."""

    def __init__(self, cap: int):
        self.cap, self.data, self.dropped = cap, bytearray(), 0

    def add(self, chunk: bytes) -> None:
        room = self.cap - len(self.data)
        if room > 0:
            self.data += chunk[:room]
        self.dropped += max(0, len(chunk) - max(room, 0))

    def take(self) -> str:
        text = self.data.decode("utf-8", errors="replace")
        if self.dropped:
            text += f"\n[... {self.dropped} more bytes not shown]"
        self.data, self.dropped = bytearray(), 0
        return text


class _Died(Exception):
    pass


class _TimedOut(Exception):
    pass


class _ReplyReader:
    """Reads one reply incrementally: length, JSON header, then the checked payload."""

    def __init__(self, *, expect_value: bool, max_bytes: int):
        self.expect_value, self.max_bytes = expect_value, max_bytes
        self.stage, self.buf, self.need = 0, bytearray(), 4
        self.header: Any = None
        self.specs: Any = None
        self.payload = bytearray()
        self.pos = 0

    def feed(self, fd: int) -> bool:
        """Read what is available from ``fd``; True once the reply is complete."""
        try:
            while not self._step(fd):
                pass
        except BlockingIOError:
            return False
        return True

    def _step(self, fd: int) -> bool:
        """One read; True once the reply is complete, False to read on (BlockingIOError
        when nothing more has arrived yet)."""
        if self.stage < 2:
            chunk = os.read(fd, self.need - len(self.buf))
            if not chunk:
                raise _Died
            self.buf += chunk
            if len(self.buf) < self.need:
                return False
            if self.stage == 0:
                (n,) = struct.unpack(">I", self.buf)
                if n > _wire.MAX_HEADER_BYTES:
                    raise _wire.ProtocolError("sent a reply header that is too large")
                self.stage, self.buf, self.need = 1, bytearray(), n
                return False
            try:
                self.header = json.loads(bytes(self.buf))
            except (ValueError, RecursionError) as exc:
                raise _wire.ProtocolError("sent a malformed reply") from exc
            if not isinstance(self.header, dict):
                raise _wire.ProtocolError("sent a malformed reply")
            if not (self.expect_value and self.header.get("ok") is True):
                return True
            self.specs = _wire.parse_reply(self.header, max_bytes=self.max_bytes)
            total = _wire.payload_bytes(self.specs)
            self.payload = bytearray(total)
            self.stage = 2
            return total == 0
        n = os.readv(fd, [memoryview(self.payload)[self.pos:]])
        if n == 0:
            raise _Died
        self.pos += n
        return self.pos == len(self.payload)


class Sandbox:
    """One submission's child process; use as a context manager.

    - ``code``: the submission's source text.
    - ``filename``: the name it gets in its private folder (and in messages).
    - ``forbidden_imports``: top-level module names the child may not import.
    - ``limits``: a :class:`SandboxLimits`.
    - ``isolation``: "auto" (the strongest layer here, else portable with a warning),
      "kernel" (bubblewrap or the built-in Linux layer, UserError when neither works),
      "bwrap", "linux", or "portable" (also "none": in-process protections only).

    Raises :class:`grader.errors.SandboxError` from :meth:`load` or :meth:`call` when the
    child could not be started at all (before any student code ran): a machine problem.

    >>> with Sandbox("def f(x):\\n    return x * 2\\n") as sb:
    ...     sb.call("f", np.ones(3)).value
    array([2., 2., 2.])
    """

    def __init__(self, code: str, *, filename: str = "solution.py",
                 forbidden_imports=DEFAULT_FORBIDDEN, limits: SandboxLimits | None = None,
                 isolation: str = "auto"):
        if not isinstance(code, str):
            raise UserError(f"Sandbox code must be a str, not {type(code).__name__}.")
        if not isinstance(filename, str) or not _FILENAME_RE.match(filename):
            raise UserError(f"Sandbox filename must look like 'solution.py', not {filename!r}.")
        forbidden = tuple(forbidden_imports)
        forbidden += tuple(p for p in OWN_PACKAGES if p not in forbidden)
        bad = [m for m in forbidden if not isinstance(m, str) or not _NAME_RE.match(m)]
        if bad:
            raise UserError(f"forbidden_imports must be module names, not {bad[0]!r}.")
        limits = limits if limits is not None else SandboxLimits()
        if not isinstance(limits, SandboxLimits):
            raise UserError("limits must be a SandboxLimits.")
        self.code, self.filename, self.forbidden, self.limits = code, filename, forbidden, limits
        if _warming is not None:
            _warming.join()  # its probe, if any, is the one choose_layer reads (never two at once)
        self.layer, warning = _isolation.choose_layer(isolation)
        if warning:
            _warn_once(warning)
        self._proc: subprocess.Popen | None = None
        self._req_w = self._resp_r = -1
        self._selector: selectors.BaseSelector | None = None
        self._workdir: str | None = None
        self._token = ""
        self._tokens: list[str] = []  # every run token used, for leak checks in tests
        self._used_s = 0.0
        self._load: LoadResult | None = None
        self._out = _Capture(limits.output_bytes)
        self._err = _Capture(limits.output_bytes)

    def __repr__(self) -> str:
        state = "running" if self._proc else "stopped"
        return f"Sandbox({self.filename!r}, layer={self.layer!r}, {state})"

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:  # a forgotten close() must not leak a process or a folder
        try:
            self.close()
        except Exception:
            pass

    # --- public -------------------------------------------------------------------------
    def load(self) -> LoadResult:
        """Start the child and import the submission (once; cached while the child lives)."""
        if self._proc is not None and self._proc.poll() is not None:
            self._kill()  # died between calls (a stray thread, the OOM killer): start afresh
        if self._load is not None and (self._proc is not None or not self._load.ok):
            return self._load
        self._load = self._start()
        return self._load

    def call(self, name: str, *args, **kwargs) -> CallResult:
        """Call the submission's function ``name`` with arrays and plain values.

        Never raises for what the submission does: the outcome is in the result's verdict.
        Raises TypeError for an argument the wire format cannot carry (see ``_wire``).
        """
        if not isinstance(name, str) or not name.isidentifier():
            raise UserError(f"Sandbox.call needs a function name, not {name!r}.")
        header, buffers = _wire.encode_call(name, args, kwargs)
        load = self.load()
        if not load.ok:
            verdict = load.verdict if load.verdict in _CALL_VERDICTS else "exception"
            return CallResult(verdict, message=load.message)
        remaining = self.limits.total_timeout_s - self._used_s
        if remaining <= 0:
            return CallResult("timeout", message=self._budget_message(name))
        limit = min(self.limits.call_timeout_s, remaining)
        request = _wire.frame(header, buffers)
        reader = _ReplyReader(expect_value=True, max_bytes=self.limits.max_return_bytes)
        start = time.monotonic()
        try:
            self._exchange(request, reader, start + limit)
        except _TimedOut:
            self._kill()
            msg = (f"timed out after {_fmt_s(self.limits.call_timeout_s)} in {name}"
                   if limit == self.limits.call_timeout_s else self._budget_message(name))
            return self._result("timeout", None, msg, start)
        except _Died:
            verdict, msg = self._death(f"in {name}")
            return self._result(verdict, None, msg, start)
        except _wire.ProtocolError as exc:
            self._kill()
            return self._result("bad_return", None, f"{name} {exc}", start)
        reply = reader.header
        if reply.get("ok") is True:
            value = _wire.build_value(reply, reader.specs, reader.payload)
            return self._result("ok", value, "", start)
        kind = reply.get("kind")
        verdict = kind if kind in _CHILD_VERDICTS else "exception"
        return self._result(verdict, None, _wire.clean_text(reply.get("msg", "")), start)

    def close(self) -> None:
        """Kill the child (and anything it started) and delete its private folder."""
        self._kill()
        if self._workdir:
            remove_tree(self._workdir)  # any depth, never follows links
            self._workdir = None

    # --- child lifecycle ------------------------------------------------------------------
    def _budget_message(self, name: str) -> str:
        return (f"timed out in {name}: the submission used its whole time budget of "
                f"{_fmt_s(self.limits.total_timeout_s)}")

    def _finish(self, start: float) -> tuple[str, str, float]:
        """Charge the time since ``start`` to the budget; (stdout, stderr, duration)."""
        duration = time.monotonic() - start
        self._used_s += duration
        return self._out.take(), self._err.take(), duration

    def _result(self, verdict: str, value: Any, message: str, start: float) -> CallResult:
        return CallResult(verdict, value, message, *self._finish(start))

    def _start(self) -> LoadResult:
        self._kill()
        start = time.monotonic()
        remaining = self.limits.total_timeout_s - self._used_s
        if remaining <= 0:
            return LoadResult("timeout", self._budget_message("import"))
        if self._workdir:
            remove_tree(self._workdir)  # any depth, never follows links
        self._workdir = os.path.realpath(tempfile.mkdtemp(prefix=_RUN_PREFIX))
        kernel = self.layer in _isolation.KERNEL_LAYERS
        inside = _isolation.SANDBOX_ROOT if kernel else self._workdir
        root = os.path.join(self._workdir, "root")  # the built-in layer's mount point
        if kernel:  # the code goes straight into the child's tmpfs, never to the host's disk
            os.mkdir(root, 0o700)
            source_fd = _isolation.memfd("submission", self.code.encode("utf-8", "surrogatepass"))
        else:
            path = os.path.join(self._workdir, self.filename)
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(self.code)
            source_fd = os.open(path, os.O_RDONLY)
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        self._token = secrets.token_hex(8)
        self._tokens.append(self._token)
        config = {
            "rlimits": self.limits.rlimits(), "site_dirs": _isolation.child_site_dirs(self.layer),
            "req_fd": req_r, "resp_fd": resp_w, "workdir": inside, "filename": self.filename,
            "forbidden": list(self.forbidden), "hidden_paths": _isolation.project_paths(),
            "runs_prefix": os.path.join(os.path.realpath(tempfile.gettempdir()), _RUN_PREFIX),
        }
        argv, extra_fds = _isolation.child_argv(
            self.layer, source_fd=source_fd, req_fd=req_r, resp_fd=resp_w, filename=self.filename,
            tmp_bytes=self.limits.tmp_bytes, folder_bytes=self.limits.folder_bytes,
            child_source=_CHILD_SOURCE, config_json=json.dumps(config), root=root)
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
               "HOME": inside, "TMPDIR": inside, "CNNGRADE_RUN": self._token,
               **_isolation.ONE_THREAD_ENV}
        try:
            self._proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                pass_fds=(req_r, resp_w, source_fd, *extra_fds), start_new_session=True, env=env,
                cwd=self._workdir)
        finally:
            for fd in (req_r, resp_w, source_fd, *extra_fds):
                os.close(fd)
        self._req_w, self._resp_r = req_w, resp_r
        for fd in (req_w, resp_r, self._proc.stdout.fileno(), self._proc.stderr.fileno()):
            os.set_blocking(fd, False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(resp_r, selectors.EVENT_READ, "reply")
        self._selector.register(self._proc.stdout.fileno(), selectors.EVENT_READ, self._out)
        self._selector.register(self._proc.stderr.fileno(), selectors.EVENT_READ, self._err)
        self._wait_ready(start)
        start = time.monotonic()  # the student's time starts now
        limit = min(self.limits.load_timeout_s, remaining)
        reader = _ReplyReader(expect_value=False, max_bytes=0)
        try:
            self._exchange(b"", reader, start + limit)
        except _TimedOut:
            self._kill()
            msg = (f"timed out after {_fmt_s(self.limits.load_timeout_s)} while importing "
                   f"{self.filename}" if limit == self.limits.load_timeout_s
                   else self._budget_message("import"))
            return self._load_result("timeout", msg, [], start)
        except _Died:
            verdict, msg = self._death("during import")
            return self._load_result(verdict, msg, [], start)
        except _wire.ProtocolError as exc:
            self._kill()
            return self._load_result("crashed", f"the submission's process {exc}", [], start)
        reply = reader.header
        if reply.get("ok") is True:
            names = reply.get("functions")
            names = names if isinstance(names, list) else []
            names = [_wire.clean_text(n)[:100] for n in names[:200]]
            return self._load_result("ok", "", names, start)
        self._kill()
        kind = reply.get("kind")
        verdict = kind if kind in ("syntax_error", "forbidden", "memory_limit") else "exception"
        return self._load_result(verdict, _wire.clean_text(reply.get("msg", "")), [], start)

    def _wait_ready(self, start: float) -> None:
        """The child's first message says its walls and numpy are up; no student code has
        run before it, so a child that fails to send it is a machine problem."""
        reader = _ReplyReader(expect_value=False, max_bytes=0)
        problem = None
        try:
            self._exchange(b"", reader, start + self.limits.load_timeout_s)
        except _TimedOut:
            problem = f"it sent no sign of life within {_fmt_s(self.limits.load_timeout_s)}"
        except (_Died, _wire.ProtocolError):
            problem = "it ended before starting"
        if problem is None and reader.header.get("ready") is True:
            return
        self._kill()
        err = [line for line in self._err.take().splitlines() if line.strip()]
        self._out.take()
        detail = err[-1][:300] if err else "no error message"
        raise SandboxError(f"the sandbox ({self.layer} layer) could not start: {problem or 'it sent an unexpected first message'} ({detail})")

    def _load_result(self, verdict, message, names, start) -> LoadResult:
        return LoadResult(verdict, message, names, *self._finish(start))

    def _exchange(self, request: bytes, reader: _ReplyReader, deadline: float) -> None:
        """Send ``request`` and read one reply, draining stdout/stderr meanwhile (through the
        child's selector, made once per child: a call costs one wake-up, not four)."""
        pending = memoryview(request)
        sel = self._selector
        try:
            if pending:   # the pipe is usually free: write at once, wait only for the rest
                pending = pending[os.write(self._req_w, pending):]
        except BlockingIOError:
            pass
        except BrokenPipeError:
            raise _Died from None
        if pending:
            sel.register(self._req_w, selectors.EVENT_WRITE, "request")
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise _TimedOut
                for key, _ in sel.select(timeout=left):
                    if key.data == "request":
                        try:
                            pending = pending[os.write(self._req_w, pending):]
                        except BlockingIOError:
                            continue
                        except BrokenPipeError:
                            raise _Died from None
                        if not pending:
                            sel.unregister(self._req_w)
                    elif key.data == "reply":
                        if reader.feed(self._resp_r):
                            self._drain()
                            return
                    else:
                        try:
                            chunk = os.read(key.fd, 1 << 16)
                        except BlockingIOError:
                            continue
                        if chunk:
                            key.data.add(chunk)
                        else:
                            sel.unregister(key.fd)   # the child closed it: for good
        finally:
            if pending:
                sel.unregister(self._req_w)

    def _drain(self, *, rounds: int = 16) -> None:
        """Collect output already written (the child flushes before replying)."""
        for fd, cap in ((self._proc.stdout.fileno(), self._out),
                        (self._proc.stderr.fileno(), self._err)):
            for _ in range(rounds):
                try:
                    chunk = os.read(fd, 1 << 16)
                except (BlockingIOError, OSError):
                    break
                if not chunk:
                    break
                cap.add(chunk)

    def _death(self, during: str) -> tuple[str, str]:
        """Verdict and message for a child that ended on its own."""
        proc = self._proc
        try:
            rc = proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            rc = None
        if rc is not None:
            self._drain(rounds=64)
        self._kill()
        if rc is None:
            return "crashed", f"the submission's process stopped answering {during}"
        sig = -rc if rc < 0 else (rc - 128 if self.layer != "portable" and rc > 128 else 0)
        if sig == signal.SIGKILL:
            return "memory_limit", (f"was killed by the system {during}, most likely for using "
                                    f"more than {self.limits.memory_bytes / 2**20:.0f} MiB")
        if sig == signal.SIGXCPU:
            return "timeout", f"used more CPU time than allowed {during}"
        if sig:
            return "crashed", f"crashed with signal {_signal_name(sig)} {during}"
        return "crashed", (f"the process exited with status {rc} {during} "
                           f"(it ended itself, e.g. with os._exit)")

    def _kill(self) -> None:
        """SIGKILL the child's whole process group (and namespace), then sweep."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if self.layer == "portable":
            _sweep(self._token)
        else:
            _wait_for_eof(proc.stdout.fileno(), time.monotonic() + 5)
        if self._selector is not None:
            self._selector.close()
            self._selector = None
        for fd in (self._req_w, self._resp_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self._req_w = self._resp_r = -1
        proc.stdout.close()
        proc.stderr.close()


def _wait_for_eof(fd: int, deadline: float) -> None:
    """Wait until no process holds the write end of ``fd``. On the kernel layers the init
    of the child's PID namespace holds it to its end, and an init exits only once the
    kernel has killed and reaped every process of its namespace: EOF means none is left."""
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while (left := deadline - time.monotonic()) > 0:
            if not sel.select(timeout=left):
                continue
            try:
                if not os.read(fd, 1 << 16):
                    return
            except BlockingIOError:
                continue
            except OSError:
                return


def _sweep(token: str) -> None:
    """SIGKILL every process still carrying this run's token in its environment, until
    none is left (the portable layer's sweep; in a PID namespace it only waits)."""
    if not token or not os.path.isdir("/proc"):
        return
    needle = f"CNNGRADE_RUN={token}".encode()
    me = os.getpid()
    for _ in range(100):
        found = False
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == me:
                continue
            try:
                with open(f"/proc/{entry}/environ", "rb") as fh:
                    env = fh.read()
            except OSError:
                continue
            if needle in env:  # (a zombie's environ reads empty)
                found = True
                try:
                    os.kill(int(entry), signal.SIGKILL)
                except OSError:
                    pass
        if not found:
            return
        time.sleep(0.01)
