"""Grading one submission: hypothesis draws inputs here, the sandbox runs the student.

For each property group, a ``@given`` search runs programmatically with a fixed seed
(``derandomize=True``, no example database), so every student gets the same examples on
every machine. Each drawn case goes to the student function through the one sandbox
entry point; the reference (torch, float64) computes the expected output in this process.
A failure is shrunk within a fixed budget of test executions (every draw counts, replays
included; student calls are memoised), the simplest failing case seen becomes the
counterexample, and it is compared with the misconception catalogue to name the mistake.
A call that timed out, crashed, hit the memory limit or was refused marks the whole
submission with that verdict (the group still only loses its own points).

Visibility tiers (DESIGN.md 3.4): the public cases above are what ``cnngrade check`` draws.
Given an instructor ``secret``, each group also runs a second search whose seed is
:func:`hidden_seed` (an HMAC of the secret, the exercise and the group): the group's points
need both to pass, so a table of the public cases gets nothing for the hidden ones, and the
same secret gives the same grades on every machine.

Time budget: the first call that times out ends the submission's grading; every later
group fails at once with the same message, without calling the child again, so a runaway
costs one time limit instead of one per group (the groups graded before keep their points).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st

from grader.checker.compare import check_output, format_array, where_different
from grader.checker.spec import Case, CodeExercise, Failure, PropertyGroup
from grader.errors import UserError
from grader.results import ERROR, FAILED, PASSED, SubmissionResult, TestResult

__all__ = ["RUN_PROBLEMS", "StudentFailure", "grade_in_sandbox", "error_result", "hidden_seed",
           "secret_fingerprint", "draw_cases", "install_drawn"]

#: Verdicts after which the child is not called again in the same group (each would cost a timeout).
_FATAL = {"timeout", "memory_limit", "crashed"}
#: Call verdicts that mark the whole submission (its ``verdict``), most serious first: the
#: run itself went wrong (a refused operation, a limit, a crash), not just the answer.
RUN_PROBLEMS = ("forbidden", "memory_limit", "timeout", "crashed")
#: Hypothesis's random seed for every search. It is the seed ``derandomize=True`` derived
#: from the source of the first published test function; pinned so that editing this module
#: cannot change the cases drawn, hence anyone's grade (a new seed needs new exercise versions).
_SEED = int(
    "11210154513120615747641121659841753445553236508430577354053693059238262404124173729585"
    "504761966989669987913549403206"
)
#: How many distinct failing cases a misconception must explain to be named (the smallest
#: first, then the others in the order they were found): a cap on the diagnosis's cost.
_DIAGNOSIS_CASES = 8
#: Arrays larger than this are summarised in JSON counterexamples.
_JSON_MAX_SIZE = 400
#: HMAC messages are prefixed with these labels, so a secret's seeds and its fingerprint can
#: never coincide (and a future scheme can use a new label without clashing).
_HIDDEN_LABEL = "cnngrade hidden cases/1"
_FINGERPRINT_LABEL = b"cnngrade secret fingerprint/1"


def _secret_bytes(secret: str | bytes) -> bytes:
    data = secret.encode("utf-8") if isinstance(secret, str) else secret
    if not isinstance(data, bytes) or not data:
        raise UserError("the grading secret must be a non-empty str or bytes")
    return data


def hidden_seed(secret: str | bytes, exercise: CodeExercise, group: PropertyGroup | str) -> int:
    """The hypothesis seed of one group's hidden cases: HMAC-SHA256, keyed by the instructor
    ``secret``, of the exercise name and version and the group name (as a 256-bit int).

    The same secret gives the same hidden cases on every machine; without the secret they
    cannot be predicted, even knowing this code. A new exercise version draws new ones.
    """
    name = group if isinstance(group, str) else group.name
    message = "\0".join((_HIDDEN_LABEL, exercise.name, str(exercise.version), name)).encode("utf-8")
    return int.from_bytes(hmac.new(_secret_bytes(secret), message, hashlib.sha256).digest(), "big")


def secret_fingerprint(secret: str | bytes) -> str:
    """16 hex digits naming a secret without revealing it (an HMAC of a fixed label), for
    cache keys: a changed secret regrades everyone."""
    return hmac.new(_secret_bytes(secret), _FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:16]


class StudentFailure(Exception):
    """A student call did not return a usable value (exception, timeout, crash...);
    ``verdict`` is the sandbox's for the call ("exception", "timeout", "crashed"...)."""

    def __init__(self, message: str, *, verdict: str = "exception"):
        super().__init__(message)
        self.message = message
        self.verdict = verdict

    @property
    def fatal(self) -> bool:
        """The child timed out, crashed or hit the memory limit: calling again costs as much."""
        return self.verdict in _FATAL


