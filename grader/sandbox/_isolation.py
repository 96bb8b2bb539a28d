"""Which isolation layer this machine offers, and the command line that starts a child.

Three layers, strongest first:

- ``bwrap``: bubblewrap builds the namespaces and the filesystem view;
- ``linux``: the built-in layer (``_jail.py``) builds the same from Python and util-linux-free
  system calls: new user (when not root), mount, PID, network, IPC, UTS and cgroup namespaces;
- ``portable``: a new session, rlimits and the in-child guards only (macOS, Windows, Linux
  without user namespaces). Advisory: a submission can undo what runs in its own process.

On both kernel layers the child sees one filesystem view, built from :func:`mount_plan`:
the interpreter, its standard library, numpy and the shared libraries they load, all
read-only; a size-capped tmpfs run folder (``/sandbox``) and /tmp; a minimal /dev and its
own /proc. Nothing else of the host (no project tree, no OUT, no other run folder, no home,
no /etc but the dynamic loader's cache). Then ``_jail.lockdown`` drops to an unprivileged
uid, clears every capability and applies Landlock and seccomp before the child starts.
"""

from __future__ import annotations

import functools
import glob
import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

from grader.errors import UserError

__all__ = ["Layer", "KERNEL_LAYERS", "probe", "choose_layer", "kernel_layers", "child_argv",
           "site_dirs", "child_site_dirs", "project_paths", "mount_plan", "memfd", "SANDBOX_UIDS"]

SANDBOX_ROOT = "/sandbox"  # where the run's folder appears on the kernel layers
#: When the grader runs as root, each child gets a uid (and gid) of its own from this range,
#: owning nothing on the host: children cannot signal each other or share a process count.
SANDBOX_UIDS = range(200_000, 265_536)
#: Processes and threads the child's uid may have (RLIMIT_NPROC; 1 is the child itself).
MAX_PROCESSES = 8
KERNEL_LAYERS = ("bwrap", "linux")

Layer = str  # "bwrap" | "linux" | "portable"

_JAIL_SOURCE = Path(__file__).with_name("_jail.py").read_text(encoding="utf-8")
#: The environment of every interpreter the sandbox starts (the child, the probes): numpy's
#: BLAS and the other thread pools on one thread (a pool's idle threads spin for about 0.1 s of
#: CPU after numpy loads, taken from the other children of a busy machine).
ONE_THREAD_ENV = {v: "1" for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                   "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")}


def project_paths() -> list[str]:
    """The cnngrade tree (packages and cli.py): the child may neither import nor read it."""
    import grader

    root = Path(grader.__file__).resolve().parent.parent
    return [str(root / name) for name in ("grader", "exercises", "solutions", "cli.py", "tests")]


@functools.lru_cache(maxsize=1)
def site_dirs() -> tuple[str, ...]:
    """Directories that give the portable child numpy: the interpreter's library paths,
    minus the project tree and the current directory (an editable install adds those)."""
    hidden = [os.path.realpath(p) for p in project_paths()]
    root = os.path.dirname(hidden[0])
    keep = []
    for p in sys.path:
        if not p or not os.path.isdir(p):
            continue
        real = os.path.realpath(p)
        if real == root or any(real == h or real.startswith(h + os.sep) for h in hidden):
            continue
        if real == os.path.realpath(os.getcwd()):
            continue
        if real not in keep:
            keep.append(real)
    return tuple(keep)


def _numpy_dirs() -> tuple[str, list[str]]:
    """(numpy's site directory, the folders numpy needs from it: the package and the
    bundled libraries of a wheel, ``numpy.libs``)."""
    import numpy

    package = os.path.realpath(os.path.dirname(numpy.__file__))
    site = os.path.dirname(package)
    dirs = [package] + [d for d in (os.path.join(site, "numpy.libs"),) if os.path.isdir(d)]
    return site, dirs


def child_site_dirs(layer: Layer) -> list[str]:
    """``sys.path`` additions of the child: on the kernel layers only numpy's site folder
    exists in its view (holding numpy alone)."""
    return [_numpy_dirs()[0]] if layer in KERNEL_LAYERS else list(site_dirs())


def _outermost(paths) -> list[str]:
    out: list[str] = []
    for p in sorted(set(paths), key=len):
        if not any(p == o or p.startswith(o.rstrip("/") + "/") for o in out):
            out.append(p)
    return sorted(out)


