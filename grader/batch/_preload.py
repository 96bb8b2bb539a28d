"""Imported once by the local pool's fork server (:class:`grader.batch.executors.LocalPoolExecutor`),
so that every worker forks with the checker, the exercise catalogue and torch loaded: paid once
for the pool, not once per worker, and while the parent checks the sandbox, reads the class
and draws its cases. The sandbox's layer is not probed here: the parent probes and self-tests
it, and each worker starts from its findings (:func:`grader.batch.worker.start_worker`)."""

import atexit
import gc
import os
import sys

# The imports below make a few hundred thousand objects that live as long as the process: the
# collector would walk them over and over while they load (about 0.1 s of CPU), then in every
# worker. Frozen, they stay out of its way (and their pages stay shared with the workers).
gc.disable()
try:
    import exercises
    import grader.batch.worker  # noqa: F401
    import grader.checker.display  # noqa: F401  (rich: every result's feedback)
    import grader.checker.grading  # noqa: F401
    import grader.reference.functional  # noqa: F401  (torch: the reference of a case no memo holds yet)

    exercises.all_exercises()
    gc.freeze()
finally:
    gc.enable()


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
