"""`cnngrade check`: exit 0 only at full marks, 1 otherwise, 2 for the caller's mistakes."""

import json

from checker_support import SUBMISSIONS
from click.testing import CliRunner

from cli import main

RELU = SUBMISSIONS / "relu"


def _run(*args):
    return CliRunner().invoke(main, ["check", *map(str, args)])


def test_full_marks_exit_0_with_the_points_table():
    result = _run(RELU / "correct_vectorised.py")
    assert result.exit_code == 0, result.output
    assert "total" in result.output and "10/10" in result.output and "full marks" in result.output


def test_lost_points_exit_1_with_diagnosis():
    result = _run(RELU / "bug_backward_returns_mask.py")
    assert result.exit_code == 1
    assert "6/10" in result.output and "Diagnosis: your dx is the mask (x > 0) alone" in result.output


def test_json_output_is_the_submission_result():
    result = _run(RELU / "bug_backward_returns_mask.py", "--json")
    data = json.loads(result.output)
    assert result.exit_code == 1 and data["exercise"] == "relu" and data["score"] == 6
    assert data["misconceptions"] == ["backward_returns_mask"]


def test_notebook_and_explicit_exercise(tmp_path):
    code = (RELU / "correct_vectorised.py").read_text().replace("# cnngrade exercise: relu\n", "")
    nb = tmp_path / "hw.ipynb"
    nb.write_text(json.dumps({"cells": [{"cell_type": "code", "source": code}], "nbformat": 4, "nbformat_minor": 5,
                              "metadata": {}}))
    assert _run(nb, "--exercise", "relu").exit_code == 0


def test_without_path_uses_the_starter_in_the_current_folder(tmp_path, monkeypatch):
    (tmp_path / "relu.py").write_text((RELU / "correct_vectorised.py").read_text())
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["check"]).exit_code == 0


def test_user_mistakes_exit_2_with_one_line():
    missing = _run("no_such_file.py")
    assert missing.exit_code == 2 and "is not a file" in missing.output
    unknown = _run(RELU / "correct_vectorised.py", "--exercise", "nope")
    assert unknown.exit_code == 2 and "unknown code exercise 'nope'" in unknown.output
    assert "Traceback" not in missing.output + unknown.output


def test_help_teaches():
    result = CliRunner().invoke(main, ["check", "--help"])
    assert "PATH is your solution" in result.output and "--exercise" in result.output and "Example:" in result.output
