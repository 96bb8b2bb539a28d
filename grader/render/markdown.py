"""Paper exercises as Markdown (math as ``$...$`` / ``$$...$$``, grids as tables)."""

from __future__ import annotations

from typing import Sequence

from grader.paper.model import Grid, Variant, fmt_number
from grader.render.paper_common import (
    answer_latex,
    document_title,
    tolerance_text,
    variant_heading,
)

__all__ = ["EXTENSION", "render"]

EXTENSION = "md"


def _grid(grid: Grid) -> str:
    width = len(grid.rows[0])
    head = "| " + " | ".join(" " for _ in range(width)) + " |"
    rule = "|" + "|".join("---:" for _ in range(width)) + "|"
    rows = ["| " + " | ".join(fmt_number(v) for v in row) + " |" for row in grid.rows]
    return f"${grid.label}$:\n\n" + "\n".join([head, rule, *rows])


def _block(item) -> str:
    return _grid(item) if isinstance(item, Grid) else item


def render_variant(v: Variant, index: int, *, key: bool) -> str:
    out = [f"## {variant_heading(v, index)}", ""]
    out += [_block(b) + "\n" for b in v.statement]
    for part in v.parts:
        pts = "point" if part.points == 1 else "points"
        out.append(f"**({part.key})** {part.prompt} *({fmt_number(part.points)} {pts})*\n")
        if key:
            out.append(f"> **Answer ({part.key}):** ${answer_latex(part)}$ "
                       f"(tolerance {tolerance_text(part)}; answer columns: "
                       f"{', '.join(c for c, _ in part.cells())})\n")
    if key:
        out.append("### Worked solution\n")
        for step in v.solution:
            if step.text:
                out.append(step.text + "\n")
            if step.math:
                out.append(f"$$\n{step.math}\n$$\n")
            if step.grid is not None:
                out.append(_grid(step.grid) + "\n")
        out.append(f"<sub>kind {v.kind}, seed {v.seed}, difficulty {v.difficulty}, "
                   f"parameters `{v.identity}`</sub>\n")
    return "\n".join(out)


def render(variants: Sequence[Variant], *, key: bool) -> str:
    """One Markdown document holding every variant (the sheet, or the key with solutions)."""
    parts = [f"# {document_title(variants, key=key)}", ""]
    for i, v in enumerate(variants):
        parts.append(render_variant(v, i, key=key))
        parts.append("---\n")
    return "\n".join(parts)
