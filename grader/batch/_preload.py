"""Imported once by the local pool's fork server (:class:`grader.batch.executors.LocalPoolExecutor`),
so that every worker forks with the checker, the exercise catalogue and torch loaded, and
with the sandbox's kernel layer already probed: paid once for the pool, not once per worker,
and while the parent still checks the sandbox, reads the class and draws its cases."""

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
