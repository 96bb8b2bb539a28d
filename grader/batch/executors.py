"""Where tasks run: in this process, in a local process pool, or on a Dask cluster.

Every executor has one method, ``run(tasks)``: it pulls task dicts lazily from an iterator,
keeps only a small window of them in flight (memory stays flat however large the class),
and yields ``(task, outcome)`` pairs in completion order, ``outcome`` being the dict
:func:`grader.batch.worker.grade_task` returns.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import itertools
import re
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from typing import Any

from grader.batch.worker import grade_task, grader_failure, start_worker
from grader.errors import UserError

__all__ = ["InlineExecutor", "LocalPoolExecutor", "DaskExecutor", "make_executor", "default_jobs",
           "check_scheduler_address"]

Task = dict[str, Any]
# A task whose pool worker died this many times is recorded as a grader failure.
_MAX_ATTEMPTS = 2


#: Protocols of a Dask scheduler address that cnngrade can reach (``inproc://`` lives in one process).
SCHEDULER_PROTOCOLS = ("tcp", "tls", "ws", "wss", "ucx")
_ADDRESS = re.compile(r"(?:(?P<protocol>[A-Za-z][A-Za-z0-9+.-]*)://)?"
                      r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(?P<port>[0-9]{1,5})")


def check_scheduler_address(address: str) -> str:
    """A Dask scheduler address as ``PROTOCOL://HOST:PORT`` (a bare ``HOST:PORT`` is tcp),
    checked for its form only, without any connection or import; UserError otherwise.

    >>> check_scheduler_address("10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    """
    text = str(address).strip()
    match = _ADDRESS.fullmatch(text)
    protocol = (match.group("protocol") or "tcp").lower() if match else None
    if match is None or protocol not in SCHEDULER_PROTOCOLS or not 0 < int(match.group("port")) < 65536:
        raise UserError(f"--scheduler {address!r} is not a Dask scheduler address: give "
                        f"tcp://HOST:PORT (as printed by 'dask scheduler', e.g. tcp://10.0.0.5:8786)")
    return f"{protocol}://{match.group('host')}:{int(match.group('port'))}"


def _probe_scheduler(address: str, timeout: float) -> None:
    """Open and close one connection to the scheduler (Dask's own handshake), so that an
    unreachable address fails here, in one line, instead of inside a half-built Client
    (which then spends twice the timeout closing and prints a traceback)."""
    import socket
    from concurrent.futures import ThreadPoolExecutor

    from distributed.comm import connect

    protocol, _, rest = address.partition("://")
    if protocol == "tcp":  # refused or unknown host: fail at once (Dask retries until the timeout)
        host, _, port = rest.rpartition(":")
        try:
            socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
        except OSError as exc:
            raise OSError(exc.strerror or str(exc)) from None

    async def probe() -> None:
        try:  # Dask's own timeout does not cover a peer that accepts and never answers
            comm = await asyncio.wait_for(connect(address, timeout=timeout), timeout + 1)
        except asyncio.TimeoutError:
            raise OSError(f"no Dask handshake from {address} within {timeout:g} s") from None
        await comm.close()

    # A thread of its own: asyncio.run refuses to start inside a running loop (a notebook).
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, probe()).result()


