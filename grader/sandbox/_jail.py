"""The trusted first stage of a kernel-isolated child: build the walls, then exec the child.

Run as ``python -I -S -B -c <boot>``, the boot line reading this file's text and the
config JSON from an inherited memory file (``_isolation._jail_argv``), before any student
code exists in the process. Standard library only (and ``ctypes`` for the few system calls
Python 3.11's ``os`` lacks): under bubblewrap it cannot see the project tree.

Modes:
- ``linux`` (the built-in layer): enter new mount, PID, network, IPC, UTS and cgroup
  namespaces (and a user namespace when the grader is not root), fork an init that builds a
  filesystem view from the grading process's mount plan (only the interpreter, numpy and
  size-capped tmpfs folders) and pivots into it, then fork the child, which is PID 2:
  the student's code is never PID 1, so signals it raises on itself are delivered.
- ``bwrap``: bubblewrap has built the namespaces and the view already (from the same plan).

Both then lock the child down (:func:`lockdown`): an unprivileged uid of its own when the grader
is root, no capabilities (bounding, ambient, effective, permitted), no new privileges, a
Landlock domain (read-only everywhere, writes only in the run folder and /tmp, no TCP, no
signals or abstract sockets out of the sandbox) and a seccomp filter (:func:`seccomp_filter`),
and exec the second stage (``_child.py``). Whatever the student then does inside its own
process, these hold: the kernel enforces them.

Any failure here is the grader's, not the student's: one line on stderr, exit status 125
(:data:`JAIL_FAILED`), and the grading process reports "the sandbox could not start".
"""

import ctypes
import json
import os
import platform
import struct
import sys

JAIL_FAILED = 125

# --- namespaces and mounts -------------------------------------------------------------
CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x00020000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = (0x08000000, 0x10000000,
                                                           0x20000000, 0x40000000)
NAMESPACE_FLAGS = (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER
                   | CLONE_NEWPID | CLONE_NEWNET)
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
# statvfs f_flag bits -> mount flags a bind's remount must keep (the kernel refuses to drop
# them inside a user namespace).
_LOCKED_FLAGS = ((1, MS_RDONLY), (2, MS_NOSUID), (4, MS_NODEV), (8, MS_NOEXEC),
                 (1024, 1024), (2048, 2048), (4096, 1 << 21))

# --- prctl, capabilities ---------------------------------------------------------------
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP = 1, 4, 24
PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 38, 47, 4
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
_LINUX_CAPABILITY_VERSION_3 = 0x20080522

# --- Landlock (syscall numbers are the same on every architecture) ------------------------
SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_ADD_RULE, SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE, FS_READ_DIR = 1, 2, 4, 8
FS_ALL_V1 = (1 << 13) - 1  # execute ... make_sym
FS_REFER, FS_TRUNCATE, FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1, 2
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1, 2

# --- seccomp ----------------------------------------------------------------------------
SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_ERRNO, SECCOMP_RET_ALLOW = 0x80000000, 0x00050000, 0x7FFF0000
EPERM, ENOSYS = 1, 38
_BPF_LD_W_ABS, _BPF_JEQ_K, _BPF_JGE_K, _BPF_JSET_K, _BPF_RET_K = 0x20, 0x15, 0x35, 0x45, 0x06

#: System calls a numpy layer never needs and an escape often does: debugging other
#: processes, mounting, namespaces, keyrings, BPF, kernel modules, extended attributes,
#: pidfds (signals to processes named by descriptor), io_uring (its operations bypass
#: seccomp), device nodes, clocks, host names. Numbers per architecture below.
DENIED = ("ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2", "pivot_root",
          "chroot", "unshare", "setns", "keyctl", "add_key", "request_key", "bpf",
          "perf_event_open", "setxattr", "lsetxattr", "fsetxattr", "removexattr",
          "lremovexattr", "fremovexattr", "setxattrat", "removexattrat", "kexec_load",
          "kexec_file_load", "init_module", "finit_module", "delete_module", "swapon",
          "swapoff", "reboot", "acct", "quotactl", "quotactl_fd", "syslog", "userfaultfd",
          "open_by_handle_at", "name_to_handle_at", "iopl", "ioperm", "io_uring_setup",
          "io_uring_enter", "io_uring_register", "mknod", "mknodat", "settimeofday",
          "clock_settime", "clock_adjtime", "adjtimex", "sethostname", "setdomainname",
          "vhangup", "kcmp", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount",
          "open_tree", "mount_setattr", "lookup_dcookie", "move_pages", "migrate_pages",
          "fanotify_init", "pidfd_open", "pidfd_send_signal", "pidfd_getfd",
          "process_madvise", "process_mrelease", "uselib", "nfsservctl")
