"""The CLI verbs of the generators: list, new exercise, grade-answers, practice."""

from __future__ import annotations

import csv
import json
import os

import pytest

from click.testing import CliRunner

from cli import main
from grader.paper import make_variants


def _roster(tmp_path, n=5):
    path = tmp_path / "roster.csv"
    path.write_text("submission,name\n" + "".join(f"s{i},Student {i}\n" for i in range(n)))
    return path


def test_list_shows_code_and_paper_exercises():
    out = CliRunner().invoke(main, ["list"])
    assert out.exit_code == 0
    assert "conv-output-shape" in out.output and "paper" in out.output


def test_new_exercise_writes_sheet_key_and_template(tmp_path):
    roster = _roster(tmp_path)
    res = CliRunner().invoke(main, ["new", "exercise", "pooling-by-hand", "--roster", str(roster),
                                    "--seed", "7", "--format", "json", "-o", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    key = json.loads((tmp_path / "o" / "pooling-by-hand-key.json").read_text())
    sheet = json.loads((tmp_path / "o" / "pooling-by-hand-sheet.json").read_text())
    assert [v["student"] for v in key["variants"]] == [f"s{i}" for i in range(5)]
    assert "answer" in key["variants"][0]["parts"][0] and "solution" in key["variants"][0]
    assert "answer" not in sheet["variants"][0]["parts"][0] and "solution" not in sheet["variants"][0]
    header = next(csv.reader((tmp_path / "o" / "pooling-by-hand-answers-template.csv").open()))
    assert header[0] == "submission" and len(header) > 1


def test_question_bank_formats_write_one_bank_and_no_sheet(tmp_path):
    """moodle and gift carry the answers: one bank plus the answers template, nothing else
    (no separate sheet or key, no temporary file left behind)."""
    for fmt, ext in (("moodle", "moodle.xml"), ("gift", "gift")):
        res = CliRunner().invoke(main, ["new", "exercise", "param-count", "--count", "2",
                                        "--format", fmt, "-o", str(tmp_path / fmt)])
        assert res.exit_code == 0, res.output
        names = sorted(p.name for p in (tmp_path / fmt).iterdir())
        assert names == ["param-count-answers-template.csv", f"param-count.{ext}"]


def test_new_exercise_pdf_without_tex_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no TeX engine reachable
    res = CliRunner().invoke(main, ["new", "exercise", "param-count", "--format", "pdf", "-o", str(tmp_path)])
    assert res.exit_code == 2 and "TeX engine" in res.output
    assert not list(tmp_path.glob("*.pdf"))


def test_cli_choices_match_the_library():
    """cli.py spells the format and difficulty choices out (importing grader.paper would slow
    every verb); they must stay the library's, or a new format could not be asked for."""
    import cli
    from grader.paper import DIFFICULTIES, FORMATS

    assert cli._PAPER_FORMATS == tuple(FORMATS)
    for command in (cli.new.commands["exercise"], cli.main.commands["grade-answers"],
                    cli.main.commands["practice"]):
        params = {p.name: p for p in command.params}
        assert tuple(params["difficulty"].type.choices) == DIFFICULTIES


def test_unknown_exercise_exits_2():
    res = CliRunner().invoke(main, ["new", "exercise", "no-such-thing"])
    assert res.exit_code == 2 and "unknown exercise" in res.output


def test_grade_answers_gives_partial_credit_and_writes_gradebook(tmp_path):
    roster = _roster(tmp_path, 3)
    variants = make_variants("conv-output-shape", seed=5, students=["s0", "s1", "s2"])
    rows = []
    for i, v in enumerate(variants):
        cells = v.cells()
        # s0 all right, s1 first number wrong, s2 absent from the answers file
        if i == 2:
            continue
        rows.append({"submission": v.student, **{c: str(e + (1 if i == 1 and j == 0 else 0))
                                                 for j, (c, e, _, _) in enumerate(cells)}})
    cols = sorted({k for r in rows for k in r} - {"submission"})
    answers = tmp_path / "answers.csv"
    with answers.open("w", newline="") as fh:
        w = csv.DictWriter(fh, ["submission", *cols])
        w.writeheader()
        w.writerows(rows)
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["grade-answers", "--exercise", "conv-output-shape", "--roster", str(roster),
                                    "--answers", str(answers), "--seed", "5", "--out", str(out)])
    assert res.exit_code == 0, res.output
    grades = {g["submission"]: g for g in json.loads((out / "grades.json").read_text())}
    assert grades["s0"]["status"] == "passed" and grades["s0"]["score"] == grades["s0"]["max_score"]
    first = variants[1].parts[0]
    assert grades["s1"]["score"] == grades["s1"]["max_score"] - first.points / len(first.cells())
    assert grades["s1"]["status"] == "failed" and "expected" in grades["s1"]["tests"][0]["output"]
    assert grades["s2"]["score"] == 0
    assert (out / "grades.csv").exists() and (out / "s1" / "feedback.md").exists()


def test_practice_reads_answers_from_stdin_and_shows_the_solution():
    from exercises import get_exercise

    v = get_exercise("convolution-by-hand").variant(seed=1, student="practice", difficulty="easy")
    # The drill's variant is the one 'new exercise' gives a student called "practice".
    (same,) = make_variants("convolution-by-hand", seed=1, students=["practice"], difficulty="easy")
    assert same.identity == v.identity
    typed = "\n".join(str(int(e)) for _, e, _, _ in v.cells()) + "\n"
    res = CliRunner().invoke(main, ["practice", "convolution-by-hand", "--difficulty", "easy", "--seed", "1"],
                             input=typed)
    assert res.exit_code == 0, res.output
    total = v.max_score
    assert total == get_exercise("convolution-by-hand").total_points("easy")
    assert f"Score: {total:g}/{total:g}" in res.output and "Worked solution" in res.output
    wrong = CliRunner().invoke(main, ["practice", "convolution-by-hand", "--difficulty", "easy", "--seed", "1"],
                               input="x\n0\n0\n0\n0\n")
    assert "is not a number" in wrong.output and f"Score: 0/{total:g}" in wrong.output


def test_practice_shows_formulas_as_readable_text_not_latex():
    """The worked solution's LaTeX becomes terminal text: floor brackets, bracketed fractions,
    multiplication signs; no backslash commands reach the student."""
    from grader.paper.practice import plain_text

    def squeezed(latex):
        return "".join(plain_text(latex).split())

    assert squeezed(r"$H_{out} = \left\lfloor \frac{28 + 2 - 1}{2} \right\rfloor + 1 = 15$") == "H_out=⌊(28+2-1)/(2)⌋+1=15"
    assert squeezed(r"**Output**: $96 \times 13 \times 13$") == "Output:96×13×13"
    res = CliRunner().invoke(main, ["practice", "conv-output-shape", "--seed", "5"], input="\n" * 10)
    assert res.exit_code == 0, res.output
    solution = res.output.split("Worked solution:", 1)[1]
    assert "⌊" in solution and "\\" not in solution


def test_count_and_roster_together_is_a_user_error(tmp_path):
    res = CliRunner().invoke(main, ["new", "exercise", "param-count", "--count", "3",
                                    "--roster", str(_roster(tmp_path)), "-o", str(tmp_path / "o")])
    assert res.exit_code == 2 and "either --count or --roster" in res.output


# --- files already there, unwritable output paths, sizes -----------------------------------


def test_new_code_exercise_never_replaces_the_students_work(tmp_path):
    """Run twice: harmless while the files are untouched; once the starter is edited, the
    second run stops (exit 2, one line, nothing written) unless --force."""
    hw = tmp_path / "hw"
    first = CliRunner().invoke(main, ["new", "exercise", "conv2d-forward", "-o", str(hw)])
    assert first.exit_code == 0 and (hw / "conv2d_forward.py").exists(), first.output
    again = CliRunner().invoke(main, ["new", "exercise", "conv2d-forward", "-o", str(hw)])
    assert again.exit_code == 0, again.output
    work = (hw / "conv2d_forward.py").read_text() + "\n# my solution, two hours of work\n"
    (hw / "conv2d_forward.py").write_text(work)
    (hw / "conv2d_forward.md").unlink()
    refused = CliRunner().invoke(main, ["new", "exercise", "conv2d-forward", "-o", str(hw)])
    assert refused.exit_code == 2
    assert refused.output.splitlines()[0] == (
        f"Error: {hw / 'conv2d_forward.py'} already exists and differs from the starter (your work?); "
        f"nothing was written: use --force to replace it, or -o another folder")
    assert (hw / "conv2d_forward.py").read_text() == work and not (hw / "conv2d_forward.md").exists()
    forced = CliRunner().invoke(main, ["new", "exercise", "conv2d-forward", "-o", str(hw), "--force"])
    assert forced.exit_code == 0 and "two hours" not in (hw / "conv2d_forward.py").read_text()


def test_new_paper_exercise_never_replaces_other_content(tmp_path):
    """The same command twice is fine (same bytes); another seed over existing sheets stops
    with nothing written, unless --force."""
    args = ["new", "exercise", "pooling-by-hand", "--count", "3", "--format", "md", "-o", str(tmp_path)]
    assert CliRunner().invoke(main, [*args, "--seed", "1"]).exit_code == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert CliRunner().invoke(main, [*args, "--seed", "1"]).exit_code == 0
    refused = CliRunner().invoke(main, [*args, "--seed", "2"])
    assert refused.exit_code == 2 and "already exists with other content" in refused.output.splitlines()[0]
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    forced = CliRunner().invoke(main, [*args, "--seed", "2", "--force"])
    assert forced.exit_code == 0 and {p.name: p.read_bytes() for p in tmp_path.iterdir()} != before


@pytest.mark.parametrize("name", ["conv2d-forward", "param-count"])
def test_unwritable_output_folder_is_one_line_and_exit_2(tmp_path, name):
    """-o below a regular file (cannot be a folder, for root too)."""
    blocker = tmp_path / "afile"
    blocker.write_text("")
    res = CliRunner().invoke(main, ["new", "exercise", name, "-o", str(blocker / "sub")])
    assert res.exit_code == 2, res.output
    assert res.output.splitlines()[0] == f"Error: cannot write into {blocker / 'sub'}: Not a directory"
    assert "Traceback" not in res.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
@pytest.mark.parametrize("name", ["conv2d-forward", "param-count"])
def test_read_only_output_folder_is_one_line_and_exit_2(tmp_path, name):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        res = CliRunner().invoke(main, ["new", "exercise", name, "-o", str(folder)])
    finally:
        folder.chmod(0o755)
    assert res.exit_code == 2 and "cannot write into" in res.output and "Traceback" not in res.output


def test_count_has_a_maximum_that_help_states():
    from grader.paper.generate import MAX_COUNT

    res = CliRunner().invoke(main, ["new", "exercise", "param-count", "--count", "1000000"])
    assert res.exit_code == 2
    assert res.output.splitlines()[0] == (f"Error: --count 1000000 is more than {MAX_COUNT:,} variants; for a "
                                          f"class that large give its --roster file")
    helptext = CliRunner().invoke(main, ["new", "exercise", "--help"]).output
    assert f"at most {MAX_COUNT:,}" in " ".join(helptext.split())
