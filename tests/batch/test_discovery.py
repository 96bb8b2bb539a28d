"""Discovery of submissions (DESIGN.md 3.2): every layout and the edge cases around it."""

import json
import os

import pytest

from grader.batch.discovery import discover, load_source, scan
from grader.errors import UserError

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
    assert sorted(result.skipped) == [".DS_Store", "__MACOSX", "index.html", "roster.csv"]


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


def test_names_with_control_characters_or_bad_bytes_are_refused(folder):
    (folder / "new\nline.py").write_text(CODE)
    with pytest.raises(UserError, match="control character"):
        discover(folder)
    os.unlink(folder / "new\nline.py")
    os.close(os.open(os.fsencode(folder) + b"/bad\xffname.py", os.O_CREAT | os.O_WRONLY))
    with pytest.raises(UserError, match="not valid UTF-8"):
        discover(folder)
