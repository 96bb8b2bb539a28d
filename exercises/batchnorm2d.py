"""batchnorm2d: the training-mode forward and backward passes of 2-D batch normalisation.

Statistics per channel over (N, H, W), biased variance, eps inside the square root. The
reference is the torch engine (``grader.reference.functional.batch_norm`` and autograd);
the misconceptions are the right numpy formula with one step bent.
"""

import numpy as np
from hypothesis import strategies as st

from grader.checker import refs
from grader.checker.spec import Case, CodeExercise, Function, Misconception, PropertyGroup
from grader.checker.strategies import fixed_values, values

FWD, BWD = "batchnorm2d_forward", "batchnorm2d_backward"
EPS = 1e-5

STATEMENT = """\
# Batch normalisation (training mode), forward and backward

Write `batchnorm2d_forward(x, gamma, beta, eps=1e-5)` and
`batchnorm2d_backward(dout, x, gamma, beta, eps=1e-5)` in numpy.

* `x`: input of shape `(N, C, H, W)`; `gamma`, `beta`: scale and shift of shape `(C,)`.
* Training mode: for each channel `c`, the mean `mu[c]` and the **biased** variance
  `var[c]` (divide by `m = N*H*W`, not `m - 1`) are taken over the batch and both spatial
  axes `(N, H, W)`.
* `x_hat = (x - mu) / sqrt(var + eps)` (eps *inside* the square root), and
  `out = gamma[c] * x_hat + beta[c]`; `out` has the shape of `x`.
* `batchnorm2d_backward` returns `(dx, dgamma, dbeta)`, the gradients of
  `sum(dout * out)` with respect to `x` (shape of `x`), `gamma` and `beta` (shape `(C,)`).
  Remember that `mu` and `var` depend on `x` too.

Graded by properties (shape, normalisation of one channel, per-channel statistics, batch
statistics, gamma and beta, eps, the default eps, each gradient separately, and everything at
once with values of wide magnitudes); every input has at least two values per channel. Two
groups draw channels whose mean is near 1e7 with a spread of about 1: compute in float64 (the
inputs are float64; float32 cannot even hold 1e7 + 0.25) and subtract the mean before squaring
(the one-pass E[x^2] - E[x]^2 cancels away there). Do not import torch or any library that
implements batch normalisation.
"""


# --- misconceptions: the numpy formula with one step bent -----------------------------------

_PER_CHANNEL = (0, 2, 3)


def _normalise(x, gamma, beta, eps=EPS, *, axes=_PER_CHANNEL, ddof=0, eps_outside=False,
               affine=True, swap=False, one_pass=False):
    """Batch norm with statistics over ``axes`` (kept as broadcastable dims); ``one_pass``:
    the variance as mean(x**2) - mean(x)**2 (numpy's pairwise sums, as a vectorised student's)."""
    mu = x.mean(axis=axes, keepdims=True)
    m = x.size // mu.size
    if one_pass:
        var = (x ** 2).mean(axis=axes, keepdims=True) - mu ** 2
    else:
        var = ((x - mu) ** 2).sum(axis=axes, keepdims=True) / (m - ddof)
    std = np.sqrt(var) + eps if eps_outside else np.sqrt(var + eps)
    x_hat = (x - mu) / std
    g, b = gamma[None, :, None, None], beta[None, :, None, None]
    if swap:
        g, b = b, g
    return g * x_hat + b if affine else x_hat


def _grads(dout, x, gamma, beta, eps=EPS, *, dx_terms=("mean", "var"), use_gamma=True,
           dgamma_from_x=False, param_axes=_PER_CHANNEL):
    """(dx, dgamma, dbeta) by the closed form, with optional terms of dx left out."""
    mu = x.mean(axis=_PER_CHANNEL, keepdims=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=_PER_CHANNEL, keepdims=True) + eps)
    x_hat = (x - mu) * inv_std
    g = gamma[None, :, None, None] if use_gamma else 1.0
    dx = dout
    if "mean" in dx_terms:
        dx = dx - dout.mean(axis=_PER_CHANNEL, keepdims=True)
    if "var" in dx_terms:
        dx = dx - x_hat * (dout * x_hat).mean(axis=_PER_CHANNEL, keepdims=True)
    dx = g * inv_std * dx
    dgamma = (dout * (x if dgamma_from_x else x_hat)).sum(axis=param_axes)
    dbeta = dout.sum(axis=param_axes)
    return dx, dgamma, dbeta


def _fwd(**bend):
    return lambda x, gamma, beta, eps=EPS: _normalise(x, gamma, beta, eps, **bend)


def _bwd(**bend):
    return lambda dout, x, gamma, beta, eps=EPS: _grads(dout, x, gamma, beta, eps, **bend)