@dataclass
class _Evaluation:
    """The outcome of one case: a failure (or None), and the data for the feedback."""

    case: Case
    failure: Failure | None
    got: Any = None
    expected: Any = None
    comparable: bool = False
    """True when the student returned data (so a misconception can be matched against it)."""
    verdict: str = "ok"
    """The sandbox verdict of the student call ("ok" when it returned a value)."""

    @property
    def fatal(self) -> bool:
        return self.verdict in _FATAL


class _Falsified(Exception):
    def __init__(self, evaluation: _Evaluation):
        super().__init__(evaluation.failure.message if evaluation.failure else "")
        self.evaluation = evaluation


def _call(sandbox, function: str, *args, **kwargs) -> Any:
    result = sandbox.call(function, *args, **kwargs)
    if result.verdict != "ok":
        raise StudentFailure(result.message, verdict=result.verdict)
    return result.value


def _select(exercise: CodeExercise, group: PropertyGroup, value: Any) -> list[tuple[str | None, Any]]:
    """The (output name, array) pairs a group compares."""
    returns = exercise.function(group.function).returns
    if not returns:
        return [(None, value)]
    wanted = group.outputs or returns
    return [(name, value[returns.index(name)]) for name in wanted]


def _compare(exercise: CodeExercise, group: PropertyGroup, got: Any, expected: Any, *,
             values: bool | None = None) -> str | None:
    fn = exercise.function(group.function)
    if fn.returns:
        names = ", ".join(fn.returns)
        if not isinstance(got, tuple) or len(got) != len(fn.returns):
            what = "None" if got is None else (f"a tuple of {len(got)} values" if isinstance(got, tuple)
                                               else "one array")
            return f"{fn.name} returned {what}; expected a tuple of {len(fn.returns)} arrays ({names})."
        got_parts, exp_parts = _select(exercise, group, got), _select(exercise, group, expected)
    else:
        got_parts, exp_parts = [(None, got)], [(None, expected)]
    for (name, g), (_, e) in zip(got_parts, exp_parts):
        message = check_output(g, e, function=fn.name, tol=exercise.tolerance, output=name,
                               values=not group.shape_only if values is None else values)
        if message:
            return message
    return None


class _Engine:
    """The reference side of one submission's grading: recorded cases and expected outputs
    from the memo of each tier (:mod:`grader.checker.memo`), and torch on one thread (see
    ``single_threaded``) from the first moment it is needed, so that a ``check`` whose
    expected outputs are all cached never imports torch."""

    def __init__(self, exercise: CodeExercise, stack: contextlib.ExitStack, *, secret: str | bytes | None):
        from exercises import get_exercise
        from grader.checker.memo import Memo

        self._stack, self._ready = stack, False
        #: Cases read from disk were drawn for the catalogue's own definition of the exercise.
        try:
            self.catalogue = get_exercise(exercise.name, kind="code") is exercise
        except UserError:  # an exercise of the caller's own making
            self.catalogue = False
        # The disk cache serves check's public cases only (see grader.checker.memo).
        self.public = Memo.for_exercise(exercise, tier="public", persistent=secret is None and self.catalogue)
        self.hidden = Memo.for_exercise(exercise, tier="hidden")

    def ready(self) -> None:
        """Load torch (once) and run it on one thread until the submission is graded."""
        if not self._ready:
            from grader.reference.device import single_threaded

            self._stack.enter_context(single_threaded())
            self._ready = True


