"""Paper exercises as one standalone HTML page, one variant per printed page.

The page works offline: formulas are converted to MathML here (``latex2mathml``, pure
Python), which every current browser renders natively, and the page loads nothing, no
script, stylesheet or font, from anywhere. The same fragments serve Moodle's question bank
with ``math="tex"``: there the LaTeX stays, between ``\\( \\)`` / ``\\[ \\]``, for
Moodle's own MathJax filter.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Sequence

from grader.paper.model import Grid, Variant, fmt_number
from grader.render.paper_common import (
    answer_latex,
    document_title,
    split_math,
    tolerance_text,
    variant_heading,
)

__all__ = ["EXTENSION", "MATH_MODES", "render", "inline", "math_html", "grid_html", "solution_html",
           "statement_html"]

EXTENSION = "html"
#: ``mathml``: formulas rendered here (offline pages); ``tex``: LaTeX for a MathJax filter.
MATH_MODES = ("mathml", "tex")

_MATHML_NS = "http://www.w3.org/1998/Math/MathML"
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")

_HEAD = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; max-width: 50em; margin: 2em auto; line-height: 1.5; }}
section {{ page-break-after: always; }}
table.grid {{ border-collapse: collapse; margin: 0.5em 0; }}
table.grid td {{ border: 1px solid #888; padding: 0.2em 0.6em; text-align: right; }}
.answer {{ background: #eef6ee; padding: 0.3em 0.6em; }}
.meta {{ color: #666; font-size: small; }}
math {{ font-family: "STIX Two Math", "Latin Modern Math", "Cambria Math", math; }}
.formula {{ overflow-x: auto; overflow-y: hidden; }}
math[display="block"] {{ margin: 0.4em 0; }}
</style></head><body>
<h1>{title}</h1>
"""


@lru_cache(maxsize=4096)
def _mathml(latex: str, display: bool) -> str:
    from latex2mathml.converter import convert

    # latex2mathml copies \text{...} verbatim: keep markup characters out of it.
    latex = latex.replace("<", r"\lt ").replace(">", r"\gt ")
    # HTML puts <math> in the MathML namespace by itself: no xmlns URL in the page.
    return convert(latex, display="block" if display else "inline").replace(f' xmlns="{_MATHML_NS}"', "", 1)


def _lines(latex: str) -> list[str]:
    """A display formula split at its top-level ``\\\\`` (outside braces and environments):
    browsers do not break MathML lines, so each line becomes its own block."""
    lines, depth, start, i = [], 0, 0, 0
    while i < len(latex):
        if latex.startswith("\\begin", i) or latex[i] == "{":
            depth += 1
        elif latex.startswith("\\end", i) or latex[i] == "}":
            depth -= 1
        elif latex.startswith("\\\\", i) and depth == 0:
            lines.append(latex[start:i])
            start = i + 2
            i += 2
            continue
        elif latex[i] == "\\":
            i += 2  # an escaped character (\{, \}) or the first letter of a command
            continue
        i += 1
    lines.append(latex[start:])
    return [line.strip() for line in lines if line.strip()]


def math_html(latex: str, *, display: bool = False, math: str = "mathml") -> str:
    """One formula as HTML: MathML (``math="mathml"``) or escaped LaTeX between MathJax
    delimiters (``math="tex"``)."""
    if math == "tex":
        body = html.escape(latex, quote=False)
        return f"\\[{body}\\]" if display else f"\\({body}\\)"
    if math != "mathml":
        raise ValueError(f"math must be one of {MATH_MODES}, got {math!r}")
    if not display:
        return _mathml(latex, False)
    return "".join(_mathml(line, True) for line in _lines(latex))


def inline(text: str, *, math: str = "mathml") -> str:
    """Markdown prose with ``$math$`` as HTML (``**bold**``, ``code``, formulas as :func:`math_html`)."""
    out = []
    for is_math, seg in split_math(text):
        if is_math:
            out.append(math_html(seg, math=math))
        else:
            seg = html.escape(seg, quote=False)
            seg = _BOLD.sub(r"<b>\1</b>", seg)
            out.append(_CODE.sub(r"<code>\1</code>", seg))
    return "".join(out)


def grid_html(grid: Grid, *, math: str = "mathml") -> str:
    rows = "".join("<tr>" + "".join(f"<td>{fmt_number(v)}</td>" for v in row) + "</tr>"
                   for row in grid.rows)
    return f"<p>{math_html(grid.label, math=math)}:</p><table class=\"grid\">{rows}</table>"


def solution_html(v: Variant, *, math: str = "mathml") -> str:
    """The worked solution of a variant as an HTML fragment (also Moodle's feedback)."""
    out = []
    for step in v.solution:
        if step.text:
            out.append(f"<p>{inline(step.text, math=math)}</p>")
        if step.math:
            out.append(f"<div class=\"formula\">{math_html(step.math, display=True, math=math)}</div>")
        if step.grid is not None:
            out.append(grid_html(step.grid, math=math))
    return "\n".join(out)


def statement_html(v: Variant, *, math: str = "mathml") -> str:
    return "\n".join(grid_html(b, math=math) if isinstance(b, Grid) else f"<p>{inline(b, math=math)}</p>"
                      for b in v.statement)


def render_variant(v: Variant, index: int, *, key: bool) -> str:
    out = [f"<section><h2>{html.escape(variant_heading(v, index))}</h2>", statement_html(v), "<ol type=\"a\">"]
    for part in v.parts:
        pts = "point" if part.points == 1 else "points"
        item = f"<li>{inline(part.prompt)} <i>({fmt_number(part.points)} {pts})</i>"
        if key:
            item += (f"<div class=\"answer\"><b>Answer:</b> {math_html(answer_latex(part))}"
                     f" (tolerance {html.escape(tolerance_text(part))})</div>")
        out.append(item + "</li>")
    out.append("</ol>")
    if key:
        out.append("<h3>Worked solution</h3>")
        out.append(solution_html(v))
        out.append(f"<p class=\"meta\">kind {html.escape(v.kind)}, seed {v.seed}, "
                   f"difficulty {html.escape(v.difficulty)}</p>")
    out.append("</section>")
    return "\n".join(out)


def render(variants: Sequence[Variant], *, key: bool) -> str:
    title = html.escape(document_title(variants, key=key))
    body = "\n".join(render_variant(v, i, key=key) for i, v in enumerate(variants))
    return _HEAD.format(title=title) + body + "\n</body></html>\n"
