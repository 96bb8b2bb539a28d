"""Similarity: disguised copies are found; independently written solutions are not.

``submissions/independent`` holds six correct conv2d_forward solutions written separately
(loops in different orders, im2col, tensordot, einsum, a matmul); ``submissions/copied``
holds two of them renamed, recommented and reformatted. ``submissions/idiom`` holds 22
correct loop solutions that all share the class's usual idiom (the window and its sum,
``np.sum(window * w[f]) + b[f]``), each written from its own choice of the surrounding
blocks (unpacking stride and padding, reading shapes, padding, output size, loop order);
``submissions/idiom_copies/hiro_copy.py`` is ``idiom/hiro.py`` renamed, recommented and
reformatted.
"""

from pathlib import Path

from click.testing import CliRunner

from cli import main
from grader.batch.similarity import DEFAULT_THRESHOLD, find_similar, normalized_tokens, similar_submissions
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


def _idiom_class():
    """A class of 30: the 22 idiom-sharing solutions, the six independent ones, a
    byte-identical copy of one idiom solution and a renamed copy of another."""
    sources = _sources("idiom", "independent")
    sources["amir_twin"] = sources["amir"]
    sources.update(_sources("idiom_copies"))
    assert len(sources) == 30
    return sources


def test_copies_of_the_class_idiom_score_high_and_nothing_else_does():
    """Copies whose code is mostly the class's common idiom still score >= 0.9 (a rarity
    threshold that drops common fingerprints made them 0.33); independent solutions stay
    below the threshold; and no pair that is not a copy comes near a copy's score."""
    pairs = {(p.a, p.b): p for p in find_similar(_idiom_class(), threshold=0.0)}
    copies = {("amir", "amir_twin"), ("hiro", "hiro_copy")}
    for pair in copies:
        assert pairs[pair].score >= 0.9, pairs.get(pair)
    independent = set(_sources("independent"))
    assert not [p for (a, b), p in pairs.items()
                if a in independent and b in independent and p.score >= DEFAULT_THRESHOLD]
    others = [p for key, p in pairs.items() if key not in copies]
    assert others and max(p.score for p in others) < 0.9
    flagged = find_similar(_idiom_class())
    assert copies <= {(p.a, p.b) for p in flagged}


def test_copies_held_by_most_of_a_small_folder_are_all_paired(tmp_path):
    """Three identical copies in a folder of four: the three pairs, each scoring 1."""
    code = _sources("independent")["s1_loops"]
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.py").write_text(code)
    (tmp_path / "d.py").write_text(_sources("independent")["s2_im2col"])
    pairs = similar_submissions(tmp_path)
    assert [(p.a, p.b) for p in pairs] == [("a", "b"), ("a", "c"), ("b", "c")]
    assert all(p.score == 1.0 and p.coverage_a == 1.0 for p in pairs)


def test_a_copy_of_a_solution_the_whole_class_shares_is_still_found():
    """Every other submission holds the same code (so every fingerprint is common): two of
    them are still a pair, because a copy shares all its tokens, common or not."""
    code = _sources("independent")["s1_loops"]
    sources = {f"s{i:02d}": code for i in range(12)}
    pairs = find_similar(sources)
    assert len(pairs) == 12 * 11 // 2 and all(p.score == 1.0 for p in pairs)


def test_unwritable_html_path_is_one_line_and_exit_2(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    for name, code in _sources("copied").items():
        (folder / f"{name}.py").write_text(code)
    blocker = tmp_path / "afile"
    blocker.write_text("")
    result = CliRunner().invoke(main, ["similarity", str(folder), "--html", str(blocker / "sub" / "sim.html")])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and f"cannot write {blocker / 'sub' / 'sim.html'}" in result.output
