"""The kernel walls of ``_jail.py`` one by one, as small functions tested alone.

- the seccomp program, run through a small BPF interpreter written here, refuses every
  denied call on each architecture, the namespace flags of clone, clone3 (ENOSYS) and
  foreign ABIs, and allows the rest;
- the same program loaded for real (in a forked process) refuses ptrace, unshare, mount,
  keyctl, setxattr, pidfd_open and a clone with CLONE_NEWUSER, while fork and getpid work;
- Landlock (where the kernel has it) confines writes to the allowed folders, refuses TCP
  and signals to processes outside the domain.
"""

from __future__ import annotations

import ctypes
import errno
import os
import signal
import socket
import struct

import pytest

from grader.sandbox import _jail

ARCH = _jail._arch()


def run_bpf(program: bytes, *, nr: int, arch: int, args=(0,) * 6) -> int:
    """Evaluate a classic-BPF seccomp program on one ``seccomp_data``: its return value."""
    data = struct.pack("=iIQ6Q", nr, arch, 0, *args)
    ins = [struct.unpack_from("=HBBI", program, 8 * i) for i in range(len(program) // 8)]
    acc, pc = 0, 0
    while True:
        code, jt, jf, k = ins[pc]
        if code == 0x20:  # ld [k]
            acc = struct.unpack_from("=I", data, k)[0]
            pc += 1
        elif code == 0x06:  # ret k
            return k
        elif code in (0x15, 0x35, 0x45):  # jeq, jge, jset
            hit = {0x15: acc == k, 0x35: acc >= k, 0x45: bool(acc & k)}[code]
            pc += 1 + (jt if hit else jf)
        else:
            raise AssertionError(f"unexpected BPF instruction {code:#x}")


ALLOW = _jail.SECCOMP_RET_ALLOW
DENY = _jail.SECCOMP_RET_ERRNO | errno.EPERM


@pytest.mark.parametrize("arch", sorted(_jail.ARCHES))
def test_seccomp_program_semantics(arch):
    audit, numbers, foreign = _jail.ARCHES[arch]
    program = _jail.seccomp_filter(arch)
    for name in _jail.DENIED:
        if name in numbers:
            assert run_bpf(program, nr=numbers[name], arch=audit) == DENY, name
    denied = {numbers[n] for n in _jail.DENIED if n in numbers}
    allowed = [nr for nr in range(0, 460) if nr not in denied and nr not in (
        numbers["clone"], numbers["clone3"])]
    assert all(run_bpf(program, nr=nr, arch=audit) == ALLOW for nr in allowed)
    assert run_bpf(program, nr=numbers["clone3"], arch=audit) == _jail.SECCOMP_RET_ERRNO | errno.ENOSYS
    clone = numbers["clone"]
    assert run_bpf(program, nr=clone, arch=audit, args=(signal.SIGCHLD, 0, 0, 0, 0, 0)) == ALLOW
    for flag in (_jail.CLONE_NEWUSER, _jail.CLONE_NEWNS, _jail.CLONE_NEWPID, _jail.CLONE_NEWNET):
        assert run_bpf(program, nr=clone, arch=audit, args=(flag | signal.SIGCHLD, 0, 0, 0, 0, 0)) == DENY
    other = next(a for name, (a, _, _) in _jail.ARCHES.items() if name != arch)
    assert run_bpf(program, nr=0, arch=other) == _jail.SECCOMP_RET_KILL_PROCESS
    if foreign is not None:
        assert run_bpf(program, nr=foreign + 1, arch=audit) == DENY


def _in_fork(fn) -> int:
    """Run ``fn`` in a forked child; its return value (0..255) is the exit status."""
    pid = os.fork()
    if pid == 0:
        try:
            os._exit(fn())
        except BaseException:
            os._exit(255)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def _errno_of(nr: int, *args) -> int:
    ctypes.set_errno(0)
    ret = libc.syscall(nr, *args)
    return ctypes.get_errno() if ret == -1 else 0


@pytest.mark.skipif(ARCH != "x86_64", reason="system call numbers below are x86-64's")
def test_seccomp_filter_loaded_for_real():
    numbers = _jail.ARCHES["x86_64"][1]

    def child():
        _jail._prctl(_jail.PR_SET_NO_NEW_PRIVS, 1)
        _jail.apply_seccomp()
        refused = [_errno_of(numbers[n], 0, 0, 0, 0) for n in
                   ("ptrace", "unshare", "mount", "keyctl", "setxattr", "pidfd_open", "bpf")]
        if any(e != errno.EPERM for e in refused):
            return 10 + refused.index(next(e for e in refused if e != errno.EPERM))
        if _errno_of(numbers["clone"], _jail.CLONE_NEWUSER | signal.SIGCHLD, 0, 0, 0, 0) != errno.EPERM:
            return 20
        pid = os.fork()  # plain fork still works (libc: clone3 -> ENOSYS -> clone)
        if pid == 0:
            os._exit(7)
        if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) != 7 or os.getpid() <= 0:
            return 30
        return 0

    assert _in_fork(child) == 0


@pytest.mark.skipif(_jail.landlock_abi() < 1, reason="this kernel has no Landlock")
def test_landlock_confines_writes_tcp_and_signals(tmp_path):
    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    allowed.mkdir()
    outside.mkdir()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    parent = os.getpid()

    def child():
        _jail._prctl(_jail.PR_SET_NO_NEW_PRIVS, 1)
        abi = _jail.apply_landlock(["/"], [str(allowed)])
        (allowed / "ok.txt").write_text("fine")
        try:
            (outside / "nope.txt").write_text("escape")
            return 10
        except PermissionError:
            pass
        if open("/etc/hostname").read() is None:  # reading stays allowed
            return 11
        if abi >= 4:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=2)
                return 12
            except PermissionError:
                pass
        if abi >= 6:
            try:
                os.kill(parent, 0)
                return 13
            except PermissionError:
                pass
        return 0

    try:
        assert _in_fork(child) == 0
    finally:
        listener.close()
    assert (allowed / "ok.txt").read_text() == "fine"
    assert not (outside / "nope.txt").exists()


