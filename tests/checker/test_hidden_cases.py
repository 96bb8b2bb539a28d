"""Visibility tiers (DESIGN.md 3.4): ``check`` grades the public cases, ``grade`` also hidden
ones drawn from an instructor secret.

The attack this guards against is built here with the package's own machinery: the real
grading code runs ``check``'s cases against a recording sandbox answering with the torch
reference, and the recorded answers become a submission that computes nothing.
"""

import os
import sqlite3
import stat

import numpy as np
from checker_support import SUBMISSIONS, quick

from grader.batch import grade_class
from grader.batch.cache import CACHE_FILENAME
from grader.batch.grading import SECRET_FILENAME
from grader.checker import CodeSource, check_submission, code_exercises
from grader.checker.grading import grade_in_sandbox, hidden_seed, secret_fingerprint
from grader.sandbox import CallResult

ROOT = SUBMISSIONS.parents[2]
EXERCISE = "conv2d-forward"
SECRET = "course-key-0123456789abcdef"
OTHER_SECRET = "another-course-key-fedcba9876543210"

# The key both sides compute: the recorder over what the grader sends, the table submission
# over what arrives in the child (arrays by dtype, shape and bytes; everything else by value).
KEY_SOURCE = '''
import hashlib
import numpy as np


def _key(name, args, kwargs):
    parts = [name]

    def add(value):
        if isinstance(value, np.ndarray):
            data = np.ascontiguousarray(value)
            parts.append(f"a{data.dtype.str}{data.shape}{hashlib.sha256(data.tobytes()).hexdigest()}")
        elif isinstance(value, (tuple, list)):
            parts.append("(")
            for item in value:
                add(item)
            parts.append(")")
        else:
            parts.append(repr(value.item() if hasattr(value, "item") else value))

    for value in args:
        add(value)
    for name in sorted(kwargs):
        parts.append(name)
        add(kwargs[name])
    return hashlib.sha256("|".join(parts).encode()).hexdigest()
'''
_namespace: dict = {}
exec(KEY_SOURCE, _namespace)
_key = _namespace["_key"]


class RecordingSandbox:
    """Stands in for the sandbox: answers every call with the reference and records it."""

    def __init__(self, exercise):
        self.exercise, self.table = exercise, {}

    def call(self, name, *args, **kwargs):
        value = self.exercise.references[name](*args, **kwargs)
        self.table[_key(name, args, kwargs)] = value
        return CallResult("ok", value)


def _record(exercise, *, secret=None) -> dict:
    recorder = RecordingSandbox(exercise)
    result = grade_in_sandbox(exercise, recorder, submission="recorder",
                              defined={f.name for f in exercise.functions}, secret=secret)
    assert result.score == exercise.max_score  # the reference passes, so nothing was shrunk
    return recorder.table


def _literal(value) -> str:
    if isinstance(value, tuple):
        return "(" + "".join(_literal(v) + ", " for v in value) + ")"
    return f"np.array({np.asarray(value).tolist()!r})"


def _table_submission(exercise, table: dict) -> str:
    """A submission that looks its inputs up in ``table`` and returns zeros otherwise."""
    entries = "".join(f"    {key!r}: {_literal(value)},\n" for key, value in table.items())
    functions = "".join(f"\n\ndef {f.name}(*args, **kwargs):\n"
                        f"    return TABLE.get(_key({f.name!r}, args, kwargs), np.zeros(1))\n"
                        for f in exercise.functions)
    return (f"# cnngrade exercise: {exercise.name}\n{KEY_SOURCE}\n\nTABLE = {{\n{entries}}}\n{functions}")


def _same(a, b) -> bool:
    """Equal results, timings aside."""
    a, b = a.to_dict(), b.to_dict()
    a.pop("duration_s"), b.pop("duration_s")
    return a == b


