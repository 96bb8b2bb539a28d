"""Grading a whole class: discover, grade what the cache does not hold, write the outputs.

The flow of :func:`grade_class`:

1. validate everything the caller gave (exercise, folders, roster, exports, secret file,
   scheduler) so a user mistake stops the run before anything is written;
2. for each submission (streamed, in name order): hash its content; a final cached result
   under the same key is reused, an unreadable entry becomes an ``"error"`` result, any
   other submission becomes a task for the executor;
3. each result is committed to the SQLite cache the moment it arrives (a SIGKILL loses only
   the submissions in flight; rerunning the same command resumes);
4. the outputs of DESIGN.md 3.3, the exports and the report are rebuilt from the cache.

One run at a time per OUT: the run holds an exclusive ``flock`` on ``OUT/.cnngrade/lock``
(the holder's pid and start time written inside); a second run stops with a UserError naming
the holder. The kernel drops the lock when its process dies, so a killed run never blocks the
next. Ctrl-C raises :class:`GradingInterrupted` (a KeyboardInterrupt) carrying how many
results are in the cache: those stay, and the same command resumes.

Entries whose name cannot be a submission name are skipped by discovery, with a reason, and
listed in ``OUT/skipped.json``, the report and the summary (:attr:`GradedClass.skipped`).

Hidden cases (DESIGN.md 3.4): every submission is graded on the public cases of
``cnngrade check`` and on hidden ones drawn from an instructor secret: the file
``secret_file``, else ``OUT/.cnngrade/secret``, created (64 random hex digits, mode 0600) on
the first run. The cache keys on the secret's fingerprint, so another secret regrades.
"""

from __future__ import annotations

import datetime as _dt
import os
import secrets
import sqlite3
import tempfile
from collections.abc import Sequence
from pathlib import Path

import grader
from grader.batch.cache import CACHE_FILENAME, CacheKey, ResultCache
from grader.batch.discovery import Skipped, Submission, load_source, scan
from grader.batch.executors import make_executor
from grader.batch.exports import Roster, load_roster, validate_exports
from grader.batch.outputs import OutputSummary, write_outputs
from grader.batch.policy import ClassPolicy
from grader.batch.progress import Progress
from grader.batch.similarity import DEFAULT_THRESHOLD, SimilarPair, find_similar
from grader.batch.worker import drawn_payload, make_task
from grader.errors import UserError
from grader.results import SubmissionResult

__all__ = ["grade_class", "GradedClass", "GradingInterrupted", "SIMILARITY_AUTO_LIMIT", "SECRET_FILENAME",
           "LOCK_FILENAME", "read_secret"]

#: Above this many submissions the report leaves similarity out (its index grows with the class).
SIMILARITY_AUTO_LIMIT = 5000
#: Where the instructor secret of the hidden cases lives inside OUT unless given elsewhere.
SECRET_FILENAME = os.path.join(".cnngrade", "secret")
#: The file a run holds an exclusive flock on, so two runs never write one OUT at once.
LOCK_FILENAME = os.path.join(".cnngrade", "lock")
#: The shortest secret accepted: a student shown a hidden counterexample could otherwise try
#: short secrets offline until one reproduces it, then compute every hidden case.
MIN_SECRET_CHARS = 16
_NEW_SECRET_HINT = "python -c 'import secrets; print(secrets.token_hex(32))' > FILE"


class GradingInterrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) during :func:`grade_class`: every result committed before it stays in
    the cache, and rerunning the same command resumes from there."""

    def __init__(self, graded: int, total: int):
        super().__init__(f"interrupted: {graded} graded, rerun the same command to resume")
        self.graded = graded
        """Results of this class in the cache (reused or graded before the interruption)."""
        self.total = total
        """Submissions in the class."""


class _OutLock:
    """An exclusive ``flock`` on ``OUT/.cnngrade/lock`` for the length of a run.

    flock belongs to the open file: the kernel releases it when the holder exits, is killed
    or crashes, so a stale lock file never blocks anyone. Where flock does not exist
    (Windows), runs are not serialised."""

    def __init__(self, out: Path):
        self.path = out / LOCK_FILENAME
        self._fd: int | None = None

    def acquire(self) -> None:
        try:
            import fcntl
        except ImportError:  # not POSIX
            return
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 512).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise UserError(f"another 'cnngrade grade' is writing {self.path.parent.parent} ({holder}); wait for "
                            f"it to finish, or choose another --out") from None
        os.ftruncate(fd, 0)
        started = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
        os.write(fd, f"pid {os.getpid()} on {os.uname().nodename if hasattr(os, 'uname') else 'this machine'}, "
                     f"started {started}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing drops the flock
            self._fd = None


class GradedClass(Sequence):
    """The results of a class, read from the cache on demand (one at a time).

    Behaves as a read-only list of :class:`SubmissionResult` in submission-name order,
    without holding every feedback text in memory.
    """

    def __init__(self, cache_path: Path, keys: list[CacheKey]):
        self.cache_path = Path(cache_path)
        self.keys = keys
        self._cache: ResultCache | None = None
        self.regraded: list[str] = []
        """Names of the submissions graded in this run (the others came from the cache)."""
        self.grader_failures: list[str] = []
        """Submissions whose grading failed on the grader's side (graded again next run)."""
        self.similar: list[SimilarPair] = []
        """Pairs of suspiciously alike submissions (when similarity was checked)."""
        self.outputs: OutputSummary | None = None
        """What was written to OUT."""
        self.secret_file: Path | None = None
        """The file holding the secret the hidden cases were drawn from."""
        self.secret_created = False
        """Whether this run created that file (a new secret: keep it to regrade identically)."""
        self.skipped: list[Skipped] = []
        """Entries of the submissions folder that are not submissions, with the reason."""

    def __repr__(self) -> str:
        return f"GradedClass({len(self)} results, regraded={len(self.regraded)}, reused={self.reused})"

    @property
    def reused(self) -> int:
        """How many results were reused from the cache (every other one was regraded)."""
        return len(self.keys) - len(self.regraded)

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if self._cache is None:
            self._cache = ResultCache(self.cache_path)
        result = self._cache.get(self.keys[index], final_only=False)
        if result is None:  # only if the cache file was changed under us
            raise LookupError(f"the result of {self.keys[index].submission} is missing from {self.cache_path}")
        return result

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None


