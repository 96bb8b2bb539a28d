"""Independent numpy implementations of the reference layers, for the tests only.

Written from the definitions (loops over output positions, closed-form gradients), never
calling torch or the engine, so that a bug in the engine cannot hide in its own expected
values. Slow by design: the tests use small sizes.

Padding arguments here are always one ``(before, after)`` pair per spatial axis.
"""

from __future__ import annotations

import itertools
import math

import numpy as np


# --- helpers -----------------------------------------------------------------------------


def zero_pad(x, pads, value=0.0):
    """Pad the spatial axes (all after the first two) with ``value``."""
    return np.pad(x, [(0, 0), (0, 0), *pads], constant_values=value)


def out_len(n, k, s, before, after, dl, ceil_mode=False):
    """Output length from the course formula, floor((n + pads - span) / s) + 1, or PyTorch's
    ceil-mode variant whose last window must start inside the input or the left padding."""
    span = dl * (k - 1) + 1
    if ceil_mode:
        out = math.ceil((n + before + after - span) / s) + 1
        if (out - 1) * s >= n + before:
            out -= 1
        return out
    return math.floor((n + before + after - span) / s) + 1


def numeric_vjp(f, inputs, dout, h=1e-6):
    """Central finite differences of ``sum(dout * f(*inputs))`` for every input element."""
    grads = []
    for i, a in enumerate(inputs):
        g = np.zeros_like(a, dtype=np.float64)
        for idx in np.ndindex(a.shape):
            plus = [b.copy() for b in inputs]
            minus = [b.copy() for b in inputs]
            plus[i][idx] += h
            minus[i][idx] -= h
            g[idx] = (np.sum(dout * f(*plus)) - np.sum(dout * f(*minus))) / (2 * h)
        grads.append(g)
    return grads


# --- convolution -------------------------------------------------------------------------


def _window(pos, stride, kernel, dilation):
    # Input positions one output position reads along each axis (in padded coordinates).
    return tuple(slice(p * s, p * s + dl * (k - 1) + 1, dl)
                 for p, s, k, dl in zip(pos, stride, kernel, dilation))


def conv_forward(x, w, b, stride, pads, dilation, groups):
    """out[n, f, o] = b[f] + sum_{c in f's group, t} w[f, c, t] * x_pad[n, c, o*s + t*dil]."""
    N, C, *sizes = x.shape
    F_, C_g, *kernel = w.shape
    F_g = F_ // groups
    xp = zero_pad(x, pads)
    outs = [out_len(n, k, s, pb, pa, dl)
            for n, k, s, (pb, pa), dl in zip(sizes, kernel, stride, pads, dilation)]
    out = np.zeros((N, F_, *outs))
    for n, f in itertools.product(range(N), range(F_)):
        g = f // F_g
        for pos in np.ndindex(*outs):
            patch = xp[(n, slice(g * C_g, (g + 1) * C_g)) + _window(pos, stride, kernel, dilation)]
            out[(n, f) + pos] = np.sum(patch * w[f]) + (0.0 if b is None else b[f])
    return out


def conv_backward(dout, x, w, stride, pads, dilation, groups):
    """(dx, dw, db) of conv_forward by the chain rule, loop by loop."""
    N, C, *sizes = x.shape
    F_, C_g, *kernel = w.shape
    F_g = F_ // groups
    xp = zero_pad(x, pads)
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for n, f in itertools.product(range(N), range(F_)):
        g = f // F_g
        for pos in np.ndindex(*dout.shape[2:]):
            where = (n, slice(g * C_g, (g + 1) * C_g)) + _window(pos, stride, kernel, dilation)
            dxp[where] += dout[(n, f) + pos] * w[f]
            dw[f] += dout[(n, f) + pos] * xp[where]
    crop = tuple(slice(pb, pb + n) for (pb, _), n in zip(pads, sizes))
    dx = dxp[(slice(None), slice(None)) + crop]
    db = dout.sum(axis=tuple(i for i in range(dout.ndim) if i != 1))
    return dx, dw, db


def conv_transpose2d_forward(x, w, b, stride, pads, output_padding, dilation, groups):
    """Scatter form: each input pixel adds x * kernel into the full output at (i*s + t*dil),
    output_padding extends the end, then ``pads`` are cropped from each side."""
    N, C, H, W = x.shape
    _, F_g, KH, KW = w.shape
    C_g = C // groups
    (sh, sw), (dh, dw_), (oph, opw) = stride, dilation, output_padding
    full_h = (H - 1) * sh + dh * (KH - 1) + 1 + oph
    full_w = (W - 1) * sw + dw_ * (KW - 1) + 1 + opw
    full = np.zeros((N, F_g * groups, full_h, full_w))
    for n, c, i, j in itertools.product(range(N), range(C), range(H), range(W)):
        g = c // C_g
        for kh, kw in itertools.product(range(KH), range(KW)):
            full[n, g * F_g:(g + 1) * F_g, i * sh + kh * dh, j * sw + kw * dw_] += (
                x[n, c, i, j] * w[c, :, kh, kw])
    (top, bottom), (left, right) = pads
    out = full[:, :, top:full_h - bottom, left:full_w - right]
    if b is not None:
        out = out + b[None, :, None, None]
    return out


