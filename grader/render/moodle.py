"""Paper exercises as Moodle XML: one question per variant, in a category named after the
exercise. A single-number variant is a ``numerical`` question; otherwise an embedded-answers
(``cloze``) question with one NUMERICAL blank per number. Tolerances are absolute; the
worked solution is the general feedback; math stays LaTeX for Moodle's MathJax filter.

Marks: every question's default mark is its variant's points (the same for every variant
of the bank, see ``PaperExercise.points``). Moodle sets a cloze question's default mark to
the sum of its blanks' weights, which must be whole numbers (its import ignores
``defaultgrade``), so each blank weighs whole points: a sub-question's points shared among
its numbers as evenly as whole numbers allow (7 points over 3 numbers: 3, 2, 2). The model
gives every number at least one point, so no blank weighs 0.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from typing import Sequence

from grader.paper.model import Part, Variant, fmt_number
from grader.render.html import inline, solution_html, statement_html
from grader.render.paper_common import bank_category, variant_heading

__all__ = ["EXTENSION", "KEY_ONLY", "render", "cloze_blank", "blank_weights"]

EXTENSION = "moodle.xml"
#: The question bank carries the answers; there is no separate student sheet.
KEY_ONLY = True


def _text(parent: ET.Element, tag: str, text: str, **attrs) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    ET.SubElement(el, "text").text = text
    return el


def cloze_blank(value: float, tolerance: float, weight: int = 1) -> str:
    """``{1:NUMERICAL:=19:0}``: a cloze blank of integer ``weight``, absolute tolerance."""
    return f"{{{weight}:NUMERICAL:={fmt_number(value, digits=6)}:{fmt_number(tolerance, digits=6)}}}"


def blank_weights(part: Part) -> list[int]:
    """Whole-number cloze weights of the part's numbers, in cell order, summing to its points:
    equal shares, the remainder one point each to the first numbers."""
    n = len(part.cells())
    base, extra = divmod(int(part.points), n)
    if base < 1 or part.points != int(part.points):
        raise ValueError(f"part ({part.key}) has {part.points} points for {n} numbers; "
                         f"a cloze blank needs a whole point at least")
    return [base + (1 if i < extra else 0) for i in range(n)]


def _cell_label(column: str) -> str:
    bits = column.split("_")
    return f"({bits[0]})" if len(bits) == 1 else f"({bits[0]}) [{', '.join(bits[1:])}]"


def _question(quiz: ET.Element, v: Variant, index: int) -> None:
    cells = v.cells()
    name = variant_heading(v, index)
    body = statement_html(v, math="tex")
    if len(cells) == 1:
        q = ET.SubElement(quiz, "question", {"type": "numerical"})
        _text(q, "name", name)
        part = v.parts[0]
        _text(q, "questiontext", body + f"<p>({part.key}) {inline(part.prompt, math='tex')}</p>", format="html")
        _text(q, "generalfeedback", solution_html(v, math="tex"), format="html")
        ET.SubElement(q, "defaultgrade").text = fmt_number(v.max_score)
        ET.SubElement(q, "penalty").text = "0"
        ans = _text(q, "answer", fmt_number(cells[0][1], digits=6), fraction="100")
        ET.SubElement(ans, "tolerance").text = fmt_number(cells[0][2], digits=6)
        _text(ans, "feedback", "")
        return
    q = ET.SubElement(quiz, "question", {"type": "cloze"})
    _text(q, "name", name)
    lines = [body]
    for part in v.parts:
        blanks = [f"{html.escape(_cell_label(column))} {cloze_blank(value, part.tolerance, weight)}"
                  for (column, value), weight in zip(part.cells(), blank_weights(part))]
        lines.append(f"<p>({part.key}) {inline(part.prompt, math='tex')}</p><p>" + "<br>".join(blanks) + "</p>")
    _text(q, "questiontext", "\n".join(lines), format="html")
    _text(q, "generalfeedback", solution_html(v, math="tex"), format="html")
    # What Moodle computes on import (the sum of the weights), written for readers of the file.
    ET.SubElement(q, "defaultgrade").text = fmt_number(v.max_score)
    ET.SubElement(q, "penalty").text = "0"
    ET.SubElement(q, "hidden").text = "0"


def render(variants: Sequence[Variant], *, key: bool = True) -> str:
    """A Moodle XML question bank with one question per variant."""
    quiz = ET.Element("quiz")
    cat = ET.SubElement(quiz, "question", {"type": "category"})
    _text(cat, "category", bank_category(variants[0]))
    for i, v in enumerate(variants):
        _question(quiz, v, i)
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"
