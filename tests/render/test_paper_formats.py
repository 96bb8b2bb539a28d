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


@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
@pytest.mark.parametrize("kind", KINDS)
def test_moodle_default_marks_equal_the_points_of_the_key(kind, difficulty):
    """What Moodle imports as each question's default mark (a numerical question's
    defaultgrade; a cloze question's sum of blank weights, Moodle ignoring defaultgrade
    there) is the variant's points, the same for every question of the bank; each part's
    blanks weigh its points, shared as evenly as whole numbers allow."""
    variants = make_variants(kind, seed=12, count=12, difficulty=difficulty)
    root = ET.fromstring(moodle.render(variants).encode("utf-8"))
    questions = [q for q in root.findall("question") if q.get("type") != "category"]
    total = paper_exercises()[kind].total_points(difficulty)
    for q, v in zip(questions, variants):
        assert v.max_score == total
        if q.get("type") == "numerical":
            assert float(q.find("defaultgrade").text) == total
            continue
        weights = [int(m.group(1)) for m in _CLOZE.finditer(q.find("questiontext/text").text)]
        assert sum(weights) == total and float(q.find("defaultgrade").text) == total
        at = 0
        for part in v.parts:
            mine = weights[at:at + len(part.cells())]
            at += len(part.cells())
            assert sum(mine) == part.points and min(mine) >= 1 and max(mine) - min(mine) <= 1
    category = root.find("question[@type='category']/category/text").text
    assert category == f"$course$/cnngrade/{kind}/seed-12-{difficulty}"


# --- GIFT --------------------------------------------------------------------------------


def parse_gift(text: str) -> list[dict]:
    """A small GIFT reader for numerical questions: ``::title::text{#value:tol ####feedback}``
    (a ``$CATEGORY:`` line is skipped)."""
    questions = []
    for block in [b for b in text.split("\n\n") if b.strip()]:
        if block.startswith("$CATEGORY: "):
            continue
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


def test_gift_has_a_category_and_inline_math_for_moodle_filters(sets):
    """The bank opens with its $CATEGORY; math is \\( \\) inline and \\[ \\] for display
    (GIFT-escaped as \\\\( ...), never $$ (display math in the middle of a sentence)."""
    text = gift.render(sets["conv-output-shape"])
    first = text.splitlines()[0]
    assert first == "$CATEGORY: $course$/cnngrade/conv-output-shape/seed-4-hard"
    body = text.split("\n", 1)[1]
    assert "$$" not in body and "$" not in body.replace("$course$", "")
    assert r"\\(" in body and r"\\)" in body
    q = parse_gift(text)[0]
    # An inline formula stays inline: text, then \(, math, \), then text again on the line.
    assert re.search(r"[a-z] \\\\\(.+?\\\\\) [a-z]", q["text"]), q["text"][:200]
    assert "points)" in q["text"]  # GIFT has no marks: the question says what its number is worth


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


@pytest.mark.parametrize("text, expected", [
    ("s$1", r"s\$1"),
    ("a_b^c", r"a\_b\textasciicircum{}c"),
    (r"x\input{/etc/passwd}", r"x\textbackslash{}input\{/etc/passwd\}"),
    ("50% #1 & ~", r"50\% \#1 \& \textasciitilde{}"),
    ("line\n\nbreak\u202e", "line??break?"),
    ("<b>|", r"\textless{}b\textgreater{}\textbar{}"),
])
def test_latex_literal_escapes_every_special_character_of_roster_text(text, expected):
    assert latex.literal(text) == expected


def test_roster_ids_reach_latex_only_escaped():
    """A roster id with TeX specials appears in the heading escaped, never raw."""
    from exercises import get_exercise

    ids = ["s$1", "a_b", "x\\relax", "p%c", "h#"]
    variants = get_exercise("param-count").variants(ids, seed=3)
    doc = latex.render(variants, key=True)
    headings = [line for line in doc.splitlines() if line.startswith("\\section*")]
    assert headings == [f"\\section*{{Counting parameters: student {latex.literal(i)}}}" for i in ids]


@pytest.mark.skipif(pdf.find_engine() is None, reason="no TeX engine installed")
def test_pdf_compiles_with_hostile_roster_ids():
    from exercises import get_exercise

    ids = ["s$1", "a_b", "x\\relax", "p%c", "h#", "u&v", "w~^", "{q}", "nl\n\nx"]
    variants = get_exercise("param-count").variants(ids, seed=3)
    assert pdf.compile_tex(latex.render(variants, key=True)).startswith(b"%PDF")


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


@pytest.mark.parametrize("kind", KINDS)
def test_html_works_offline_with_every_formula_as_mathml(kind, sets):
    """No script, stylesheet, font or image from the network (no URL at all), and every
    formula of the statements, prompts and solutions is MathML, not raw LaTeX."""
    from grader.render.paper_common import split_math

    variants = sets[kind]
    for key in (False, True):
        page = html.render(variants, key=key)
        assert not re.search(r"https?:|//cdn|<script|<link|@import|url\(", page, re.I)
        assert "\\(" not in page and "\\[" not in page and "$" not in page
        texts = [b for v in variants for b in v.statement if isinstance(b, str)]
        texts += [p.prompt for v in variants for p in v.parts]
        if key:
            texts += [st.text for v in variants for st in v.solution]
        inline_math = sum(1 for t in texts for is_math, _ in split_math(t) if is_math)
        grids = sum(1 for v in variants for b in v.statement if not isinstance(b, str))
        assert page.count('<math display="inline">') >= inline_math + grids
        if key:
            assert page.count('display="block"') >= sum(1 for v in variants for st in v.solution if st.math)


def test_html_math_is_real_mathml():
    """The converter's output for the shapes the generators write: fractions, floors,
    matrices, sub/superscripts, Greek; and one block per line of a multi-line formula."""
    frac = html.math_html(r"\left\lfloor \frac{28 + 2}{2} \right\rfloor + 1")
    assert "<mfrac>" in frac and "&#x0230A;" in frac and "&#x0230B;" in frac
    assert "<mtable>" in html.math_html(r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}")
    assert "<msubsup><mi>&#x003C3;</mi><mi>B</mi><mn>2</mn></msubsup>" in html.math_html(r"\sigma_B^2")
    two = html.math_html(r"Y = 1 \cdot 2 \\ + 3 \cdot 4 = 14", display=True)
    assert two.count('display="block"') == 2
    assert html.math_html(r"\text{<b>}").count("<b>") == 0  # markup cannot come through
    assert html.math_html("x_1", math="tex") == r"\(x_1\)"  # Moodle keeps LaTeX for its filter


def test_moodle_questions_keep_latex_for_moodles_filter(sets):
    bank = moodle.render(sets["pooling-by-hand"])
    assert "<math" not in bank and "&lt;math" not in bank and r"\(" in bank


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
