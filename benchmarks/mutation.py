"""Mutation run: apply small automatic mutations to the model solutions and report the share
of mutants the checker rejects (scores below full marks), listing the survivors.

Mutations (one per mutant, on the AST): arithmetic operator swaps (+ -, * /, // /), dropping
the right operand of a + or -, comparison swaps (> >=, < <=, == !=), integer constants +1 and
-1, unary minus removed, and the two first letters of an einsum output swapped. A surviving
mutant is either equivalent (same function, e.g. a mutated default that is never used) or a
gap in the properties: the list printed at the end is meant to be read and explained.

Then the value and independence kinds, on the model solutions and on the correct styles of
``tests/checker/submissions/<exercise>/correct_*.py`` (which hold the loops, reshapes and
random draws the model solutions do without):

* ``threshold``: a comparison with 0 compares with 1e-6 instead (``x > 0`` -> ``x > 1e-6``),
  and ``np.maximum(a, 0)`` becomes ``np.maximum(a, 1e-6)``;
* ``one_pass_var``: ``a.var(...)`` / ``np.var(a, ...)`` becomes ``(a ** 2).mean(...) - a.mean(...) ** 2``;
* ``reshape_order``: ``a.reshape(d0, d1, ...).transpose(p)`` becomes ``a.reshape(d_p0, d_p1, ...)``
  (the right shape, the numbers in the wrong places);
* ``range_cap``: ``for i in range(n)`` becomes ``for i in range(min(n, 3))`` (only the first
  three filters, channels, images, rows...);
* ``slice_first``: a leading full slice ``a[:, ...]`` becomes ``a[:3, ...]``;
* ``permutation``: a uniform draw ``rng.random(s)`` / ``rng.uniform(0, 1, size=s)`` becomes
  a random permutation of (k + 0.5) / n (exactly a fixed number of elements below p: a random
  subset of fixed size, not independent drops);
* ``one_draw``: the same draw becomes one number for the whole array.

    python benchmarks/mutation.py                    # the nine code exercises
    python benchmarks/mutation.py relu linear        # some exercises (module names)
    python benchmarks/mutation.py --no-styles        # the classic kinds on the model solutions only
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

CORE = ("conv2d_forward", "conv2d_backward", "maxpool2d", "avgpool2d", "relu", "linear", "batchnorm2d",
        "dropout", "residual_block")
STYLES = ROOT / "tests" / "checker" / "submissions"
#: The value and independence kinds (see the module docstring).
VALUE_KINDS = ("threshold", "one_pass_var", "reshape_order", "range_cap", "slice_first", "permutation",
               "one_draw")
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


def _is_zero(node) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float) and node.value == 0


def _attr_call(node, name: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == name


def _draw_shape(node):
    """The shape expression of a uniform draw ``rng.random(s)``, ``rng.random(size=s)`` or
    ``rng.uniform(0, 1, size=s)`` (else None)."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "rng"):
        return None
    size = next((k.value for k in node.keywords if k.arg == "size"), None)
    if node.func.attr == "random":
        return size if size is not None else (node.args[0] if node.args else None)
    if node.func.attr == "uniform" and [ast.unparse(a) for a in node.args[:2]] in (["0", "1"], ["0.0", "1.0"]):
        return size if size is not None else (node.args[2] if len(node.args) > 2 else None)
    return None


def _value_sites(tree: ast.AST):
    """(node index, kind) for every place a value or independence mutation applies."""
    for index, node in enumerate(ast.walk(tree)):
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and _is_zero(node.comparators[0]) \
                and isinstance(node.ops[0], (ast.Gt, ast.GtE, ast.Lt, ast.LtE)):
            yield index, "threshold"
        elif _attr_call(node, "maximum") and len(node.args) == 2 and _is_zero(node.args[1]):
            yield index, "threshold"
        elif _attr_call(node, "var"):
            yield index, "one_pass_var"
        elif _attr_call(node, "transpose") and _attr_call(node.func.value, "reshape") and node.args:
            yield index, "reshape_order"
        elif isinstance(node, ast.For) and isinstance(node.iter, ast.Call) and isinstance(node.iter.func, ast.Name) \
                and node.iter.func.id == "range" and len(node.iter.args) == 1:
            yield index, "range_cap"
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Tuple) and node.slice.elts \
                and isinstance(node.slice.elts[0], ast.Slice) \
                and node.slice.elts[0].lower is node.slice.elts[0].upper is node.slice.elts[0].step is None:
            yield index, "slice_first"
        elif _draw_shape(node) is not None:
            yield index, "permutation"
            yield index, "one_draw"