def _evaluate(exercise: CodeExercise, group: PropertyGroup, sandbox, case: Case, engine: _Engine,
              memo) -> _Evaluation:
    """One case: the student's output (in the sandbox) against the expected one (``memo``:
    the tier's :class:`grader.checker.memo.Memo`), or the group's property."""
    if group.prop is not None:
        engine.ready()  # a property may compute with the reference
        try:
            failure = group.prop(case, lambda fn, *a, **k: _call(sandbox, fn, *a, **k))
        except StudentFailure as exc:
            return _Evaluation(case, Failure(exc.message), verdict=exc.verdict)
        return _Evaluation(case, failure)
    expected = memo.expected_output(group.function, case, exercise.references[group.function],
                                    before_compute=engine.ready)
    try:
        got = _call(sandbox, group.function, *case.args, **case.kwargs)
    except StudentFailure as exc:
        return _Evaluation(case, Failure(exc.message), expected=expected, verdict=exc.verdict)
    message = _compare(exercise, group, got, expected)
    return _Evaluation(case, Failure(message) if message else None, got=got, expected=expected,
                       comparable=True)


@contextlib.contextmanager
def _without_local_constants():
    """Hypothesis mixes constants found in "local" source files (those under the working
    directory) into its draws and caches them in ./.hypothesis; which files count depends on
    the folder a student runs from, so grading would not be the same everywhere. Switch that
    off while grading (and leave no .hypothesis folder behind)."""
    try:
        from hypothesis.internal.conjecture import providers
        empty = type(providers._local_constants)()
        saved = providers._get_local_constants
        cache = providers.CONSTANTS_CACHE.cache
    except (ImportError, AttributeError):  # another hypothesis version: nothing to switch off
        yield
        return
    providers._get_local_constants = lambda: empty
    cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = saved
        cache.clear()


class _SearchOver(BaseException):
    """Ends a hypothesis run from inside (a BaseException, so hypothesis does not take it
    for a failure): the call budget is spent, or the child timed out or crashed."""


def _size(evaluation: _Evaluation) -> tuple:
    """Smaller is simpler: fewer array elements, then smaller values, then the content hash."""
    arrays = [a for a in (*evaluation.case.args, *evaluation.case.kwargs.values()) if isinstance(a, np.ndarray)]
    return (sum(a.size for a in arrays), float(sum(np.abs(a).sum() for a in arrays)), evaluation.case.key())


def _search(exercise: CodeExercise, group: PropertyGroup, evaluate: Callable[[Case], _Evaluation], *,
            random_seed: int = _SEED, examples: bool = True):
    """Run the group's hypothesis search; return (simplest failing evaluation or None, all failures).

    ``random_seed``: the public seed, or a hidden one (:func:`hidden_seed`); ``examples``:
    also try the group's explicit edge cases once the drawn ones pass (the public search).

    Hypothesis generates ``max_examples`` cases and shrinks the first failure. Shrinking is
    bounded in executions, not only in student calls: every execution of the test counts
    (including the draws hypothesis discards and the replays of cases already run, which
    the memo answers without calling the student), and the search stops once
    ``max_examples + shrink_budget`` executions were drawn (checked when an execution
    reaches the test: draws that hypothesis discards in a row may come on top, cheaply),
    or at once after a timeout or crash. The counterexample is the simplest failure seen
    (see :func:`_size`; hypothesis's own order prefers fewer choices, so one seeded large
    array over a few small values). Deterministic: the seed and every count are.
    """
    max_examples = group.max_examples or exercise.max_examples
    budget = max_examples + exercise.shrink_budget
    memo: dict[str, _Evaluation] = {}
    failures: list[_Evaluation] = []
    state = {"draws": 0, "stopped": False}

    @st.composite
    def counted(draw):
        # Counted here, checked in run(): a stop raised inside a draw would look flaky to hypothesis.
        state["draws"] += 1
        return draw(group.cases)

    def run(case: Case) -> None:
        if state["stopped"] or state["draws"] > budget:
            raise _SearchOver()
        key = case.key()
        evaluation = memo.get(key)
        if evaluation is None:
            evaluation = memo[key] = evaluate(case)
            if evaluation.failure is not None:
                failures.append(evaluation)
                state["stopped"] = evaluation.fatal
        if evaluation.failure is not None:
            raise _Falsified(evaluation)

    test = seed(random_seed)(settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        print_blob=False,
    )(given(counted())(run)))
    try:
        with _without_local_constants():
            test()
    except (_Falsified, _SearchOver):
        pass
    if failures:
        return min(failures, key=_size), failures
    for case in group.examples if examples else ():  # explicit edge cases, after the drawn ones pass
        if state["stopped"]:
            break
        evaluation = evaluate(case)
        if evaluation.failure is not None:
            return evaluation, [evaluation]
    return None, failures


