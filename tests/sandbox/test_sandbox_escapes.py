"""The escape corpus (tests/sandbox/escapes/*.py, issue 10's "Must show"): each attack is
graded in a class next to two correct neighbours, under every kernel-enforced layer this
machine offers (``grader.sandbox.kernel_layers()``), and must be contained.

For each attack and layer, a grading process (a separate ``python``, tagged
``cnngrade-escape-grader``, cwd = the world's cwd, HOME = the world's home, the canary
secret in its environment) runs ``grade_class(..., jobs=1, sandbox_options={"isolation":
layer, "limits": short limits})``. The test asserts:

- the grading process exited normally (not killed, not stopped) and grade_class returned;
- the neighbours' results (grades.json, results.json, feedback.md, the cache) are exactly
  those of a reference run of the same class with the attacker replaced by its honest part,
  and the attacker's score is at most that honest part's;
- OUT holds exactly the files a reference run writes (plus the instructor's untouched
  notes.txt), and its cache exactly the reference schema and one row per submission, each
  equal to grades.json;
- nothing outside the run folder changed: the class folder, the grader's cwd and home
  (content, mode, xattrs), OUT's notes; no new entry in /tmp, /var/tmp, /dev/shm carrying
  ``cnngrade-escape`` (every residue of this corpus does) or a secret, in its name or
  content (entries are not judged merely for being new: other processes of a shared
  machine create temporary files there all the time); the run folders deleted;
- no secret in OUT (any file, the sqlite cache and journals included): the canary of the
  grader's environment and of its files, as text or as byte values, nor a line of
  /etc/shadow;
- no process survives: none with the runs' tokens, none an attack tagged;
- nothing reached the test's TCP listener on 127.0.0.1.

Layers: ``kernel_layers()``; with none usable the tests skip, saying so. To prove the
assertions can fail, ``CNNGRADE_ESCAPE_LAYERS=portable`` (any comma-separated isolation
values) forces those layers instead; the weak layers fail them, e.g.
``CNNGRADE_ESCAPE_LAYERS=portable python -m pytest tests/sandbox/test_sandbox_escapes.py``.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import time
from pathlib import Path

import pytest
from escape_support import (ATTACKER, ATTACKS, NEIGHBOURS, SO_PLACEHOLDER, Listener, World,
                            attack_source, build_native_so, cache_state, comparable,
                            grade_world, honest_source, kill_marker_processes, leaks,
                            make_world, marker_processes, marker_residue, meta_snapshot,
                            new_entries, out_files, remove_marker_residue, remove_path,
                            remove_world, run_processes_since, secret_texts, watched_entries)
from sandbox_support import SECRET_VALUE, leftover_processes


def _layers() -> tuple[list[str], str]:
    forced = os.environ.get("CNNGRADE_ESCAPE_LAYERS", "").strip()
    if forced:
        return [x.strip() for x in forced.split(",") if x.strip()], ""
    try:
        from grader.sandbox import kernel_layers
    except ImportError:
        return [], "grader.sandbox has no kernel_layers(): no kernel-enforced layer to test"
    layers = list(kernel_layers())
    return layers, "" if layers else ("no kernel-enforced sandbox layer (bwrap, linux) works "
                                      "on this machine: nothing that grade accepts to attack")


LAYERS, NO_LAYER = _layers()
PARAMS = ([pytest.param(a, layer, id=f"{a}-{layer}") for layer in LAYERS for a in ATTACKS]
          or [pytest.param(a, None, id=a, marks=pytest.mark.skip(reason=NO_LAYER))
              for a in ATTACKS])


@pytest.fixture(scope="session")
def native_so():
    """The attack's extension, compiled here as the student would on their own machine:
    (bytes, "") or (None, why it cannot be built)."""
    with tempfile.TemporaryDirectory(prefix="cnngrade-native-") as workdir:
        return build_native_so(Path(workdir))


@pytest.fixture(scope="session")
def reference():
    """Per layer and honest part: the same class graded with the attacker replaced by its
    honest part (every attack file carries the same one, so this runs once per layer)."""
    cache: dict[tuple[str, str], dict] = {}

    def get(layer: str, honest: str) -> dict:
        key = (layer, honest)
        if key not in cache:
            world = make_world(honest, prefix="cnngrade-ref-")
            try:
                graded = grade_world(world, layer)
                assert graded.returncode == 0 and graded.summary, (
                    f"the reference class does not grade under {layer}: {graded.stderr[-2000:]}")
                by_name = {r["submission"]: r for r in graded.summary["results"]}
                assert all(by_name[n]["score"] == by_name[n]["max_score"] for n in NEIGHBOURS), (
                    f"a correct neighbour does not get full marks under {layer}")
                assert by_name[ATTACKER]["score"] < by_name[ATTACKER]["max_score"], (
                    "the honest part must leave marks for an attack to steal")
                cache[key] = {
                    "results": by_name,
                    "files": {n: {f: (world.out / n / f).read_text() for f in
                                  ("results.json", "feedback.md") if (world.out / n / f).exists()}
                              for n in by_name},
                    "out_files": out_files(world.out),
                    "schema": cache_state(world.out)[0],
                }
            finally:
                remove_world(world)
        return cache[key]

    return get


@pytest.fixture
def escape_world():
    """Builds the world, cleans every marked residue before and after, kills tagged
    processes an attack left, removes the world (xattrs included)."""
    made: list[World] = []
    remove_marker_residue()
    entries = watched_entries()

    def build(code: str) -> World:
        world = make_world(code)
        made.append(world)
        return world

    yield build
    kill_marker_processes()
    remove_marker_residue()
    for world in made:
        remove_world(world)
    for path in new_entries(entries, watched_entries(), []):  # e.g. a killed grader's run folder
        remove_path(path)


def _materialise(name: str, native_so) -> str:
    code = attack_source(name)
    if SO_PLACEHOLDER in code:
        data, why = native_so
        if data is None:
            pytest.skip(why)
        code = code.replace(SO_PLACEHOLDER, base64.b64encode(data).decode())
    return code


@pytest.mark.parametrize("attack, layer", PARAMS)
def test_escape_is_contained(attack, layer, escape_world, reference, native_so):
    code = _materialise(attack, native_so)
    ref = reference(layer, honest_source(code))
    world = escape_world(code)
    watched = {"class": world.klass, "cwd": world.cwd, "home": world.home}
    before = {k: meta_snapshot(p) for k, p in watched.items()}
    notes_before = meta_snapshot(world.out)
    entries_before = watched_entries()
    started = time.time()
    listener = Listener()
    try:
        graded = grade_world(world, layer)
    finally:
        listener.close()
    problems: list[str] = []

    # The grading process lived and grade_class returned.
    if graded.timed_out:
        problems.append(f"the grading process hung (stopped?) for {graded.duration_s:.0f} s")
    elif graded.returncode != 0 or graded.summary is None:
        problems.append(f"the grading process ended with status {graded.returncode} without "
                        f"a summary (killed by the attack?): {graded.stderr.strip()[-800:]}")

    # Grades: neighbours exactly as in the reference, the attacker no better than honest.
    grades_path = world.out / "grades.json"
    grades = ({r["submission"]: r for r in json.loads(grades_path.read_text())}
              if grades_path.exists() else {})
    for name in NEIGHBOURS:
        want = comparable(ref["results"][name])
        if name not in grades or comparable(grades[name]) != want:
            got = grades.get(name, {})
            problems.append(f"neighbour {name}: grades.json has {got.get('score')}/"
                            f"{got.get('max_score')} ({got.get('status')}, {got.get('verdict')}), "
                            f"not the reference {want['score']}/{want['max_score']}")
        for fname, text in ref["files"][name].items():
            path = world.out / name / fname
            if not path.exists() or _normal(fname, path.read_text()) != _normal(fname, text):
                problems.append(f"neighbour {name}: {fname} differs from the reference")
    honest = ref["results"][ATTACKER]["score"]
    mine = grades.get(ATTACKER, {})
    if mine.get("verdict") == "timeout" and mine.get("status") == "error":
        problems.append("the attacker's import timed out: the attack did not run to its end, so "
                        "this run proves nothing (a loaded machine? rerun)")
    if ATTACKER in grades and grades[ATTACKER]["score"] > honest:
        problems.append(f"the attacker got {grades[ATTACKER]['score']} in grades.json, its honest "
                        f"part earns {honest}")
    if graded.summary:
        for r in graded.summary["results"]:
            if r["submission"] == ATTACKER and r["score"] > honest:
                problems.append(f"the attacker's result says {r['score']}, honest is {honest}")

    # OUT: exactly the files grade writes, the instructor's notes untouched, a clean cache.
    extra = out_files(world.out) - ref["out_files"] - {"notes.txt"}
    missing = ref["out_files"] - out_files(world.out)
    if extra or missing:
        problems.append(f"OUT files differ from a clean run: extra {sorted(extra)}, "
                        f"missing {sorted(missing)}")
    if meta_snapshot(world.out).get("notes.txt") != notes_before.get("notes.txt"):
        problems.append("OUT/notes.txt (not written by grade) changed")
    try:
        schema, rows = cache_state(world.out)
        if schema != ref["schema"]:
            problems.append(f"the cache's schema changed: {sorted(schema - ref['schema'])}")
        if sorted(rows) != sorted(grades) or any(len(v) != 1 for v in rows.values()):
            problems.append(f"the cache holds rows for {sorted(rows)} ({sum(map(len, rows.values()))}"
                            f" rows), grades.json for {sorted(grades)}")
        for name, stored in rows.items():
            if name in grades and comparable(stored[0]) != comparable(grades[name]):
                problems.append(f"the cache's result of {name} differs from grades.json")
    except Exception as exc:  # unreadable, missing, not a database
        problems.append(f"the cache cannot be read: {type(exc).__name__}: {exc}")

    # Nothing outside the run folder changed.
    for key, path in watched.items():
        after = meta_snapshot(path)
        if after != before[key]:
            changed = sorted(k for k in set(after) | set(before[key])
                             if after.get(k) != before[key].get(k))
            problems.append(f"{key} folder changed: {changed[:8]}")
    appeared = new_entries(entries_before, watched_entries(), [SECRET_VALUE, world.canary])
    residue = sorted(set(appeared) | set(marker_residue()))
    if residue:
        problems.append(f"new entries outside: {residue[:12]}")
    left = [d for d in graded.workdirs() if os.path.exists(d)]
    if left:
        problems.append(f"run folders left behind: {left}")

    # No secret in any output.
    found = leaks(world.out, [SECRET_VALUE, world.canary], secret_texts())
    if found:
        problems.append(f"secrets in OUT: {found[:8]}")

    # No process survives (a second's grace for the last kill to land).
    tokens = graded.tokens()
    deadline = time.monotonic() + 1.5
    while True:
        alive = set(leftover_processes(tokens) if tokens else run_processes_since(started))
        alive |= set(marker_processes())
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if alive:
        problems.append(f"processes survived the run: {sorted(alive)}")

    if listener.port is None:
        problems.append("the test could not listen on any of 127.0.0.1:47300-47309")
    elif listener.received:
        problems.append(f"the sandbox reached 127.0.0.1:{listener.port}: {listener.received[:2]}")

    assert not problems, f"{attack} under {layer} was not contained:\n- " + "\n- ".join(problems)


def _normal(fname: str, text: str) -> object:
    """results.json carries a timing; feedback.md does not."""
    if fname == "results.json":
        data = json.loads(text)
        data.pop("execution_time", None)
        return data
    return text


def test_corpus_is_well_formed():
    """Every attack is a plain conv2d-forward submission with a docstring saying what it
    attacks, what success and containment look like, and the same honest part (whose
    score is the attacker's ceiling). Needs no sandbox."""
    import ast

    assert len(ATTACKS) == 11, ATTACKS
    honest = {honest_source(attack_source(a)) for a in ATTACKS}
    assert len(honest) == 1, "the attack files' honest parts differ"
    for name in ATTACKS:
        tree = ast.parse(attack_source(name))
        doc = ast.get_docstring(tree) or ""
        assert "What it attacks" in doc and "successful attack" in doc and "Contained" in doc, name
        defs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
        args = [a.arg for a in defs["conv2d_forward"].args.args]
        assert args == ["x", "w", "b", "stride", "padding"], name
