"""The catalogue's contract: every exercise brings all its pieces, so adding one is one module
plus its files, and no test keeps a list of exercises.

Walks ``exercises.all_exercises()``. A code exercise needs its model solution
``solutions/<module>.py`` (full marks with the real budget), a folder
``tests/checker/submissions/<module>/`` with a buggy file whose ``# expect:`` names each
catalogued misconception, the three generic bug files, at least three correct styles, and its
row in DESIGN.md 3.1 with the exact signatures. A paper exercise needs its independent
closed-form check ``tests/paper/closed_forms/test_closed_form_<module>.py``, naming the
exercise, without the reference engine. The checks take the repository root as a parameter,
so the last tests point them at a copied tree with pieces missing and read what they say.
"""

from __future__ import annotations

import ast
import pkgutil
import re
import shutil
import sys
from pathlib import Path

import pytest

import exercises

ROOT = Path(__file__).resolve().parents[1]
# The submission files' header lines are read by the checker tests' helpers (one parser).
sys.path.insert(0, str(ROOT / "tests" / "checker"))
from checker_support import SILENT, expectation, failing_group, lost_groups, module_of  # noqa: E402

from grader.checker import check_submission  # noqa: E402

#: The bug files every code exercise has, whatever its misconceptions.
GENERIC_BUGS = ("bug_off_by_one", "bug_transposed_axis", "bug_wrong_default")
_SIGNATURE = re.compile(r"`(\w+)\(([^`]*)\)`")


def _arguments(params: str) -> str:
    """A parameter list in one canonical spelling (``x,stride = 1`` -> ``x, stride=1``)."""
    return ast.unparse(ast.parse(f"def f({params}): pass").body[0].args)


def design_signatures(exercise, root: Path = ROOT) -> dict[str, str] | None:
    """The functions DESIGN.md 3.1 gives ``exercise`` (name -> parameters, canonical), or None
    when its table has no row for it. Names in the row that are not the exercise's functions
    (``relu(conv(...))`` in a formula) are left out."""
    text = (root / "DESIGN.md").read_text(encoding="utf-8")
    section = text.split("### 3.1", 1)[-1].split("\n### ", 1)[0]
    wanted = {f.name for f in exercise.functions}
    for row in section.splitlines():
        cells = row.split("|")
        if len(cells) > 2 and re.match(rf"\s*`{re.escape(exercise.name)}`", cells[1]):
            return {name: _arguments(params) for name, params in _SIGNATURE.findall(row) if name in wanted}
    return None


def code_exercise_gaps(exercise, module: str, root: Path = ROOT) -> list[str]:
    """What the code exercise defined in ``exercises/<module>.py`` lacks, one sentence each."""
    gaps = []
    if not (root / "solutions" / f"{module}.py").is_file():
        gaps.append(f"no model solution solutions/{module}.py")
    folder = root / "tests" / "checker" / "submissions" / module
    where = f"tests/checker/submissions/{module}/"
    files = sorted(folder.glob("*.py"))
    if not files:
        gaps.append(f"no buggy or correct submissions in {where}")
    expects = {p.name: expectation(p) for p in files}
    named = set(expects.values())
    missing = [m.key for m in exercise.misconceptions if m.key not in named]
    if missing:
        gaps.append(f"no buggy file in {where} whose '# expect:' names {', '.join(missing)}")
    unknown = named - {m.key for m in exercise.misconceptions} - {None, SILENT, "-"}
    if unknown:
        gaps.append(f"'# expect:' lines in {where} name misconceptions the exercise does not have: "
                    f"{', '.join(sorted(unknown))}")
    for bug in GENERIC_BUGS:
        if not (folder / f"{bug}.py").is_file():
            gaps.append(f"no {where}{bug}.py (every code exercise has the three generic bug files)")
    for name, key in expects.items():
        if key is None and name.startswith("bug_"):
            gaps.append(f"{where}{name} has no '# expect:' line (it would be graded as a correct file)")
    correct = sorted(name for name, key in expects.items() if key is None and not name.startswith("bug_"))
    if len(correct) < 3:
        gaps.append(f"{len(correct)} correct style(s) in {where} ({', '.join(correct) or 'none'}); at least 3 "
                    "(e.g. loops, vectorised, einsum/im2col)")
    groups = {g.name for g in exercise.groups}
    for p in files:
        claimed = (lost_groups(p) or set()) | ({failing_group(p)} - {None})
        if claimed - groups:
            gaps.append(f"{where}{p.name} names groups the exercise does not have: {', '.join(sorted(claimed - groups))}")
    design = design_signatures(exercise, root)
    mine = {f.name: _arguments(f.params) for f in exercise.functions}
    if design is None:
        gaps.append(f"DESIGN.md 3.1 has no row for `{exercise.name}` (its functions and exact signatures)")
    elif design != mine:
        gaps.append(f"DESIGN.md 3.1 gives {exercise.name} {design}; the exercise defines {mine}")
    return gaps