def test_a_table_of_the_public_cases_scores_full_marks_in_check_and_nothing_in_grade(tmp_path):
    exercise = code_exercises()[EXERCISE]
    table = _record(exercise)
    assert len(table) > 50  # every group's drawn cases and explicit edge cases
    path = tmp_path / "table.py"
    path.write_text(_table_submission(exercise, table), encoding="utf-8")

    public = check_submission(path)  # what `cnngrade check table.py` computes
    assert public.status == "passed" and public.score == exercise.max_score

    # Graded as `cnngrade grade` grades: the batch, its worker tasks, a secret file.
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "table.py").write_text(path.read_text(), encoding="utf-8")
    secret_file = tmp_path / "course.key"
    secret_file.write_text(SECRET + "\n")
    graded = grade_class(tmp_path / "class", exercise=EXERCISE, out_dir=tmp_path / "out", jobs=1,
                         secret_file=secret_file, progress=False, similarity=False)
    (hidden,) = list(graded)
    # It implements no group, so it keeps no point; each failure is a hidden case, shown.
    assert hidden.score == 0 and hidden.status == "failed"
    for test in hidden.tests:
        assert "Smallest failing input (a hidden case: cnngrade check does not draw it):" in test.output
        assert test.counterexample["hidden"] is True


def test_the_hidden_cases_depend_on_the_secret_and_include_the_public_ones():
    exercise = quick(EXERCISE, max_examples=3, shrink_budget=0)
    public = set(_record(exercise))
    first, again, other = (set(_record(exercise, secret=s)) for s in (SECRET, SECRET, OTHER_SECRET))
    assert first == again
    assert public < first and public < other
    assert first - public and other - public and not (first - public) & (other - public)
    # The seed is an HMAC of the secret, exercise and group: str and bytes name one secret.
    group = exercise.groups[0]
    assert hidden_seed(SECRET, exercise, group) == hidden_seed(SECRET.encode(), exercise, group.name)
    assert hidden_seed(SECRET, exercise, group) != hidden_seed(SECRET, exercise, exercise.groups[1])
    assert SECRET not in secret_fingerprint(SECRET) and len(secret_fingerprint(SECRET)) == 16


def test_the_same_secret_gives_identical_grades_and_a_correct_solution_passes_under_any_secret():
    exercise = quick(EXERCISE, max_examples=4, shrink_budget=8)
    correct = CodeSource.from_path(ROOT / "solutions" / "conv2d_forward.py")
    buggy = CodeSource.from_path(SUBMISSIONS / "conv2d_forward" / "bug_flipped_kernel.py")
    for source in (correct, buggy):
        first = check_submission(source, exercise=exercise, secret=SECRET)
        second = check_submission(source, exercise=exercise, secret=SECRET)
        assert _same(first, second)
    for secret in (SECRET, OTHER_SECRET):
        result = check_submission(correct, exercise=exercise, secret=secret)
        assert result.status == "passed" and result.score == exercise.max_score
    assert check_submission(buggy, exercise=exercise, secret=SECRET).score < exercise.max_score


def test_grade_creates_a_private_secret_in_out_reuses_it_and_the_cache_keys_on_its_fingerprint(tmp_path):
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "ada.py").write_text((ROOT / "solutions" / "conv2d_forward.py").read_text())
    out = tmp_path / "out"

    def grade(**kw):
        return grade_class(klass, exercise=EXERCISE, out_dir=out, jobs=1, max_examples=2,
                           progress=False, similarity=False, **kw)

    first = grade()
    secret_path = out / SECRET_FILENAME
    assert first.secret_created and first.secret_file == secret_path
    secret = secret_path.read_text().strip()
    assert len(secret) == 64 and set(secret) <= set("0123456789abcdef")
    assert stat.S_IMODE(os.stat(secret_path).st_mode) == 0o600
    assert first.regraded == ["ada"]

    again = grade()  # same OUT: same secret, nothing to regrade
    assert not again.secret_created and again.regraded == [] and secret_path.read_text().strip() == secret

    other = tmp_path / "other.key"
    other.write_text(OTHER_SECRET)
    assert grade(secret_file=other).regraded == ["ada"]  # another secret: graded again
    assert grade(secret_file=other).regraded == []
    assert secret_path.read_text().strip() == secret  # an explicit file never replaces OUT's

    # Only fingerprints reach the cache and the outputs, never a secret.
    versions = {row[0] for row in sqlite3.connect(out / CACHE_FILENAME).execute(
        "SELECT exercise_version FROM results")}
    assert {v.rsplit("+hidden=", 1)[1] for v in versions} == {secret_fingerprint(secret),
                                                              secret_fingerprint(OTHER_SECRET)}
    for path in out.rglob("*"):
        if path.is_file() and path != secret_path:
            data = path.read_bytes()
            assert secret.encode() not in data and OTHER_SECRET.encode() not in data, path


