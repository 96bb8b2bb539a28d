"""Similarity: disguised copies are found; independently written solutions are not.

``submissions/independent`` holds six correct conv2d_forward solutions written separately
(loops in different orders, im2col, tensordot, einsum, a matmul); ``submissions/copied``
holds two of them renamed, recommented and reformatted.
"""

from pathlib import Path

from click.testing import CliRunner

from cli import main
from grader.batch.similarity import find_similar, normalized_tokens, similar_submissions
from grader.render.report import render_similarity

HERE = Path(__file__).parent / "submissions"


def _sources(*folders):
    return {p.stem: p.read_text() for folder in folders for p in sorted((HERE / folder).glob("*.py"))}


def test_independent_correct_solutions_do_not_flag_each_other():
    assert find_similar(_sources("independent")) == []


def test_disguised_copies_are_found_among_independent_solutions():
    pairs = find_similar(_sources("independent", "copied"))
    assert {(p.a, p.b) for p in pairs} == {("s1_copy", "s1_loops"), ("s5_copy", "s5_six_loops")}
    assert all(p.score > 0.9 for p in pairs)
    assert pairs[0].lines_a and pairs[0].lines_b  # the shared runs are located for the side-by-side view


def test_names_comments_docstrings_and_layout_do_not_change_the_tokens():
    one = "def f(a, b):\n    '''doc'''\n    total = a + b  # sum\n    return np.sum(total)\n"
    two = "def g(x,y):\n    s = (x\n         + y)\n    return np.sum(s)\n"
    assert [t for t, _ in normalized_tokens(one)] == [t for t, _ in normalized_tokens(two)]
    assert normalized_tokens("def broken(:\n") == []


def test_starter_code_shared_by_everyone_does_not_count():
    starter = _sources("independent")["s5_six_loops"]
    assert len(find_similar({"a": starter, "b": starter + "\n"})) == 1  # without the baseline: a copy
    pairs = find_similar({"a": starter, "b": starter + "\n"}, baseline=starter)
    assert pairs == []


def test_side_by_side_view_escapes_code_and_marks_shared_lines():
    sources = _sources("independent", "copied")
    sources["s1_copy"] = sources["s1_copy"].replace("# my own convolution implementation", "# <script>x</script>")
    html = render_similarity(find_similar(sources))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count('<details class="pair">') == 2 and 'class="hit"' in html


def test_cli_lists_pairs_and_writes_the_html(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    for name, code in _sources("independent", "copied").items():
        (folder / f"{name}.py").write_text(code)
    result = CliRunner().invoke(main, ["similarity", str(folder), "--html", str(tmp_path / "sim.html")])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "coverage" in line]
    assert len(lines) == 2 and "s1_copy  s1_loops" in lines[0] + lines[1]
    page = (tmp_path / "sim.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and page.count('<details class="pair">') == 2
    assert len(similar_submissions(folder, threshold=0.95)) == 2
