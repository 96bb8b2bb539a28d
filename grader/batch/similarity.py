"""Pairs of submissions whose code is suspiciously alike (AST-normalised fingerprints).

How it works (the classic MOSS / JPlag recipe, on Python's own syntax tree):

1. **Normalise**: parse each submission and walk its AST into a token stream of node
   kinds. Local names become ``V`` (renaming changes nothing), comments and docstrings
   vanish, formatting never reaches the tree. Names of builtins and imported modules,
   attribute names (``np.pad``, ``.sum``) and keyword names stay: they are what a copy keeps.
2. **Fingerprint**: every run of ``k`` consecutive tokens (about one line of code) is a
   fingerprint. Fingerprints found in the exercise's starter code, or shared by more than
   a few submissions of the class, are common knowledge and ignored.
3. **Score** a pair by the share of both token streams covered by the fingerprints they
   share: ``(covered_a + covered_b) / (len_a + len_b)``. Independent solutions of a short
   exercise share a line or two of idiom (``np.sum(window * w[f]) + b[f]``) but not long
   runs, so they score low; a renamed, recommented, reformatted copy scores near 1.

Candidate pairs come from an inverted index of fingerprints, so a class is never compared
all-against-all.
"""

from __future__ import annotations

import ast
import builtins
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations

from grader.errors import UserError

__all__ = ["SimilarPair", "normalized_tokens", "find_similar", "similar_submissions", "DEFAULT_THRESHOLD", "DEFAULT_K"]

#: Pairs scoring at least this are reported.
DEFAULT_THRESHOLD = 0.6
#: Tokens per fingerprint (an AST line of code is 10 to 30 tokens).
DEFAULT_K = 20
_BUILTINS = frozenset(dir(builtins))


@dataclass
class SimilarPair:
    """Two submissions that share long runs of normalised code."""

    a: str
    b: str
    score: float
    """Share of both token streams covered by shared fingerprints, in [0, 1]."""
    coverage_a: float
    coverage_b: float
    lines_a: list[int] = field(default_factory=list)
    """Line numbers of ``a`` (1-based) inside shared runs, for the side-by-side view."""
    lines_b: list[int] = field(default_factory=list)
    source_a: str = ""
    source_b: str = ""

    def __repr__(self) -> str:
        return f"SimilarPair({self.a!r}, {self.b!r}, score={self.score:.2f})"