def _expr(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def _mutate_value(tree: ast.AST, node: ast.AST, kind: str) -> None:
    if kind == "threshold":
        if isinstance(node, ast.Compare):
            node.comparators = [ast.Constant(1e-6)]
        else:
            node.args[1] = ast.Constant(1e-6)
    elif kind == "one_pass_var":
        if node.args and isinstance(node.func.value, ast.Name) and node.func.value.id == "np":  # np.var(a, ...)
            a, rest = node.args[0], node.args[1:]
        else:  # a.var(...)
            a, rest = node.func.value, node.args
        args = ", ".join([ast.unparse(r) for r in rest] + [ast.unparse(k) for k in node.keywords])
        a = ast.unparse(a)
        _replace(tree, node, _expr(f"(({a}) ** 2).mean({args}) - ({a}).mean({args}) ** 2"))
    elif kind == "reshape_order":
        reshape = node.func.value
        dims = list(reshape.args[0].elts) if len(reshape.args) == 1 and isinstance(reshape.args[0], ast.Tuple) \
            else list(reshape.args)
        perm = [a.value for a in (node.args[0].elts if isinstance(node.args[0], ast.Tuple) else node.args)]
        reshape.args = [dims[i] for i in perm]
        _replace(tree, node, reshape)
    elif kind == "range_cap":
        node.iter.args = [_expr(f"min({ast.unparse(node.iter.args[0])}, 3)")]
    elif kind == "slice_first":
        node.slice.elts[0] = ast.Slice(lower=None, upper=ast.Constant(3), step=None)
    elif kind in ("permutation", "one_draw"):
        shape_node = _draw_shape(node)
        shape, draw = ast.unparse(shape_node), ast.unparse(node)
        # x.shape -> x.size; any other shape: the size of the draw itself.
        size = (f"{ast.unparse(shape_node.value)}.size" if isinstance(shape_node, ast.Attribute)
                and shape_node.attr == "shape" else f"({draw}).size")
        if kind == "permutation":
            # A random permutation of (k + 0.5) / n: exactly the same number below p every call.
            text = f"((rng.permutation({size}) + 0.5) / {size}).reshape({shape})"
        else:
            text = f"(rng.random() + 0.0 * {draw})"  # one number for the whole array
        _replace(tree, node, _expr(text))


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
    elif kind in VALUE_KINDS:
        _mutate_value(tree, node, kind)
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


def _sources(modules: list[str], styles: bool):
    """(exercise module, label, source, site finder): the model solutions with every kind,
    then (``styles``) the correct styles with the value and independence kinds."""
    for module in modules:
        yield module, f"solutions/{module}.py", (ROOT / "solutions" / f"{module}.py").read_text(), \
            lambda tree: [*_sites(tree), *_value_sites(tree)]
    if styles:
        for module in modules:
            for path in sorted((STYLES / module).glob("correct_*.py")):
                yield module, f"{module}/{path.name}", path.read_text(), lambda tree: list(_value_sites(tree))


def run(modules: list[str], *, styles: bool = True) -> list[dict]:
    outcomes = []
    for module, label, source, sites in _sources(modules, styles):
        tree = ast.parse(source)
        baseline = ast.unparse(tree)
        seen = set()
        for target, kind in sites(tree):
            code = ast.unparse(mutate(tree, target, kind))
            if code == baseline or code in seen:
                continue
            seen.add(code)
            line = _changed_line(baseline, code)
            started = time.perf_counter()
            # ast.unparse drops comments, the header line included: put it back.
            header = HEADER.format(name=module.replace("_", "-"))
            result = check_submission(CodeSource(f"{header}\n{code}", f"{module}:{kind}"))
            outcomes.append({"exercise": result.exercise, "source": label, "kind": kind, "line": line,
                             "score": result.score, "max_score": result.max_score, "status": result.status,
                             "rejected": result.status != "passed", "seconds": round(time.perf_counter() - started, 2)})
            mark = "killed " if outcomes[-1]["rejected"] else "SURVIVED"
            print(f"{mark} {label:40s} {kind:13s} {result.score:g}/{result.max_score:g}  {line}", flush=True)
    return outcomes


def _changed_line(before: str, after: str) -> str:
    for a, b in zip(before.splitlines(), after.splitlines()):
        if a != b:
            return b.strip()
    return "(a line was removed)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", default=list(CORE), help="solution module names (default: all nine)")
    parser.add_argument("--no-styles", action="store_true",
                        help="leave out the correct styles (value and independence kinds on them)")
    parser.add_argument("--json", metavar="PATH", help="write the per-mutant outcomes as JSON")
    args = parser.parse_args()
    started = time.perf_counter()
    outcomes = run(args.modules, styles=not args.no_styles)
    killed = sum(o["rejected"] for o in outcomes)
    print(f"\n{killed}/{len(outcomes)} mutants rejected ({100 * killed / max(len(outcomes), 1):.1f}%) "
          f"in {time.perf_counter() - started:.0f} s")
    for name, subset in (("classic kinds", [o for o in outcomes if o["kind"] not in VALUE_KINDS]),
                         ("value and independence kinds", [o for o in outcomes if o["kind"] in VALUE_KINDS])):
        print(f"  {name}: {sum(o['rejected'] for o in subset)}/{len(subset)}")
    for o in outcomes:
        if not o["rejected"]:
            print(f"  survivor: {o['source']:40s} {o['kind']:13s} {o['line']}")
    if args.json:
        Path(args.json).write_text(json.dumps(outcomes, indent=2))


if __name__ == "__main__":
    main()