def paper_exercise_gaps(exercise, module: str, root: Path = ROOT) -> list[str]:
    """What the paper exercise defined in ``exercises/<module>.py`` lacks, one sentence each."""
    path = f"tests/paper/closed_forms/test_closed_form_{module}.py"
    if not (root / path).is_file():
        return [f"no closed-form check {path} (its answers recomputed from formulas written there)"]
    text = (root / path).read_text(encoding="utf-8")
    tree = ast.parse(text)
    gaps = []
    if not any(isinstance(n, ast.FunctionDef) and n.name.startswith("test_") for n in ast.walk(tree)):
        gaps.append(f"{path} has no test function")
    if f'"{exercise.name}"' not in text and f"'{exercise.name}'" not in text:
        gaps.append(f"{path} never names the exercise {exercise.name!r} (so it cannot be checking it)")
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    engine = sorted(m for m in imported if m == "grader.reference" or m.startswith("grader.reference."))
    if engine:
        gaps.append(f"{path} imports the reference engine ({', '.join(engine)}); a closed form must be "
                    "independent of the code that computed the answers")
    return gaps


def exercise_gaps(exercise, module: str, root: Path = ROOT) -> list[str]:
    if exercise.kind == "code":
        return code_exercise_gaps(exercise, module, root)
    if exercise.kind == "paper":
        return paper_exercise_gaps(exercise, module, root)
    return [f"unknown kind {exercise.kind!r} (code or paper)"]


CATALOGUE = exercises.all_exercises()
CODE = sorted(n for n, e in CATALOGUE.items() if e.kind == "code")


def test_every_module_of_exercises_defines_one_exercise_of_its_own():
    modules = [m.name for m in pkgutil.iter_modules(exercises.__path__) if not m.name.startswith("_")]
    assert sorted(module_of(e) for e in CATALOGUE.values()) == sorted(modules), (
        "a module without EXERCISE, or two modules with one name, vanish from the catalogue")


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_exercise_has_every_piece(name):
    exercise = CATALOGUE[name]
    gaps = exercise_gaps(exercise, module_of(exercise))
    assert not gaps, f"{name}:\n  " + "\n  ".join(gaps)


@pytest.mark.parametrize("name", CODE)
def test_code_exercise_is_consistent_and_its_starter_follows_the_design(name):
    exercise = CATALOGUE[name]
    functions = {f.name for f in exercise.functions}
    keys = [m.key for m in exercise.misconceptions]
    assert len(keys) == len(set(keys)), "misconception keys are unique (grades.json reports them)"
    assert {m.function for m in exercise.misconceptions} <= functions
    assert {g.function for g in exercise.groups} == functions
    # A group without its own property compares with the function's reference.
    assert {g.function for g in exercise.groups if g.prop is None} <= set(exercise.references) <= functions
    assert len({g.name for g in exercise.groups}) == len(exercise.groups) and exercise.version
    starter = exercise.starter()
    assert starter.startswith(f"# cnngrade exercise: {name}\n")
    defined = {n.name: ast.unparse(n.args) for n in ast.parse(starter).body if isinstance(n, ast.FunctionDef)}
    assert defined == {f.name: _arguments(f.params) for f in exercise.functions}


@pytest.mark.parametrize("name", CODE)
def test_model_solution_scores_full_marks_with_the_real_budget(name):
    exercise = CATALOGUE[name]
    path = ROOT / "solutions" / f"{module_of(exercise)}.py"
    if not path.is_file():
        pytest.fail(f"no model solution {path.relative_to(ROOT)}")
    result = check_submission(path)
    assert result.exercise == name and result.status == "passed", result.feedback