def _under(path: str, roots) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def _elf_interpreter(path: str) -> str | None:
    """The dynamic loader an ELF executable names (PT_INTERP), or None."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
            if head[:4] != b"\x7fELF" or head[4] != 2:  # 64-bit only
                return None
            order = "<" if head[5] == 1 else ">"
            phoff, = struct.unpack_from(order + "Q", head, 32)
            phentsize, phnum = struct.unpack_from(order + "HH", head, 54)
            for i in range(phnum):
                fh.seek(phoff + i * phentsize)
                p_type, _, p_offset, _, _, p_filesz = struct.unpack(order + "IIQQQQ", fh.read(40))
                if p_type == 3:
                    fh.seek(p_offset)
                    return fh.read(p_filesz).rstrip(b"\0").decode()
    except (OSError, struct.error, UnicodeDecodeError):
        return None
    return None


def _symlink_chain(path: str) -> list[tuple[str, str]]:
    """Every (link, target) met while resolving ``path`` component by component."""
    links, seen = [], 0
    parts = [p for p in path.split("/") if p]
    current = "/"
    while parts and seen < 40:
        candidate = os.path.join(current, parts.pop(0))
        if os.path.islink(candidate):
            seen += 1
            target = os.readlink(candidate)
            links.append((candidate, target))
            base = "/" if target.startswith("/") else current
            parts = [p for p in os.path.join(base, target).split("/") if p] + parts
            current = "/"
        else:
            current = candidate
    return links


_libraries: tuple[str, ...] | None = None  # found once per process, or adopted (see adopt)


def _loaded_libraries() -> tuple[str, ...]:
    """Shared libraries an isolated child maps: found by starting the interpreter the
    child will be, importing what the child imports, and reading its /proc/self/maps."""
    global _libraries
    if _libraries is None:
        _libraries = _list_libraries()
    return _libraries


def _list_libraries() -> tuple[str, ...]:
    site, _ = _numpy_dirs()
    code = ("import sys; sys.path.append(sys.argv[1]); import numpy, ctypes, json, struct, "
            "resource, faulthandler, selectors, types, math, random, decimal, hashlib; "
            "import numpy.linalg, numpy.fft, numpy.random; "
            "print(open('/proc/self/maps').read())")
    try:
        out = subprocess.run([os.path.realpath(sys.executable), "-I", "-S", "-c", code, site],
                             capture_output=True, text=True, timeout=60,
                             env={"PATH": "/usr/bin:/bin", **ONE_THREAD_ENV}, stdin=subprocess.DEVNULL).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ()
    files = {line.split(None, 5)[5] for line in out.splitlines()
             if len(line.split(None, 5)) == 6 and line.split(None, 5)[5].startswith("/")}
    return tuple(sorted(f for f in files if os.path.isfile(f)))


@functools.lru_cache(maxsize=1)
def _view() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[tuple[str, str], ...]]:
    """(folders and files to bind read-only, site folders to mask with an empty tmpfs,
    numpy folders to bind inside them, symlinks to recreate) of the isolated child's view."""
    exe = os.path.realpath(sys.executable)
    # The standard library is where os.py is (a venv's "platstdlib" holds only its
    # site-packages); its extension modules are in a lib-dynload on sys.path.
    stdlib = [os.path.realpath(os.path.dirname(os.__file__))]
    stdlib += [os.path.realpath(p) for p in sys.path
               if p.endswith("lib-dynload") and os.path.isdir(p)]
    libs = [os.path.dirname(f) for f in _loaded_libraries() if f != exe]  # exe: itself alone
    _, numpy_dirs = _numpy_dirs()
    binds = _outermost([exe] + numpy_dirs + [d for d in stdlib + libs if os.path.isdir(d)])
    # Python packages under a bound folder (site-packages beside the standard library,
    # /usr/lib/python3/dist-packages...) are hidden; numpy is bound back inside.
    candidates = {os.path.realpath(p) for p in sys.path if p and os.path.isdir(p)}
    try:
        import site

        candidates.update(os.path.realpath(p) for p in site.getsitepackages())
    except (AttributeError, ImportError):
        pass
    for b in binds:
        for pattern in ("python3*/site-packages", "python3*/dist-packages", "site-packages",
                        "dist-packages"):
            candidates.update(os.path.realpath(p) for p in glob.glob(os.path.join(b, pattern)))
    masks = _outermost(c for c in candidates if os.path.isdir(c) and _under(c, binds)
                       and c not in stdlib
                       and not any(_under(s, [c]) for s in stdlib))
    numpy_binds = [d for d in numpy_dirs if _under(d, masks)]  # bound back inside a mask
    binds = [b for b in binds if not _under(b, masks)]
    links = []
    interp = _elf_interpreter(exe)
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            links.append((top, os.readlink(top)))
    for link, target in _symlink_chain(interp) if interp else []:
        if (link, target) not in links and not _under(os.path.dirname(link), binds):
            links.append((link, target))
    return tuple(binds), tuple(masks), tuple(numpy_binds), tuple(links)


