"""Paper exercises as Moodle XML: one question per variant, in a category named after the
exercise. A single-number variant is a ``numerical`` question; otherwise an embedded-answers
(``cloze``) question with one NUMERICAL blank per number. Tolerances are absolute; the
worked solution is the general feedback."""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from typing import Sequence

from grader.paper.model import Variant, fmt_number
from grader.render.html import inline, solution_html, statement_html
from grader.render.paper_common import variant_heading

__all__ = ["EXTENSION", "KEY_ONLY", "render", "cloze_blank"]

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


def _cell_label(column: str) -> str:
    bits = column.split("_")
    return f"({bits[0]})" if len(bits) == 1 else f"({bits[0]}) [{', '.join(bits[1:])}]"


def _question(quiz: ET.Element, v: Variant, index: int) -> None:
    cells = v.cells()
    name = variant_heading(v, index)
    body = statement_html(v)
    if len(cells) == 1:
        q = ET.SubElement(quiz, "question", {"type": "numerical"})
        _text(q, "name", name)
        part = v.parts[0]
        _text(q, "questiontext", body + f"<p>({part.key}) {inline(part.prompt)}</p>", format="html")
        _text(q, "generalfeedback", solution_html(v), format="html")
        ET.SubElement(q, "defaultgrade").text = fmt_number(part.points)
        ET.SubElement(q, "penalty").text = "0"
        ans = _text(q, "answer", fmt_number(cells[0][1], digits=6), fraction="100")
        ET.SubElement(ans, "tolerance").text = fmt_number(cells[0][2], digits=6)
        _text(ans, "feedback", "")
        return
    q = ET.SubElement(quiz, "question", {"type": "cloze"})
    _text(q, "name", name)
    lines = [body]
    for part in v.parts:
        blanks = []
        # Cloze weights are integers: a sub-question's points, shared among its numbers,
        # scaled by 12 (divisible by 1, 2, 3, 4, 6) and rounded, at least 1 per blank.
        weight = max(1, round(12 * part.points / len(part.cells())))
        for column, value in part.cells():
            blanks.append(f"{html.escape(_cell_label(column))} {cloze_blank(value, part.tolerance, weight)}")
        lines.append(f"<p>({part.key}) {inline(part.prompt)}</p><p>" + "<br>".join(blanks) + "</p>")
    _text(q, "questiontext", "\n".join(lines), format="html")
    _text(q, "generalfeedback", solution_html(v), format="html")
    ET.SubElement(q, "penalty").text = "0"
    ET.SubElement(q, "hidden").text = "0"


def render(variants: Sequence[Variant], *, key: bool = True) -> str:
    """A Moodle XML question bank with one question per variant."""
    quiz = ET.Element("quiz")
    cat = ET.SubElement(quiz, "question", {"type": "category"})
    _text(cat, "category", f"$course$/cnngrade/{variants[0].kind}/seed-{variants[0].seed}")
    for i, v in enumerate(variants):
        _question(quiz, v, i)
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"
