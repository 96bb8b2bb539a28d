"""Discovery of submissions (DESIGN.md 3.2): every layout and the edge cases around it."""

import json
import os

import pytest

from grader.batch.discovery import discover, load_source, name_problem, scan
from grader.errors import UserError
from grader.files import remove_tree

CODE = "def conv2d_forward(x, w, b, stride=1, padding=0):\n    return x\n"


def _notebook(code: str) -> str:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# notes"]},
             {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1, "source": [code]}]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "subs"
    root.mkdir()
    return root


def test_every_layout_of_the_contract_is_found_with_its_name(folder):
    (folder / "ada").mkdir()
    (folder / "ada" / "solution.py").write_text(CODE)
    (folder / "ada" / "helper.py").write_text(CODE)  # solution.py wins over other files
    (folder / "ben").mkdir()
    (folder / "ben" / "work.ipynb").write_text(_notebook(CODE))  # the folder's single notebook
    (folder / "chloe.py").write_text(CODE)
    (folder / "dan.ipynb").write_text(_notebook(CODE))
    (folder / "Émile Zola (late).py").write_text(CODE)  # spaces, accents, brackets are fine
    found = {s.name: s for s in discover(folder)}
    assert list(found) == ["ada", "ben", "chloe", "dan", "Émile Zola (late)"]
    assert found["ada"].source_path.name == "solution.py"
    assert found["ben"].source_path.name == "work.ipynb"
    assert all(s.problem is None for s in found.values())
    # the notebook's code cells are what gets graded
    assert load_source(found["dan"])[1].strip() == CODE.strip()


def test_non_submissions_are_skipped_and_listed(folder):
    (folder / "alice.py").write_text(CODE)
    for junk in ("roster.csv", ".DS_Store", "index.html", "__MACOSX"):
        (folder / junk).write_text("x") if "." in junk else (folder / junk).mkdir()
    result = scan(folder)
    assert [s.name for s in result.submissions] == ["alice"]
    assert sorted(result.skipped_names) == [".DS_Store", "__MACOSX", "index.html", "roster.csv"]
    assert all(s.reason for s in result.skipped)


def test_folders_that_cannot_be_graded_become_problems_not_errors(folder):
    (folder / "many").mkdir()
    (folder / "many" / "a.py").write_text(CODE)
    (folder / "many" / "b.py").write_text(CODE)
    (folder / "none").mkdir()
    (folder / "none" / "readme.txt").write_text("hi")
    (folder / "linked").mkdir()
    (folder / "linked" / "solution.py").symlink_to("/etc/hostname")
    (folder / "dir_named_solution").mkdir()
    (folder / "dir_named_solution" / "solution.py").mkdir()
    found = {s.name: s for s in discover(folder)}
    assert "several code files (a.py, b.py) and no solution.py" in found["many"].problem
    assert found["none"].problem == "the folder none/ holds no .py or .ipynb file to grade."
    assert found["linked"].problem == "linked/solution.py is a symbolic link; submit the file itself."
    assert found["dir_named_solution"].problem == "dir_named_solution/solution.py is not a regular file."
    digest, code, problem = load_source(found["linked"])
    assert code is None and problem == found["linked"].problem  # the link target is never read


def test_binary_and_invalid_files_get_a_sentence_and_a_hash(folder):
    (folder / "bin.py").write_bytes(b"import os\x00\xff\xfe")
    (folder / "bad.ipynb").write_text("{not json")
    found = {s.name: s for s in discover(folder)}
    digest, code, problem = load_source(found["bin"])
    assert code is None and len(digest) == 64
    assert "bin.py" in problem and "UTF-8" in problem and str(folder) not in problem
    assert load_source(found["bad"])[2] == "bad.ipynb is not a valid Jupyter notebook."


def test_content_hash_follows_the_bytes(folder):
    path = folder / "a.py"
    path.write_text(CODE)
    (submission,) = discover(folder)
    first = load_source(submission)[0]
    assert load_source(submission)[0] == first
    path.write_text(CODE + "# changed\n")
    assert load_source(submission)[0] != first


