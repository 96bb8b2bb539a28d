"""General formulas of the worked solutions, written with sympy and rendered with its LaTeX.

Each function returns the LaTeX of one general formula; the worked solution prints it, then
the same formula with the variant's numbers. The LaTeX is a constant of this file and sympy's
version, so it is kept in the user's cache (``formulas.json``, :mod:`grader.caches`), keyed by
both: sympy runs once per formula per installation, and a ``new exercise`` after the first
never imports it (about 0.2 s, an eighth of the command; issue 14).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

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
    "conv_macs",
    "dense_channels",
    "weight_decay_step",
    "dropout_notes",
    "dropout_inverted",
    "bn_inference",
    "bn_folded",
    "toeplitz_1d",
    "toeplitz_2d",
    "im2col_entry",
    "conv_transpose_output",
    "scatter_add",
    "locally_connected_params",
]


def _sym():
    import sympy

    return sympy


_TABLE: dict[str, str] | None = None   # "name(args)" -> LaTeX, this process's copy of the file


@functools.lru_cache(maxsize=1)
def _table_key() -> dict[str, str]:
    """What the LaTeX depends on: this file and sympy's version (read without importing it)."""
    from grader.caches import package_version

    return {"format": "cnngrade-formulas/1", "sympy": package_version("sympy"),
            "source": hashlib.sha256(Path(__file__).read_bytes()).hexdigest()}


def _cached(formula):
    """Answer ``formula(*args)`` from the cached table; on a miss run it and store the table."""
    @functools.wraps(formula)
    def cached(*args):
        from grader.caches import read_entry, write_entry

        global _TABLE
        if _TABLE is None:
            stored = read_entry("formulas.json", _table_key())
            _TABLE = stored if type(stored) is dict and all(
                type(v) is str for v in stored.values()) else {}
        entry = f"{formula.__name__}{args!r}"
        if entry not in _TABLE:
            _TABLE[entry] = formula(*args)
            write_entry("formulas.json", _table_key(), _TABLE)
        return _TABLE[entry]
    return cached


@_cached
def conv_output() -> str:
    """``floor((H + 2P - D(K-1) - 1)/S) + 1``."""
    sp = _sym()
    H, K, P, S, D, Ho = sp.symbols("H K P S D H_{out}", integer=True, positive=True)
    return sp.latex(sp.Eq(Ho, sp.floor((H + 2 * P - D * (K - 1) - 1) / S) + 1, evaluate=False))


@_cached
def same_padding() -> str:
    """Padding that keeps the size at stride 1: ``P = D(K-1)/2``."""
    sp = _sym()
    K, P, D = sp.symbols("K P D", integer=True, positive=True)
    return sp.latex(sp.Eq(P, D * (K - 1) / 2, evaluate=False))


@_cached
def pool_output() -> str:
    sp = _sym()
    H, K, S, Ho = sp.symbols("H K S H_{out}", integer=True, positive=True)
    return sp.latex(sp.Eq(Ho, sp.floor((H - K) / S) + 1, evaluate=False))


@_cached
def conv_params(bias: bool) -> str:
    sp = _sym()
    Ci, Co, Kh, Kw, G, N = sp.symbols("C_{in} C_{out} K_h K_w G N_{params}", positive=True)
    expr = Kh * Kw * (Ci / G) * Co + (Co if bias else 0)
    return sp.latex(sp.Eq(N, expr, evaluate=False))


@_cached
def fc_params(bias: bool) -> str:
    sp = _sym()
    D, M, N = sp.symbols("D_{in} D_{out} N_{params}", positive=True)
    return sp.latex(sp.Eq(N, D * M + (M if bias else 0), evaluate=False))


@_cached
def depthwise_params(bias: bool) -> str:
    sp = _sym()
    Ci, K, N = sp.symbols("C_{in} K N_{dw}", positive=True)
    return sp.latex(sp.Eq(N, K**2 * Ci + (Ci if bias else 0), evaluate=False))


@_cached
def pointwise_params(bias: bool) -> str:
    sp = _sym()
    Ci, Co, N = sp.symbols("C_{in} C_{out} N_{pw}", positive=True)
    return sp.latex(sp.Eq(N, Ci * Co + (Co if bias else 0), evaluate=False))