def mount_plan(*, tmp_bytes: int, folder_bytes: int, filename: str,
               source_fd: int | None, owned: bool) -> list[dict]:
    """The isolated child's filesystem view as steps for ``_jail.build_root`` or bubblewrap,
    in order (a parent before what is mounted inside it).

    ``owned``: the run folder belongs to the child's uid (the built-in layer mounts it so;
    bubblewrap as root makes it world-writable instead: it is private to one child)."""
    binds, masks, numpy_binds, links = _view()
    plan: list[dict] = [
        {"op": "tmpfs", "path": "/tmp", "size": tmp_bytes, "mode": 0o1777, "noexec": True},
        {"op": "tmpfs", "path": SANDBOX_ROOT, "size": folder_bytes,
         "mode": 0o700 if owned else 0o1777, "noexec": True, "owned": owned},
        {"op": "dev", "path": "/dev"},
        {"op": "proc", "path": "/proc"},
    ]
    plan += [{"op": "symlink", "path": link, "target": target} for link, target in links]
    steps = ([{"op": "ro-bind", "path": b, "source": b} for b in binds]
             + [{"op": "tmpfs", "path": m, "size": 65536, "mode": 0o755, "read_only": True}
                for m in masks]
             + [{"op": "ro-bind", "path": d, "source": d} for d in numpy_binds])
    plan += sorted(steps, key=lambda s: s["path"].count("/"))
    if os.path.isfile("/etc/ld.so.cache"):
        plan.append({"op": "ro-bind", "path": "/etc/ld.so.cache", "source": "/etc/ld.so.cache"})
    if source_fd is not None:
        plan.append({"op": "file", "path": f"{SANDBOX_ROOT}/{filename}", "fd": source_fd,
                     "mode": 0o644})
    return plan


def _bwrap_argv(plan: list[dict]) -> list[str]:
    """bubblewrap's command line for ``plan``: the same view as the built-in layer."""
    bwrap = shutil.which("bwrap") or "/usr/bin/bwrap"
    argv = [bwrap, "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session"]
    if os.geteuid() == 0:
        # No user namespace (it would map the child to root): keep only what _jail needs to
        # switch to the unprivileged uid; switching clears them.
        argv += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        argv += ["--unshare-user", "--disable-userns"]
    read_only, bound, made = [], [], set()
    for step in plan:
        op, path = step["op"], step["path"]
        # bwrap would give the folders it creates on the way the host's modes (/root: 0700,
        # closed to the child's uid): create them world-readable first.
        parts = path.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            parent = "/" + "/".join(parts[:i])
            if parent not in made and not _under(parent, bound):
                argv += ["--perms", "755", "--dir", parent]
                made.add(parent)
        made.add(path)
        if op == "ro-bind":
            bound.append(path)
        if op == "tmpfs":
            argv += ["--size", str(step["size"]), "--perms", f"{step['mode']:o}", "--tmpfs", path]
            if step.get("read_only"):
                read_only.append(path)
        elif op == "ro-bind":
            argv += ["--ro-bind", step["source"], path]
        elif op == "symlink":
            argv += ["--symlink", step["target"], path]
        elif op == "dev":
            argv += ["--dev", path]
        elif op == "proc":
            argv += ["--proc", path]
        elif op == "file":
            argv += ["--perms", f"{step['mode']:o}", "--file", str(step["fd"]), path]
    for path in read_only:
        argv += ["--remount-ro", path]
    return argv + ["--remount-ro", "/", "--chdir", SANDBOX_ROOT]