@pytest.mark.parametrize("setup, message", [
    (lambda root: root / "missing", "does not exist"),
    (lambda root: (root / "file.txt").write_text("x") and root / "file.txt", "is a file, not a folder"),
    (lambda root: root, "no submissions in"),
])
def test_folder_level_mistakes_are_user_errors(tmp_path, setup, message):
    with pytest.raises(UserError, match=message):
        discover(setup(tmp_path))


def test_only_skipped_entries_is_an_empty_class(folder):
    (folder / "roster.csv").write_text("submission\n")
    with pytest.raises(UserError, match=r"no submissions in .*skipped: roster.csv"):
        discover(folder)


def test_two_entries_with_one_name_are_refused(folder):
    (folder / "alice.py").write_text(CODE)
    (folder / "alice").mkdir()
    (folder / "alice" / "solution.py").write_text(CODE)
    with pytest.raises(UserError, match="give the submission name 'alice'"):
        discover(folder)


@pytest.mark.parametrize("entry, reason", [
    ("new\nline.py", "control character"),
    ("tab\there.py", "control character"),
    ("esc\x1b[2J.py", "control character"),
    ("back\\slash.py", "slash or a backslash"),
    ("\u202egood.py", "bidirectional-text control"),
    ("isolate\u2066x.py", "bidirectional-text control"),
    ("grades.json.py", "collides with a file cnngrade writes in OUT"),
    ("Report.HTML.py", "collides with a file cnngrade writes in OUT"),
    ("skipped.json", None),  # a folder, made below
    ("gradescope", None),  # a folder: the gradescope export's own folder
    ("x" * 210 + ".py", "longer than 200 bytes"),
])
def test_entries_whose_name_cannot_be_a_submission_are_skipped_with_the_reason(folder, entry, reason):
    (folder / "ok.py").write_text(CODE)
    if reason is None:  # folders named like cnngrade's own outputs
        (folder / entry).mkdir()
        (folder / entry / "solution.py").write_text(CODE)
        reason = "collides with a file cnngrade writes in OUT"
    else:
        (folder / entry).write_text(CODE)
    result = scan(folder)
    assert [s.name for s in result.submissions] == ["ok"]  # the class is still graded
    (skipped,) = result.skipped
    assert skipped.entry == entry and reason in skipped.reason and skipped.reason.endswith("rename it")


def test_a_name_that_is_not_utf8_is_skipped_and_shown_with_escapes(folder):
    (folder / "ok.py").write_text(CODE)
    os.close(os.open(os.fsencode(folder) + b"/bad\xffname.py", os.O_CREAT | os.O_WRONLY))
    result = scan(folder)
    assert [s.name for s in result.submissions] == ["ok"]
    (skipped,) = result.skipped
    assert skipped.entry == "bad\\xffname.py" and "not valid UTF-8" in skipped.reason
    json.dumps(skipped.to_dict(), ensure_ascii=False).encode("utf-8")  # writable anywhere


@pytest.mark.parametrize("name", ["ada", "Émile Zola (late)", "=HYPERLINK(x)", "<b>bold<b>", "名前", "a.b"])
def test_unusual_but_safe_names_are_submissions(name):
    assert name_problem(name) is None


def test_a_notebook_nested_too_deeply_is_an_error_sentence_not_a_crash(folder):
    depth = 100_000
    (folder / "deep.ipynb").write_text('{"cells": [], "metadata": {"x": ' + "[" * depth + "]" * depth + "}}")
    (submission,) = discover(folder)
    digest, code, problem = load_source(submission)
    assert code is None and problem == "deep.ipynb is nested too deeply to be read as a notebook." and len(digest) == 64


def test_a_folder_holding_a_tree_1500_levels_deep_is_graded_from_its_solution(folder):
    (folder / "deep").mkdir()
    (folder / "deep" / "solution.py").write_text(CODE)
    os.makedirs(folder / "deep" / "tree", exist_ok=True)
    here = os.getcwd()
    os.chdir(folder / "deep" / "tree")
    try:
        for _ in range(1500):
            os.mkdir("d")
            os.chdir("d")
    finally:
        os.chdir(here)
    try:
        (submission,) = discover(folder)
        assert submission.problem is None and load_source(submission)[1] == CODE
    finally:
        assert remove_tree(folder / "deep")  # pytest's own cleanup recurses, and would fail on it
