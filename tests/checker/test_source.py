"""Reading submissions (.py, notebooks) and telling which exercise they answer."""

import json

import pytest

from grader.checker import code_exercises, read_source
from grader.checker.source import default_solution_path, find_exercise_name
from grader.errors import UserError


def _notebook(path, cells):
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_notebook_code_cells_in_order_with_magics_commented_out(tmp_path):
    nb = _notebook(tmp_path / "sol.ipynb", [
        {"cell_type": "markdown", "source": ["# Title"]},
        {"cell_type": "code", "source": ["%matplotlib inline\n", "import numpy as np\n"]},
        {"cell_type": "code", "source": "def relu_forward(x):\n    return np.maximum(x, 0)\n"},
    ])
    code = read_source(nb)
    assert code.index("import numpy") < code.index("def relu_forward")
    assert "# %matplotlib inline" in code and "Title" not in code
    compile(code, "nb", "exec")


@pytest.mark.parametrize("name,content,message", [
    ("missing.py", None, "is not a file"),
    ("notes.txt", "x", "is neither a .py file nor a .ipynb notebook"),
    ("bin.py", b"\x00\x01", "is a binary file, not Python source"),
    ("latin.py", b"\xff\xfe\xfa", "cannot read"),
    ("bad.ipynb", "{not json", "is not a valid Jupyter notebook"),
])
def test_unreadable_sources_raise_user_errors(tmp_path, name, content, message):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(UserError, match=message):
        read_source(path)


def test_exercise_from_header_then_from_function_names():
    catalogue = code_exercises()
    assert find_exercise_name("# cnngrade exercise: maxpool2d\ndef relu_forward(x): pass\n", catalogue) == "maxpool2d"
    assert find_exercise_name("def avgpool2d_backward(dout, x, k, stride=None): pass\n", catalogue) == "avgpool2d"
    with pytest.raises(UserError, match="unknown exercise 'nope'"):
        find_exercise_name("# cnngrade exercise: nope\n", catalogue)
    with pytest.raises(UserError, match="defines none of the exercise functions"):
        find_exercise_name("def helper(): pass\n", catalogue)
    with pytest.raises(UserError, match="matches several exercises"):
        find_exercise_name("def relu_forward(x): pass\ndef linear_forward(x, w, b): pass\n", catalogue)
    with pytest.raises(UserError, match="syntax error"):
        find_exercise_name("def (:\n", catalogue)


def test_a_helper_named_like_another_exercise_does_not_make_the_code_ambiguous():
    """A conv2d solution with its own im2col helper is conv2d-forward (all of its one
    function), not im2col (one of two); im2col and col2im together are im2col."""
    catalogue = code_exercises()
    helper = "def im2col(x, kh, kw, stride=1, padding=0): pass\n"
    assert find_exercise_name(helper + "def conv2d_forward(x, w, b, stride=1, padding=0): pass\n",
                              catalogue) == "conv2d-forward"
    assert find_exercise_name(helper + "def col2im(cols, shape, kh, kw, stride=1, padding=0): pass\n",
                              catalogue) == "im2col"


def test_default_path_prefers_the_file_with_a_header(tmp_path):
    (tmp_path / "helpers.py").write_text("x = 1\n")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no .py file"):
        default_solution_path(tmp_path / "empty")
    (tmp_path / "starter.py").write_text("# cnngrade exercise: relu\n")
    assert default_solution_path(tmp_path).name == "starter.py"
    (tmp_path / "other.py").write_text("# cnngrade exercise: linear\n")
    with pytest.raises(UserError, match="several .py files"):
        default_solution_path(tmp_path)
