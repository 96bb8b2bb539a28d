"""General formulas of the worked solutions, written with sympy and rendered with its LaTeX.

Each function returns the LaTeX of one general formula; the worked solution prints it, then
the same formula with the variant's numbers. The results are cached: sympy runs once per
formula per process, so generating thousands of variants stays fast.
"""

from __future__ import annotations

from functools import lru_cache

__all__ = [
    "conv_output",
    "same_padding",
    "conv_params",
    "fc_params",
    "depthwise_params",
    "pointwise_params",
    "batchnorm_params",
    "pool_output",
    "receptive_field",
    "jump",
    "cross_correlation",
    "true_convolution",
    "shared_weight_grad",
    "input_grad",
    "bias_grad",
    "maxpool_grad",
    "avg_pool_value",
    "bn_mean",
    "bn_var",
    "bn_output",
]


def _sym():
    import sympy

    return sympy


@lru_cache(maxsize=None)
def conv_output() -> str:
    """``floor((H + 2P - D(K-1) - 1)/S) + 1``."""
    sp = _sym()
    H, K, P, S, D, Ho = sp.symbols("H K P S D H_{out}", integer=True, positive=True)
    return sp.latex(sp.Eq(Ho, sp.floor((H + 2 * P - D * (K - 1) - 1) / S) + 1, evaluate=False))


@lru_cache(maxsize=None)
def same_padding() -> str:
    """Padding that keeps the size at stride 1: ``P = D(K-1)/2``."""
    sp = _sym()
    K, P, D = sp.symbols("K P D", integer=True, positive=True)
    return sp.latex(sp.Eq(P, D * (K - 1) / 2, evaluate=False))


@lru_cache(maxsize=None)
def pool_output() -> str:
    sp = _sym()
    H, K, S, Ho = sp.symbols("H K S H_{out}", integer=True, positive=True)
    return sp.latex(sp.Eq(Ho, sp.floor((H - K) / S) + 1, evaluate=False))


@lru_cache(maxsize=None)
def conv_params(bias: bool) -> str:
    sp = _sym()
    Ci, Co, Kh, Kw, G, N = sp.symbols("C_{in} C_{out} K_h K_w G N_{params}", positive=True)
    expr = Kh * Kw * (Ci / G) * Co + (Co if bias else 0)
    return sp.latex(sp.Eq(N, expr, evaluate=False))


@lru_cache(maxsize=None)
def fc_params(bias: bool) -> str:
    sp = _sym()
    D, M, N = sp.symbols("D_{in} D_{out} N_{params}", positive=True)
    return sp.latex(sp.Eq(N, D * M + (M if bias else 0), evaluate=False))


@lru_cache(maxsize=None)
def depthwise_params(bias: bool) -> str:
    sp = _sym()
    Ci, K, N = sp.symbols("C_{in} K N_{dw}", positive=True)
    return sp.latex(sp.Eq(N, K**2 * Ci + (Ci if bias else 0), evaluate=False))


@lru_cache(maxsize=None)
def pointwise_params(bias: bool) -> str:
    sp = _sym()
    Ci, Co, N = sp.symbols("C_{in} C_{out} N_{pw}", positive=True)
    return sp.latex(sp.Eq(N, Ci * Co + (Co if bias else 0), evaluate=False))


@lru_cache(maxsize=None)
def batchnorm_params() -> str:
    sp = _sym()
    C, N = sp.symbols("C N_{BN}", positive=True)
    gamma, beta = sp.symbols(r"\gamma \beta")
    return sp.latex(sp.Eq(N, 2 * C, evaluate=False)) + r"\quad(" + sp.latex(gamma) + r",\ " + \
        sp.latex(beta) + r"\text{ per channel})"


@lru_cache(maxsize=None)
def receptive_field() -> str:
    sp = _sym()
    l, m, L = sp.symbols("l m L", integer=True, positive=True)
    r, k, d, s = (sp.IndexedBase(n) for n in ("r", "k", "d", "s"))
    expr = 1 + sp.Sum((k[l] - 1) * d[l] * sp.Product(s[m], (m, 1, l - 1)), (l, 1, L))
    return sp.latex(sp.Eq(r[L], expr, evaluate=False))


@lru_cache(maxsize=None)
def jump() -> str:
    sp = _sym()
    l, L = sp.symbols("l L", integer=True, positive=True)
    j, s = sp.IndexedBase("j"), sp.IndexedBase("s")
    return sp.latex(sp.Eq(j[L], sp.Product(s[l], (l, 1, L)), evaluate=False))


@lru_cache(maxsize=None)
def cross_correlation() -> str:
    sp = _sym()
    i, j, p, q = sp.symbols("i j p q", integer=True)
    S = sp.Symbol("S")
    X, W, Y = sp.IndexedBase("X"), sp.IndexedBase("W"), sp.IndexedBase("Y")
    b = sp.Symbol("b")
    expr = sp.Sum(W[p, q] * X[S * i + p, S * j + q], (p, 0, sp.Symbol("K_h") - 1),
                  (q, 0, sp.Symbol("K_w") - 1)) + b
    return sp.latex(sp.Eq(Y[i, j], expr, evaluate=False))


