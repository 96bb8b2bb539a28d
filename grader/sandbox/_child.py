"""The program that runs inside the sandboxed child process.

It is run as ``python -I -S -B -u -c <this file's text> <config JSON>`` and must not import
anything from cnngrade (the child cannot see the project tree): stdlib and numpy only.

Order matters: limits first, then numpy (before the hooks, so numpy's own imports are not
judged), then the audit hook and the import blocker, and only then the student's code.
The child never holds expected values: the grading process keeps them and compares.

Wire format, both directions: 4-byte big-endian header length, a JSON header, then the raw
bytes of every array named in the header, in order. Never pickle.
"""

import json
import os
import resource
import struct
import sys

_CONFIG = json.loads(sys.argv[1])

# --- 1. resource limits, hard and soft, before anything else runs ------------------------
for _name, _value in _CONFIG["rlimits"].items():
    try:
        resource.setrlimit(getattr(resource, _name), (_value, _value))
    except (ValueError, OSError, AttributeError):
        pass  # the grading process reports what this platform cannot limit

if sys.platform.startswith("linux"):
    try:
        import ctypes

        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG = SIGKILL: die with the grader
        _libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
        _libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0: other processes cannot ptrace us
        del _libc
    except Exception:
        pass

sys.path[:] = [p for p in sys.path if p] + _CONFIG["site_dirs"]
sys.setrecursionlimit(max(sys.getrecursionlimit(), 3000))

import faulthandler  # noqa: E402

faulthandler.enable()  # a segfault prints the student's line to stderr before dying

import numpy  # noqa: E402

_REQ_FD, _RESP_FD = _CONFIG["req_fd"], _CONFIG["resp_fd"]
_WORKDIR = os.path.realpath(_CONFIG["workdir"])
_SOURCE_PATH = os.path.join(_WORKDIR, _CONFIG["filename"])

# Bind what the wire code needs now: the student may monkeypatch numpy later.
_asarray, _ndarray = numpy.asarray, numpy.ndarray
_frombuffer, _default_rng, _dtype = numpy.frombuffer, numpy.random.default_rng, numpy.dtype
_json_dumps, _json_loads, _pack, _unpack = json.dumps, json.loads, struct.pack, struct.unpack
_os_read, _os_writev = os.read, os.writev
_REAL_KINDS = frozenset("biuf")


class ForbiddenError(ImportError):
    """Raised inside the child when the submission imports or does something not allowed."""

    def __init__(self, what):
        super().__init__(what)
        self.what = what


