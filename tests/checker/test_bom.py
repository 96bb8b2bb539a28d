"""A UTF-8 byte order mark (written first by some Windows editors) costs no points, in a .py
file or a notebook (before the JSON or at the start of a cell), in check and in grade."""

import json

from checker_support import SUBMISSIONS

from grader.batch import grade_class
from grader.checker import CodeSource, check_submission
from grader.checker.source import default_solution_path, read_source

ROOT = SUBMISSIONS.parents[2]
BOM = "\ufeff"
CORRECT = (ROOT / "solutions" / "conv2d_forward.py").read_text(encoding="utf-8")


def _notebook(*, file_bom: bool, cell_bom: bool) -> str:
    header, body = CORRECT.split("\n", 1)  # header line in its own cell, as starters do
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# Homework 2"]},
             {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
              "source": [(BOM if cell_bom else "") + header + "\n"]},
             {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
              "source": body.splitlines(keepends=True)}]
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    return (BOM if file_bom else "") + text


def test_a_correct_py_file_with_a_bom_scores_full_marks_in_check(tmp_path):
    path = tmp_path / "conv.py"
    path.write_text(BOM + CORRECT, encoding="utf-8")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert default_solution_path(tmp_path) == path  # its header line is still found
    result = check_submission(path)  # the exercise comes from the header line
    assert result.status == "passed" and result.verdict == "ok"
    # Code handed over directly (a grading task, a notebook call) is cleaned the same way.
    assert CodeSource(BOM + CORRECT).code == CORRECT


def test_a_notebook_with_a_bom_before_the_json_and_in_a_cell_scores_full_marks(tmp_path):
    path = tmp_path / "hw.ipynb"
    path.write_text(_notebook(file_bom=True, cell_bom=True), encoding="utf-8")
    assert BOM not in read_source(path)
    assert check_submission(path).status == "passed"


def test_grade_accepts_bom_files_and_notebooks(tmp_path):
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "ada.py").write_text(BOM + CORRECT, encoding="utf-8")
    (klass / "bob.ipynb").write_text(_notebook(file_bom=False, cell_bom=True), encoding="utf-8")
    (klass / "cy.ipynb").write_text(_notebook(file_bom=True, cell_bom=False), encoding="utf-8")
    graded = grade_class(klass, exercise="conv2d-forward", out_dir=tmp_path / "out", jobs=1, max_examples=2,
                         progress=False, similarity=False, secret_file=None)
    assert {r.submission: r.status for r in graded} == {"ada": "passed", "bob": "passed", "cy": "passed"}
