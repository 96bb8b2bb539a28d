"""Mutation run: apply small automatic mutations to the model solutions and report the share
of mutants the checker rejects (scores below full marks), listing the survivors.

Mutations (one per mutant, on the AST): arithmetic operator swaps (+ -, * /, // /), dropping
the right operand of a + or -, comparison swaps (> >=, < <=, == !=), integer constants +1 and
-1, unary minus removed, and the two first letters of an einsum output swapped. A surviving
mutant is either equivalent (same function, e.g. a mutated default that is never used) or a
gap in the properties: the list printed at the end is meant to be read and explained.

    python benchmarks/mutation.py                    # the six core code exercises
    python benchmarks/mutation.py relu linear        # some exercises (module names)
    python benchmarks/mutation.py --json out.json    # also write the per-mutant outcomes
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.checker import CodeSource, check_submission  # noqa: E402
from grader.checker.source import HEADER  # noqa: E402

CORE = ("conv2d_forward", "conv2d_backward", "maxpool2d", "avgpool2d", "relu", "linear")
_BINOP_SWAPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div}
_CMP_SWAPS = {ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Eq: ast.NotEq,
              ast.NotEq: ast.Eq}


def _sites(tree: ast.AST):
    """(node index, kind) for every place a mutation applies, in a stable walk order."""
    for index, node in enumerate(ast.walk(tree)):
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOP_SWAPS:
            yield index, "swap_op"
            if isinstance(node.op, (ast.Add, ast.Sub)):
                yield index, "drop_right"
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _CMP_SWAPS:
            yield index, "swap_cmp"
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            yield index, "plus_one"
            yield index, "minus_one"
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            yield index, "drop_minus"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "->" in node.value:
            out = node.value.split("->")[1]
            if len(out) >= 2 and out[0] != out[1]:
                yield index, "einsum_swap"


def mutate(tree: ast.AST, target: int, kind: str) -> ast.AST:
    tree = copy.deepcopy(tree)
    nodes = list(ast.walk(tree))
    node = nodes[target]
    if kind == "swap_op":
        node.op = _BINOP_SWAPS[type(node.op)]()
    elif kind == "drop_right":
        _replace(tree, node, node.left)
    elif kind == "swap_cmp":
        node.ops = [_CMP_SWAPS[type(node.ops[0])]()]
    elif kind == "plus_one":
        node.value += 1
    elif kind == "minus_one":
        node.value -= 1
    elif kind == "drop_minus":
        _replace(tree, node, node.operand)
    elif kind == "einsum_swap":
        left, out = node.value.split("->")
        node.value = f"{left}->{out[1]}{out[0]}{out[2:]}"
    return ast.fix_missing_locations(tree)


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    if item is old:
                        value[i] = new


def run(modules: list[str]) -> list[dict]:
    outcomes = []
    for module in modules:
        source = (ROOT / "solutions" / f"{module}.py").read_text()
        tree = ast.parse(source)
        baseline = ast.unparse(tree)
        seen = set()
        for target, kind in _sites(tree):
            code = ast.unparse(mutate(tree, target, kind))
            if code == baseline or code in seen:
                continue
            seen.add(code)
            line = _changed_line(baseline, code)
            started = time.perf_counter()
            # ast.unparse drops comments, the header line included: put it back.
            header = HEADER.format(name=module.replace("_", "-"))
            result = check_submission(CodeSource(f"{header}\n{code}", f"{module}:{kind}"))
            outcomes.append({"exercise": result.exercise, "kind": kind, "line": line,
                             "score": result.score, "max_score": result.max_score, "status": result.status,
                             "rejected": result.status != "passed", "seconds": round(time.perf_counter() - started, 2)})
            mark = "killed " if outcomes[-1]["rejected"] else "SURVIVED"
            print(f"{mark} {module:16s} {kind:11s} {result.score:g}/{result.max_score:g}  {line}", flush=True)
    return outcomes


def _changed_line(before: str, after: str) -> str:
    for a, b in zip(before.splitlines(), after.splitlines()):
        if a != b:
            return b.strip()
    return "(a line was removed)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", default=list(CORE), help="solution module names (default: core six)")
    parser.add_argument("--json", metavar="PATH", help="write the per-mutant outcomes as JSON")
    args = parser.parse_args()
    started = time.perf_counter()
    outcomes = run(args.modules)
    killed = sum(o["rejected"] for o in outcomes)
    print(f"\n{killed}/{len(outcomes)} mutants rejected ({100 * killed / max(len(outcomes), 1):.1f}%) "
          f"in {time.perf_counter() - started:.0f} s")
    for o in outcomes:
        if not o["rejected"]:
            print(f"  survivor: {o['exercise']:16s} {o['kind']:11s} {o['line']}")
    if args.json:
        Path(args.json).write_text(json.dumps(outcomes, indent=2))


if __name__ == "__main__":
    main()
