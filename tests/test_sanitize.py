"""One sanitiser per sink of student text (grader/sanitize.py): terminal, rich, CSV, Markdown, HTML."""

import csv
import io
import re

import pytest
from rich.console import Console

from grader import sanitize

# Every kind of hostile text a submission can put in its name or its exception message.
HOSTILE = [
    "[red]x[/red]",
    "\x1b]52;c;aGVsbG8=\x07",  # OSC 52: writes the clipboard
    "\x1b]0;owned\x1b\\",  # OSC 0: window title, ST-terminated
    "\x1b[2J\x1b[H",  # CSI: clear the screen
    "\x9b31m",  # C1 CSI
    "\u202egood.py",  # right-to-left override: shows as 'yp.doog'
    "a\u2066b\u2069c",
    "bell\x07 back\x08space del\x7f nul\x00",
    "line\u2028separator",
]
# What no terminal may receive from a student: C0 but newline, DEL, C1, bidi controls.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize("text", HOSTILE)
def test_terminal_text_has_no_control_character_left_and_shows_what_was_there(text):
    out = sanitize.terminal(text)
    assert not _CONTROL.search(out)
    if text != "[red]x[/red]":  # markup is the rich sink's business (below)
        assert out != text and "\\" in out  # made visible, not silently dropped


def test_escapes_are_visible_and_newlines_are_kept_unless_one_line():
    assert sanitize.terminal("\x1b[2J") == "\\x1b[2J"
    assert sanitize.terminal("\u202eab") == "\\u202eab"
    assert sanitize.terminal("a\nb\tc") == "a\nb\tc"
    assert sanitize.terminal("a\nb\tc", one_line=True) == "a\\nb\\tc"
    assert sanitize.terminal("Émile 名前 (late) = 1") == "Émile 名前 (late) = 1"  # ordinary text unchanged


@pytest.mark.parametrize("text", HOSTILE)
def test_rich_markup_prints_as_written_and_nothing_reaches_the_terminal(text):
    buffer = io.StringIO()
    Console(file=buffer, force_terminal=True, color_system=None, width=200).print(
        sanitize.rich(text), highlight=False)
    printed = buffer.getvalue()
    assert not _CONTROL.search(printed.rstrip("\n"))
    if "[red]" in text:
        assert "[red]x[/red]" in printed  # shown, not interpreted


@pytest.mark.parametrize("value, cell", [
    ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
    ("+1+2", "'+1+2"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("ada", "ada"), ("a=b", "a=b"), (-1.5, -1.5), (20, 20),
])
def test_csv_cells_never_start_a_formula(value, cell):
    assert sanitize.csv_cell(value) == cell


def test_a_csv_written_from_a_hostile_name_reads_back_as_text():
    buffer = io.StringIO()
    writer = sanitize.csv_writer(buffer)
    writer.writerow(["submission", "score"])
    writer.writerow(['=HYPERLINK("http://x","y")', -3])
    (header, row) = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert row == ['\'=HYPERLINK("http://x","y")', "-3"]  # a spreadsheet opens the cell as text


def test_markdown_inline_text_cannot_make_html_links_or_headings():
    out = sanitize.markdown('<img src=x onerror=alert(1)> [click](http://x) **b** | # h\nnext')
    assert "<" not in out and "\n" not in out
    assert "\\[click\\]" in out and "\\*\\*b\\*\\*" in out and "\\|" in out and "\\#" in out


@pytest.mark.parametrize("body", ["plain", "a ``` b", "````\n```text\nx", "`" * 10])
def test_a_markdown_code_block_cannot_be_closed_from_inside(body):
    block = sanitize.markdown_code_block(body + "\x1b[2J")
    fence = block.split("\n", 1)[0].rstrip("text")
    lines = block.split("\n")
    # the fence occurs exactly twice as a line start: opening and closing
    assert [i for i, ln in enumerate(lines) if ln.startswith(fence)] == [0, len(lines) - 1]
    assert "\x1b" not in block and "\\x1b[2J" in block


def test_html_escapes_markup_and_makes_controls_visible():
    assert sanitize.html('<script>"\'&\u202e') == "&lt;script&gt;&quot;&#x27;&amp;\\u202e"