MISCONCEPTIONS = (
    Misconception("unbiased_variance", FWD,
                  "your output uses the unbiased variance (divided by m - 1); batch norm normalises "
                  "with the biased variance, divided by m = N*H*W.", _fwd(ddof=1)),
    Misconception("per_sample_statistics", FWD,
                  "your output normalises each image with its own statistics (mean over H and W "
                  "only, like instance norm); batch norm pools each channel over the whole batch: "
                  "axes (N, H, W).", _fwd(axes=(2, 3))),
    Misconception("batch_axis_only", FWD,
                  "your output takes the mean and variance over the batch axis only (one statistic "
                  "per channel *and pixel*); in 2-D batch norm each channel has one mean and one "
                  "variance over (N, H, W).", _fwd(axes=(0,))),
    Misconception("global_statistics", FWD,
                  "your output uses one mean and variance for all channels together; batch norm "
                  "keeps one mean and variance per channel, over (N, H, W).", _fwd(axes=(0, 1, 2, 3))),
    Misconception("channels_last", FWD,
                  "your output treats the last axis as the channels (statistics over axes 0, 1, 2); "
                  "x is (N, C, H, W): the channels are axis 1 and the statistics run over (0, 2, 3).",
                  lambda x, gamma, beta, eps=EPS: _normalise(
                      x, np.ones(x.shape[1]), np.zeros(x.shape[1]), eps, axes=(0, 1, 2))
                  * gamma[None, :, None, None] + beta[None, :, None, None]),
    Misconception("one_pass_variance", FWD,
                  "your output computes the variance as E[x^2] - E[x]^2, which cancels away when the "
                  "mean is large next to the spread (channel means near 1e7 here); subtract the mean "
                  "first: var = mean((x - mu)^2).", _fwd(one_pass=True)),
    Misconception("eps_outside_sqrt", FWD,
                  "your output divides by sqrt(var) + eps; eps goes inside the square root: "
                  "x_hat = (x - mu) / sqrt(var + eps).", _fwd(eps_outside=True)),
    Misconception("gamma_beta_missing", FWD,
                  "your output is x_hat without the scale and shift; return gamma * x_hat + beta "
                  "(per channel).", _fwd(affine=False)),
    Misconception("gamma_beta_swapped", FWD,
                  "your output computes beta * x_hat + gamma; gamma scales and beta shifts: "
                  "out = gamma * x_hat + beta.", _fwd(swap=True)),
    Misconception("dx_statistics_constant", BWD,
                  "your dx treats the mean and the variance as constants (dx = gamma * dout / "
                  "sqrt(var + eps)); both depend on x, which adds two more terms.", _bwd(dx_terms=())),
    Misconception("dx_mean_term_missing", BWD,
                  "your dx misses the term from the mean: subtract the channel mean of dout "
                  "(dx = gamma / sqrt(var + eps) * (dout - mean(dout) - x_hat * mean(dout * x_hat))).",
                  _bwd(dx_terms=("var",))),
    Misconception("dx_variance_term_missing", BWD,
                  "your dx misses the term from the variance: subtract x_hat * mean(dout * x_hat) "
                  "(dx = gamma / sqrt(var + eps) * (dout - mean(dout) - x_hat * mean(dout * x_hat))).",
                  _bwd(dx_terms=("mean",))),
    Misconception("dx_gamma_missing", BWD,
                  "your dx is not multiplied by gamma; the output is gamma * x_hat + beta, so every "
                  "path to x goes through gamma.", _bwd(use_gamma=False)),
    Misconception("dgamma_from_x", BWD,
                  "your dgamma sums dout * x; gamma multiplies the normalised x_hat, so dgamma = "
                  "sum over (N, H, W) of dout * x_hat.", _bwd(dgamma_from_x=True)),
    Misconception("param_grads_batch_only", BWD,
                  "your dgamma and dbeta are summed over the batch axis only; gamma and beta are "
                  "shared by every pixel of a channel, so sum over (N, H, W) to get shape (C,).",
                  _bwd(param_axes=(0,))),
)


# --- inputs -------------------------------------------------------------------------------


#: Per-channel offsets of the large-offset groups: channel means near 1e7 with a spread of
#: about 1, where the one-pass variance E[x^2] - E[x]^2 cancels away (float64 keeps 16
#: digits; x^2 ~ 1e14 leaves ~0.02 of absolute precision in the variance, 1e-2 relative).
OFFSETS = (1e7, -2e7, 3e7, -5e7)