def _search_or_replay(exercise: CodeExercise, group: PropertyGroup, evaluate: Callable[[Case], _Evaluation],
                      memo, *, catalogue: bool, random_seed: int = _SEED, examples: bool = True):
    """:func:`_search`'s result, without running hypothesis when the memo holds this search.

    A search in which every case passed is recorded: the cases it evaluated, in order. A
    recorded search is replayed: the same cases, in the same order. If all pass, that is
    what the search would have done (it is deterministic and draws the same cases while they
    pass). At the first failure the real search runs; it asks for the same cases in the
    same order, which the replay answers (the student is not called twice), then goes on
    as it would have: same calls in the child, same grade (see :mod:`grader.checker.memo`).
    """
    from grader.checker.memo import run_key

    name = run_key(exercise, group, random_seed)
    recorded = memo.recorded(name, group, catalogue=catalogue)
    if recorded is None:
        log: list[Case] = []

        def logged(case: Case) -> _Evaluation:
            log.append(case)
            return evaluate(case)

        smallest, failures = _search(exercise, group, logged, random_seed=random_seed, examples=examples)
        if smallest is None and not failures:
            memo.record(name, group, log)
        return smallest, failures
    replayed: list[_Evaluation] = []
    for case in recorded:
        replayed.append(evaluate(case))
        if replayed[-1].failure is not None:
            break
    else:
        return None, []
    position = 0

    def answered(case: Case) -> _Evaluation:
        nonlocal position
        if position < len(replayed) and replayed[position].case.key() == case.key():
            position += 1
            return replayed[position - 1]
        position = len(replayed)  # not the recorded order (it cannot happen): live from here
        return evaluate(case)

    return _search(exercise, group, answered, random_seed=random_seed, examples=examples)


def _group_searches(exercise: CodeExercise, group: PropertyGroup, secret: str | bytes | None):
    """The searches of one group, in the order grading runs them: (tier, random seed, whether
    the group's explicit examples follow the drawn cases): the public one, and with a
    ``secret`` the hidden one."""
    yield "public", _SEED, True
    if secret is not None:
        yield "hidden", hidden_seed(secret, exercise, group), False


#: One search's record, as :func:`draw_cases` returns it: (tier, group name, run key, cases).
DrawnSearch = tuple[str, str, str, list[Case]]


def draw_cases(exercise: CodeExercise, *, secret: str | bytes | None = None) -> list[DrawnSearch]:
    """The cases each search of ``exercise`` evaluates when every case passes, drawn without
    any submission, reference or sandbox: what the first correct submission of a class
    would record (see :func:`_search_or_replay`), one public search per group and, with a
    ``secret``, one hidden search per group, as :func:`_grade_group` runs them.

    A batch draws them once, while its workers start, and every worker replays them from
    its first submission (:func:`install_drawn`) instead of each running the same search.
    A submission that fails a replayed case gets the real search, so grades do not change.
    """
    from grader.checker.memo import Memo, cache_key

    if secret is not None:
        _secret_bytes(secret)
    drawn: list[DrawnSearch] = []
    for group in exercise.groups:
        for tier, random_seed, examples in _group_searches(exercise, group, secret):
            scratch = Memo(cache_key(exercise), None)  # this search's record only, recorded as grading records
            _search_or_replay(exercise, group, lambda case: _Evaluation(case, None), scratch, catalogue=False,
                              random_seed=random_seed, examples=examples)
            ((name, run),) = scratch.runs.items()
            drawn.append((tier, group.name, name, run.cases))
    return drawn