_COMMON = {"pidfd_send_signal": 424, "io_uring_setup": 425, "io_uring_enter": 426,
           "io_uring_register": 427, "open_tree": 428, "move_mount": 429, "fsopen": 430,
           "fsconfig": 431, "fsmount": 432, "fspick": 433, "pidfd_open": 434, "clone3": 435,
           "pidfd_getfd": 438, "process_madvise": 440, "mount_setattr": 442,
           "quotactl_fd": 443, "process_mrelease": 448, "setxattrat": 463,
           "removexattrat": 466}
#: (AUDIT_ARCH value, syscall numbers, first number of a second ABI to refuse outright).
ARCHES = {
    "x86_64": (0xC000003E, {
        **_COMMON, "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311,
        "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161, "unshare": 272,
        "setns": 308, "keyctl": 250, "add_key": 248, "request_key": 249, "bpf": 321,
        "perf_event_open": 298, "setxattr": 188, "lsetxattr": 189, "fsetxattr": 190,
        "removexattr": 197, "lremovexattr": 198, "fremovexattr": 199, "kexec_load": 246,
        "kexec_file_load": 320, "init_module": 175, "finit_module": 313, "delete_module": 176,
        "swapon": 167, "swapoff": 168, "reboot": 169, "acct": 163, "quotactl": 179,
        "syslog": 103, "userfaultfd": 323, "open_by_handle_at": 304, "name_to_handle_at": 303,
        "iopl": 172, "ioperm": 173, "mknod": 133, "mknodat": 259, "settimeofday": 164,
        "clock_settime": 227, "clock_adjtime": 305, "adjtimex": 159, "sethostname": 170,
        "setdomainname": 171, "vhangup": 153, "kcmp": 312, "lookup_dcookie": 212,
        "move_pages": 279, "migrate_pages": 256, "fanotify_init": 300, "uselib": 134,
        "nfsservctl": 180, "clone": 56}, 0x40000000),  # x32 system calls: refused
    "aarch64": (0xC00000B7, {
        **_COMMON, "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271,
        "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51, "unshare": 97,
        "setns": 268, "keyctl": 219, "add_key": 217, "request_key": 218, "bpf": 280,
        "perf_event_open": 241, "setxattr": 5, "lsetxattr": 6, "fsetxattr": 7,
        "removexattr": 14, "lremovexattr": 15, "fremovexattr": 16, "kexec_load": 104,
        "kexec_file_load": 294, "init_module": 105, "finit_module": 273, "delete_module": 106,
        "swapon": 224, "swapoff": 225, "reboot": 142, "acct": 89, "quotactl": 60,
        "syslog": 116, "userfaultfd": 282, "open_by_handle_at": 265, "name_to_handle_at": 264,
        "mknodat": 33, "settimeofday": 170, "clock_settime": 112, "clock_adjtime": 266,
        "adjtimex": 171, "sethostname": 161, "setdomainname": 162, "vhangup": 58,
        "kcmp": 272, "lookup_dcookie": 18, "move_pages": 239, "migrate_pages": 238,
        "fanotify_init": 262, "clone": 220}, None),
}

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                        ctypes.c_char_p]
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                        ctypes.c_ulong]


class JailError(Exception):
    """A wall could not be built: the sandbox must not start."""


def _check(ret, what):
    if ret == -1 or ret is None:
        err = ctypes.get_errno()
        raise JailError(f"{what}: {os.strerror(err)}")
    return ret


def _prctl(option, arg2=0, arg3=0, what="prctl"):
    return _check(_libc.prctl(option, arg2, arg3, 0, 0), what)