@_cached
def batchnorm_params() -> str:
    sp = _sym()
    C, N = sp.symbols("C N_{BN}", positive=True)
    gamma, beta = sp.symbols(r"\gamma \beta")
    return sp.latex(sp.Eq(N, 2 * C, evaluate=False)) + r"\quad(" + sp.latex(gamma) + r",\ " + \
        sp.latex(beta) + r"\text{ per channel})"


@_cached
def receptive_field() -> str:
    sp = _sym()
    l, m, L = sp.symbols("l m L", integer=True, positive=True)
    r, k, d, s = (sp.IndexedBase(n) for n in ("r", "k", "d", "s"))
    expr = 1 + sp.Sum((k[l] - 1) * d[l] * sp.Product(s[m], (m, 1, l - 1)), (l, 1, L))
    return sp.latex(sp.Eq(r[L], expr, evaluate=False))


@_cached
def jump() -> str:
    sp = _sym()
    l, L = sp.symbols("l L", integer=True, positive=True)
    j, s = sp.IndexedBase("j"), sp.IndexedBase("s")
    return sp.latex(sp.Eq(j[L], sp.Product(s[l], (l, 1, L)), evaluate=False))


@_cached
def cross_correlation() -> str:
    sp = _sym()
    i, j, p, q = sp.symbols("i j p q", integer=True)
    S = sp.Symbol("S")
    X, W, Y = sp.IndexedBase("X"), sp.IndexedBase("W"), sp.IndexedBase("Y")
    b = sp.Symbol("b")
    expr = sp.Sum(W[p, q] * X[S * i + p, S * j + q], (p, 0, sp.Symbol("K_h") - 1),
                  (q, 0, sp.Symbol("K_w") - 1)) + b
    return sp.latex(sp.Eq(Y[i, j], expr, evaluate=False))


@_cached
def true_convolution() -> str:
    sp = _sym()
    p, q = sp.symbols("p q", integer=True)
    Kh, Kw = sp.symbols("K_h K_w", integer=True)
    W, Wf = sp.IndexedBase("W"), sp.IndexedBase(r"\tilde{W}")
    return sp.latex(sp.Eq(Wf[p, q], W[Kh - 1 - p, Kw - 1 - q], evaluate=False))


@_cached
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


@_cached
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


@_cached
def bias_grad() -> str:
    sp = _sym()
    g, i = sp.IndexedBase("g"), sp.Symbol("i", integer=True)
    L, b = sp.symbols("L b")
    return sp.latex(sp.Eq(sp.Derivative(L, b), sp.Sum(g[i], (i, 0, sp.Symbol("n_{out}") - 1)),
                          evaluate=False))


@_cached
def maxpool_grad() -> str:
    sp = _sym()
    L = sp.Symbol("L")
    x, g = sp.IndexedBase("x"), sp.IndexedBase("g")
    s, t, i, j = sp.symbols("s t i j", integer=True)
    cond = sp.Piecewise((g[i, j], sp.Symbol(r"x_{s,t}\ \mathrm{is\ the\ max\ of\ window}\ (i,j)")),
                        (0, True))
    return sp.latex(sp.Eq(sp.Derivative(L, x[s, t]), cond, evaluate=False))


@_cached
def avg_pool_value() -> str:
    sp = _sym()
    i, j, p, q = sp.symbols("i j p q", integer=True)
    K, S = sp.symbols("K S", positive=True)
    X, Y = sp.IndexedBase("X"), sp.IndexedBase("Y")
    return sp.latex(sp.Eq(Y[i, j], sp.Sum(X[S * i + p, S * j + q], (p, 0, K - 1), (q, 0, K - 1))
                          / K**2, evaluate=False))


@_cached
def bn_mean() -> str:
    sp = _sym()
    i, n = sp.symbols("i n", integer=True, positive=True)
    x, mu = sp.IndexedBase("x"), sp.Symbol(r"\mu_B")
    return sp.latex(sp.Eq(mu, sp.Sum(x[i], (i, 1, n)) / n, evaluate=False))


@_cached
def bn_var() -> str:
    sp = _sym()
    i, n = sp.symbols("i n", integer=True, positive=True)
    x, mu, var = sp.IndexedBase("x"), sp.Symbol(r"\mu_B"), sp.Symbol(r"\sigma_B^2")
    return sp.latex(sp.Eq(var, sp.Sum((x[i] - mu) ** 2, (i, 1, n)) / n, evaluate=False))