@st.composite
def bn_cases(draw, *, batch=(1, 3), channels=(1, 3), size=(2, 12), affine=True, eps=(EPS,),
             dout=False, offset=False, magnitude=0, non_square=False):
    """Cases ``(x, gamma, beta[, eps=])`` or ``(dout, x, gamma, beta[, eps=])``.

    Every channel has at least two values (N*H*W >= 2: one value has no variance, and torch
    refuses it too). Spatial sides start at 2 so that a shrunk counterexample still tells the
    axes apart (with H = 1, statistics over (N, C, H) and over N alone coincide for C = 1);
    1x1 images come as explicit examples. ``affine=False`` fixes gamma = 1 and beta = 0; ``eps``: a tuple of
    values to draw from (passed explicitly: only the defaults groups rely on the
    default), or None to leave the argument out.

    * ``offset``: every channel of x is shifted by one of :data:`OFFSETS` (the output does
      not change: batch norm subtracts the mean).
    * ``magnitude``: x times ``2**e_x`` (``|e_x| <= magnitude``; the output does not change
      either, up to eps), gamma and beta times one ``2**e_g``, dout times ``2**e_d``
      (``e_g, e_d >= 0`` and ``e_g + e_d >= e_x``: every output and gradient keeps at least
      the grid's magnitude).
    * ``non_square``: H != W.
    """
    h = draw(st.integers(*size))
    w = h + 1 + draw(st.integers(0, max(size[1] - h - 1, 0))) if non_square else draw(st.integers(*size))
    n = draw(st.integers(max(batch[0], 2 if h * w == 1 else 1), batch[1]))
    c = draw(st.integers(*channels))
    ex = draw(st.integers(-magnitude, magnitude)) if magnitude else 0
    eg = draw(st.integers(0, magnitude)) if magnitude else 0
    x = draw(values((n, c, h, w), scale=ex))
    if offset:
        x = x + np.array([draw(st.sampled_from(OFFSETS)) for _ in range(c)])[None, :, None, None]
    if affine:
        gamma, beta = draw(values((c,), scale=eg)), draw(values((c,), scale=eg))
    else:
        gamma, beta = np.ones(c), np.zeros(c)
    kwargs = {} if eps is None else {"eps": draw(st.sampled_from(eps))}
    args = (x, gamma, beta)
    if dout:
        ed = draw(st.integers(max(0, ex - eg), magnitude)) if magnitude else 0
        args = (draw(values(x.shape, scale=ed)), *args)
    return Case(args, kwargs)


def _fixed(seed, shape, *, dout=False, eps=EPS, low_variance=False, affine=True, offset=False):
    """An explicit case; ``low_variance`` makes channel 0 constant and channel 1 nearly so
    (one value differs by 1/4), where eps decides the output (a missing or wrong eps shows);
    ``eps=None`` leaves the argument out; ``affine=False`` fixes gamma = 1 and beta = 0;
    ``offset``: channel c is shifted by ``OFFSETS[c % 4]``."""
    x = fixed_values(seed, shape)
    if offset:
        x = x + np.array([OFFSETS[i % len(OFFSETS)] for i in range(shape[1])])[None, :, None, None]
    if low_variance:
        x[:, 0] = 0.5
        x[:, 1] = -0.25
        x[0, 1, 0, 0] = 0.0
    c = shape[1]
    if affine:
        args = (x, fixed_values(seed + 1, (c,)) + 2.5, fixed_values(seed + 2, (c,)))  # gamma != 0
    else:
        args = (x, np.ones(c), np.zeros(c))
    if dout:
        args = (fixed_values(seed + 3, shape), *args)
    return Case(args, {} if eps is None else {"eps": eps})


_EPS_VALUES = (0.25, 0.5, 1.0, 2.0)


def _fwd_group(name, points, description, examples=(), **bounds):
    return PropertyGroup(name, points, description, FWD, bn_cases(**bounds), examples=tuple(examples),
                         shape_only=name == "shape")


def _bwd_group(name, points, description, outputs=None, examples=(), **bounds):
    return PropertyGroup(name, points, description, BWD, bn_cases(dout=True, **bounds),
                         examples=tuple(examples), outputs=outputs)


#: Everything at once: N from 2 to 4, C of 4 or 5, H != W, gamma and beta drawn, values of
#: wide magnitudes (x up to 2**+-8, gamma, beta and dout up to 2**8).
_ALL = dict(batch=(2, 4), channels=(4, 5), size=(2, 8), magnitude=8, non_square=True)

