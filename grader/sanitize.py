"""One sanitiser per sink of student-controlled text (DESIGN.md section 4: file names built to
break gradebooks, spreadsheets, HTML and terminals).

A submission controls its entry name and every message its code raises; both reach the
instructor's terminal, spreadsheets, Markdown and HTML. Each sink has one small pure function
here, and every writer of that sink calls it:

- :func:`visible`: control characters (C0, DEL, C1: ESC and so every CSI / OSC sequence) and
  bidirectional overrides written as visible escapes (``\\x1b``, ``\\u202e``); the base of the
  others.
- :func:`terminal`: text for a plain terminal line (:func:`visible`; ``one_line`` also escapes
  newlines and tabs).
- :func:`rich`: the same, with rich console markup (``[red]``) escaped, for strings that rich
  renders as markup (table cells, titles, progress fields).
- :func:`csv_cell` / :func:`csv_writer`: a spreadsheet cell that opens as text, never as a
  formula (OWASP CSV injection: a leading ``= + - @``, tab or carriage return gets a ``'``).
- :func:`markdown` (inline text: headings, table cells) and :func:`markdown_code_block`
  (a fenced block no content can close).
- :func:`html`: HTML text or attribute content.

Example: ``terminal("\\x1b]52;c;aGk=\\x07ok")`` gives ``"\\\\x1b]52;c;aGk=\\\\x07ok"``, which a
terminal prints as those characters instead of writing the clipboard.
"""

from __future__ import annotations

import csv
import html as _html
import re
from typing import Any, Iterable

__all__ = [
    "visible",
    "terminal",
    "rich",
    "csv_cell",
    "csv_writer",
    "markdown",
    "markdown_code_block",
    "html",
    "BIDI_CONTROLS",
]

#: Characters that reorder the text around them (embeddings, overrides, isolates, marks):
#: a name starting with U+202E displays reversed and can pass for another student's.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

# C0 (but tab and newline, handled by ``one_line``), DEL, C1, bidi controls, and the
# Unicode line/paragraph separators some terminals and editors treat as newlines.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029" + "".join(sorted(BIDI_CONTROLS)) + "]")
_UNSAFE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029" + "".join(sorted(BIDI_CONTROLS)) + "]")
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
# OWASP "CSV injection": a cell starting with one of these is a formula in Excel, LibreOffice
# and Google Sheets (tab and CR because some import paths strip them first).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#!|~])")


def _escape_char(match: re.Match) -> str:
    ch = match.group(0)
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: Any, *, one_line: bool = False) -> str:
    """``text`` with every control character and bidi control written as a visible escape.

    ESC becomes the four characters ``\\x1b``, so no CSI (``\\x1b[2J``), OSC 52 (clipboard)
    or OSC 0 (window title) sequence survives; the C1 forms (``\\x9b``) too. Newlines and tabs
    stay unless ``one_line`` (then ``\\n``, ``\\t``): a name or a table cell stays one line.
    """
    return (_UNSAFE_LINE if one_line else _UNSAFE).sub(_escape_char, str(text))


def terminal(text: Any, *, one_line: bool = False) -> str:
    """Student text for a plain terminal line (``print``, ``click.echo``): see :func:`visible`."""
    return visible(text, one_line=one_line)


def rich(text: Any, *, one_line: bool = True) -> str:
    """Student text for a string rich renders as markup (a table cell, a title, a progress
    field): :func:`terminal` text with ``[tag]`` markup escaped, so ``[red]x[/red]`` prints
    as written. One line unless ``one_line=False``."""
    from rich.markup import escape  # rich's own escaping matches its own tag grammar

    return escape(terminal(text, one_line=one_line))


def csv_cell(value: Any) -> Any:
    """A spreadsheet cell that opens as text: a string starting with ``= + - @``, tab or CR
    gets a leading ``'`` (numbers are returned unchanged; the csv module quotes the rest).

    ``csv_cell('=HYPERLINK("http://x","y")')`` gives ``'\\'=HYPERLINK("http://x","y")'``.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class _SafeCsvWriter:
    """A ``csv.writer`` whose every cell goes through :func:`csv_cell`."""

    def __init__(self, handle, **kwargs):
        self._writer = csv.writer(handle, **kwargs)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([csv_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(handle, **kwargs) -> _SafeCsvWriter:
    """``csv.writer(handle, **kwargs)`` with every cell passed through :func:`csv_cell`: the
    one way cnngrade writes a CSV that holds student text."""
    return _SafeCsvWriter(handle, **kwargs)


def markdown(text: Any) -> str:
    """Student text for inline Markdown (a heading, a table cell): one line, HTML escaped
    (``<script>`` shows as text) and Markdown syntax backslash-escaped (``**``, ``[x](y)``,
    ``|``, a leading ``#``)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _html.escape(visible(text, one_line=True), quote=False))


def markdown_code_block(text: Any, *, info: str = "text") -> str:
    """``text`` as a fenced Markdown code block that nothing inside can close: the fence is
    one backtick longer than the longest run of backticks in the text (CommonMark 4.5).
    Control characters are escaped (a feedback.md printed with ``cat`` stays inert)."""
    body = visible(text).rstrip("\n")
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{body}\n{fence}"


def html(text: Any) -> str:
    """Student text for HTML (element content or a quoted attribute): control and bidi
    characters made visible, then ``& < > " '`` escaped."""
    return _html.escape(visible(text), quote=True)
