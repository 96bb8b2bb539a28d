"""Paper exercises as one standalone HTML page (MathJax renders the math; one variant per
printed page)."""

from __future__ import annotations

import html
import re
from typing import Sequence

from grader.paper.model import Grid, Variant, fmt_number
from grader.render.paper_common import (
    answer_latex,
    document_title,
    split_math,
    tolerance_text,
    variant_heading,
)

__all__ = ["EXTENSION", "render", "inline", "grid_html", "solution_html"]

EXTENSION = "html"

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")

_HEAD = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<script>window.MathJax = {{tex: {{inlineMath: [['\\\\(', '\\\\)']]}}}};</script>
<script defer src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>
<style>
body {{ font-family: sans-serif; max-width: 50em; margin: 2em auto; line-height: 1.5; }}
section {{ page-break-after: always; }}
table.grid {{ border-collapse: collapse; margin: 0.5em 0; }}
table.grid td {{ border: 1px solid #888; padding: 0.2em 0.6em; text-align: right; }}
.answer {{ background: #eef6ee; padding: 0.3em 0.6em; }}
.meta {{ color: #666; font-size: small; }}
</style></head><body>
<h1>{title}</h1>
"""


def inline(text: str) -> str:
    """Markdown prose with ``$math$`` as HTML with MathJax ``\\( \\)`` delimiters."""
    out = []
    for is_math, seg in split_math(text):
        if is_math:
            out.append("\\(" + html.escape(seg, quote=False) + "\\)")
        else:
            seg = html.escape(seg, quote=False)
            seg = _BOLD.sub(r"<b>\1</b>", seg)
            out.append(_CODE.sub(r"<code>\1</code>", seg))
    return "".join(out)


def grid_html(grid: Grid) -> str:
    rows = "".join("<tr>" + "".join(f"<td>{fmt_number(v)}</td>" for v in row) + "</tr>"
                   for row in grid.rows)
    return f"<p>\\({html.escape(grid.label, quote=False)}\\):</p><table class=\"grid\">{rows}</table>"


def solution_html(v: Variant) -> str:
    """The worked solution of a variant as an HTML fragment (also Moodle's feedback)."""
    out = []
    for step in v.solution:
        if step.text:
            out.append(f"<p>{inline(step.text)}</p>")
        if step.math:
            out.append(f"<p>\\[{html.escape(step.math, quote=False)}\\]</p>")
        if step.grid is not None:
            out.append(grid_html(step.grid))
    return "\n".join(out)


def statement_html(v: Variant) -> str:
    return "\n".join(grid_html(b) if isinstance(b, Grid) else f"<p>{inline(b)}</p>"
                     for b in v.statement)


def render_variant(v: Variant, index: int, *, key: bool) -> str:
    out = [f"<section><h2>{html.escape(variant_heading(v, index))}</h2>", statement_html(v), "<ol type=\"a\">"]
    for part in v.parts:
        pts = "point" if part.points == 1 else "points"
        item = f"<li>{inline(part.prompt)} <i>({fmt_number(part.points)} {pts})</i>"
        if key:
            item += (f"<div class=\"answer\"><b>Answer:</b> \\({html.escape(answer_latex(part), quote=False)}\\)"
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