def install_drawn(exercise: CodeExercise, drawn: list[DrawnSearch]) -> None:
    """Record :func:`draw_cases`'s searches in this process's memos of ``exercise`` (the
    same exercise object, or one with the same groups), unless already recorded."""
    from grader.checker.memo import Memo

    groups = {group.name: group for group in exercise.groups}
    for tier, group_name, name, cases in drawn:
        group = groups.get(group_name)
        memo = Memo.for_exercise(exercise, tier=tier)
        if group is not None and memo.recorded(name, group, catalogue=False) is None:
            memo.record(name, group, cases)


def _diagnose(exercise: CodeExercise, group: PropertyGroup, smallest: _Evaluation,
              failures: list[_Evaluation]):
    """The catalogued misconception that alone explains every failing case of the group, or None.

    Right or silent. The evidence is up to ``_DIAGNOSIS_CASES`` distinct failing cases: the
    smallest first, then the others in the order they were found (the first draws, the most
    varied, before the shrunk ones).

    * A group with a custom property (random layers) diagnoses each case itself
      (``Failure.misconception``): a key is named only when every case the student answered
      carries that same key.
    * Otherwise, on the cases where the student returned data, each catalogued alternative
      reference of the group's function is computed; it explains a case when the student's
      output equals it (values compared, even in shape-only groups: equal shapes prove
      little), and an alternative that raises on a case does not explain it. The one entry
      that explains every case is named. When two or more do, these cases cannot tell the
      mistakes apart (one-sided padding of 1 and an output one row short give the same
      array; a window not offset by the stride and a stride=None read as 1 too, when the
      stride is None: avgpool2d's default-stride group asks the student once more, with the
      stride given, to tell them apart), and naming one of them would be a guess: nothing is
      named.
    """
    unique, seen = [], set()
    for e in (smallest, *failures):
        if e.failure is not None and e.case.key() not in seen:
            seen.add(e.case.key())
            unique.append(e)
    if group.prop is not None:
        answered = [e for e in unique if e.verdict == "ok"][:_DIAGNOSIS_CASES]
        keys = {e.failure.misconception for e in answered}
        if len(keys) != 1 or None in keys:
            return None
        key = keys.pop()
        return next((m for m in exercise.misconceptions if m.key == key), None)
    comparable = [e for e in unique if e.comparable][:_DIAGNOSIS_CASES]
    if not comparable:
        return None

    def explains(m, e: _Evaluation) -> bool:
        try:
            alternative = m.reference(*e.case.args, **e.case.kwargs)
        except Exception:  # the mistaken formula is undefined on this input: it explains nothing
            return False
        return _compare(exercise, group, e.got, alternative, values=True) is None

    explaining = [m for m in exercise.misconceptions
                  if m.function == group.function and m.reference is not None
                  and all(explains(m, e) for e in comparable)]
    return explaining[0] if len(explaining) == 1 else None


def _inputs(exercise: CodeExercise, group: PropertyGroup, case: Case) -> list[tuple[str, Any]]:
    names = exercise.function(group.function).param_names
    named = [(names[i] if i < len(names) else f"arg{i}", a) for i, a in enumerate(case.args)]
    return named + list(case.kwargs.items())


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        if value.size > _JSON_MAX_SIZE:
            return {"shape": list(value.shape), "summary": "too large to list"}
        return value.tolist()
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return repr(value)