class _Tokenizer(ast.NodeVisitor):
    """AST -> list of (token, line) with local names, comments and docstrings removed."""

    def __init__(self, global_names: set[str]):
        self.global_names = global_names
        self.tokens: list[tuple[str, int]] = []
        self.line = 1

    def emit(self, token: str, node: ast.AST | None = None) -> None:
        self.line = getattr(node, "lineno", self.line)
        self.tokens.append((token, self.line))

    def generic_visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.expr_context):
            return
        self.emit(type(node).__name__, node)
        for _, value in ast.iter_fields(node):
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST) and not _is_docstring(item):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    def visit_Name(self, node: ast.Name) -> None:
        self.emit(node.id if node.id in self.global_names else "V", node)

    def visit_arg(self, node: ast.arg) -> None:
        self.emit("arg", node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.visit(node.value)
        self.emit("." + node.attr, node)

    def visit_keyword(self, node: ast.keyword) -> None:
        self.emit(f"kw:{node.arg}", node)
        self.visit(node.value)

    def visit_Constant(self, node: ast.Constant) -> None:
        self.emit("STR" if isinstance(node.value, (str, bytes)) else "NUM", node)

    def visit_Import(self, node: ast.Import) -> None:
        self.emit("Import", node)

    visit_ImportFrom = visit_Import


def _is_docstring(node: ast.AST) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def normalized_tokens(source: str) -> list[tuple[str, int]]:
    """The normalised token stream of ``source`` as ``(token, line)`` pairs ([] if it does not parse)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return []
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imported.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    tokenizer = _Tokenizer(imported | _BUILTINS)
    try:
        tokenizer.visit(tree)
    except RecursionError:
        return []
    return tokenizer.tokens


def _fingerprints(tokens: list[tuple[str, int]], k: int) -> list[int]:
    names = [t for t, _ in tokens]
    return [hash(tuple(names[i:i + k])) for i in range(len(names) - k + 1)]


def find_similar(
    sources: Mapping[str, str] | Iterable[tuple[str, str]],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    k: int = DEFAULT_K,
    baseline: str | None = None,
    common_above: int | None = None,
) -> list[SimilarPair]:
    """Pairs of ``sources`` (name -> Python code) scoring at least ``threshold``, best first.

    - ``threshold``: in [0, 1]; 0.6 flags copies that were renamed, recommented and
      reformatted, while independent solutions of conv2d-forward stay below 0.3.
    - ``k``: tokens per fingerprint; larger means only longer shared runs count.
    - ``baseline``: starter code given to everyone; its fingerprints are ignored.
    - ``common_above``: fingerprints in more than this many submissions are ignored as
      common idiom (default: half the class, at least 2 and at most 10).

    Example: ``find_similar({"a": code_a, "b": code_b}, threshold=0.7)``.
    """
    if not 0.0 <= threshold <= 1.0:
        raise UserError(f"the similarity threshold must be between 0 and 1, got {threshold}")
    items = list(sources.items() if isinstance(sources, Mapping) else sources)
    streams = {name: normalized_tokens(code) for name, code in items}
    texts = dict(items)
    prints = {name: _fingerprints(toks, k) for name, toks in streams.items() if len(toks) >= 2 * k}
    ignored = set(_fingerprints(normalized_tokens(baseline), k)) if baseline else set()
    limit = common_above if common_above is not None else max(2, min(len(prints) // 2, 10))
    distinct = {name: set(hashes) - ignored for name, hashes in prints.items()}

    holders: dict[int, list[str]] = defaultdict(list)
    for name, hashes in distinct.items():
        for h in hashes:
            holders[h].append(name)
    shared_counts: Counter = Counter()
    for h, names in holders.items():
        if 2 <= len(names) <= limit:
            shared_counts.update(combinations(sorted(names), 2))

    pairs = []
    for (a, b), count in shared_counts.items():
        if count < 2:
            continue
        shared = {h for h in distinct[a] & distinct[b] if len(holders[h]) <= limit}
        lines_a, covered_a = _covered(prints[a], streams[a], shared, k)
        lines_b, covered_b = _covered(prints[b], streams[b], shared, k)
        len_a, len_b = len(streams[a]), len(streams[b])
        score = (covered_a + covered_b) / (len_a + len_b)
        if score >= threshold:
            pairs.append(SimilarPair(a, b, score, covered_a / len_a, covered_b / len_b,
                                     lines_a, lines_b, texts[a], texts[b]))
    pairs.sort(key=lambda p: (-p.score, p.a, p.b))
    return pairs


def _covered(hashes: list[int], tokens: list[tuple[str, int]], shared: set[int], k: int) -> tuple[list[int], int]:
    """Lines touched by, and number of tokens inside, the runs whose fingerprint is shared."""
    mask = bytearray(len(tokens))
    for i, h in enumerate(hashes):
        if h in shared:
            mask[i:i + k] = b"\1" * k
    lines = sorted({tokens[i][1] for i, hit in enumerate(mask) if hit})
    return lines, sum(mask)


def similar_submissions(
    submissions_dir: str | os.PathLike,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    baseline: str | None = None,
) -> list[SimilarPair]:
    """:func:`find_similar` over the submissions of a folder (DESIGN.md 3.2 layout).

    Unreadable submissions are left out (they are graded as errors by ``cnngrade grade``).
    """
    from grader.batch.discovery import discover, load_source

    def sources():
        for submission in discover(submissions_dir):
            _, text, problem = load_source(submission)
            if problem is None and text is not None:
                yield submission.name, text

    return find_similar(sources(), threshold=threshold, baseline=baseline)
