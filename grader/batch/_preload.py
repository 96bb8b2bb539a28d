"""Imported once by the local pool's fork server (:class:`grader.batch.executors.LocalPoolExecutor`),
so that every worker forks with the checker, the exercise catalogue and torch loaded, and
with the sandbox's kernel layer already probed: paid once for the pool, not once per worker,
and while the parent still checks the sandbox, reads the class and draws its cases."""

import atexit
import os
import sys
import threading


def _probe_layer() -> None:
    # A layer the parent chose that is not probed here is probed by each worker, as without this.
    from grader.sandbox import _isolation

    try:
        if _isolation.choose_layer("auto")[0] != "portable":
            _isolation._view()
    except Exception:  # the fork server must start whatever happens: each worker asks again
        pass


# The probe's children run while this process imports torch; joined below, before any
# worker forks from this process (a fork must not copy a running thread).
_probing = threading.Thread(target=_probe_layer, name="cnngrade-preload-probe")
_probing.start()

import exercises  # noqa: E402
import grader.batch.worker  # noqa: E402, F401
import grader.checker.display  # noqa: E402, F401  (rich: every result's feedback)
import grader.checker.grading  # noqa: E402, F401
import grader.reference.functional  # noqa: E402, F401  (torch: the reference of a case no memo holds yet)

exercises.all_exercises()
_probing.join()


def _exit_at_once() -> None:
    # The fork server ends when the parent has gone (its last client). Python's own teardown
    # of torch would then keep it, and the parent's stdout and stderr it inherited, alive
    # 0.3 s longer: a script reading `cnngrade grade`'s output waited for it.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(0)


# Registered last, so it runs first (atexit is last in, first out). Workers never run it:
# a multiprocessing child ends with os._exit after its task loop.
atexit.register(_exit_at_once)
