"""Imported once by the local pool's fork server (:class:`grader.batch.executors.LocalPoolExecutor`),
so that every worker forks with the checker, the exercise catalogue and torch loaded: the
imports are paid once for the pool, not once per worker, and while the parent still checks
the sandbox and reads the class."""

import exercises
import grader.batch.worker  # noqa: F401
import grader.checker.grading  # noqa: F401
import grader.reference.functional  # noqa: F401  (torch: the reference of a case no memo holds yet)

exercises.all_exercises()