@_cached
def bn_output() -> str:
    sp = _sym()
    i = sp.Symbol("i", integer=True)
    x, y = sp.IndexedBase("x"), sp.IndexedBase("y")
    mu, var, eps, gamma, beta = sp.symbols(r"\mu_B \sigma_B^2 \epsilon \gamma \beta")
    return sp.latex(sp.Eq(y[i], gamma * (x[i] - mu) / sp.sqrt(var + eps) + beta, evaluate=False))


# --- convolution as a matrix product, transposed convolution, weight sharing --------------


@_cached
def toeplitz_1d() -> str:
    """Row ``i`` of a 1-D convolution's matrix holds the kernel, shifted by ``S i - P``."""
    sp = _sym()
    i, t = sp.symbols("i t", integer=True)
    S, P = sp.symbols("S P", integer=True, positive=True)
    T, w = sp.IndexedBase("T"), sp.IndexedBase("w")
    return sp.latex(sp.Eq(T[i, t], w[t - S * i + P], evaluate=False)) + \
        r"\quad(0 \le t - S i + P < K,\ \text{else } 0)"


@_cached
def toeplitz_2d() -> str:
    """The doubly block-Toeplitz matrix of a 2-D convolution, inputs and outputs row-major."""
    sp = _sym()
    i, j, r, q = sp.symbols("i j r q", integer=True)
    S, P, n, n_out = sp.symbols("S P n n_{out}", integer=True, positive=True)
    T, W = sp.IndexedBase("T"), sp.IndexedBase("W")
    return sp.latex(sp.Eq(T[i * n_out + j, r * n + q], W[r - S * i + P, q - S * j + P],
                          evaluate=False)) + r"\quad(\text{0 when outside the kernel})"


@_cached
def im2col_entry() -> str:
    """Column ``(i, j)`` of the im2col matrix is the window of output ``(i, j)``, flattened."""
    sp = _sym()
    c, a, b, i, j = sp.symbols("c a b i j", integer=True)
    S, K, n_out = sp.symbols("S K n_{out}", integer=True, positive=True)
    cols, X = sp.IndexedBase(r"X_{col}"), sp.IndexedBase(r"\bar{X}")
    return sp.latex(sp.Eq(cols[c * K**2 + a * K + b, i * n_out + j], X[c, S * i + a, S * j + b],
                          evaluate=False)) + r"\quad(\bar{X}\text{: the zero-padded input})"


@_cached
def conv_transpose_output() -> str:
    """``H_out = (H - 1) S - 2P + D (K - 1) + output_padding + 1``."""
    sp = _sym()
    H, K, P, S, D, A, Ho = sp.symbols(r"H K P S D \mathrm{op} H_{out}", integer=True, positive=True)
    return sp.latex(sp.Eq(Ho, (H - 1) * S - 2 * P + D * (K - 1) + A + 1, evaluate=False))


@_cached
def scatter_add() -> str:
    """A transposed convolution scatters ``X[i, j] * W`` to offset ``(S i, S j)`` and sums."""
    sp = _sym()
    i, j, u, v = sp.symbols("i j u v", integer=True)
    S, n = sp.symbols("S n", integer=True, positive=True)
    Z, X, W = sp.IndexedBase("Z"), sp.IndexedBase("X"), sp.IndexedBase("W")
    return sp.latex(sp.Eq(Z[u, v], sp.Sum(X[i, j] * W[u - S * i, v - S * j], (i, 0, n - 1), (j, 0, n - 1)),
                          evaluate=False)) + r"\quad(0 \le u - S i,\ v - S j < K)"


@_cached
def locally_connected_params(bias: bool) -> str:
    """A locally connected layer: a convolution's filters, but its own at every output position."""
    sp = _sym()
    Ci, Co, Kh, Kw, Ho, Wo, N = sp.symbols("C_{in} C_{out} K_h K_w H_{out} W_{out} N_{LC}", positive=True)
    return sp.latex(sp.Eq(N, Ho * Wo * (Kh * Kw * Ci * Co + (Co if bias else 0)), evaluate=False))


