"""``cnngrade practice``: a terminal drill on one fresh variant of a paper exercise.

The question and answer functions are injected (``ask``, ``say``), so a notebook, the CLI
(click.prompt / click.echo) and the tests (stdin through CliRunner) share the same loop.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Callable

from grader.paper.grading import grade_variant, parse_number
from grader.paper.model import Grid, Variant, fmt_number

__all__ = ["run_practice", "plain_text", "grid_text"]


@lru_cache(maxsize=1)
def _latex_to_text():
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    context = get_default_latex_context_db().filter_context()
    # "(a)/(b)" keeps a fraction unambiguous on one terminal line (the default drops the brackets).
    context.add_context_category("cnngrade", prepend=True,
                                 macros=[MacroTextSpec("frac", simplify_repl="(%(1)s)/(%(2)s)")])
    return LatexNodes2Text(latex_context=context, math_mode="text")


def plain_text(text: str) -> str:
    """Markdown with ``$math$`` (or a bare LaTeX formula) as terminal text: ``⌊(a)/(b)⌋ + 1``,
    ``96 × 33``, ``∂L/∂w``, subscripts as ``H_out``."""
    return _latex_to_text().latex_to_text(text.replace("**", ""))


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
        cells = part.cells()
        for column, _ in cells:
            label = column if len(cells) > 1 else f"({part.key})"
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
            say("    " + plain_text(step.math))
        if step.grid is not None:
            say(grid_text(step.grid))
    say(f"(Replay this variant with --seed {seed}.)")
    return result