# The jail's source and configuration travel in a memory file, not in argv: the child's
# init keeps its command line, which the student can read in /proc/1/cmdline.
_JAIL_BOOT = ("import os, sys; f = os.fdopen({fd}, 'rb'); s, c = f.read().split(b'\\0', 1); "
              "f.close(); sys.argv[1:] = [c.decode()]; exec(compile(s, 'cnngrade-jail', 'exec'))")


def memfd(name: str, data: bytes) -> int:
    """A file in memory holding ``data``, positioned at its start (for an inherited fd)."""
    fd = os.memfd_create(name)
    os.write(fd, data)  # memfd writes are not short
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _jail_argv(config: dict) -> tuple[list[str], int]:
    fd = memfd("cnngrade-jail", _JAIL_SOURCE.encode() + b"\0" + json.dumps(config).encode())
    return [os.path.realpath(sys.executable), "-I", "-S", "-B", "-c", _JAIL_BOOT.format(fd=fd)], fd


def _jail_config(layer: Layer, *, plan: list[dict] | None, root: str | None, req_fd: int,
                 resp_fd: int, child: list[str]) -> dict:
    import secrets

    uid = SANDBOX_UIDS[secrets.randbelow(len(SANDBOX_UIDS))]
    return {"mode": layer, "plan": plan, "root": root, "uid": uid, "gid": uid,
            "req_fd": req_fd, "resp_fd": resp_fd, "max_processes": MAX_PROCESSES,
            "read_paths": ["/"], "write_paths": [SANDBOX_ROOT, "/tmp", "/dev/null"], "workdir": SANDBOX_ROOT,
            "exec": child}


def _works(argv: list[str], pass_fds=()) -> tuple[bool, str]:
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=20,
                              env={"PATH": "/usr/bin:/bin", **ONE_THREAD_ENV}, pass_fds=pass_fds)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip().splitlines()
        return False, err[-1] if err else f"exit status {proc.returncode}"
    return True, ""


_PROBE_CHILD = ("import os, sys; sys.path.append(sys.argv[1]); import numpy; "
                "assert os.getuid() != 0 and os.getpid() != 1; "
                "assert open('/proc/self/status').read().count('\\t0000000000000000') >= 3; "
                "print('ok')")


def _probe_layer(layer: Layer, workdir: str) -> tuple[bool, str]:
    """Start a real isolated child that imports numpy and checks it is unprivileged."""
    child = [os.path.realpath(sys.executable), "-I", "-S", "-B", "-c", _PROBE_CHILD,
             _numpy_dirs()[0]]
    r, w = os.pipe()
    fds = [r, w]
    try:
        plan = mount_plan(tmp_bytes=1 << 20, folder_bytes=1 << 20, filename="", source_fd=None,
                          owned=layer == "linux")
        cfg = _jail_config(layer, plan=None if layer == "bwrap" else plan,
                           root=None if layer == "bwrap" else workdir, req_fd=r, resp_fd=w,
                           child=child)
        argv, jail_fd = _jail_argv(cfg)
        fds.append(jail_fd)
        if layer == "bwrap":
            argv = _bwrap_argv(plan) + argv
        return _works(argv, pass_fds=tuple(fds))
    finally:
        for fd in fds:
            os.close(fd)


class _Probes(dict):
    """Layer -> (usable, reason when not); a kernel layer is probed when first looked up, so
    that choosing the strongest layer (bwrap, when it works) starts no child for the others."""

    def __missing__(self, layer: str) -> tuple[bool, str]:
        import tempfile

        if layer not in KERNEL_LAYERS:
            raise KeyError(layer)
        if not sys.platform.startswith("linux"):
            found = (False, "Linux namespaces do not exist on this platform")
        elif layer == "bwrap" and shutil.which("bwrap") is None:
            found = (False, "bubblewrap (bwrap) is not installed")
        else:
            with tempfile.TemporaryDirectory(prefix="cnngrade-probe-") as workdir:
                ok, why = _probe_layer(layer, workdir)
            found = (ok, "" if ok else f"bwrap cannot start an isolated child here ({why})" if layer == "bwrap"
                     else f"the built-in layer cannot start here ({why})")
        self[layer] = found
        return found

    def items(self):
        for layer in KERNEL_LAYERS:
            self[layer]  # noqa: B018 (probes it)
        return super().items()