# --- block costs and regularisation (block-cost, regularisation) --------------------------


def _unevaluated():
    # Sums and products kept in the order written (sympy would sort their terms).
    sp = _sym()
    return (lambda *a: sp.Add(*a, evaluate=False)), (lambda *a: sp.Mul(*a, evaluate=False))


@_cached
def conv_macs() -> str:
    """Multiply-accumulates of a convolution for one input: ``H_out W_out C_out (C_in/G) K_h K_w``."""
    sp = _sym()
    _, mul = _unevaluated()
    Ho, Wo, Co, Ci, G, Kh, Kw, N = sp.symbols("H_{out} W_{out} C_{out} C_{in} G K_h K_w N_{MACs}",
                                              positive=True)
    return sp.latex(sp.Eq(N, mul(Ho, Wo, Co, Ci / G, Kh, Kw), evaluate=False), order="none")


@_cached
def dense_channels() -> str:
    """Channels after layer ``l`` of a dense block: ``C_l = C_0 + l k`` (growth rate ``k``)."""
    sp = _sym()
    add, mul = _unevaluated()
    l = sp.Symbol("l", integer=True, nonnegative=True)
    C0, k = sp.symbols("C_0 k", positive=True)
    return sp.latex(sp.Eq(sp.IndexedBase("C")[l], add(C0, mul(l, k)), evaluate=False), order="none")


@_cached
def weight_decay_step() -> str:
    """The notes' update: ``w_{t+1} = (1 - eta lambda) w_t - eta dL/dw_t``."""
    sp = _sym()
    add, mul = _unevaluated()
    w_next, w, grad = sp.symbols(r"w_{t+1} w_t \frac{\partial\mathcal{L}}{\partial{w_t}}")
    eta, lam = sp.symbols(r"\eta \lambda", positive=True)
    return sp.latex(sp.Eq(w_next, add(mul(add(1, -mul(eta, lam)), w), -mul(eta, grad)), evaluate=False),
                    order="none")


def _dropout(scale_in_training: bool) -> str:
    sp = _sym()
    _, mul = _unevaluated()
    i = sp.Symbol("i", integer=True)
    h, m, p = sp.IndexedBase("h"), sp.IndexedBase("m"), sp.Symbol("p", positive=True)
    train, test = sp.IndexedBase(r"\tilde{h}"), sp.IndexedBase(r"h^{test}")
    kept = mul(m[i], h[i])
    return (sp.latex(sp.Eq(train[i], kept / p if scale_in_training else kept, evaluate=False), order="none")
            + r",\quad " + sp.latex(sp.Eq(test[i], h[i] if scale_in_training else mul(p, h[i]),
                                           evaluate=False), order="none"))


@_cached
def dropout_notes() -> str:
    """Dropout as the notes define it (keep probability ``p``): mask in training, scale by ``p`` at test."""
    return _dropout(scale_in_training=False)


@_cached
def dropout_inverted() -> str:
    """Inverted dropout: survivors scaled by ``1/p`` in training, nothing to do at test."""
    return _dropout(scale_in_training=True)


def _running_stats():
    return _sym().symbols(r"\hat{\mu} \hat{\sigma}^2 \epsilon \gamma \beta")


@_cached
def bn_inference() -> str:
    """Batch norm at inference: the running statistics replace the batch's."""
    sp = _sym()
    add, mul = _unevaluated()
    i = sp.Symbol("i", integer=True)
    x, y = sp.IndexedBase("x"), sp.IndexedBase("y")
    mu, var, eps, gamma, beta = _running_stats()
    return sp.latex(sp.Eq(y[i], add(mul(gamma, add(x[i], -mu) / sp.sqrt(add(var, eps))), beta),
                          evaluate=False), order="none")


@_cached
def bn_folded() -> str:
    """Batch norm at inference as one affine map ``y = a x + c`` per channel."""
    sp = _sym()
    add, mul = _unevaluated()
    a, c = sp.symbols("a c")
    mu, var, eps, gamma, beta = _running_stats()
    return (sp.latex(sp.Eq(a, gamma / sp.sqrt(add(var, eps)), evaluate=False), order="none") + r",\quad "
            + sp.latex(sp.Eq(c, add(beta, -mul(a, mu)), evaluate=False), order="none"))