@lru_cache(maxsize=None)
def true_convolution() -> str:
    sp = _sym()
    p, q = sp.symbols("p q", integer=True)
    Kh, Kw = sp.symbols("K_h K_w", integer=True)
    W, Wf = sp.IndexedBase("W"), sp.IndexedBase(r"\tilde{W}")
    return sp.latex(sp.Eq(Wf[p, q], W[Kh - 1 - p, Kw - 1 - q], evaluate=False))


@lru_cache(maxsize=None)
def shared_weight_grad(dims: int) -> str:
    """``dL/dw_k = sum_i g_i x_{i+k}`` (1-D) or its 2-D form: the sum over positions."""
    sp = _sym()
    g, x, w = sp.IndexedBase("g"), sp.IndexedBase("x"), sp.IndexedBase("w")
    L = sp.Symbol("L")
    if dims == 1:
        i, k = sp.symbols("i k", integer=True)
        n = sp.Symbol("n_{out}")
        return sp.latex(sp.Eq(sp.Derivative(L, w[k]), sp.Sum(g[i] * x[i + k], (i, 0, n - 1)),
                              evaluate=False))
    i, j, p, q = sp.symbols("i j p q", integer=True)
    n = sp.Symbol("n_{out}")
    return sp.latex(sp.Eq(sp.Derivative(L, w[p, q]),
                          sp.Sum(g[i, j] * x[i + p, j + q], (i, 0, n - 1), (j, 0, n - 1)),
                          evaluate=False))


@lru_cache(maxsize=None)
def input_grad(dims: int) -> str:
    sp = _sym()
    g, x, w = sp.IndexedBase("g"), sp.IndexedBase("x"), sp.IndexedBase("w")
    L = sp.Symbol("L")
    if dims == 1:
        i, k, t = sp.symbols("i k t", integer=True)
        return sp.latex(sp.Eq(sp.Derivative(L, x[t]), sp.Sum(g[i] * w[t - i], (i, 0, t)),
                              evaluate=False)) + r"\quad(0 \le t - i < K)"
    i, j, s, t = sp.symbols("i j s t", integer=True)
    return sp.latex(sp.Eq(sp.Derivative(L, x[s, t]),
                          sp.Sum(g[i, j] * w[s - i, t - j], (i, 0, s), (j, 0, t)),
                          evaluate=False)) + r"\quad(0 \le s-i,\ t-j < K)"


@lru_cache(maxsize=None)
def bias_grad() -> str:
    sp = _sym()
    g, i = sp.IndexedBase("g"), sp.Symbol("i", integer=True)
    L, b = sp.symbols("L b")
    return sp.latex(sp.Eq(sp.Derivative(L, b), sp.Sum(g[i], (i, 0, sp.Symbol("n_{out}") - 1)),
                          evaluate=False))


@lru_cache(maxsize=None)
def maxpool_grad() -> str:
    sp = _sym()
    L = sp.Symbol("L")
    x, g = sp.IndexedBase("x"), sp.IndexedBase("g")
    s, t, i, j = sp.symbols("s t i j", integer=True)
    cond = sp.Piecewise((g[i, j], sp.Symbol(r"x_{s,t}\ \mathrm{is\ the\ max\ of\ window}\ (i,j)")),
                        (0, True))
    return sp.latex(sp.Eq(sp.Derivative(L, x[s, t]), cond, evaluate=False))


@lru_cache(maxsize=None)
def avg_pool_value() -> str:
    sp = _sym()
    i, j, p, q = sp.symbols("i j p q", integer=True)
    K, S = sp.symbols("K S", positive=True)
    X, Y = sp.IndexedBase("X"), sp.IndexedBase("Y")
    return sp.latex(sp.Eq(Y[i, j], sp.Sum(X[S * i + p, S * j + q], (p, 0, K - 1), (q, 0, K - 1))
                          / K**2, evaluate=False))


@lru_cache(maxsize=None)
def bn_mean() -> str:
    sp = _sym()
    i, n = sp.symbols("i n", integer=True, positive=True)
    x, mu = sp.IndexedBase("x"), sp.Symbol(r"\mu_B")
    return sp.latex(sp.Eq(mu, sp.Sum(x[i], (i, 1, n)) / n, evaluate=False))


@lru_cache(maxsize=None)
def bn_var() -> str:
    sp = _sym()
    i, n = sp.symbols("i n", integer=True, positive=True)
    x, mu, var = sp.IndexedBase("x"), sp.Symbol(r"\mu_B"), sp.Symbol(r"\sigma_B^2")
    return sp.latex(sp.Eq(var, sp.Sum((x[i] - mu) ** 2, (i, 1, n)) / n, evaluate=False))


@lru_cache(maxsize=None)
def bn_output() -> str:
    sp = _sym()
    i = sp.Symbol("i", integer=True)
    x, y = sp.IndexedBase("x"), sp.IndexedBase("y")
    mu, var, eps, gamma, beta = sp.symbols(r"\mu_B \sigma_B^2 \epsilon \gamma \beta")
    return sp.latex(sp.Eq(y[i], gamma * (x[i] - mu) / sp.sqrt(var + eps) + beta, evaluate=False))