# --- pooling -----------------------------------------------------------------------------


def pool_windows(sizes, kernel, stride, padding, dilation, ceil_mode):
    """For every output position, the list of real input positions in its window (row-major)
    and the torch divisor for count_include_pad=True (window clipped to the padded input)."""
    outs = [out_len(n, k, s, p, p, dl, ceil_mode)
            for n, k, s, p, dl in zip(sizes, kernel, stride, padding, dilation)]
    windows = {}
    for pos in np.ndindex(*outs):
        per_axis, padded_len = [], 1
        for o, n, k, s, p, dl in zip(pos, sizes, kernel, stride, padding, dilation):
            start = o * s - p
            taps = [start + t * dl for t in range(k)]
            per_axis.append([t for t in taps if 0 <= t < n])
            padded_len *= len([t for t in taps if t < n + p])
        windows[pos] = (list(itertools.product(*per_axis)), padded_len)
    return outs, windows


def max_pool(x, kernel, stride, padding, dilation, ceil_mode, dout=None):
    """Max over each window's real inputs (padding never wins); with ``dout``, also dx,
    routing each gradient to the window's first maximum."""
    N, C, *sizes = x.shape
    outs, windows = pool_windows(sizes, kernel, stride, padding, dilation, ceil_mode)
    out = np.zeros((N, C, *outs))
    dx = np.zeros_like(x)
    for n, c in itertools.product(range(N), range(C)):
        for pos, (taps, _) in windows.items():
            values = [x[(n, c) + t] for t in taps]
            best = int(np.argmax(values))
            out[(n, c) + pos] = values[best]
            if dout is not None:
                dx[(n, c) + taps[best]] += dout[(n, c) + pos]
    return out, dx


def avg_pool(x, kernel, stride, padding, ceil_mode, count_include_pad, dout=None):
    """Mean of each window: the sum of its real inputs divided by the window's size inside
    the padded input (count_include_pad) or by the number of real inputs; and dx."""
    N, C, *sizes = x.shape
    ones = (1,) * len(sizes)
    outs, windows = pool_windows(sizes, kernel, stride, padding, ones, ceil_mode)
    out = np.zeros((N, C, *outs))
    dx = np.zeros_like(x)
    for n, c in itertools.product(range(N), range(C)):
        for pos, (taps, padded_len) in windows.items():
            divisor = padded_len if count_include_pad else len(taps)
            out[(n, c) + pos] = sum(x[(n, c) + t] for t in taps) / divisor
            if dout is not None:
                for t in taps:
                    dx[(n, c) + t] += dout[(n, c) + pos] / divisor
    return out, dx


# --- dense, activations, normalisation, loss ---------------------------------------------


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def softmax_backward(dout, s, axis=-1):
    """d softmax: s * (dout - sum(dout * s))."""
    return s * (dout - np.sum(dout * s, axis=axis, keepdims=True))


def batch_norm_train(x, gamma, beta, eps):
    """Per-channel statistics over every axis but 1 (biased variance); returns out, cache."""
    axes = tuple(i for i in range(x.ndim) if i != 1)
    shape = [1] * x.ndim
    shape[1] = x.shape[1]
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    x_hat = (x - mean) / np.sqrt(var + eps)
    out = gamma.reshape(shape) * x_hat + beta.reshape(shape)
    return out, (x_hat, var, axes, shape)


def batch_norm_train_backward(dout, gamma, eps, cache):
    """The closed form, m values per channel:
    dx = gamma / (m sqrt(var + eps)) * (m dout - sum(dout) - x_hat sum(dout x_hat))."""
    x_hat, var, axes, shape = cache
    m = dout.size // dout.shape[1]
    sum_d = dout.sum(axis=axes, keepdims=True)
    sum_dx = (dout * x_hat).sum(axis=axes, keepdims=True)
    dx = gamma.reshape(shape) / (m * np.sqrt(var + eps)) * (m * dout - sum_d - x_hat * sum_dx)
    return dx, sum_dx.reshape(-1), sum_d.reshape(-1)


def local_response_norm(x, size, alpha, beta, k):
    """b_c = a_c / (k + alpha/size * sum of a^2 over channels c - size//2 .. c + (size-1)//2)
    ** beta, channel by channel."""
    C = x.shape[1]
    out = np.empty_like(x)
    for c in range(C):
        lo, hi = max(0, c - size // 2), min(C - 1, c + (size - 1) // 2)
        s = np.sum(x[:, lo:hi + 1] ** 2, axis=1)
        out[:, c] = x[:, c] / (k + alpha / size * s) ** beta
    return out


def cross_entropy(logits, probabilities):
    """mean_n -sum_k t log softmax(logits); and its gradient (softmax - t) / N."""
    s = softmax(logits, axis=1)
    N = logits.shape[0]
    loss = -np.sum(probabilities * np.log(s)) / N
    return loss, (s * probabilities.sum(axis=1, keepdims=True) - probabilities) / N