# --- 2. guards: an audit hook (cannot be removed) and an import blocker -----------------
def _install_guards(config, ForbiddenError):
    """Install the guards. Their state lives in this closure, not in module globals, and
    every builtin and os function they use is bound here: a submission that rewrites
    ``__main__``'s globals, builtins or ``os.path`` does not change what they check."""
    import builtins
    import posixpath

    any_, isinstance_, int_, len_, bool_, str_, bytes_, min_, enumerate_ = (
        builtins.any, builtins.isinstance, builtins.int, builtins.len, builtins.bool,
        builtins.str, builtins.bytes, builtins.min, builtins.enumerate)
    realpath, join, isabs = posixpath.realpath, posixpath.join, posixpath.isabs
    fspath, readlink, pathlike, sep = os.fspath, os.readlink, os.PathLike, os.sep
    workdir = realpath(config["workdir"])
    forbidden = tuple(config["forbidden"]) + ("_posixsubprocess", "posix")  # see below
    hidden = tuple(realpath(p) for p in config["hidden_paths"])
    read_ok = tuple(realpath(p) for p in config["site_dirs"])
    other_runs = config["runs_prefix"]  # every run folder's name starts with this
    my_pid = os.getpid()
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    process_events = ("subprocess.", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                      "os.fork", "os.forkpty", "pty.")
    # Events that change files, with the positions of their dir_fd arguments: a path
    # relative to an open directory is checked as that directory's real path joined with it.
    path_events = {"os.remove": (1,), "os.rmdir": (1,), "os.mkdir": (2,), "os.rename": (2, 3),
                   "os.link": (2, 3), "os.symlink": (2,), "os.chmod": (2,), "os.chown": (3,),
                   "os.utime": (3,), "os.mkfifo": (2,), "os.mknod": (3,), "os.truncate": (),
                   "shutil.rmtree": (), "shutil.move": (), "shutil.copyfile": (),
                   "os.chflags": (), "os.lchflags": ()}

    def inside(path, roots):
        return any_(path == r or path.startswith(r + sep) for r in roots)

    def as_str(path):
        path = fspath(path)
        return path.decode("utf-8", "surrogateescape") if isinstance_(path, bytes_) else path

    def under_dir_fd(path, dir_fd, what):
        if dir_fd is None or dir_fd == -1 or isabs(as_str(path)):  # -1: no dir_fd
            return path
        try:
            base = readlink(f"/proc/self/fd/{int_(dir_fd)}")
        except (OSError, ValueError, TypeError):
            raise ForbiddenError(f"using files relative to a directory descriptor ({what})")
        return join(base, as_str(path))

    def check_path(path, write, what):
        if isinstance_(path, int_):
            return  # an already-open descriptor
        try:
            p = realpath(as_str(path))
        except Exception:
            p = "?"  # unreadable: refused for writing below
        if write and not inside(p, (workdir,)):
            raise ForbiddenError(f"{what} outside the submission's own folder ({path!r})")
        if inside(p, hidden) and not inside(p, read_ok):
            raise ForbiddenError(f"reading the grader's files ({path!r})")
        if p.startswith(other_runs) and not inside(p, (workdir,)):
            raise ForbiddenError(f"reading another submission's folder ({path!r})")
        if p.startswith("/proc/"):
            head = p.split("/")[2]
            if head.isdigit() and int_(head) != my_pid:
                raise ForbiddenError(f"reading another process's data ({path!r})")

    def forbidden_module(name):
        for f in forbidden:
            if name == f or name.startswith(f + "."):
                return f
        return None

    def audit(event, args):
        if event == "import":
            f = forbidden_module(args[0])
            if f:
                raise ForbiddenError(f"import of {f}")
        elif event == "open":
            path, mode, flags = args
            write = (isinstance_(mode, str_) and any_(c in mode for c in "wax+")) or (
                isinstance_(flags, int_) and flags & write_flags)
            check_path(path, bool_(write), "writing")
        elif event.startswith(process_events):
            raise ForbiddenError(f"starting a process ({event})")
        elif event in ("os.kill", "os.killpg"):
            if event == "os.killpg" or args[0] != my_pid:
                raise ForbiddenError(f"signalling another process ({event})")
        elif event.startswith("socket."):
            raise ForbiddenError(f"network access ({event})")
        elif event.startswith("gc.get_"):
            raise ForbiddenError(f"inspecting the interpreter's objects ({event})")
        elif event.startswith("ctypes."):
            raise ForbiddenError(f"calling C code through ctypes ({event})")
        elif event in path_events:
            fds = [args[i] if i < len_(args) else None for i in path_events[event]]
            for n, p in enumerate_(args[:2]):
                if isinstance_(p, (str_, bytes_, pathlike)):
                    dir_fd = fds[min_(n, len_(fds) - 1)] if fds else None
                    check_path(under_dir_fd(p, dir_fd, event), True, "changing files")

    class ImportBlocker:
        """First entry of sys.meta_path: refuses forbidden modules by name, however spelled."""

        @staticmethod
        def find_spec(name, path=None, target=None):
            f = forbidden_module(name)
            if f:
                raise ForbiddenError(f"import of {f}")
            return None

    # Never hand out a forbidden module that is already loaded.
    for m in list(sys.modules):
        if any_(m == f or m.startswith(f + ".") for f in config["forbidden"]):
            del sys.modules[m]

    # subprocess and multiprocessing start processes through _posixsubprocess.fork_exec,
    # which raises no audit event: load it now (asyncio and unittest import subprocess, so
    # importing it stays legal) and disarm it; a fresh import of it is refused above.
    import _posixsubprocess
    import subprocess

    def no_fork_exec(*args, **kwargs):
        raise ForbiddenError("starting a process (fork_exec)")

    _posixsubprocess.fork_exec = subprocess._fork_exec = no_fork_exec

    # The "open" audit event does not carry dir_fd, so os.open checks it itself (posix.open
    # is the same function; re-importing posix to get the original back is refused above).
    os_open = os.open

    def open_checking_dir_fd(path, flags, mode=0o777, *, dir_fd=None):
        if dir_fd is not None:
            check_path(under_dir_fd(path, dir_fd, "os.open"), bool_(flags & write_flags),
                       "writing")
        return os_open(path, flags, mode, dir_fd=dir_fd)

    os.open = sys.modules["posix"].open = open_checking_dir_fd
    sys.meta_path.insert(0, ImportBlocker)
    sys.addaudithook(audit)


