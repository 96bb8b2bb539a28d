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
