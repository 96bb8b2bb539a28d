"""Which isolation layer this machine offers, and the command line that starts a child.

Three layers, strongest first: ``bwrap`` (bubblewrap: no network, own PID namespace,
read-only system, private /tmp, only the run's folder writable), ``unshare`` (no network,
own PID namespace, no filesystem view of its own) and ``portable`` (new session, rlimits,
audit hooks; Linux and macOS). Every layer also gets the in-child protections of
``_child.py`` (rlimits, import blocker, audit hook).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from grader.errors import UserError

__all__ = ["Layer", "probe", "choose_layer", "child_argv", "site_dirs", "project_paths"]

SANDBOX_ROOT = "/sandbox"  # where the run's folder appears inside bwrap

Layer = str  # "bwrap" | "unshare" | "portable"


def project_paths() -> list[str]:
    """The cnngrade tree (packages and cli.py): the child may neither import nor read it."""
    import grader

    root = Path(grader.__file__).resolve().parent.parent
    return [str(root / name) for name in ("grader", "exercises", "solutions", "cli.py", "tests")]


@functools.lru_cache(maxsize=1)
def site_dirs() -> tuple[str, ...]:
    """Directories that give the child numpy: the interpreter's library paths, minus the
    project tree and the current directory (an editable install adds those)."""
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


def _python_roots() -> list[str]:
    """Folders to bind read-only so the interpreter and its packages work inside bwrap."""
    roots = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix),
             os.path.realpath(os.path.dirname(sys.executable))}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        p = sysconfig.get_paths().get(key)
        if p:
            roots.add(os.path.realpath(p))
    roots.update(site_dirs())
    # Keep only outermost folders.
    ordered = sorted(roots, key=len)
    out: list[str] = []
    for r in ordered:
        if not any(r == o or r.startswith(o + os.sep) for o in out) and os.path.exists(r):
            out.append(r)
    return out


def _bwrap_argv(source_fd: int | None, filename: str, forbidden: tuple[str, ...],
                tmp_bytes: int, folder_bytes: int) -> list[str]:
    """bubblewrap's command line. The run folder is a tmpfs of ``folder_bytes`` holding a
    copy of the submission read from ``source_fd``: nothing the child writes reaches the
    host's disk, and it cannot fill it."""
    bwrap = shutil.which("bwrap") or "/usr/bin/bwrap"
    argv = [bwrap, "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--unshare-user-try", "--die-with-parent",
            "--new-session"]
    for top in ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        host = f"/{top}"
        if os.path.islink(host):
            argv += ["--symlink", os.readlink(host), host]
        elif os.path.isdir(host):
            argv += ["--ro-bind", host, host]
    for f in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime"):
        if os.path.exists(f):
            argv += ["--ro-bind", f, f]
    for root in _python_roots():
        if not root.startswith(("/usr/", "/bin/", "/lib")):
            argv += ["--ro-bind", root, root]
    # Forbidden packages are not just blocked but absent: an empty folder hides them.
    for site in site_dirs():
        for name in forbidden:
            pkg = os.path.join(site, name)
            if os.path.isdir(pkg):
                argv += ["--tmpfs", pkg, "--remount-ro", pkg]
    argv += ["--proc", "/proc", "--dev", "/dev",
             "--size", str(tmp_bytes), "--tmpfs", "/tmp",
             "--size", str(folder_bytes), "--tmpfs", SANDBOX_ROOT]
    if source_fd is not None:
        argv += ["--file", str(source_fd), f"{SANDBOX_ROOT}/{filename}"]
    return argv + ["--chdir", SANDBOX_ROOT, "--remount-ro", "/"]


def _unshare_argv() -> list[str]:
    argv = [shutil.which("unshare") or "/usr/bin/unshare"]
    if os.geteuid() != 0:
        argv += ["--user", "--map-root-user"]
    return argv + ["--net", "--pid", "--fork", "--kill-child", "--mount-proc"]


def _works(argv: list[str]) -> tuple[bool, str]:
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=10, env={"PATH": "/usr/bin:/bin"})
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip().splitlines()
        return False, err[-1] if err else f"exit status {proc.returncode}"
    return True, ""


@functools.lru_cache(maxsize=1)
def probe() -> dict[str, tuple[bool, str]]:
    """Per layer: (usable, reason when not), found by really starting a trivial sandbox."""
    out: dict[str, tuple[bool, str]] = {}
    if not sys.platform.startswith("linux"):
        reason = "Linux namespaces do not exist on this platform"
        out["bwrap"] = out["unshare"] = (False, reason)
    else:
        if shutil.which("bwrap") is None:
            out["bwrap"] = (False, "bubblewrap (bwrap) is not installed")
        else:
            ok, why = _works(_bwrap_argv(None, "", (), 1 << 20, 1 << 20)
                             + [os.path.realpath(sys.executable), "-I", "-S", "-c", "pass"])
            out["bwrap"] = (ok, "" if ok else f"bwrap cannot create namespaces here ({why})")
        if shutil.which("unshare") is None:
            out["unshare"] = (False, "unshare (util-linux) is not installed")
        else:
            ok, why = _works(_unshare_argv() + ["true"])
            out["unshare"] = (ok, "" if ok else f"unshare cannot create namespaces here ({why})")
    out["portable"] = (True, "")
    return out


def choose_layer(isolation: str) -> tuple[Layer, str | None]:
    """The layer for ``isolation`` ("auto" | "namespaces" | "portable") and, when "auto"
    had to settle for less than bwrap, a one-line warning naming what is missing."""
    if isolation == "portable":
        return "portable", None
    if isolation not in ("auto", "namespaces"):
        raise UserError(f"isolation must be 'auto', 'namespaces' or 'portable', not {isolation!r}.")
    layers = probe()
    for layer in ("bwrap", "unshare"):
        if layers[layer][0]:
            warning = None
            if layer != "bwrap":
                warning = (f"cnngrade sandbox: using unshare without a private filesystem view: "
                           f"{layers['bwrap'][1]}.")
            return layer, warning
    if isolation == "namespaces":
        raise UserError(f"Namespaces were requested but are unavailable: {layers['bwrap'][1]}.")
    return "portable", (f"cnngrade sandbox: no namespaces, portable protections only: "
                        f"{layers['bwrap'][1]}; {layers['unshare'][1]}.")


def child_argv(layer: Layer, *, source_fd: int, filename: str, forbidden: tuple[str, ...],
               tmp_bytes: int, folder_bytes: int, child_source: str,
               config_json: str) -> list[str]:
    """The full command line starting the child under ``layer``."""
    python = [os.path.realpath(sys.executable), "-I", "-S", "-B", "-u", "-c", child_source,
              config_json]
    if layer == "bwrap":
        return _bwrap_argv(source_fd, filename, forbidden, tmp_bytes, folder_bytes) + python
    if layer == "unshare":
        return _unshare_argv() + python
    return python