_install_guards(_CONFIG, ForbiddenError)
del _install_guards


# --- 3. wire format ---------------------------------------------------------------------
def _read_exact(n):
    chunks, left = [], n
    while left:
        b = _os_read(_REQ_FD, min(left, 1 << 20))
        if not b:
            raise EOFError
        chunks.append(b)
        left -= len(b)
    return b"".join(chunks)


def _send(header, buffers=()):
    # One writev for the whole reply: the grading process wakes once per call, not per part.
    data = _json_dumps(header).encode()
    parts = [memoryview(part).cast("B") for part in (_pack(">I", len(data)) + data, *buffers)]
    parts = [part for part in parts if part.nbytes]
    while parts:
        n = _os_writev(_RESP_FD, parts[:512])
        while parts and n >= parts[0].nbytes:
            n -= parts[0].nbytes
            parts.pop(0)
        if n:
            parts[0] = parts[0][n:]


def _decode(spec, buffers):
    t = spec["t"]
    if t == "a":
        dt = _dtype(spec["d"])
        n = 1
        for s in spec["s"]:
            n *= s
        arr = _frombuffer(bytearray(buffers.pop(0)), dtype=dt, count=n).reshape(spec["s"])
        return arr
    if t in ("i", "f", "s", "b"):
        return spec["v"]
    if t == "n":
        return None
    if t == "T":
        return tuple(_decode(x, buffers) for x in spec["v"])
    if t == "L":
        return [_decode(x, buffers) for x in spec["v"]]
    if t == "r":
        return _default_rng(spec["v"])
    raise ValueError(f"unknown argument type {t!r}")


class _BadReturn(Exception):
    pass


def _describe(value):
    kind = type(value).__name__
    if isinstance(value, _ndarray):
        return f"an array of dtype {value.dtype}"
    return f"a {kind} object"


def _as_real_array(value):
    """The returned value as a plain ndarray of real numbers, or _BadReturn."""
    try:
        arr = _asarray(value)  # base class: subclasses and __eq__ tricks are dropped here
    except Exception as exc:
        raise _BadReturn(f"{_describe(value)} that is not array-like ({type(exc).__name__})")
    if type(arr) is not _ndarray or arr.dtype.kind not in _REAL_KINDS or arr.dtype.fields:
        raise _BadReturn(f"{_describe(value)}, not an array of real numbers")
    return _asarray(arr, dtype=arr.dtype.newbyteorder("="), order="C")  # keeps 0-d shapes


def _encode_return(value, buffers):
    if value is None:
        return {"t": "n"}
    if isinstance(value, tuple) or (isinstance(value, list) and _is_sequence_of_outputs(value)):
        items = []
        for v in value:
            if v is None:
                items.append({"t": "n"})
            else:
                items.append(_encode_array(_as_real_array(v), buffers))
        return {"t": "T", "v": items}
    return _encode_array(_as_real_array(value), buffers)


def _is_sequence_of_outputs(value):
    """A list of arrays (``[out, mask]``) is several outputs, like a tuple; a list of
    numbers or of lists is one array-like."""
    if value and all(isinstance(v, _ndarray) or v is None for v in value):
        return True
    try:
        return _asarray(value).dtype.kind not in _REAL_KINDS
    except Exception:
        return True


def _encode_array(arr, buffers):
    buffers.append(arr.data if arr.size else b"")
    return {"t": "a", "d": arr.dtype.str, "s": list(arr.shape)}


