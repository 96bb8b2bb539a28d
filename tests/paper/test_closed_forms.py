"""Every generated answer, checked against a closed-form formula written here with sympy,
independently of the reference engine that computed it, over many seeds per difficulty.

Cheap kinds run 2,000 seeds (x3 difficulties); torch-backed kinds a few hundred.
"""

from __future__ import annotations

import itertools
import math

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
            row.append(max(window) if op == "max" else sp.Add(*window) / k**2)
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


def _conv_sympy(x, w, bias, s, pad):
    C, n, k = len(x), len(x[0]), len(w[0])
    X = [sp.Matrix(ch) for ch in x]
    if pad:  # zero padding: a border of zeros around each channel
        X = [sp.zeros(n + 2 * pad, n + 2 * pad).copy() for _ in x]
        for c in range(C):
            X[c][pad:pad + n, pad:pad + n] = sp.Matrix(x[c])
    Wm = [sp.Matrix(ch) for ch in w]
    out = (n + 2 * pad - k) // s + 1
    return [[sum(sum(X[c][s * i:s * i + k, s * j:s * j + k].multiply_elementwise(Wm[c])) for c in range(C)) + bias
             for j in range(out)] for i in range(out)]


def test_convolution_by_hand_matches_sympy_matrix_sums():
    """Y[i,j] = sum over channels of (window .* W) + b; true convolution uses W rotated 180 degrees."""
    for v in variants("convolution-by-hand", 50):
        p = v.params
        mode = p["mode"]
        wanted = ["cross-correlation", "convolution"] if mode == "both" else [mode]
        for part, m in zip(v.parts, wanted, strict=True):
            w = p["kernel"] if m == "cross-correlation" else [
                [list(r) for r in sp.Matrix(ch).rot90(2).tolist()] for ch in p["kernel"]]
            expected = _conv_sympy(p["input"], w, p["bias"], p["stride"], p["padding"])
            assert [list(r) for r in part.answer] == [[float(e) for e in r] for r in expected], p
            assert all(abs(x) < 100 for r in part.answer for x in r)  # sensible by-hand numbers


def test_shared_weights_backprop_matches_symbolic_differentiation():
    """dL/dw, dL/db, dL/dx by sympy.diff of L = sum g_i y_i written out symbolically."""
    for v in variants("shared-weights-backprop", 35):
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
        if p["type"] == "conv1d":
            n, k = len(p["x"]), len(p["w"])
            xs, ws, b = sp.symbols(f"x0:{n}"), sp.symbols(f"w0:{k}"), sp.Symbol("b")
            L = sum(gi * (sum(ws[t] * xs[i + t] for t in range(k)) + b) for i, gi in enumerate(p["g"]))
            subs = dict(zip(xs, p["x"])) | dict(zip(ws, p["w"])) | {b: p["b"]}
            assert list(a["a"]) == flt([sp.diff(L, w_).subs(subs) for w_ in ws])
            assert a["b"] == float(sp.diff(L, b).subs(subs))
            if p["full"]:
                assert list(a["c"]) == flt([sp.diff(L, x_).subs(subs) for x_ in xs])
        else:
            n, k, m = len(p["x"]), len(p["w"]), len(p["g"])
            X, Wt, b = sp.Matrix(n, n, sp.symbols(f"x0:{n * n}")), sp.Matrix(k, k, sp.symbols(f"w0:{k * k}")), sp.Symbol("b")
            L = sum(p["g"][i][j] * (sum(X[i:i + k, j:j + k].multiply_elementwise(Wt)) + b)
                    for i in range(m) for j in range(m))
            subs = dict(zip(X, sum(p["x"], []))) | dict(zip(Wt, sum(p["w"], []))) | {b: p["b"]}
            assert [list(r) for r in a["a"]] == flt([[sp.diff(L, Wt[r, c]).subs(subs) for c in range(k)] for r in range(k)])
            assert a["b"] == float(sp.diff(L, b).subs(subs))
            if p["full"]:
                assert [list(r) for r in a["c"]] == flt([[sp.diff(L, X[r, c]).subs(subs) for c in range(n)] for r in range(n)])


def test_batchnorm_by_hand_matches_exact_rational_statistics():
    """Mean, biased variance and outputs gamma (x - mu)/sqrt(var) + beta, with exact sympy numbers."""
    for v in variants("batchnorm-by-hand", 50):
        p, a = v.params, answers(v)
        cols = list(zip(*p["x"]))
        means, variances, outs = [], [], []
        for c, col in enumerate(cols):
            mu = sp.Rational(sum(col), len(col))
            var = sum((sp.Integer(x) - mu) ** 2 for x in col) / len(col)
            means.append(mu)
            variances.append(var)
            outs.append([p["gamma"][c] * (x - mu) / sp.sqrt(var) + p["beta"][c] for x in col])
        got_mean = a["a"] if isinstance(a["a"], tuple) else (a["a"],)
        got_var = a["b"] if isinstance(a["b"], tuple) else (a["b"],)
        assert all(abs(g - e) < 1e-9 for g, e in zip(got_mean, means, strict=True))
        assert all(abs(g - e) < 1e-9 for g, e in zip(got_var, variances, strict=True))
        rows = [r if isinstance(r, tuple) else (r,) for r in a["c"]]
        for i, row in enumerate(rows):
            for c, got in enumerate(row):
                assert abs(got - float(outs[c][i])) < 1e-6
        if v.difficulty == "easy":  # hand-friendly: integer standard deviation
            assert all(math.isqrt(int(var)) ** 2 == var for var in variances)
