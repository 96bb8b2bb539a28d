"""Pairs of submissions whose code is suspiciously alike (AST-normalised fingerprints).

How it works (the classic MOSS / JPlag recipe, on Python's own syntax tree):

1. **Normalise**: parse each submission and walk its AST into a token stream of node
   kinds. Local names become ``V`` (renaming changes nothing), comments and docstrings
   vanish, formatting never reaches the tree. Names of builtins and imported modules,
   attribute names (``np.pad``, ``.sum``) and keyword names stay: they are what a copy keeps.
2. **Fingerprint**: every run of ``k`` consecutive tokens (about one line of code) is a
   fingerprint. Fingerprints of the exercise's starter code are ignored.
3. **Weigh by rarity**: a fingerprint held by only two submissions weighs 1; one held by
   many weighs less (inverse document frequency, down to ``_MIN_WEIGHT`` for code the
   whole class shares). Each token weighs as much as the rarest fingerprint covering it.
4. **Score** a pair by the weighted share of both token streams covered by the
   fingerprints they share: ``(shared_a + shared_b) / (weight_a + weight_b)``. Independent
   solutions of a short exercise share common idiom (``np.sum(window * w[f]) + b[f]``),
   which weighs little, and not their rarer lines, so they score low. A copy shares every
   token, common or rare, so it scores 1 however common its code is in the class (a
   byte-identical or renamed copy of the class's usual solution is still found), and a
   recommented, reformatted one near 1.

Candidate pairs come from an inverted index of the rarer fingerprints, plus the groups of
submissions whose normalised streams are identical, so a class is never compared
all-against-all.
"""

from __future__ import annotations

import ast
import builtins
import math
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations

from grader.errors import UserError

__all__ = ["SimilarPair", "normalized_tokens", "find_similar", "similar_submissions", "write_similarity_page",
           "DEFAULT_THRESHOLD", "DEFAULT_K"]

#: Pairs scoring at least this are reported.
DEFAULT_THRESHOLD = 0.6
#: Tokens per fingerprint (an AST line of code is 10 to 30 tokens).
DEFAULT_K = 20
_BUILTINS = frozenset(dir(builtins))
#: Weight of a fingerprint the whole class holds (never 0: two identical files always match).
_MIN_WEIGHT = 0.05
#: Fingerprints held by more submissions than this do not by themselves make a candidate pair.
_CANDIDATE_CAP = 10


@dataclass
class SimilarPair:
    """Two submissions that share long runs of normalised code."""

    a: str
    b: str
    score: float
    """Share of both token streams covered by shared fingerprints, each token weighted by
    the rarity of its code in the class, in [0, 1]."""
    coverage_a: float
    """The same share for ``a`` alone."""
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
    except (SyntaxError, ValueError, RecursionError, MemoryError):
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
    - ``common_above``: fingerprints held by more than this many submissions (default 10)
      do not make two submissions candidates on their own; they still count, discounted
      by their rarity, in the score of every candidate pair. Submissions with identical
      normalised code are always candidates.

    Example: ``find_similar({"a": code_a, "b": code_b}, threshold=0.7)``.
    """
    if not 0.0 <= threshold <= 1.0:
        raise UserError(f"the similarity threshold must be between 0 and 1, got {threshold}")
    items = list(sources.items() if isinstance(sources, Mapping) else sources)
    streams = {name: normalized_tokens(code) for name, code in items}
    texts = dict(items)
    prints = {name: _fingerprints(toks, k) for name, toks in streams.items() if len(toks) >= 2 * k}
    ignored = set(_fingerprints(normalized_tokens(baseline), k)) if baseline else set()
    cap = _CANDIDATE_CAP if common_above is None else common_above
    distinct = {name: set(hashes) - ignored for name, hashes in prints.items()}

    holders: dict[int, list[str]] = defaultdict(list)
    for name, hashes in distinct.items():
        for h in hashes:
            holders[h].append(name)
    weight = _rarity_weights(holders, len(prints))
    own: dict[str, tuple[list[int], float]] = {}  # (lines, total token weight), for candidates only

    def whole(name: str) -> tuple[list[int], float]:
        if name not in own:
            own[name] = _covered(prints[name], streams[name], distinct[name], weight, k)
        return own[name]

    candidates: Counter = Counter()
    for names in holders.values():
        if 2 <= len(names) <= cap:
            candidates.update(combinations(sorted(names), 2))
    same_code: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for name in prints:
        same_code[tuple(t for t, _ in streams[name])].append(name)
    identical = {pair for names in same_code.values() for pair in combinations(sorted(names), 2)}
    candidates.update(dict.fromkeys(identical, 2))

    pairs = []
    for (a, b), count in candidates.items():
        if count < 2:
            continue
        (all_a, total_a), (all_b, total_b) = whole(a), whole(b)
        if total_a + total_b == 0:  # only starter code: nothing of their own to compare
            continue
        if (a, b) in identical:  # every run is shared: no need to look for them
            lines_a, covered_a, lines_b, covered_b = all_a, total_a, all_b, total_b
        else:
            shared = distinct[a] & distinct[b]
            lines_a, covered_a = _covered(prints[a], streams[a], shared, weight, k)
            lines_b, covered_b = _covered(prints[b], streams[b], shared, weight, k)
        score = min(1.0, (covered_a + covered_b) / (total_a + total_b))
        if score >= threshold:
            pairs.append(SimilarPair(a, b, score, _share(covered_a, total_a), _share(covered_b, total_b),
                                     lines_a, lines_b, texts[a], texts[b]))
    pairs.sort(key=lambda p: (-p.score, p.a, p.b))
    return pairs


def _share(part: float, whole: float) -> float:
    return min(1.0, part / whole) if whole else 0.0


def _rarity_weights(holders: Mapping[int, list[str]], n: int) -> dict[int, float]:
    """Weight of each fingerprint: 1 when at most two submissions hold it, falling with the
    number of holders as an inverse document frequency, never below ``_MIN_WEIGHT``."""
    top = math.log((n + 1) / 2) if n > 2 else 1.0
    out = {}
    for h, names in holders.items():
        df = len(names)
        out[h] = 1.0 if df <= 2 else max(_MIN_WEIGHT, math.log((n + 1) / df) / top)
    return out


def _token_weights(hashes: list[int], length: int, weight: Mapping[int, float], k: int,
                   keep: set[int] | None = None) -> list[float]:
    """Per token, the largest weight of the fingerprints covering it (only those in
    ``keep`` when given); 0 for tokens of ignored (starter) code only."""
    out = [0.0] * length
    for i, h in enumerate(hashes):
        if keep is not None and h not in keep:
            continue
        w = weight.get(h, 0.0)
        if w:
            for j in range(i, i + k):
                if out[j] < w:
                    out[j] = w
    return out


def _covered(hashes: list[int], tokens: list[tuple[str, int]], shared: set[int], weight: Mapping[int, float],
             k: int) -> tuple[list[int], float]:
    """Lines inside the runs whose fingerprint is shared, and the weight of their tokens."""
    covered = _token_weights(hashes, len(tokens), weight, k, keep=shared)
    lines = sorted({tokens[i][1] for i, w in enumerate(covered) if w})
    return lines, sum(covered)


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


def write_similarity_page(pairs: Iterable[SimilarPair], *, path: str | os.PathLike) -> None:
    """Write the pairs side by side as one standalone HTML page (``cnngrade similarity
    --html``), atomically; UserError when ``path`` cannot be written."""
    from grader.files import write_atomic
    from grader.render.report import render_similarity_page

    try:
        write_atomic(path, render_similarity_page(list(pairs)))
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None