def test_cli_secret_file_mistakes_exit_2_before_writing_and_the_env_var_names_the_file(tmp_path):
    from click.testing import CliRunner

    from cli import main

    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "ada.py").write_text((ROOT / "solutions" / "conv2d_forward.py").read_text())
    out = tmp_path / "out"
    args = ["grade", str(klass), "--exercise", EXERCISE, "--out", str(out), "--jobs", "1",
            "--max-examples", "1", "--no-similarity", "--quiet"]
    (tmp_path / "short.key").write_text("too short\n")
    for secret_file, message in [(tmp_path / "none.key", "does not exist"),
                                 (tmp_path / "short.key", "has 9 characters; use at least 16")]:
        result = CliRunner().invoke(main, [*args, "--secret-file", str(secret_file)])
        assert result.exit_code == 2, result.output
        assert result.output.startswith(f"Error: the secret {'file ' if 'exist' in message else 'in '}{secret_file}")
        assert message in result.output.splitlines()[0]
        assert not out.exists()

    key = tmp_path / "course.key"
    key.write_text(SECRET + "\n")
    result = CliRunner().invoke(main, args, env={"CNNGRADE_SECRET_FILE": str(key)})
    assert result.exit_code == 0, result.output
    assert not (out / SECRET_FILENAME).exists()
    (version,) = {row[0] for row in sqlite3.connect(out / CACHE_FILENAME).execute(
        "SELECT exercise_version FROM results")}
    assert version.endswith(f"+hidden={secret_fingerprint(SECRET)}")
    # Students never see the secret: check takes none.
    assert "secret" not in CliRunner().invoke(main, ["check", "--help"]).output.lower()


def test_a_submission_cannot_read_the_secret_while_grade_grades_it(tmp_path):
    """grade runs on a kernel layer, whose filesystem view holds no OUT: a submission that
    knows where the secret lies still cannot read it, nor show it in its feedback."""
    out = tmp_path / "out"
    secret_path = out / SECRET_FILENAME
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "mallory.py").write_text(f'''import os


def conv2d_forward(x, w, b, stride=1, padding=0):
    found = []
    for path in ({str(secret_path)!r}, {str(tmp_path / "course.key")!r}):
        try:
            with open(path) as handle:
                found.append(handle.read())
        except Exception as exc:
            found.append(type(exc).__name__)
    raise RuntimeError("leak:" + "|".join(found) + "|" + repr(sorted(os.environ.items())))
''')
    (tmp_path / "course.key").write_text(SECRET)
    for secret_file in (None, tmp_path / "course.key"):
        graded = grade_class(klass, exercise=EXERCISE, out_dir=out, jobs=1, max_examples=1, progress=False,
                             similarity=False, secret_file=secret_file)
        (result,) = list(graded)
        assert "leak:" in result.feedback  # the attempt ran, and found nothing
        secrets = [secret_path.read_text().strip(), SECRET]
        for path in out.rglob("*"):
            if path.is_file() and path != secret_path:
                assert not any(s.encode() in path.read_bytes() for s in secrets), path


def test_creating_the_secret_never_replaces_one_another_run_created(tmp_path):
    from grader.batch.grading import _create_secret, read_secret

    path = tmp_path / ".cnngrade" / "secret"
    first = _create_secret(path)
    assert _create_secret(path) == first == read_secret(path)  # the second run takes the first's
    assert [p.name for p in path.parent.iterdir()] == ["secret"]  # no temporary file left behind
    assert stat.S_IMODE(os.stat(path.parent).st_mode) & 0o077 == 0  # a private folder when new
