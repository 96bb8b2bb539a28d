"""Paper exercises as a standalone LaTeX document (one page per variant)."""

from __future__ import annotations

import re
import unicodedata
from typing import Sequence

from grader.paper.model import Grid, Variant, fmt_number
from grader.render.paper_common import (
    answer_latex,
    document_title,
    grid_latex,
    split_math,
    tolerance_text,
    variant_heading,
)

__all__ = ["EXTENSION", "render", "escape", "literal"]

EXTENSION = "tex"

_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_", "$": r"\$",
            "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
            "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}"}
_SPECIAL_RE = re.compile("|".join(re.escape(k) for k in _SPECIAL))
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")

_PREAMBLE = r"""\documentclass[11pt,a4paper]{article}
\usepackage[utf8]{inputenc}
\usepackage[T1]{fontenc}
\usepackage{amsmath,amssymb}
\usepackage[margin=2cm]{geometry}
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.6em}
\allowdisplaybreaks
% amsmath's matrices stop at 10 columns; unrolled convolution matrices are wider.
\setcounter{MaxMatrixCols}{32}
"""


def literal(text: str) -> str:
    """Any text (a roster id, a title) as LaTeX that typesets it as written: every character
    TeX treats specially is escaped, and control or invisible formatting characters (a
    newline, U+202E) become ``?``, so no text can end a paragraph, open math or run a command."""
    text = "".join("?" if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text)
    return _SPECIAL_RE.sub(lambda m: _SPECIAL[m.group(0)], text).replace("±", r"\ensuremath{\pm}")


def escape(text: str) -> str:
    """Prose for LaTeX: :func:`literal`, with ``**bold**`` and `` `code` `` kept."""
    text = _BOLD.sub(r"\\textbf{\1}", literal(text))
    return _CODE.sub(r"\\texttt{\1}", text)


def inline(text: str) -> str:
    """Markdown prose with ``$math$`` as LaTeX."""
    return "".join(f"${seg}$" if is_math else escape(seg) for is_math, seg in split_math(text))


def _display(math: str) -> str:
    # gather* takes one formula or several separated by \\ (the layer-by-layer steps).
    return f"\\begin{{gather*}}\n{math}\n\\end{{gather*}}"


def _grid(grid: Grid) -> str:
    return _display(grid_latex(grid))


def render_variant(v: Variant, index: int, *, key: bool) -> str:
    out = [f"\\section*{{{literal(variant_heading(v, index))}}}"]
    for block in v.statement:
        out.append(_grid(block) if isinstance(block, Grid) else inline(block))
    out.append(r"\begin{enumerate}")
    for part in v.parts:
        pts = "point" if part.points == 1 else "points"
        out.append(f"\\item[({part.key})] {inline(part.prompt)} \\hfill "
                   f"\\emph{{({fmt_number(part.points)} {pts})}}")
        if key:
            out.append(f"\n\\textbf{{Answer:}} ${answer_latex(part)}$ "
                       f"(tolerance {escape(tolerance_text(part))})")
    out.append(r"\end{enumerate}")
    if key:
        out.append(r"\subsection*{Worked solution}")
        for step in v.solution:
            if step.text:
                out.append(inline(step.text))
            if step.math:
                out.append(_display(step.math))
            if step.grid is not None:
                out.append(_grid(step.grid))
        out.append(f"{{\\footnotesize {literal(f'kind {v.kind}, seed {v.seed}, difficulty {v.difficulty}')}}}")
    return "\n\n".join(out)


def render(variants: Sequence[Variant], *, key: bool) -> str:
    """A complete LaTeX document holding every variant, one per page."""
    body = "\n\n\\newpage\n\n".join(render_variant(v, i, key=key) for i, v in enumerate(variants))
    title = escape(document_title(variants, key=key))
    return (f"{_PREAMBLE}\\title{{{title}}}\n\\date{{}}\n\\begin{{document}}\n\\maketitle\n\n"
            f"{body}\n\n\\end{{document}}\n")
