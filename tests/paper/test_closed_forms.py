"""Every generated answer, checked against a closed-form formula written here with sympy,
independently of the reference engine that computed it, over many seeds per difficulty.

Cheap kinds run 2,000 seeds (x3 difficulties); torch-backed kinds a few hundred.
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache

import sympy as sp

from exercises import get_exercise

DIFFS = ("easy", "medium", "hard")

# --- closed forms (sympy) ----------------------------------------------------------------

H, K, S, P, D = sp.symbols("H K S P D", integer=True, positive=True)
OUT = sp.lambdify((H, K, S, P, D), sp.floor((H + 2 * P - D * (K - 1) - 1) / S) + 1, "math")
CI, CO, KH, KW, G, B = sp.symbols("C_in C_out K_h K_w G B", integer=True, positive=True)
CONV_PARAMS = sp.lambdify((CI, CO, KH, KW, G, B), KH * KW * (CI / G) * CO + B * CO, "math")
DI, DO = sp.symbols("D_in D_out", integer=True, positive=True)
FC_PARAMS = sp.lambdify((DI, DO, B), DI * DO + B * DO, "math")


def variants(name: str, n: int):
    ex = get_exercise(name, kind="paper")
    for d in DIFFS:
        for seed in range(n):
            yield ex.variant(seed=seed, difficulty=d)


def flt(rows):
    """Sympy results as floats (sympy >= 1.13 never equates Integer(6) and 6.0)."""
    return [[float(e) for e in r] for r in rows] if isinstance(rows[0], (list, tuple)) else [float(e) for e in rows]


def answers(v) -> dict:
    return {p.key: p.answer for p in v.parts}


def test_conv_output_shape_matches_the_floor_formula():
    """Output sizes, same-padding and halving strides agree with floor((H+2P-D(K-1)-1)/S)+1."""
    seen = set()
    for v in variants("conv-output-shape", 2000):
        p, a = v.params, answers(v)
        seen.add(p["type"])
        if p["type"] in ("forward", "floor"):
            ho = OUT(p["height"], p["kernel"], p["stride"], p["padding"], p["dilation"])
            wo = OUT(p["width"], p["kernel"], p["stride"], p["padding"], p["dilation"])
            assert (a["a"], a["b"], a["c"]) == (ho, wo, p["filters"] * ho * wo), p
            assert ho >= 1 and wo >= 1
            if p["type"] == "floor":  # the variant exists to teach the floor: it must not divide
                assert (p["height"] + 2 * p["padding"] - p["dilation"] * (p["kernel"] - 1) - 1) % p["stride"]
        elif p["type"] == "same-padding":
            pad = sp.Rational(p["dilation"] * (p["kernel"] - 1), 2)
            assert pad.is_integer and a["a"] == int(pad), p
            assert OUT(p["size"], p["kernel"], 1, a["a"], p["dilation"]) == p["size"]
        else:
            n, k, pad, d = p["size"], p["kernel"], p["padding"], p["dilation"]
            good = [s for s in range(1, n + 2 * pad + 1) if OUT(n, k, s, pad, d) == n // 2]
            assert good == [a["a"]], p  # exactly one stride halves the size
    assert seen == {"forward", "same-padding", "halving-stride", "floor"}


def test_param_count_matches_the_parameter_formulas():
    """conv, FC, depthwise/pointwise, bottleneck and batch-norm counts vs K*K*C_in/G*C_out+C_out etc."""
    seen = set()
    for v in variants("param-count", 250):
        p, a = v.params, answers(v)
        seen.add(p["type"])
        b = int(p.get("bias", False))
        if p["type"] == "conv-fc":
            C, N = p["channels"], p["size"]
            assert a["a"] == CONV_PARAMS(C, p["filters"], p["kernel"], p["kernel"], 1, b)
            assert a["b"] == FC_PARAMS(C * N * N, p["outputs"], b)
        elif p["type"] == "depthwise-separable":
            C, F, k = p["channels"], p["filters"], p["kernel"]
            std, dw, pw = (CONV_PARAMS(C, F, k, k, 1, b), CONV_PARAMS(C, C, k, k, C, b),
                           CONV_PARAMS(C, F, 1, 1, 1, b))
            assert (a["a"], a["b"], a["c"], a["d"]) == (std, dw, pw, std - dw - pw)
        elif p["type"] == "bottleneck":
            C, m = p["channels"], p["reduced"]
            direct = CONV_PARAMS(C, C, 3, 3, 1, b)
            neck = CONV_PARAMS(C, m, 1, 1, 1, b) + CONV_PARAMS(m, m, 3, 3, 1, b) + CONV_PARAMS(m, C, 1, 1, 1, b)
            assert (a["a"], a["b"], a["c"]) == (direct, neck, direct - neck)
        else:
            conv = CONV_PARAMS(p["channels"], p["filters"], p["kernel"], p["kernel"], 1, 0)
            assert (a["a"], a["b"], a["c"]) == (conv, 2 * p["filters"], conv + 2 * p["filters"])
    assert seen == {"conv-fc", "depthwise-separable", "bottleneck", "batchnorm"}


def _rf_closed_form(layers):
    k, s, d = (sp.symbols(f"{n}1:{len(layers) + 1}") for n in "ksd")
    r = 1 + sum((k[l] - 1) * d[l] * sp.prod(s[:l]) for l in range(len(layers)))
    subs = {}
    for i, layer in enumerate(layers):
        subs.update({k[i]: layer["kernel"], s[i]: layer["stride"], d[i]: layer.get("dilation", 1)})
    return int(r.subs(subs)), int(sp.prod(s).subs(subs))


def test_receptive_field_matches_the_recurrence_sum():
    """r_L = 1 + sum_l (k_l - 1) d_l prod_{m<l} s_m and j_L = prod s_l."""
    for v in variants("receptive-field", 60):
        a = answers(v)
        assert (a["a"], a["b"]) == _rf_closed_form(v.params["layers"]), v.params


def test_residual_shortcut_matches_the_shape_and_parameter_formulas():
    """Projection needed exactly when C' != C or S != 1; its cost C*C' (+C')."""
    for v in variants("residual-shortcut", 300):
        p, a = v.params, answers(v)
        C, N, S_, F, b = p["channels"], p["size"], p["stride"], p["filters"], int(p["bias"])
        ho = OUT(N, 3, S_, 1, 1)
        needed = F != C or S_ != 1
        proj = CONV_PARAMS(C, F, 1, 1, 1, b) if needed else 0
        main = CONV_PARAMS(C, F, 3, 3, 1, b) + CONV_PARAMS(F, F, 3, 3, 1, b)
        assert a["a"] == (F, ho, ho) and a["b"] == int(needed)
        assert (a["c"], a["d"]) == (proj, main + proj), p


def test_architecture_trace_matches_layer_by_layer_formulas():
    """Shapes by the floor formula, parameters by the conv/FC formulas, for random stacks."""
    for v in variants("architecture-trace", 100):
        p = v.params
        if p["type"] == "named":
            continue
        C, n, _ = p["input"]
        shapes, total = [], 0
        for layer in p["layers"]:
            if layer["type"] == "conv":
                total += CONV_PARAMS(C, layer["filters"], layer["kernel"], layer["kernel"], 1, 1)
                C, n = layer["filters"], OUT(n, layer["kernel"], layer["stride"], layer["padding"], 1)
                shapes.append((C, n, n))
            elif layer["type"] == "maxpool":
                n = OUT(n, layer["kernel"], layer["stride"], 0, 1)
                shapes.append((C, n, n))
            elif layer["type"] == "fc":
                total += FC_PARAMS(C * n * n, layer["outputs"], 1)
                shapes.append(layer["outputs"])
        got = [part.answer for part in v.parts]
        assert got == shapes + [total], p


def _pool(grid, k, s, op):
    n = len(grid)
    out = (n - k) // s + 1
    rows = []
    for i in range(out):
        row = []
        for j in range(out):
            window = [grid[s * i + a][s * j + b] for a in range(k) for b in range(k)]
            row.append(max(window) if op == "max" else sp.Rational(sum(window), k**2))
        rows.append(row)
    return rows


def test_pooling_by_hand_matches_window_max_and_mean():
    """Each output is the max / exact rational mean of its window; global = max / mean of all."""
    for v in variants("pooling-by-hand", 150):
        p = v.params
        grid = p["grid"]
        if p["type"] == "global":
            flat = [sp.Integer(x) for row in grid for x in row]
            assert abs(v.parts[0].answer - sp.Max(*flat)) < 1e-9
            assert abs(v.parts[1].answer - sp.Add(*flat) / len(flat)) < 1e-9
            continue
        assert (len(grid) - p["kernel"]) % p["stride"] == 0  # integer output size
        for part, op in zip(v.parts, p["ops"]):
            expected = _pool(grid, p["kernel"], p["stride"], op)
            for got_row, exp_row in zip(part.answer, expected, strict=True):
                for got, exp in zip(got_row, exp_row, strict=True):
                    assert abs(got - exp) < 1e-9, (p, op)


@lru_cache(maxsize=None)
def _conv_formula(C: int, n: int, k: int, stride: int, pad: int):
    """Y as a sympy expression of symbolic X (C x n x n), W (C x k x k) and b, lambdified."""
    X = [sp.Matrix(n, n, sp.symbols(f"x{c}_0:{n * n}")) for c in range(C)]
    W = [sp.Matrix(k, k, sp.symbols(f"w{c}_0:{k * k}")) for c in range(C)]
    b = sp.Symbol("b")
    if pad:  # zero padding: a border of zeros around each channel
        padded = []
        for m in X:
            z = sp.zeros(n + 2 * pad, n + 2 * pad)
            z[pad:pad + n, pad:pad + n] = m
            padded.append(z)
    else:
        padded = X
    out = (n + 2 * pad - k) // stride + 1
    Y = [[sum(sum(padded[c][stride * i:stride * i + k, stride * j:stride * j + k].multiply_elementwise(W[c]))
              for c in range(C)) + b for j in range(out)] for i in range(out)]
    args = [s_ for m in X for s_ in m] + [s_ for m in W for s_ in m] + [b]
    return sp.lambdify(args, Y, "math")


def _conv_sympy(x, w, bias, stride, pad):
    C, n, k = len(x), len(x[0]), len(w[0])
    values = [v for ch in x for row in ch for v in row] + [v for ch in w for row in ch for v in row] + [bias]
    return _conv_formula(C, n, k, stride, pad)(*values)


def test_convolution_by_hand_matches_sympy_matrix_sums():
    """Y[i,j] = sum over channels of (window .* W) + b; true convolution uses W rotated 180 degrees."""
    for v in variants("convolution-by-hand", 100):
        p = v.params
        mode = p["mode"]
        wanted = ["cross-correlation", "convolution"] if mode == "both" else [mode]
        for part, m in zip(v.parts, wanted, strict=True):
            w = p["kernel"] if m == "cross-correlation" else [
                [list(r) for r in sp.Matrix(ch).rot90(2).tolist()] for ch in p["kernel"]]
            expected = _conv_sympy(p["input"], w, p["bias"], p["stride"], p["padding"])
            assert [list(r) for r in part.answer] == [[float(e) for e in r] for r in expected], p
            assert all(abs(x) < 100 for r in part.answer for x in r)  # sensible by-hand numbers


@lru_cache(maxsize=None)
def _conv_grads(dims: int, n: int, k: int):
    """dL/dw, dL/db, dL/dx of L = sum g * (conv(x, w) + b), by sympy.diff, lambdified."""
    m = n - k + 1
    b = sp.Symbol("b")
    if dims == 1:
        xs, ws, gs = sp.symbols(f"x0:{n}"), sp.symbols(f"w0:{k}"), sp.symbols(f"g0:{m}")
        L = sum(gs[i] * (sum(ws[t] * xs[i + t] for t in range(k)) + b) for i in range(m))
    else:
        X, Wt, G = (sp.Matrix(d, d, sp.symbols(f"{c}0:{d * d}")) for c, d in (("x", n), ("w", k), ("g", m)))
        L = sum(G[i, j] * (sum(X[i:i + k, j:j + k].multiply_elementwise(Wt)) + b) for i in range(m) for j in range(m))
        xs, ws, gs = list(X), list(Wt), list(G)
    grads = ([sp.diff(L, w_) for w_ in ws], sp.diff(L, b), [sp.diff(L, x_) for x_ in xs])
    return sp.lambdify([*xs, *ws, b, *gs], grads, "math")


def test_shared_weights_backprop_matches_symbolic_differentiation():
    """dL/dw, dL/db, dL/dx by sympy.diff of L = sum g_i y_i written out symbolically."""
    for v in variants("shared-weights-backprop", 120):
        p, a = v.params, answers(v)
        if p["type"] == "maxpool":
            x, g = p["x"], p["g"]
            dx = [[0] * 4 for _ in range(4)]
            for i, j in itertools.product(range(2), range(2)):
                r, c = max(((2 * i + u, 2 * j + t) for u in range(2) for t in range(2)), key=lambda rc: x[rc[0]][rc[1]])
                dx[r][c] = g[i][j]
            assert [list(r) for r in a["b"]] == flt(dx)
            assert [list(r) for r in a["a"]] == flt([[max(x[2 * i + u][2 * j + t] for u in range(2) for t in range(2))
                                                      for j in range(2)] for i in range(2)])
            continue
        dims = 1 if p["type"] == "conv1d" else 2
        flat = (lambda t: t) if dims == 1 else (lambda t: sum(t, []))
        n, k = len(p["x"]), len(p["w"])
        dw, db, dx = _conv_grads(dims, n, k)(*flat(p["x"]), *flat(p["w"]), p["b"], *flat(p["g"]))
        got_w = list(a["a"]) if dims == 1 else [v_ for row in a["a"] for v_ in row]
        assert got_w == flt(dw) and a["b"] == float(db), p
        if p["full"]:
            got_x = list(a["c"]) if dims == 1 else [v_ for row in a["c"] for v_ in row]
            assert got_x == flt(dx), p


@lru_cache(maxsize=None)
def _bn_formula(n: int):
    """(mean, biased variance, outputs) of one feature as sympy expressions, lambdified."""
    xs = sp.symbols(f"x0:{n}")
    gamma, beta = sp.symbols("gamma beta")
    mu = sp.Add(*xs) / n
    var = sp.Add(*[(x - mu) ** 2 for x in xs]) / n
    return sp.lambdify([*xs, gamma, beta], (mu, var, [gamma * (x - mu) / sp.sqrt(var) + beta for x in xs]), "math")


def test_batchnorm_by_hand_matches_closed_form_statistics():
    """Mean, biased variance and outputs gamma (x - mu)/sqrt(var) + beta from sympy formulas."""
    for v in variants("batchnorm-by-hand", 150):
        p, a = v.params, answers(v)
        cols = list(zip(*p["x"]))
        stats = [_bn_formula(len(col))(*col, p["gamma"][c], p["beta"][c]) for c, col in enumerate(cols)]
        got_mean = a["a"] if isinstance(a["a"], tuple) else (a["a"],)
        got_var = a["b"] if isinstance(a["b"], tuple) else (a["b"],)
        assert all(abs(g - e[0]) < 1e-9 for g, e in zip(got_mean, stats, strict=True))
        assert all(abs(g - e[1]) < 1e-9 for g, e in zip(got_var, stats, strict=True))
        rows = [r if isinstance(r, tuple) else (r,) for r in a["c"]]
        for i, row in enumerate(rows):
            for c, got in enumerate(row):
                assert abs(got - stats[c][2][i]) < 1e-6
        if v.difficulty == "easy":  # hand-friendly: integer standard deviation
            assert all(math.isqrt(round(e[1])) ** 2 == e[1] for e in stats)