def _mount(source, target, fstype, flags, data=None):
    enc = (lambda s: s.encode() if isinstance(s, str) else s)
    _check(_libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)),
           f"mount {fstype or source} on {target}")


# --- the filesystem view ----------------------------------------------------------------
def _inside(root, path):
    return root + path if path != "/" else root


def _makedirs(path, mode=0o755):
    os.makedirs(path, mode=mode, exist_ok=True)


def _mountpoint(target, is_dir):
    if is_dir:
        _makedirs(target)
    else:
        _makedirs(os.path.dirname(target))
        if not os.path.exists(target):
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT, 0o644))


def _bind_ro(source, target):
    is_dir = os.path.isdir(source)
    _mountpoint(target, is_dir)
    _mount(source, target, None, MS_BIND)
    keep = 0
    f_flag = os.statvfs(source).f_flag
    for bit, flag in _LOCKED_FLAGS:
        if f_flag & bit:
            keep |= flag
    _mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | keep)


def build_root(root, plan, *, uid, gid):
    """Carry out the mount ``plan`` (see ``_isolation.mount_plan``) with ``root`` as the new
    /, then pivot into it. Runs in the new mount namespace, as its privileged init."""
    os.umask(0o022)  # the folders made on the way must be traversable by the child's uid
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=0755")
    read_only = ["/"]
    for op in plan:
        kind, path = op["op"], op["path"]
        target = _inside(root, path)
        if kind == "tmpfs":
            _makedirs(target)
            flags = MS_NOSUID | MS_NODEV | (MS_NOEXEC if op.get("noexec") else 0)
            owner = f",uid={uid},gid={gid}" if op.get("owned") else ""
            _mount("tmpfs", target, "tmpfs", flags, f"size={op['size']},mode={op['mode']:o}{owner}")
            if op.get("read_only"):
                read_only.append(path)
        elif kind == "ro-bind":
            _bind_ro(op["source"], target)
        elif kind == "symlink":
            _makedirs(os.path.dirname(target))
            os.symlink(op["target"], target)
        elif kind == "dev":
            _makedirs(target)
            _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755")
            for name in ("null", "zero", "full", "random", "urandom"):
                _mountpoint(f"{target}/{name}", False)
                _mount(f"/dev/{name}", f"{target}/{name}", None, MS_BIND)
        elif kind == "proc":
            _makedirs(target)
            for options in ("hidepid=2", None):  # hidepid: the init (root) stays unseen
                try:
                    _mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, options)
                    break
                except JailError:
                    pass  # a container hiding parts of its /proc: the child runs without one
        elif kind == "file":
            fd = op["fd"]
            chunks = []
            while True:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
            os.close(fd)
            out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, op["mode"])
            with open(out, "wb") as fh:
                fh.write(b"".join(chunks))
        else:
            raise JailError(f"unknown mount plan step {kind!r}")
    os.chdir(root)
    _check(_libc.syscall(_pivot_root_nr(), b".", b"."), "pivot_root")
    _check(_libc.umount2(b".", MNT_DETACH), "detaching the host's root")
    os.chdir("/")
    for path in read_only:
        _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _pivot_root_nr():
    return {"x86_64": 155, "aarch64": 41}[_arch()]


def _arch():
    machine = platform.machine()
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)


def _write(path, text):
    with open(path, "w") as fh:
        fh.write(text)


