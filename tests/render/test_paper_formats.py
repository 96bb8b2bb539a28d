"""The paper-exercise renderers: every format renders every kind; Moodle XML and GIFT parse
back with every answer and tolerance; JSON follows its schema; LaTeX compiles when a TeX
engine is installed (skipped otherwise)."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

from grader.paper import make_variants, paper_exercises
from grader.render import gift, html, json_doc, latex, markdown, moodle, pdf

KINDS = sorted(paper_exercises())


@pytest.fixture(scope="module")
def sets():
    """Three hard variants of every kind (hard exercises every question shape)."""
    return {k: make_variants(k, seed=4, count=3, difficulty="hard") for k in KINDS}


# --- Moodle XML --------------------------------------------------------------------------

_CLOZE = re.compile(r"\{(\d+):NUMERICAL:=([^:}]+):([^}]+)\}")


@pytest.mark.parametrize("kind", KINDS)
def test_moodle_xml_parses_back_with_every_answer_and_tolerance(kind, sets):
    variants = sets[kind]
    root = ET.fromstring(moodle.render(variants).encode("utf-8"))
    questions = [q for q in root.findall("question") if q.get("type") != "category"]
    assert len(questions) == len(variants)
    for q, v in zip(questions, variants):
        expected = [(e, t) for _, e, t, _ in v.cells()]
        assert q.find("generalfeedback/text").text  # the worked solution is the feedback
        if q.get("type") == "numerical":
            got = [(float(a.find("text").text), float(a.find("tolerance").text)) for a in q.findall("answer")]
        else:
            assert q.get("type") == "cloze"
            got = [(float(m.group(2)), float(m.group(3))) for m in _CLOZE.finditer(q.find("questiontext/text").text)]
        assert len(got) == len(expected)
        for (g, gt), (e, et) in zip(got, expected):
            assert abs(g - e) <= 1e-6 and abs(gt - et) <= 1e-9


# --- GIFT --------------------------------------------------------------------------------


def parse_gift(text: str) -> list[dict]:
    """A small GIFT reader for numerical questions: ``::title::text{#value:tol ####feedback}``."""
    questions = []
    for block in [b for b in text.split("\n\n") if b.strip()]:
        m = re.match(r"::((?:\\.|[^:])*)::(.*)$", block.strip(), re.S)
        assert m, block[:80]
        title, rest = m.group(1), m.group(2)
        # The answer block is the last unescaped { ... } of the question.
        start = None
        for i, ch in enumerate(rest):
            if ch == "{" and (i == 0 or rest[i - 1] != "\\"):
                start = i
        assert start is not None and rest.rstrip().endswith("}")
        answer = rest[start + 1:rest.rstrip().rfind("}")]
        assert answer.startswith("#")
        body, _, feedback = answer[1:].partition("####")
        value, tol = body.strip().split(":")
        questions.append({"title": re.sub(r"\\(.)", r"\1", title), "value": float(value),
                          "tolerance": float(tol), "feedback": feedback, "text": rest[:start]})
    return questions


@pytest.mark.parametrize("kind", KINDS)
def test_gift_parses_back_with_every_answer_and_tolerance(kind, sets):
    variants = sets[kind]
    parsed = parse_gift(gift.render(variants))
    expected = [(e, t) for v in variants for _, e, t, _ in v.cells()]
    assert len(parsed) == len(expected)
    for q, (e, t) in zip(parsed, expected):
        assert abs(q["value"] - e) <= 1e-6 and q["tolerance"] == pytest.approx(t)
    assert all(q["feedback"].strip() for q in parsed)
    # No unescaped GIFT control characters inside question text.
    for q in parsed:
        assert not re.search(r"(?<!\\)[{}=~#]", q["text"]), q["text"][:120]


def test_gift_escapes_special_characters():
    assert gift.escape("a=b {c} #d ~e :f") == r"a\=b \{c\} \#d \~e \:f"


# --- JSON --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_json_key_carries_the_documented_fields(kind, sets):
    doc = json.loads(json_doc.render(sets[kind], key=True))
    assert doc["schema"] == json_doc.SCHEMA and doc["kind"] == kind and doc["key"] is True
    for v in doc["variants"]:
        assert {"kind", "seed", "student", "difficulty", "parameters", "statement", "parts", "solution"} <= set(v)
        for part in v["parts"]:
            assert {"key", "prompt", "answer", "tolerance", "points", "columns"} <= set(part)
    sheet = json.loads(json_doc.render(sets[kind], key=False))
    assert all("answer" not in p for v in sheet["variants"] for p in v["parts"])


# --- Markdown, HTML, LaTeX ---------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_sheets_hide_answers_and_keys_show_them(kind, sets):
    v = sets[kind]
    markers = {markdown: "**Answer (", html: "<b>Answer:</b>", latex: r"\textbf{Answer:}"}
    for module, marker in markers.items():
        sheet, key = module.render(v, key=False), module.render(v, key=True)
        assert "Worked solution" not in sheet and "Worked solution" in key
        assert marker not in sheet and key.count(marker) == sum(len(x.parts) for x in v)


def test_latex_escapes_prose_but_keeps_math():
    assert latex.inline("50% of $x_1$ & y_2") == r"50\% of $x_1$ \& y\_2"


def test_html_tags_are_balanced():
    """Every opened element is closed, in order (void elements aside), for every kind."""
    from html.parser import HTMLParser

    class Balance(HTMLParser):
        VOID = {"meta", "br", "hr", "img", "input", "link"}

        def __init__(self):
            super().__init__()
            self.stack, self.errors = [], []

        def handle_starttag(self, tag, attrs):
            if tag not in self.VOID:
                self.stack.append(tag)

        def handle_endtag(self, tag):
            if not self.stack or self.stack.pop() != tag:
                self.errors.append(f"</{tag}> at line {self.getpos()[0]}")

    for kind in KINDS:
        for key in (False, True):
            parser = Balance()
            parser.feed(html.render(make_variants(kind, seed=1, count=2, difficulty="hard"), key=key))
            parser.close()
            assert parser.errors == [] and parser.stack == [], (kind, key, parser.errors, parser.stack)


@pytest.mark.skipif(pdf.find_engine() is None, reason="no TeX engine installed")
@pytest.mark.parametrize("key", [False, True], ids=["sheet", "key"])
def test_latex_compiles_with_the_installed_engine(key, sets):
    """One document with every kind's hard variants (one engine run keeps the test fast)."""
    every = [v for kind in KINDS for v in sets[kind]]
    data = pdf.compile_tex(latex.render(every, key=key))
    assert data.startswith(b"%PDF")


def test_pdf_without_engine_raises_a_user_error(monkeypatch):
    from grader.errors import UserError

    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(UserError, match="no TeX engine"):
        pdf.compile_tex("\\documentclass{article}\\begin{document}x\\end{document}")
