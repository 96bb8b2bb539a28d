"""The class report: self-contained HTML with every section, hostile strings escaped."""

from grader.batch.stats import ClassStats
from grader.render.report import render_report
from grader.results import SubmissionResult
from grader.results import TestResult as GroupResult


def _stats() -> ClassStats:
    stats = ClassStats()
    groups = lambda ok: [GroupResult("shape", 2.0 if ok else 0.0, 2.0, "passed" if ok else "failed",
                                     "ok" if ok else "Failed: wrong shape")]
    stats.add(SubmissionResult("ada", "conv2d-forward", 2.0, 2.0, "passed", groups(True), duration_s=1.0))
    stats.add(SubmissionResult("ben", "conv2d-forward", 0.0, 2.0, "failed", groups(False),
                               misconceptions=["flipped_kernel"], duration_s=4.0))
    stats.add(SubmissionResult("<script>alert(1)</script>", "conv2d-forward", 0.0, 2.0, "error", [],
                               "conv2d-forward: 0/2 points.\ntimed out after 10 s", verdict="timeout", duration_s=10.0))
    return stats


def test_statistics_of_a_small_class():
    stats = _stats()
    assert stats.histogram() == [2, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    assert stats.groups["shape"].passed == 1 and stats.groups["shape"].graded == 2
    assert stats.top_misconceptions() == [("flipped_kernel", 1)]
    assert [(i.verdict, i.message) for i in stats.incidents] == [("timeout", "timed out after 10 s")]
    assert [name for name, _ in stats.slowest()] == ["<script>alert(1)</script>", "ben", "ada"]


def test_report_is_self_contained_and_escapes_submission_names():
    html = render_report(_stats(), title="conv2d-forward", similarity=[])
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html
    for section in ("Score distribution", "Pass rate per property group", "Most frequent misconceptions",
                    "Timeouts, crashes and refusals", "Slowest submissions", "Similar submissions"):
        assert section in html
    assert "flipped_kernel" in html and "timed out after 10 s" in html


def test_an_incident_quotes_the_run_problem_not_the_first_wrong_answer():
    # A submission that ran: one group has a wrong answer, a later one crashed mid-call.
    tests = [GroupResult("shape", 0.0, 2.0, "failed", "Failed: conv2d_forward returned wrong values"),
             GroupResult("stride", 0.0, 2.0, "failed", "Failed: crashed with signal SIGSEGV in conv2d_forward")]
    feedback = ("conv2d-forward: 0/4 points.\n[crashed] crashed with signal SIGSEGV in conv2d_forward\n"
                "[failed] shape: 0/2\n[failed] stride: 0/2")
    stats = ClassStats()
    stats.add(SubmissionResult("ivan", "conv2d-forward", 0.0, 4.0, "failed", tests, feedback, verdict="crashed"))
    assert [(i.submission, i.verdict, i.message) for i in stats.incidents] == [
        ("ivan", "crashed", "crashed with signal SIGSEGV in conv2d_forward")]
    assert stats.failed == 1 and stats.errors == 0


def test_histogram_count_labels_stay_inside_the_picture():
    """The count above the tallest bar was drawn at a negative y (clipped): every label of the
    score histogram must lie inside the SVG."""
    import re

    from grader.render.report import _histogram_svg

    svg = _histogram_svg([4, 1, 0, 0, 0, 0, 0, 2, 0, 4])
    label_ys = [float(y) for y in re.findall(r'<text x="[\d.]+" y="(-?[\d.]+)"', svg)]
    assert len(label_ys) == 4 + 10  # four non-empty bars, ten bin names
    assert min(label_ys) >= 11  # a font-size-11 label fits above y = 0


HOSTILE = "[red]x[/red] \x1b]52;c;aGk=\x07 \x1b[2J \u202eevil"


def _hostile_stats() -> ClassStats:
    stats = ClassStats()
    stats.add(SubmissionResult("\u202eeve[bold]", "conv2d-forward", 0.0, 2.0, "error", [],
                               f"conv2d-forward: 0/2 points.\n[crashed] {HOSTILE}", verdict="crashed",
                               duration_s=1.0))
    return stats


def test_the_report_lists_skipped_entries_with_the_reason_escaped():
    from grader.batch.discovery import Skipped

    skipped = [Skipped("<img src=x onerror=alert(1)>.py", "not a folder, .py or .ipynb file"),
               Skipped("\u202egood.py", "not graded: its name holds a bidirectional-text control; rename it")]
    html = render_report(_hostile_stats(), skipped=skipped)
    assert "Entries skipped (2)" in html and "<img" not in html and "&lt;img src=x" in html
    assert "\u202e" not in html and "\\u202egood.py" in html and "\x1b" not in html
    assert "Every entry of the submissions folder was graded." in render_report(_stats(), skipped=[])
    assert "Entries skipped" not in render_report(_stats())  # write_outputs without a folder scan


class _Graded(list):
    """What print_summary reads from a GradedClass."""

    def __init__(self, stats, skipped):
        from grader.batch.outputs import OutputSummary

        super().__init__()
        self.outputs = OutputSummary(out_dir="out", stats=stats, warnings=[f"roster lacks {HOSTILE}"])
        self.regraded, self.reused, self.similar = ["x"], 0, []
        self.grader_failures = ["\x1b[2Jfail"]
        self.skipped = skipped


_CONTROL = __import__("re").compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _terminal_console():
    import io

    from rich.console import Console

    # A real terminal's console (colours on): rich's own styling is the only escape allowed.
    return Console(file=io.StringIO(), force_terminal=True, color_system=None, width=120)


def test_the_summary_prints_student_text_as_text_on_a_terminal():
    from grader.batch.discovery import Skipped
    from grader.batch.summary import print_summary

    console = _terminal_console()
    print_summary(_Graded(_hostile_stats(), [Skipped("new\nline.py", "control character")]), console=console)
    printed = console.file.getvalue()
    assert not _CONTROL.search(printed), [m.group(0) for m in _CONTROL.finditer(printed)][:5]
    assert "[red]x[/red]" in printed and "\\x1b]52;c;aGk=\\x07" in printed and "\\u202eeve[bold]" in printed
    assert "'new\\nline.py'" in printed


def test_progress_lines_and_the_bar_print_names_as_text():
    import io

    from grader.batch.progress import Progress

    result = SubmissionResult("\u202eeve\x1b]0;t\x07[red]", "conv2d-forward", 0.0, 2.0, "failed", [])
    lines = io.StringIO()
    with Progress(total=1, stream=lines) as progress:
        progress.note(f"skipped {HOSTILE}")
        progress.done(result)
    assert not _CONTROL.search(lines.getvalue().replace("\n", ""))
    assert "\\u202eeve\\x1b]0;t\\x07[red]" in lines.getvalue()

    class _Tty(io.StringIO):
        def isatty(self):
            return True

    bar = _Tty()
    with Progress(total=1, stream=bar) as progress:
        progress.done(result)
    assert "\u202e" not in bar.getvalue() and "\x07" not in bar.getvalue()