# --- 4. running the student's code ------------------------------------------------------
def _where(tb):
    """'solution.py, line N' for the last traceback frame in the student's file."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == _SOURCE_PATH:
            line = tb.tb_lineno
        tb = tb.tb_next
    return f" ({_CONFIG['filename']}, line {line})" if line else ""


def _flush():
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:
            pass


def _failure(exc, during):
    if isinstance(exc, ForbiddenError):
        return {"ok": False, "kind": "forbidden", "msg": f"forbidden: {exc.what}"}
    if isinstance(exc, MemoryError):
        return {"ok": False, "kind": "memory_limit",
                "msg": f"ran out of memory {during}{_where(exc.__traceback__)}"}
    if isinstance(exc, SystemExit):
        return {"ok": False, "kind": "exception",
                "msg": f"SystemExit: the submission called sys.exit({exc.code!r}) {during}"
                       f"{_where(exc.__traceback__)}"}
    text = str(exc)
    if len(text) > 500:
        text = text[:500] + "..."
    where = _where(exc.__traceback__)
    if isinstance(exc, SyntaxError) and exc.filename == _SOURCE_PATH:
        where = f" ({_CONFIG['filename']}, line {exc.lineno})"
        text = exc.msg
    return {"ok": False, "kind": "exception", "msg": f"{type(exc).__name__}: {text}{where}"}


def _functions(namespace):
    return sorted(k for k, v in namespace.items()
                  if not k.startswith("_") and callable(v) and not isinstance(v, type)
                  and getattr(v, "__module__", None) == "solution")


def _load():
    import types

    module = types.ModuleType("solution")
    module.__file__ = _SOURCE_PATH
    sys.modules["solution"] = module
    try:
        with open(_SOURCE_PATH, encoding="utf-8") as fh:
            source = fh.read()
        code = compile(source, _SOURCE_PATH, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return module, {"ok": False, "kind": "syntax_error",
                        "msg": f"SyntaxError: {exc.msg} ({_CONFIG['filename']}, "
                               f"line {exc.lineno})"}
    except BaseException as exc:
        return module, _failure(exc, "while reading the file")
    try:
        exec(code, module.__dict__)
    except BaseException as exc:
        return module, _failure(exc, "during import")
    return module, {"ok": True, "functions": _functions(module.__dict__)}


def _call(module, header, buffers):
    name = header["name"]
    fn = module.__dict__.get(name)
    if not callable(fn):
        found = _functions(module.__dict__)
        return {"ok": False, "kind": "missing_function", "name": name, "functions": found,
                "msg": f"no function named {name!r} (found: {', '.join(found) or 'none'})"}, ()
    try:
        args = [_decode(a, buffers) for a in header["args"]]
        kwargs = {k: _decode(v, buffers) for k, v in header["kwargs"].items()}
    except Exception as exc:
        return {"ok": False, "kind": "protocol", "msg": f"bad request: {exc!r}"}, ()
    try:
        value = fn(*args, **kwargs)
    except BaseException as exc:
        return _failure(exc, f"in {name}"), ()
    out = []
    try:
        spec = _encode_return(value, out)
    except _BadReturn as exc:
        return {"ok": False, "kind": "bad_return", "msg": f"{name} returned {exc}"}, ()
    except BaseException as exc:  # a hostile __array__ may raise anything
        return {"ok": False, "kind": "bad_return",
                "msg": f"{name} returned {_describe(value)} that could not be read "
                       f"({type(exc).__name__})"}, ()
    return {"ok": True, "v": spec}, out


def _main():
    # Ready: numpy and the guards are in place and no student code has run yet. Anything
    # that goes wrong before this message is the sandbox's failure, never the student's.
    _send({"ok": True, "ready": True})
    module, reply = _load()
    _flush()
    _send(reply)
    if not reply["ok"]:
        return
    while True:
        try:
            (n,) = _unpack(">I", _read_exact(4))
            header = _json_loads(_read_exact(n))
            buffers = [_read_exact(size) for size in header["sizes"]]
        except EOFError:
            return
        reply, out = _call(module, header, buffers)
        del buffers
        _flush()
        _send(reply, out)


_main()