def _validate_out(out: Path, submissions_dir: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UserError(f"the output folder {out} is a file")
    try:
        out_resolved, subs_resolved = out.resolve(), submissions_dir.resolve()
    except OSError as exc:
        raise UserError(f"cannot resolve {out} ({exc.strerror})") from None
    if out_resolved == subs_resolved or subs_resolved in out_resolved.parents:
        raise UserError(f"the output folder {out} is inside the submissions folder {submissions_dir}; choose another --out")


def read_secret(path: str | os.PathLike) -> str:
    """The instructor secret held in ``path``: its text without surrounding whitespace (at
    least 16 characters). Raises UserError for a missing, unreadable or too short file."""
    path = Path(path)
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise UserError(f"the secret file {path} does not exist; create one with {_NEW_SECRET_HINT}, "
                        f"or leave out --secret-file to keep one in OUT") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the secret file {path} ({getattr(exc, 'strerror', None) or exc})") from None
    if len(secret) < MIN_SECRET_CHARS:
        raise UserError(f"the secret in {path} has {len(secret)} characters; use at least {MIN_SECRET_CHARS}, "
                        f"e.g. {_NEW_SECRET_HINT}")
    return secret


def _create_secret(path: Path) -> str:
    """A new random secret written to ``path`` (mode 0600 from the start), unless another run
    created one there first: then that one. The file appears whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    secret = secrets.token_hex(32)
    # mkstemp creates the file 0600; grader.files.atomic_open would make it 0644 and replace
    # an existing secret, so a hard link publishes it instead (atomic, never overwrites).
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secret + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            return read_secret(path)
        except OSError:  # a filesystem without hard links (FAT, some network shares)
            os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return secret


def grade_class(
    submissions_dir: str | os.PathLike,
    *,
    exercise: str,
    out_dir: str | os.PathLike,
    jobs: int | None = None,
    scheduler: str | None = None,
    exports: Sequence[str] = (),
    roster: str | os.PathLike | Roster | None = None,
    progress: bool = True,
    similarity: bool = True,
    threshold: float = DEFAULT_THRESHOLD,
    max_examples: int | None = None,
    sandbox_options: dict | None = None,
    secret_file: str | os.PathLike | None = None,
    isolation: str = "kernel",
    regrade: Sequence[str] = (),
    force: bool = False,
    course: str | os.PathLike | None = None,
    times: str | os.PathLike | None = None,
) -> GradedClass:
    """Grade every submission in ``submissions_dir`` against ``exercise`` into ``out_dir``.

    - ``exercise``: a code exercise name (``cnngrade list``).
    - ``out_dir``: receives grades.json, grades.csv, report.html, one folder per submission
      (results.json, feedback.md), the exports, and the cache ``.cnngrade/cache.sqlite``.
    - ``jobs``: local worker processes (default: the machine's cores; 1 grades in-process).
    - ``scheduler``: address of a Dask scheduler (``tcp://HOST:PORT``); replaces ``jobs``.
    - ``exports``: any of ``canvas, moodle, gradescope, csv``; ``roster``: CSV path (or
      :class:`Roster`) mapping submissions to LMS ids.
    - ``progress``: a progress bar on a terminal, one line per submission otherwise.
    - ``similarity``: list suspiciously alike pairs in the report (``threshold`` in [0, 1]).
    - ``max_examples``: hypothesis examples per property group (default: the exercise's).
    - ``sandbox_options``: keyword arguments for :class:`grader.sandbox.Sandbox`.
    - ``isolation``: the sandbox layer (``sandbox_options["isolation"]`` wins): "kernel"
      (bubblewrap or the built-in Linux layer; UserError when neither works here), "bwrap",
      "linux", or "none" (in-process protections only). The layer's self-test runs first:
      a sandbox that cannot start raises SandboxError before anything is graded.
    - ``secret_file``: the instructor secret the hidden cases are drawn from (see
      :func:`read_secret`); None: ``OUT/.cnngrade/secret``, created on the first run. The
      same secret gives the same grades on every machine; students must never see it.
    - ``regrade``: submission names graded again even when the cache holds their result
      (UserError for a name that is not a submission); ``force``: every submission.
    - ``course``: a course file (``grader.batch.policy``): deadlines, late penalties,
      extensions and overrides, applied to the raw results when the outputs are written;
      ``times``: the LMS export of submission times (default: the course file's, else the
      files' modification times). The run's settings go to ``OUT/.cnngrade/run.json`` for
      ``cnngrade regrade``.

    Returns a :class:`GradedClass` (a lazy list of results). Raises UserError, before
    writing anything, for a missing or empty folder, an unknown exercise, a bad roster, or
    another run holding OUT; :class:`GradingInterrupted` on Ctrl-C (results so far kept).

    Example: ``grade_class("examples/class", exercise="conv2d-forward", out_dir="out")``.
    """
    from grader.checker import resolve_exercise

    spec = resolve_exercise("", exercise)
    submissions_dir, out = Path(submissions_dir), Path(out_dir)
    found = scan(submissions_dir)
    names = {s.name for s in found.submissions}
    unknown = [name for name in regrade if name not in names]
    if unknown:
        raise UserError(f"--regrade {unknown[0]!r}: no submission of that name in {submissions_dir}")
    regrade_names = set(names if force else regrade)
    _validate_out(out, submissions_dir)
    roster_obj = roster if isinstance(roster, Roster) or roster is None else load_roster(roster)
    chosen = validate_exports(exports, roster_obj)
    policy = ClassPolicy.for_class(course, times, exercise=spec.name, submissions=found.submissions)
    if max_examples is not None and max_examples < 1:
        raise UserError(f"max_examples must be at least 1, got {max_examples}")
    secret_path = Path(secret_file) if secret_file is not None else out / SECRET_FILENAME
    secret = read_secret(secret_path) if secret_file is not None or secret_path.exists() else None
    from grader.sandbox import preflight

    sandbox_options = dict(sandbox_options or {})
    executor = make_executor(jobs=jobs, scheduler=scheduler)  # connects to Dask: may raise UserError
    if hasattr(executor, "start"):
        executor.start()  # the pool's workers load the checker and torch while the sandbox self-tests
    try:
        sandbox_options["isolation"] = preflight(sandbox_options.get("isolation", isolation))
    except BaseException:
        getattr(executor, "abort", executor.close)()
        raise
    lock = _OutLock(out)
    try:
        lock.acquire()
    except BaseException:
        executor.close()
        raise
    try:
        graded = _grade_locked(found, spec=spec, out=out, executor=executor, progress=progress,
                             sandbox_options=sandbox_options, secret=secret, secret_path=secret_path,
                             max_examples=max_examples, similarity=similarity, threshold=threshold,
                             regrade_names=regrade_names, chosen=chosen, roster_obj=roster_obj, policy=policy)
        from grader.batch.regrade import record_run

        record_run(out, graded, settings=dict(
            submissions_dir=submissions_dir, exercise=spec.name, title=getattr(spec, "title", None) or spec.name,
            exports=list(chosen), roster=roster_obj, similarity=similarity, threshold=threshold,
            max_examples=max_examples, secret_file=secret_file, isolation=isolation, course=course, times=times))
        return graded
    finally:
        lock.release()


def _grade_locked(found, *, spec, out: Path, executor, progress: bool, sandbox_options: dict, secret: str | None,
                  secret_path: Path, max_examples: int | None, similarity: bool, threshold: float,
                  regrade_names: set[str], chosen, roster_obj, policy=None) -> GradedClass:
    """The body of :func:`grade_class` once OUT is locked for this run."""
    from grader.checker.grading import error_result, secret_fingerprint
    from grader.sanitize import terminal

    report = Progress(total=len(found.submissions), enabled=progress)
    if sandbox_options["isolation"] == "portable":
        report.note("isolation none: submissions run with in-process protections only, which a "
                    "hostile submission can undo")
    if found.skipped:
        shown = "; ".join(terminal(f"{s.entry!r} ({s.reason})", one_line=True) for s in found.skipped[:8])
        report.note(f"skipped {len(found.skipped)} entr{'y' if len(found.skipped) == 1 else 'ies'} that "
                    f"are not submissions: {shown}{'; ...' if len(found.skipped) > 8 else ''} (see skipped.json)")
    cache_path = out / CACHE_FILENAME
    created = secret is None
    try:
        if created:
            secret = _create_secret(secret_path)
    except OSError as exc:
        executor.close()
        raise UserError(f"cannot create the grading secret {secret_path} ({exc.strerror or exc})") from None
    try:
        cache = ResultCache(cache_path)
    except (OSError, sqlite3.Error) as exc:
        executor.close()
        raise UserError(f"cannot write the result cache in {out} ({exc})") from None
    if created:
        report.note(f"created the grading secret {secret_path}: keep it (or pass it with --secret-file) to "
                    f"regrade with the same hidden cases, and never give it to students")
    keys: list[CacheKey] = []
    graded = GradedClass(cache_path, keys)
    graded.secret_file, graded.secret_created = secret_path, created
    graded.skipped = list(found.skipped)
    # A quick pass with fewer examples must never be reused by a full run, nor a result graded
    # with another secret (the fingerprint, never the secret), nor one graded without kernel
    # isolation (the submission could have forged it): all are part of the version.
    version = (str(getattr(spec, "version", "0")) + (f"+examples={max_examples}" if max_examples else "")
               + f"+hidden={secret_fingerprint(secret)}"
               + ("+isolation=none" if sandbox_options["isolation"] == "portable" else ""))
    check_similarity = similarity and len(found.submissions) <= SIMILARITY_AUTO_LIMIT
    sources: list[tuple[str, str]] = []  # (name, code) for similarity, gathered in the one read
    # Workers of a pool or a cluster replay the cases drawn here once (while they start)
    # instead of each running every search on its first submission.
    drawn: dict | None = None
    ships_drawn = getattr(executor, "ships_drawn_cases", False)

    def tasks():
        nonlocal drawn
        for submission in found.submissions:
            content_hash, code, problem = load_source(submission)
            key = CacheKey(submission.name, content_hash, spec.name, version, grader.__version__)
            keys.append(key)
            if check_similarity and problem is None:
                sources.append((submission.name, code))
            if submission.name not in regrade_names and cache.has_final(key):
                report.reused()
                continue
            if problem is not None:
                result = error_result(spec, submission=submission.name, verdict="not_gradable", message=problem)
                cache.put(key, result)
                graded.regraded.append(submission.name)
                report.done(result)
                continue
            task = make_task(name=submission.name, code=code, filename=_filename(submission),
                             exercise=spec.name, max_score=spec.max_score, max_examples=max_examples,
                             sandbox_options=sandbox_options, secret=secret)
            if ships_drawn:
                if drawn is None:
                    drawn = drawn_payload(spec.name, max_examples=max_examples, secret=secret)
                task["drawn"] = drawn
            task["key"] = key
            yield task

    try:
        with report:
            for task, outcome in executor.run(tasks()):
                result = SubmissionResult.from_dict(outcome["result"])
                if not outcome["final"]:
                    graded.grader_failures.append(task["name"])
                cache.put(task["key"], result, final=outcome["final"])
                graded.regraded.append(task["name"])
                report.done(result)
    except KeyboardInterrupt:
        committed = sum(cache.has_final(key) for key in keys)
        getattr(executor, "abort", executor.close)()
        cache.close()
        raise GradingInterrupted(committed, len(found.submissions)) from None
    finally:
        executor.close()
        cache.close()

    if check_similarity:
        graded.similar = find_similar(sources, threshold=threshold, baseline=_starter(spec))
    elif similarity:
        report.note(f"similarity skipped for {len(found.submissions)} submissions (more than "
                    f"{SIMILARITY_AUTO_LIMIT}); run 'cnngrade similarity' on the folder separately")
    graded.outputs = write_outputs(graded, out_dir=out, exports=chosen, roster=roster_obj,
                                   similarity=graded.similar, title=getattr(spec, "title", None) or spec.name,
                                   skipped=graded.skipped, policy=policy)
    graded.close()
    return graded


def _filename(submission: Submission) -> str:
    return submission.source_path.name if submission.source_path else "solution.py"


def _starter(spec) -> str | None:
    try:
        return spec.starter()
    except Exception:  # a starter is only a refinement of the similarity baseline
        return None
