"""Pieces shared by the paper-exercise renderers: splitting text into prose and math,
formatting answers, and the document titles.

Statement and solution text is Markdown prose with inline ``$math$``; each format escapes
the prose its own way and keeps the math as LaTeX.
"""

from __future__ import annotations

import re
from typing import Sequence

from grader.paper.model import Grid, Part, Variant, fmt_number

__all__ = [
    "split_math",
    "bmatrix",
    "grid_latex",
    "answer_latex",
    "tolerance_text",
    "variant_heading",
    "document_title",
    "bank_category",
]

_MATH = re.compile(r"\$([^$]+)\$")


def split_math(text: str) -> list[tuple[bool, str]]:
    """``"a $x$ b"`` -> ``[(False, "a "), (True, "x"), (False, " b")]``."""
    out, pos = [], 0
    for m in _MATH.finditer(text):
        if m.start() > pos:
            out.append((False, text[pos:m.start()]))
        out.append((True, m.group(1)))
        pos = m.end()
    if pos < len(text):
        out.append((False, text[pos:]))
    return out


def bmatrix(rows: Sequence[Sequence[float]]) -> str:
    body = r" \\ ".join(" & ".join(fmt_number(v) for v in row) for row in rows)
    return r"\begin{bmatrix} " + body + r" \end{bmatrix}"


def grid_latex(grid: Grid) -> str:
    return f"{grid.label} = {bmatrix(grid.rows)}"


def answer_latex(part: Part) -> str:
    """The expected answer as LaTeX: a number, a row vector or a matrix."""
    a = part.answer
    if isinstance(a, tuple):
        if a and isinstance(a[0], tuple):
            return bmatrix(a)
        return r"\left(" + ",\\ ".join(fmt_number(v) for v in a) + r"\right)"
    return fmt_number(a)


def tolerance_text(part: Part) -> str:
    return "exact" if part.tolerance == 0 else f"± {fmt_number(part.tolerance)}"


def variant_heading(v: Variant, index: int) -> str:
    who = f"student {v.student}" if v.student is not None else f"variant {index + 1}"
    return f"{v.title}: {who}"


def document_title(variants: Sequence[Variant], *, key: bool) -> str:
    first = variants[0]
    what = "answer key" if key else "exercise sheet"
    return f"{first.title} ({first.kind}, seed {first.seed}, {first.difficulty}): {what}"


def bank_category(v: Variant) -> str:
    """The Moodle question-bank category of a bank (XML and GIFT): one per kind, seed and
    difficulty, so a random-question slot draws variants worth the same points."""
    return f"$course$/cnngrade/{v.kind}/seed-{v.seed}-{v.difficulty}"