def default_jobs() -> int:
    """The number of CPU cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _failure(task: Task, message: str) -> dict[str, Any]:
    failure = grader_failure(task["name"], task["exercise"], message, max_score=task.get("max_score", 0.0))
    return {"result": failure.to_dict(), "final": False}


class InlineExecutor:
    """Grades in this process, one task after the other (``--jobs 1``)."""

    def __repr__(self) -> str:
        return "InlineExecutor()"

    def run(self, tasks: Iterable[Task]) -> Iterator[tuple[Task, dict]]:
        for task in tasks:
            yield task, grade_task(task)

    def close(self) -> None:
        """Nothing to release."""


class LocalPoolExecutor:
    """A pool of ``jobs`` worker processes on this machine.

    Workers come from a fork server (clean processes, no inherited threads or locks) and
    stay alive across tasks, so torch and the reference load once per worker. A worker
    that dies (killed, out of memory) breaks the pool: it is rebuilt and the tasks that were
    in flight are retried, then recorded as grader failures.
    """

    #: Tasks may carry a class's drawn cases (:func:`grader.batch.worker.drawn_payload`):
    #: each worker receives them once, when it starts, not with every task.
    ships_drawn_cases = True

    def __init__(self, jobs: int):
        self.jobs = jobs
        self._pool: ProcessPoolExecutor | None = None
        self._drawn: dict | None = None

    def __repr__(self) -> str:
        return f"LocalPoolExecutor(jobs={self.jobs})"

    def start(self) -> None:
        """Start the fork server and return at once: it loads the checker and torch (seconds)
        while the caller checks the sandbox, reads the class and draws its cases; the
        workers fork from it, warm, when :meth:`run` submits the first tasks."""
        if os.name == "posix" and self._pool is None:
            from multiprocessing import forkserver

            self._context()
            forkserver.ensure_running()

    @staticmethod
    def _context():
        context = multiprocessing.get_context("forkserver")
        # The fork server imports the checker (torch, hypothesis) once; workers fork from it warm.
        context.set_forkserver_preload(["grader.batch._preload"])
        return context

    def _new_pool(self) -> ProcessPoolExecutor:
        # The drawn cases go to each worker as it starts (a task carrying 0.5 MB would sit in
        # the pool's pipe, and a broken or interrupted pool then never finishes shutting down).
        # So do the sandbox's findings: the layer was probed and self-tested here, just before.
        from grader.sandbox import _isolation

        context = self._context() if os.name == "posix" else multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(max_workers=self.jobs, mp_context=context, initializer=start_worker,
                                   initargs=(self._drawn, _isolation.findings()))

    def run(self, tasks: Iterable[Task]) -> Iterator[tuple[Task, dict]]:
        source = iter(tasks)
        first = next(source, None)  # the caller may draw the class's cases for it
        if first is None:
            return
        source = itertools.chain([first], source)
        window = 2 * self.jobs
        retry: list[Task] = []
        attempts: dict[int, int] = {}
        if self._pool is None:
            self._drawn = first.get("drawn")
            self._pool = self._new_pool()
        pending: dict = {}

        def refill() -> None:
            while len(pending) < window:
                task = retry.pop() if retry else next(source, None)
                if task is None:
                    return
                sent = task
                if self._drawn is not None and task.get("drawn") is self._drawn:  # the workers hold it
                    sent = {k: v for k, v in task.items() if k != "drawn"}
                pending[self._pool.submit(grade_task, sent)] = task

        refill()
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                task = pending.pop(future)
                try:
                    yield task, future.result()
                except BrokenProcessPool:
                    broken = True
                    attempts[id(task)] = attempts.get(id(task), 0) + 1
                    if attempts[id(task)] >= _MAX_ATTEMPTS:
                        yield task, _failure(task, "its grading process died twice")
                    else:
                        retry.append(task)
            if broken:
                # Every other in-flight future of a broken pool fails too: retry them all.
                for future, task in pending.items():
                    future.cancel()
                    retry.append(task)
                pending.clear()
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
            refill()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def abort(self) -> None:
        """Stop at once (Ctrl-C): kill the workers rather than wait for the tasks in flight
        (a pool whose workers took the interrupt too can hang in a waiting shutdown); their
        sandboxes die with them (each child is bound to its parent's life)."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)


class DaskExecutor:
    """Tasks on an existing Dask distributed cluster (``--scheduler tcp://HOST:PORT``).

    Each worker runs :func:`grade_task`, so workers need cnngrade installed; the code of
    each submission travels inside its task. Dask itself reschedules the tasks of a worker
    that dies.
    """

    #: Tasks may carry a class's drawn cases: sent to every worker once (scattered), not per task.
    ships_drawn_cases = True

    def __init__(self, scheduler: str, *, connect_timeout: float = 10.0):
        scheduler = check_scheduler_address(scheduler)
        try:
            from distributed import Client
        except ImportError:
            raise UserError(
                "--scheduler needs Dask distributed; install the extra: pip install 'cnngrade[dask]'"
            ) from None
        self.scheduler = scheduler
        try:
            _probe_scheduler(scheduler, connect_timeout)
            self._client = Client(scheduler, timeout=connect_timeout, set_as_default=False)
        except Exception as exc:  # OSError, TimeoutError (unreachable, refused, not a scheduler)
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise UserError(f"cannot connect to the Dask scheduler at {scheduler}: {reason}; is "
                            f"'dask scheduler' running there and reachable from this machine?") from None

    def __repr__(self) -> str:
        return f"DaskExecutor({self.scheduler!r})"

    def run(self, tasks: Iterable[Task]) -> Iterator[tuple[Task, dict]]:
        from distributed import as_completed

        threads = sum(self._client.nthreads().values()) or 1
        source = iter(tasks)
        pending: dict = {}

        scattered: dict[str, Any] = {}  # drawn cases by digest, as futures held on every worker

        def submit(task: Task):
            drawn = task.get("drawn")
            if drawn is None:
                future = self._client.submit(grade_task, task, pure=False)
            else:
                if drawn["digest"] not in scattered:
                    scattered[drawn["digest"]] = self._client.scatter(drawn, broadcast=True, hash=False)
                light = {k: v for k, v in task.items() if k != "drawn"}
                future = self._client.submit(_grade_with_drawn, light, scattered[drawn["digest"]], pure=False)
            pending[future] = task
            return future

        running = as_completed([submit(t) for t in islice(source, 2 * threads)], loop=self._client.loop)
        for future in running:
            task = pending.pop(future)
            try:
                outcome = future.result()
            except Exception as exc:  # the task itself failed on the worker (missing install...)
                outcome = _failure(task, f"Dask worker error {type(exc).__name__}: {exc}")
            future.release()
            yield task, outcome
            following = next(source, None)
            if following is not None:
                running.add(submit(following))

    def close(self) -> None:
        self._client.close()


def _grade_with_drawn(task: Task, drawn: dict) -> dict[str, Any]:
    """:func:`grade_task` on a Dask worker, the drawn cases resolved from their scattered copy."""
    return grade_task({**task, "drawn": drawn})


def make_executor(*, jobs: int | None = None, scheduler: str | None = None):
    """The executor for ``--jobs`` / ``--scheduler`` (UserError for a bad value)."""
    if scheduler is not None:
        return DaskExecutor(check_scheduler_address(scheduler))
    jobs = default_jobs() if jobs is None else jobs
    if not isinstance(jobs, int) or jobs < 1:
        raise UserError(f"--jobs must be a positive number of processes, got {jobs!r}")
    return InlineExecutor() if jobs == 1 else LocalPoolExecutor(jobs)
