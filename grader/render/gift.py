"""Paper exercises in Moodle's GIFT format: a ``$CATEGORY`` line, then one numerical
question per number to give (``{#value:tolerance}``), the worked solution as general
feedback (``####``). GIFT's special characters are escaped.

Math is LaTeX for Moodle's MathJax filter: ``\\(...\\)`` inline in the text, ``\\[...\\]``
for the solution's display formulas and grids. GIFT has no syntax for a question's mark
(each imports with default mark 1), so each question's text ends with the points its
number is worth in the key; the Moodle XML bank (``--format moodle``) carries the marks
themselves.
"""

from __future__ import annotations

import re
from typing import Sequence

from grader.paper.model import Grid, Variant, fmt_number
from grader.render.paper_common import bank_category, grid_latex, split_math, variant_heading

__all__ = ["EXTENSION", "KEY_ONLY", "render", "escape"]

EXTENSION = "gift"
KEY_ONLY = True

_SPECIAL = re.compile(r"([~=#{}:\\])")


def escape(text: str) -> str:
    """GIFT-escape ``~ = # { } : \\`` with a backslash."""
    return _SPECIAL.sub(r"\\\1", text)


def _inline_math(latex: str) -> str:
    return escape(f"\\({latex}\\)")


def _display_math(latex: str) -> str:
    return escape(f"\\[{latex}\\]")


def _text(text: str) -> str:
    return "".join(_inline_math(seg) if m else escape(seg) for m, seg in split_math(text))


def _block(b) -> str:
    return _display_math(grid_latex(b)) if isinstance(b, Grid) else _text(b)


def _solution(v: Variant) -> str:
    bits = []
    for step in v.solution:
        if step.text:
            bits.append(_text(step.text))
        if step.math:
            bits.append(_display_math(step.math))
        if step.grid is not None:
            bits.append(_block(step.grid))
    return " ".join(bits).replace("\n", " ")


def render(variants: Sequence[Variant], *, key: bool = True) -> str:
    out = [f"$CATEGORY: {bank_category(variants[0])}\n"]
    for i, v in enumerate(variants):
        statement = " ".join(_block(b) for b in v.statement).replace("\n", " ")
        feedback = _solution(v)
        for part in v.parts:
            cells = part.cells()
            share = fmt_number(part.points / len(cells))
            for column, value in cells:
                where = "" if len(cells) == 1 else f" Give entry {column.split('_', 1)[1].replace('_', ', ')}."
                title = escape(f"{variant_heading(v, i)} {column}")
                out.append(f"::{title}::{statement} ({part.key}) {_text(part.prompt)}{escape(where)} "
                           f"{escape(f'({share} of {fmt_number(v.max_score)} points)')} "
                           f"{{#{fmt_number(value, digits=6)}:{fmt_number(part.tolerance, digits=6)} "
                           f"####{feedback}}}\n")
    return "\n".join(out)
