"""``cnngrade practice``: a terminal drill on one fresh variant of a paper exercise.

The question and answer functions are injected (``ask``, ``say``), so a notebook, the CLI
(click.prompt / click.echo) and the tests (stdin through CliRunner) share the same loop.
"""

from __future__ import annotations

import secrets
from typing import Callable

from grader.paper.grading import grade_variant, parse_number
from grader.paper.model import Grid, Variant, fmt_number

__all__ = ["run_practice", "plain_text", "grid_text"]


def plain_text(text: str) -> str:
    """Markdown with ``$math$`` for a terminal: the dollars dropped, LaTeX spacing tidied."""
    for latex, plain in ((r"\times", "x"), (r"\cdot", "*"), (r"\partial", "d"), (r"\star", "(*)"),
                         (r"\sum", "sum"), (r"\mathrm", ""), (r"\sigma", "sigma"), (r"\mu", "mu"),
                         (r"\gamma", "gamma"), (r"\beta", "beta"), (r"\epsilon", "eps"),
                         (r"\to", "->"), (r"\lfloor", "floor("), (r"\rfloor", ")")):
        text = text.replace(latex, plain)
    return text.replace("$", "").replace("**", "").replace("{", "").replace("}", "").replace("\\", "")


def grid_text(grid: Grid) -> str:
    cells = [[fmt_number(v) for v in row] for row in grid.rows]
    width = max(len(c) for row in cells for c in row)
    return f"{plain_text(grid.label)} =\n" + "\n".join("  " + " ".join(c.rjust(width) for c in row)
                                                       for row in cells)


def _show_statement(v: Variant, say: Callable[[str], None]) -> None:
    say(f"== {v.title} ({v.kind}, seed {v.seed}, {v.difficulty}) ==")
    for block in v.statement:
        say(grid_text(block) if isinstance(block, Grid) else plain_text(block))


def run_practice(kind: str, *, difficulty: str = "medium", seed: int | None = None,
                 ask: Callable[[str], str] = input, say: Callable[[str], None] = print):
    """Pose a variant, read an answer per number with ``ask``, report with ``say``.

    Returns the :class:`~grader.results.SubmissionResult` of the attempt.
    """
    from grader.paper.generate import get_paper_exercise

    ex = get_paper_exercise(kind)
    seed = secrets.randbelow(2**31) if seed is None else seed
    v = ex.variant(seed=seed, student="practice", difficulty=difficulty)
    _show_statement(v, say)
    answers: dict[str, str] = {}
    for part in v.parts:
        say(f"({part.key}) {plain_text(part.prompt)}")
        for column, _ in part.cells():
            label = column if len(part.cells()) > 1 else f"({part.key})"
            while True:
                text = ask(f"  {label}")
                try:
                    parse_number(text)
                    break
                except (ValueError, ZeroDivisionError):
                    say(f"  {text!r} is not a number; try again (e.g. 19, -0.5, 25/4).")
            answers[column] = text
    result = grade_variant(v, answers, submission="practice")
    say("")
    say(f"Score: {fmt_number(result.score)}/{fmt_number(result.max_score)}")
    for test in result.tests:
        say(("  ok   " if test.status == "passed" else "  miss ") + test.output)
    say("")
    say("Worked solution:")
    for step in v.solution:
        if step.text:
            say(plain_text(step.text))
        if step.math:
            say("    " + step.math)
        if step.grid is not None:
            say(grid_text(step.grid))
    say(f"(Replay this variant with --seed {seed}.)")
    return result