@functools.lru_cache(maxsize=1)
def probe() -> dict[str, tuple[bool, str]]:
    """Per layer: (usable, reason when not), found by really starting an isolated child
    (each kernel layer when first looked up)."""
    return _Probes(portable=(True, ""))


def findings() -> dict:
    """What this process has found out about the machine so far (the layers it probed, the
    libraries an isolated child maps), for :func:`adopt`."""
    return {"probes": dict(dict.items(probe())), "libraries": _libraries}


def adopt(found: dict) -> None:
    """Take over the grading process's :func:`findings`: a local pool's workers (the same
    machine and interpreter) then start their children without probing again."""
    global _libraries
    probe().update(found.get("probes") or {})
    if _libraries is None and found.get("libraries") is not None:
        _libraries = tuple(found["libraries"])


def kernel_layers() -> list[Layer]:
    """The kernel-enforced layers that work on this machine, strongest first."""
    layers = probe()
    return [layer for layer in KERNEL_LAYERS if layers[layer][0]]


#: How to get a kernel layer, for messages.
FIX_HINT = ("install bubblewrap (apt-get install bubblewrap) or allow unprivileged user "
            "namespaces (sysctl -w kernel.unprivileged_userns_clone=1 / "
            "kernel.apparmor_restrict_unprivileged_userns=0)")

_ISOLATION = ("auto", "kernel", "bwrap", "linux", "portable", "none")


def choose_layer(isolation: str) -> tuple[Layer, str | None]:
    """The layer for ``isolation`` and, when "auto" had to settle for the portable layer,
    a one-line warning naming what is missing.

    - "auto": the strongest layer here, else portable with a warning (``check``);
    - "kernel" (also "namespaces"): bwrap or linux, else UserError (``grade``);
    - "bwrap", "linux": that layer, else UserError;
    - "portable" (also "none"): the advisory in-process protections only.
    """
    isolation = {"namespaces": "kernel", "none": "portable"}.get(isolation, isolation)
    if isolation not in _ISOLATION:
        raise UserError(f"isolation must be one of auto, kernel, bwrap, linux, none, "
                        f"not {isolation!r}.")
    if isolation == "portable":
        return "portable", None
    layers = probe()
    if isolation in KERNEL_LAYERS:
        ok, why = layers[isolation]
        if not ok:
            raise UserError(f"isolation {isolation!r} is unavailable: {why}.")
        return isolation, None
    for layer in KERNEL_LAYERS:
        if layers[layer][0]:
            return layer, None
    reasons = f"{layers['bwrap'][1]}; {layers['linux'][1]}"
    if isolation == "kernel":
        raise UserError(f"no kernel-enforced isolation on this machine ({reasons}); "
                        f"{FIX_HINT}, or pass --isolation none to accept in-process "
                        f"protections only (not safe against a hostile class).")
    return "portable", (f"cnngrade sandbox: no kernel isolation here, in-process protections "
                        f"only ({reasons}).")


def child_argv(layer: Layer, *, source_fd: int, req_fd: int, resp_fd: int, filename: str,
               tmp_bytes: int, folder_bytes: int, child_source: str, config_json: str,
               root: str) -> tuple[list[str], list[int]]:
    """The command line starting the child under ``layer``, and the extra descriptors it
    inherits (the caller closes them once the child started). ``source_fd``: the
    submission's text (the kernel layers copy it into the run folder). ``root``: an empty
    host folder the built-in layer mounts the child's view on (in its own mount namespace)."""
    python = [os.path.realpath(sys.executable), "-I", "-S", "-B", "-u", "-c", child_source,
              config_json]
    if layer == "portable":
        return python, []
    plan = mount_plan(tmp_bytes=tmp_bytes, folder_bytes=folder_bytes, filename=filename,
                      source_fd=source_fd, owned=layer == "linux")
    cfg = _jail_config(layer, plan=None if layer == "bwrap" else plan,
                       root=None if layer == "bwrap" else root, req_fd=req_fd, resp_fd=resp_fd,
                       child=python)
    argv, jail_fd = _jail_argv(cfg)
    return (_bwrap_argv(plan) + argv if layer == "bwrap" else argv), [jail_fd]