# --- the contract fails when a piece is missing (on a copied tree) -------------------------


def _copy_code_pieces(root: Path, module: str) -> None:
    (root / "solutions").mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / f"{module}.py", root / "solutions")
    shutil.copytree(ROOT / "tests" / "checker" / "submissions" / module, root / "tests" / "checker" / "submissions" / module)
    shutil.copy(ROOT / "DESIGN.md", root / "DESIGN.md")


def test_the_code_contract_names_each_missing_piece(tmp_path):
    exercise = CATALOGUE["im2col"]
    _copy_code_pieces(tmp_path, "im2col")
    assert code_exercise_gaps(exercise, "im2col", tmp_path) == []
    folder = tmp_path / "tests" / "checker" / "submissions" / "im2col"
    (tmp_path / "solutions" / "im2col.py").unlink()
    (folder / "bug_col2im_overwrite.py").unlink()
    (folder / "bug_wrong_default.py").unlink()
    (folder / "correct_loops.py").unlink()
    text = (folder / "bug_off_by_one.py").read_text()
    (folder / "bug_off_by_one.py").write_text(text.replace("# expect: silent\n", "# fails: no_such_group\n"))
    design = (tmp_path / "DESIGN.md").read_text()
    (tmp_path / "DESIGN.md").write_text(design.replace("`col2im(cols, x_shape, kh,", "`col2im(cols, kh,"))
    assert code_exercise_gaps(exercise, "im2col", tmp_path) == [
        "no model solution solutions/im2col.py",
        "no buggy file in tests/checker/submissions/im2col/ whose '# expect:' names col2im_overwrite",
        "no tests/checker/submissions/im2col/bug_wrong_default.py (every code exercise has the three generic "
        "bug files)",
        "tests/checker/submissions/im2col/bug_off_by_one.py has no '# expect:' line (it would be graded as a "
        "correct file)",
        "2 correct style(s) in tests/checker/submissions/im2col/ (correct_fancy_indexing.py, "
        "correct_sliding_window.py); at least 3 (e.g. loops, vectorised, einsum/im2col)",
        "tests/checker/submissions/im2col/bug_off_by_one.py names groups the exercise does not have: no_such_group",
        "DESIGN.md 3.1 gives im2col {'im2col': 'x, kh, kw, stride=1, padding=0', 'col2im': 'cols, kh, kw, "
        "stride=1, padding=0'}; the exercise defines {'im2col': 'x, kh, kw, stride=1, padding=0', 'col2im': "
        "'cols, x_shape, kh, kw, stride=1, padding=0'}",
    ]
    shutil.rmtree(folder)
    (tmp_path / "DESIGN.md").write_text(design.replace("| `im2col`", "| `unfold`"))
    gaps = code_exercise_gaps(exercise, "im2col", tmp_path)
    assert "no buggy or correct submissions in tests/checker/submissions/im2col/" in gaps
    assert "DESIGN.md 3.1 has no row for `im2col` (its functions and exact signatures)" in gaps
    # ... and the solution, every misconception, the three generic files and the correct styles.
    assert len(gaps) == 2 + 1 + 1 + len(GENERIC_BUGS) + 1


def test_the_paper_contract_names_each_missing_piece(tmp_path):
    exercise = next(e for e in CATALOGUE.values() if e.kind == "paper")
    module = module_of(exercise)
    path = tmp_path / "tests" / "paper" / "closed_forms" / f"test_closed_form_{module}.py"
    relative = path.relative_to(tmp_path).as_posix()
    assert paper_exercise_gaps(exercise, module, tmp_path) == [
        f"no closed-form check {relative} (its answers recomputed from formulas written there)"]
    path.parent.mkdir(parents=True)
    path.write_text("from grader.reference import functional\n\n\ndef helper():\n    return 1\n")
    assert paper_exercise_gaps(exercise, module, tmp_path) == [
        f"{relative} has no test function",
        f"{relative} never names the exercise {exercise.name!r} (so it cannot be checking it)",
        f"{relative} imports the reference engine (grader.reference); a closed form must be independent of "
        "the code that computed the answers",
    ]
    path.write_text(f'def test_it():\n    assert "{exercise.name}"\n')
    assert paper_exercise_gaps(exercise, module, tmp_path) == []
