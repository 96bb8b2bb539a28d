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