def enter_namespaces(cfg):
    """New namespaces; returns in PID 2 of the new PID namespace, with the view built."""
    _prctl(PR_SET_PDEATHSIG, 9, what="PR_SET_PDEATHSIG")
    user_ns = os.geteuid() != 0
    flags = NAMESPACE_FLAGS if user_ns else NAMESPACE_FLAGS & ~CLONE_NEWUSER
    uid, gid = os.getuid(), os.getgid()
    _check(_libc.unshare(flags), "unshare (creating namespaces)")
    if user_ns:  # map our own (unprivileged) ids, nothing else
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1\n")
        _write("/proc/self/gid_map", f"{gid} {gid} 1\n")
    keep = {cfg["req_fd"], cfg["resp_fd"]}
    pid = os.fork()
    if pid:
        _wait_and_exit(pid, close=True)  # the monitor, outside: mirrors the sandbox's status
    # PID 1 of the new namespace: build the view, then be the init.
    _prctl(PR_SET_PDEATHSIG, 9, what="PR_SET_PDEATHSIG")
    target_uid, target_gid = (uid, gid) if user_ns else (cfg["uid"], cfg["gid"])
    build_root(cfg["root"], cfg["plan"], uid=target_uid, gid=target_gid)
    pid = os.fork()
    if pid:  # init: reaps orphans, exits when the child does; it needs no privilege for that
        drop_capabilities()
        _prctl(PR_SET_NO_NEW_PRIVS, 1, what="PR_SET_NO_NEW_PRIVS")
        _prctl(PR_SET_DUMPABLE, 0, what="PR_SET_DUMPABLE")
        apply_seccomp()
        _wait_and_exit(pid, close=True)
    _close_fds_except(keep)


def _close_fds_except(keep):
    for fd in range(3, 1024):
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _wait_and_exit(child, *, close):
    """Reap everything; when ``child`` ends, exit with its status (signals as 128 + N)."""
    if close:
        _close_fds_except(set())
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(JAIL_FAILED)
        except InterruptedError:
            continue
        if pid == child:
            if os.WIFSIGNALED(status):
                os._exit(128 + os.WTERMSIG(status))
            os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else JAIL_FAILED)


# --- lock-down --------------------------------------------------------------------------
def drop_capabilities(*, switch_to=None):
    """No capability left in any set (bounding, ambient, effective, permitted, inheritable);
    with ``switch_to=(uid, gid)``, first become that unprivileged identity (as root)."""
    for cap in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1 and ctypes.get_errno() == 22:
            break  # EINVAL: past the last capability this kernel knows
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    if switch_to is not None:
        uid, gid = switch_to
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)  # from root to non-root: the kernel clears every capability
        if 0 in os.getresuid() or 0 in os.getresgid():
            raise JailError("still root after switching to the sandbox's uid")
    header = struct.pack("=Ii", _LINUX_CAPABILITY_VERSION_3, 0)
    data = bytes(24)  # two {effective, permitted, inheritable} words, all zero
    _check(_libc.syscall(126 if _arch() == "x86_64" else 91, header, data), "capset")


def landlock_abi():
    """The kernel's Landlock ABI version (0: none)."""
    ret = _libc.syscall(SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0),
                        ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION))
    return max(int(ret), 0)


def apply_landlock(read_paths, write_paths):
    """Read/execute below ``read_paths``, everything below ``write_paths``, no TCP, no
    signals or abstract sockets leaving the domain. Returns the ABI used (0: no Landlock)."""
    abi = landlock_abi()
    if abi < 1:
        return 0
    fs = FS_ALL_V1 | (FS_REFER if abi >= 2 else 0) | (FS_TRUNCATE if abi >= 3 else 0) | (
        FS_IOCTL_DEV if abi >= 5 else 0)
    net = NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0
    attr = struct.pack("=QQQ", fs, net, scoped)[: 8 if abi < 4 else 16 if abi < 6 else 24]
    ruleset = _check(_libc.syscall(SYS_LANDLOCK_CREATE_RULESET, attr, ctypes.c_size_t(len(attr)),
                                   ctypes.c_uint32(0)), "landlock_create_ruleset")
    try:
        rules = [(p, FS_EXECUTE | FS_READ_FILE | FS_READ_DIR) for p in read_paths]
        rules += [(p, fs) for p in write_paths]
        for path, access in rules:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                if not os.path.isdir(path):  # a file takes only the rights of files
                    access &= FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV
                rule = struct.pack("=Qi", access & fs, fd)
                _check(_libc.syscall(SYS_LANDLOCK_ADD_RULE, ctypes.c_int(ruleset),
                                     ctypes.c_int(LANDLOCK_RULE_PATH_BENEATH), rule,
                                     ctypes.c_uint32(0)), f"landlock_add_rule {path}")
            finally:
                os.close(fd)
        _check(_libc.syscall(SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)),
               "landlock_restrict_self")
    finally:
        os.close(ruleset)
    return abi