def _counterexample(exercise: CodeExercise, group: PropertyGroup, ev: _Evaluation, *, hidden: bool = False):
    """(text block, JSON-able dict) describing the smallest failing case (``hidden``: one of
    the hidden cases, which the text says, since ``check`` never showed it)."""
    inputs = _inputs(exercise, group, ev.case)
    lines = ["Smallest failing input (a hidden case: cnngrade check does not draw it):" if hidden
             else "Smallest failing input:"]
    lines += [f"    {name} = {format_array(value, indent='        ')}" for name, value in inputs]
    data: dict[str, Any] = {"inputs": {name: _jsonable(v) for name, v in inputs}}
    if hidden:
        data["hidden"] = True
    if ev.expected is not None:
        expected = _select(exercise, group, ev.expected)
        data["expected"] = {str(n or "out"): _jsonable(v) for n, v in expected}
        lines.append("Expected:")
        lines += [f"    {n or 'out'} = {format_array(v, indent='        ')}" for n, v in expected]
        if ev.comparable:
            fn = exercise.function(group.function)
            got = _select(exercise, group, ev.got) if (not fn.returns or (
                isinstance(ev.got, tuple) and len(ev.got) == len(fn.returns))) else [(None, ev.got)]
            data["got"] = {str(n or "out"): _jsonable(v) for n, v in got}
            lines.append("Got:")
            lines += [f"    {n or 'out'} = {format_array(v, indent='        ')}" for n, v in got]
            for (n, g), (_, e) in zip(got, expected):
                if isinstance(g, np.ndarray) and g.shape == e.shape and g.dtype.kind in "biuf":
                    where = where_different(g, e, exercise.tolerance)
                    if where:
                        lines.append(f"Differs{'' if n is None else ' in ' + n} at index: {where}")
    return "\n".join(lines), data


def _run_problem(evaluations: list[_Evaluation]) -> _Evaluation | None:
    """The evaluation with the most serious run problem (see RUN_PROBLEMS), the first such."""
    problems = [e for e in evaluations if e.verdict in RUN_PROBLEMS]
    return min(problems, key=lambda e: RUN_PROBLEMS.index(e.verdict), default=None)


def _grade_group(exercise: CodeExercise, group: PropertyGroup, sandbox, engine: _Engine, *,
                 secret: str | bytes | None = None) -> tuple[TestResult, list[_Evaluation]]:
    """The group's result, and its evaluations with a run problem (RUN_PROBLEMS), in order.

    The public search first; with a ``secret``, then the hidden one, only if the public
    cases pass (a failure there is already the group's counterexample, and shorter to find).
    """
    memos = {"public": engine.public, "hidden": engine.hidden}
    smallest, failures, hidden = None, [], False
    for tier, random_seed, examples in _group_searches(exercise, group, secret):
        memo = memos[tier]

        def evaluate(case: Case, memo=memo) -> _Evaluation:
            return _evaluate(exercise, group, sandbox, case, engine, memo)

        smallest, failures = _search_or_replay(exercise, group, evaluate, memo, catalogue=engine.catalogue,
                                               random_seed=random_seed, examples=examples)
        if smallest is not None:  # a public failure is the counterexample: the hidden search is not run
            hidden = tier == "hidden"
            break
    if smallest is None:
        return TestResult(group.name, float(group.points), float(group.points), PASSED,
                          output=f"{group.description} Passed."), []
    engine.ready()  # the misconceptions' alternative references compute with torch
    misconception = _diagnose(exercise, group, smallest, failures)
    text, data = _counterexample(exercise, group, smallest, hidden=hidden)
    parts = [group.description, f"Failed: {smallest.failure.message}"]
    if misconception is not None:
        parts.append(f"Diagnosis: {misconception.message}")
    parts.append(text)
    problems = [e for e in [smallest, *failures] if e.verdict in RUN_PROBLEMS]
    return (TestResult(group.name, 0.0, float(group.points), FAILED, output="\n".join(parts),
                       counterexample=data, misconception=misconception.key if misconception else None),
            problems)


def error_result(exercise: CodeExercise, *, submission: str, verdict: str, message: str,
                 duration_s: float = 0.0) -> SubmissionResult:
    """Status "error": the submission could not be run at all; every group scores 0."""
    tests = [TestResult(g.name, 0.0, float(g.points), ERROR, output=message) for g in exercise.groups]
    return SubmissionResult(submission=submission, exercise=exercise.name, score=0.0,
                            max_score=exercise.max_score, status=ERROR, tests=tests,
                            feedback=f"{exercise.name}: 0/{exercise.max_score:g} points.\n{message}",
                            verdict=verdict, duration_s=duration_s)