GROUPS = (
    _fwd_group("shape", 1, "Forward: the output has the shape of x.", batch=(1, 3), channels=(1, 4)),
    _fwd_group("normalise", 2, "Forward: one channel, gamma = 1, beta = 0: zero mean, unit variance "
               "over (N, H, W), biased variance.",
               [_fixed(1, (2, 1, 3, 3), affine=False)], channels=(1, 1), batch=(1, 4), affine=False),
    _fwd_group("per_channel", 2, "Forward: every channel is normalised with its own statistics.",
               [_fixed(2, (2, 3, 2, 2), affine=False)], channels=(2, 4), affine=False),
    _fwd_group("batch", 1, "Forward: the statistics pool the whole batch, not each image.",
               [_fixed(3, (3, 2, 2, 3), affine=False), _fixed(12, (4, 2, 1, 1), affine=False)],
               batch=(2, 4), affine=False),
    _fwd_group("gamma_beta", 2, "Forward: scale by gamma and shift by beta, per channel.",
               [_fixed(4, (2, 2, 2, 2))], channels=(1, 3)),
    _fwd_group("eps", 1, "Forward: eps given explicitly, added to the variance inside the square root.",
               [_fixed(5, (2, 2, 2, 2), eps=1.0)], eps=_EPS_VALUES),
    _fwd_group("defaults", 1, "Forward: called without eps: eps = 1e-5 (a nearly constant channel shows it).",
               [_fixed(6, (2, 2, 2, 2), eps=None, low_variance=True)], channels=(2, 3), eps=None),
    _fwd_group("large_offset", 1, "Forward: channel means near 1e7 with a spread of about 1 (subtract "
               "the mean before squaring; float64 throughout).",
               [_fixed(13, (2, 3, 2, 3), offset=True)], offset=True),
    _fwd_group("all_at_once", 1, "Forward, everything at once: N > 1, C of 4 or 5, H != W, gamma and "
               "beta, values of wide magnitudes.",
               [_fixed(14, (3, 4, 3, 5))], **_ALL),
    _bwd_group("dx", 2, "Backward: dx, including the paths through the mean and the variance.", ("dx",),
               [_fixed(7, (2, 2, 2, 2), dout=True)]),
    _bwd_group("dgamma", 1, "Backward: dgamma, shape (C,).", ("dgamma",),
               [_fixed(8, (2, 2, 2, 2), dout=True)]),
    _bwd_group("dbeta", 1, "Backward: dbeta, shape (C,).", ("dbeta",),
               [_fixed(9, (2, 2, 2, 2), dout=True)]),
    _bwd_group("backward_eps", 1, "Backward: eps given explicitly (all three gradients).", None,
               [_fixed(10, (2, 2, 2, 2), dout=True, eps=1.0)], eps=_EPS_VALUES),
    _bwd_group("backward_defaults", 1, "Backward: called without eps: eps = 1e-5 (all three gradients).",
               None, [_fixed(11, (2, 2, 2, 2), dout=True, eps=None, low_variance=True)], eps=None),
    _bwd_group("backward_large_offset", 1, "Backward: channel means near 1e7 with a spread of about 1 "
               "(all three gradients).", None, [_fixed(15, (2, 3, 2, 3), dout=True, offset=True)], offset=True),
    _bwd_group("backward_all_at_once", 1, "Backward, everything at once (all three gradients): N > 1, C "
               "of 4 or 5, H != W, values of wide magnitudes.", None,
               [_fixed(16, (3, 4, 3, 5), dout=True)], **_ALL),
)

EXERCISE = CodeExercise(
    name="batchnorm2d",
    title="Batch normalisation (training mode)",
    summary="numpy batchnorm2d_forward / batchnorm2d_backward: per-channel statistics over (N, H, W)",
    version="2",  # 2: large-offset and all_at_once groups, wide magnitudes, one_pass_variance
    statement=STATEMENT,
    functions=(
        Function(FWD, "x, gamma, beta, eps=1e-5", """\
Training-mode batch normalisation of a 4-D input.

x: (N, C, H, W); gamma, beta: (C,).
Per channel: mean and biased variance over (N, H, W); x_hat = (x - mean) / sqrt(var + eps).
Returns out = gamma * x_hat + beta, shape (N, C, H, W).
"""),
        Function(BWD, "dout, x, gamma, beta, eps=1e-5", """\
Backward pass of batchnorm2d_forward (training mode: mean and variance depend on x).

dout: (N, C, H, W) upstream gradient; x, gamma, beta, eps as in the forward pass.
Returns (dx, dgamma, dbeta) with shapes (N, C, H, W), (C,), (C,).
""", returns=("dx", "dgamma", "dbeta")),
    ),
    groups=GROUPS,
    references={FWD: refs.batch_norm, BWD: refs.batch_norm_grads},
    misconceptions=MISCONCEPTIONS,
    max_examples=10,
    # Past ~30 shrinking calls hypothesis spends seconds on bookkeeping for little gain.
    shrink_budget=30,
)