def seccomp_filter(arch=None):
    """The BPF program (bytes of ``struct sock_filter``) that refuses :data:`DENIED`, the
    namespace flags of clone(), clone3 (ENOSYS: libc falls back to clone, whose flags we
    can read) and any foreign system-call ABI; kills the process on a foreign architecture."""
    audit_arch, numbers, foreign_abi = ARCHES[arch or _arch()]
    denied = sorted({numbers[n] for n in DENIED if n in numbers})

    def ins(code, k, jt=0, jf=0):
        return struct.pack("=HBBI", code, jt, jf, k)

    prog = [ins(_BPF_LD_W_ABS, 4),  # seccomp_data.arch
            ins(_BPF_JEQ_K, audit_arch, 1, 0),
            ins(_BPF_RET_K, SECCOMP_RET_KILL_PROCESS),
            ins(_BPF_LD_W_ABS, 0)]  # seccomp_data.nr
    tail = [ins(_BPF_RET_K, SECCOMP_RET_ALLOW),  # -4: allow
            ins(_BPF_RET_K, SECCOMP_RET_ERRNO | EPERM),  # -3: deny
            ins(_BPF_RET_K, SECCOMP_RET_ERRNO | ENOSYS),  # -2: clone3
            ins(_BPF_LD_W_ABS, 16)]  # -1: clone: load flags (low word of args[0])
    body = []
    if foreign_abi is not None:
        body.append((_BPF_JGE_K, foreign_abi, "deny"))
    body += [(_BPF_JEQ_K, nr, "deny") for nr in denied]
    body += [(_BPF_JEQ_K, numbers["clone3"], "clone3"), (_BPF_JEQ_K, numbers["clone"], "clone")]
    where = {"allow": 0, "deny": 1, "clone3": 2, "clone": 3}  # positions in ``tail``
    for i, (code, k, label) in enumerate(body):
        prog.append(ins(code, k, len(body) - 1 - i + where[label], 0))
    prog += tail  # falling off the body: allow
    # After loading clone's flags: namespace flags -> deny, else allow.
    prog += [ins(_BPF_JSET_K, NAMESPACE_FLAGS, 1, 0),
             ins(_BPF_RET_K, SECCOMP_RET_ALLOW),
             ins(_BPF_RET_K, SECCOMP_RET_ERRNO | EPERM)]
    return b"".join(prog)


def apply_seccomp():
    program = seccomp_filter()
    buf = ctypes.create_string_buffer(program, len(program))
    fprog = ctypes.create_string_buffer(struct.pack("=HxxxxxxQ", len(program) // 8,
                                                    ctypes.addressof(buf)))
    _prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog), what="seccomp filter")


def lockdown(cfg):
    """Everything the kernel should enforce on the child; then exec it."""
    import resource

    nproc = cfg.get("max_processes")
    if nproc:  # counted per uid: the root grader gives every run a uid of its own
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    drop_capabilities(switch_to=(cfg["uid"], cfg["gid"]) if os.geteuid() == 0 else None)
    _prctl(PR_SET_NO_NEW_PRIVS, 1, what="PR_SET_NO_NEW_PRIVS")
    _prctl(PR_SET_DUMPABLE, 0, what="PR_SET_DUMPABLE")
    walls = {"landlock": apply_landlock(cfg["read_paths"], cfg["write_paths"])}
    if cfg.get("require_landlock") and not walls["landlock"]:
        raise JailError("Landlock is not available")
    apply_seccomp()
    os.chdir(cfg["workdir"])
    argv = cfg["exec"]
    os.execv(argv[0], argv)


def main(cfg):
    try:
        if cfg["mode"] == "linux":
            enter_namespaces(cfg)
        lockdown(cfg)
    except (JailError, OSError, KeyError, ValueError) as exc:
        try:
            os.write(2, f"cnngrade-jail: {exc}\n".encode(errors="replace"))
        finally:
            os._exit(JAIL_FAILED)


if __name__ == "__main__" and len(sys.argv) > 1:
    main(json.loads(sys.argv[1]))