def _feedback(exercise: CodeExercise, score: float, tests: list[TestResult],
              problem: _Evaluation | None = None) -> str:
    lines = [f"{exercise.name}: {score:g}/{exercise.max_score:g} points."]
    if problem is not None:
        # "[timeout] timed out after 10 s in conv2d_forward": the batch report quotes this line.
        lines.append(f"[{problem.verdict}] {problem.failure.message}")
    for t in tests:
        lines.append(f"[{t.status}] {t.name}: {t.score:g}/{t.max_score:g}")
    from grader.checker.display import failing_group_texts

    for t, text in failing_group_texts(tests):
        lines += ["", f"## {t.name} ({t.score:g}/{t.max_score:g})", text]
    return "\n".join(lines)


def grade_in_sandbox(exercise: CodeExercise, sandbox, *, submission: str, defined: set[str],
                     filename: str = "solution.py", started: float | None = None,
                     secret: str | bytes | None = None) -> SubmissionResult:
    """Grade every group of ``exercise`` against a loaded sandbox whose code defines ``defined``.

    ``sandbox``: anything with ``call(name, *args, **kwargs)`` returning a
    :class:`grader.sandbox.CallResult` (a real :class:`grader.sandbox.Sandbox` when grading).
    ``secret``: None grades the public cases only (``cnngrade check``); an instructor secret
    also draws each group's hidden cases from it (``cnngrade grade``), see :func:`hidden_seed`.
    """
    started = time.perf_counter() if started is None else started
    if secret is not None:
        _secret_bytes(secret)  # a bad secret is the caller's mistake: say so before any call
    with contextlib.ExitStack() as stack:
        engine = _Engine(exercise, stack, secret=secret)
        tests, problems = _grade_groups(exercise, sandbox, engine, defined=defined, filename=filename,
                                        secret=secret)
    engine.public.save()
    score = float(sum(t.score for t in tests))
    status = PASSED if score == exercise.max_score else FAILED
    keys = list(dict.fromkeys(t.misconception for t in tests if t.misconception))
    # A call that timed out or crashed costs only its group's points, but the submission's
    # verdict says so (status stays "failed": it did run; "error" means it could not run at all).
    problem = _run_problem(problems)
    return SubmissionResult(submission=submission, exercise=exercise.name, score=score,
                            max_score=exercise.max_score, status=status, tests=tests,
                            feedback=_feedback(exercise, score, tests, problem),
                            verdict=problem.verdict if problem else "ok",
                            misconceptions=keys, duration_s=time.perf_counter() - started)


def _skipped(group: PropertyGroup, timed_out: _Evaluation) -> TestResult:
    """A group not run because an earlier call timed out (see the module docstring)."""
    message = (f"not run: an earlier call timed out ({timed_out.failure.message}); after a timeout the "
               f"remaining groups are skipped, so a runaway costs one time limit, not one per group.")
    return TestResult(group.name, 0.0, float(group.points), FAILED,
                      output=f"{group.description}\nFailed: {message}")


def _grade_groups(exercise: CodeExercise, sandbox, engine: _Engine, *, defined: set[str], filename: str,
                  secret: str | bytes | None = None) -> tuple[list[TestResult], list[_Evaluation]]:
    tests: list[TestResult] = []
    problems: list[_Evaluation] = []
    # Only a timeout stops the run: it costs the whole call limit again on every later call,
    # whereas a crash or a memory error costs a restart (~0.1 s) and often hits one case only.
    timed_out: _Evaluation | None = None
    for group in exercise.groups:
        if group.function not in defined:
            message = f"{filename} defines no function {group.function}; the exercise asks for it."
            tests.append(TestResult(group.name, 0.0, float(group.points), FAILED,
                                    output=f"{group.description}\nFailed: {message}"))
            continue
        if timed_out is not None:
            tests.append(_skipped(group, timed_out))
            continue
        test, group_problems = _grade_group(exercise, group, sandbox, engine, secret=secret)
        tests.append(test)
        problems += group_problems
        timed_out = next((e for e in group_problems if e.verdict == "timeout"), None)
    return tests, problems