# --- the walls alone: a child with no in-process guards at all ----------------------------
# What a submission that has disarmed every guard can do is what this program does: it runs
# under the kernel layer's walls with no audit hook, no import blocker, ctypes at hand.
UNGUARDED = r'''
import ctypes, errno, json, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
out = {}
def sys_errno(name, nr, *args):
    ctypes.set_errno(0)
    out[name] = 0 if libc.syscall(nr, *args) != -1 else ctypes.get_errno()
def attempt(name, fn):
    try:
        fn()
        out[name] = 0
    except OSError as exc:
        out[name] = exc.errno or -1
N = json.loads(sys.argv[1])
sys_errno("unshare_user", N["unshare"], 0x10000000)
sys_errno("mount_tmpfs", N["mount"], b"none", b"/tmp", b"tmpfs", 0, None)
sys_errno("ptrace_init", N["ptrace"], 16, 1, 0, 0)        # PTRACE_ATTACH to PID 1
sys_errno("keyctl", N["keyctl"], 0, 0, 0, 0)
sys_errno("io_uring", N["io_uring_setup"], 8, ctypes.create_string_buffer(120))
sys_errno("open_by_handle", N["open_by_handle_at"], -100, ctypes.create_string_buffer(16), 0)
sys_errno("bpf", N["bpf"], 0, 0, 0)
sys_errno("pidfd_open_1", N["pidfd_open"], 1, 0)
attempt("kill_init", lambda: os.kill(1, 9))
attempt("setxattr_own_file", lambda: os.setxattr("/sandbox/solution.py", "user.x", b"1"))
attempt("write_core_pattern", lambda: open("/proc/sys/kernel/core_pattern", "w").write("|/x"))
attempt("write_system", lambda: open("/usr/lib/x86_64-linux-gnu/cnngrade-owned", "w"))
attempt("read_shadow", lambda: open("/etc/shadow").read())
attempt("read_host_root", lambda: os.listdir("/proc/1/root"))
attempt("connect_tcp", lambda: socket.create_connection(("127.0.0.1", 1), timeout=1))
attempt("fill_tmp", lambda: open("/tmp/fill", "wb").write(b"x" * (64 << 20)))
attempt("exec_from_tmp", lambda: (open("/tmp/t.sh", "w").write("#!/bin/sh\n"), os.chmod("/tmp/t.sh", 0o755), os.execv("/tmp/t.sh", ["t"])))
out["uid"], out["pid"] = os.getuid(), os.getpid()
out["caps"] = [l.split()[1] for l in open("/proc/self/status") if l.startswith(("CapEff", "CapPrm", "CapBnd"))]
print(json.dumps(out))
'''


@pytest.mark.skipif(ARCH != "x86_64", reason="system call numbers below are x86-64's")
@pytest.mark.parametrize("layer", ["bwrap", "linux"])
def test_kernel_walls_hold_without_any_in_process_guard(layer, tmp_path):
    import json
    import subprocess

    from grader.sandbox import _isolation
    from sandbox_support import require_layer

    require_layer(layer)
    numbers = json.dumps(_jail.ARCHES["x86_64"][1])
    source = _isolation.memfd("submission", b"x = 1\n")
    r, w = os.pipe()
    root = tmp_path / "root"
    root.mkdir()
    argv, extra = _isolation.child_argv(
        layer, source_fd=source, req_fd=r, resp_fd=w, filename="solution.py",
        tmp_bytes=4 << 20, folder_bytes=4 << 20, child_source=UNGUARDED, config_json=numbers,
        root=str(root))
    try:
        proc = subprocess.run(argv, pass_fds=(source, r, w, *extra), capture_output=True,
                              text=True, timeout=60, env={"PATH": "/usr/bin:/bin"},
                              start_new_session=True)
    finally:
        for fd in (source, r, w, *extra):
            os.close(fd)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    refused = {"unshare_user", "mount_tmpfs", "ptrace_init", "keyctl", "io_uring", "open_by_handle",
               "bpf", "pidfd_open_1", "kill_init", "setxattr_own_file", "write_core_pattern",
               "write_system", "read_shadow", "read_host_root", "connect_tcp", "fill_tmp",
               "exec_from_tmp"}
    assert {k for k in refused if out[k] == 0} == set(), out
    assert out["uid"] != 0 and out["pid"] != 1
    assert out["caps"] == ["0000000000000000"] * 3
