"""Showing a check result in the terminal (or a notebook): a rich table of groups and
points, then each failing group's message, diagnosis and counterexample.

Feedback quotes the submission's own exception messages and names: student text. It reaches
the console only through :mod:`grader.sanitize` (no control characters, escape sequences,
bidi overrides or rich markup), however the checker built it."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.results import PASSED, SubmissionResult
from grader.sanitize import rich, visible

__all__ = ["print_result", "failing_group_texts"]

_STYLE = {"passed": "green", "failed": "red", "error": "red"}


def failing_group_texts(tests) -> list[tuple[object, str]]:
    """``(group, text)`` for every group that lost points, the first of a diagnosed mistake in
    full; later groups with the same diagnosis keep their verdict and diagnosis lines and point
    back, so one flipped kernel does not print ten counterexamples."""
    shown: dict[str, str] = {}
    texts = []
    for t in tests:
        if t.status == PASSED:
            continue
        first = shown.get(t.misconception) if t.misconception else None
        if first is None:
            if t.misconception:
                shown[t.misconception] = t.name
            texts.append((t, t.output))
            continue
        kept = [ln for ln in t.output.splitlines() if ln.startswith(("Failed:", "Diagnosis:"))]
        texts.append((t, "\n".join(kept + [f"(Same mistake as in {first}: its smallest failing input is shown there.)"])))
    return texts


def print_result(result: SubmissionResult, *, console: Console | None = None) -> None:
    """Print the points table, then the feedback of every group that lost points."""
    console = console or Console()
    table = Table(title=f"{rich(result.exercise)}: {rich(result.submission)}", title_justify="left")
    table.add_column("group")
    table.add_column("points", justify="right")
    table.add_column("result")
    for t in result.tests:
        table.add_row(rich(t.name), f"{t.score:g}/{t.max_score:g}", Text(visible(t.status), style=_STYLE.get(t.status, "")))
    table.add_section()
    table.add_row("total", f"{result.score:g}/{result.max_score:g}",
                  Text(result.status, style=_STYLE.get(result.status, "")))
    console.print(table)
    if result.status == "error":
        console.print(Text(visible(result.tests[0].output if result.tests else result.feedback), style="red"),
                      soft_wrap=True)
        return
    for t, text in failing_group_texts(result.tests):
        console.rule(Text(visible(f"{t.name}: {t.score:g}/{t.max_score:g}", one_line=True), style="bold"), align="left")
        console.print(Text(visible(text)), soft_wrap=True)
    if result.status == PASSED:
        console.print(Text("All property groups pass: full marks.", style="green"))
