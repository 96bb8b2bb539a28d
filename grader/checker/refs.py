"""Numpy-in, numpy-out wrappers over the reference engine, for exercise references and
misconceptions (alternative references built by bending one step of the right formula).

Everything computes in float64 with ``grader.reference.functional`` (torch, imported on
first use only).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "pair",
    "conv2d",
    "conv2d_grads",
    "max_pool2d",
    "max_pool2d_grad",
    "avg_pool2d",
    "avg_pool2d_grad",
    "pool_stride",
    "pool_ceil",
    "window_backward",
    "relu",
    "relu_grad",
    "linear",
    "linear_grads",
    "batch_norm",
    "batch_norm_grads",
]


def _F():
    from grader.reference import functional

    return functional


def pair(v: Any) -> tuple[int, int]:
    """``3 -> (3, 3)``, ``(1, 2) -> (1, 2)``."""
    if isinstance(v, (tuple, list)):
        return int(v[0]), int(v[1])
    return int(v), int(v)


def pool_stride(kernel_size: Any, stride: Any) -> tuple[int, int]:
    """The stride of a pooling layer: ``None`` means the kernel size."""
    return pair(kernel_size if stride is None else stride)


def _np(t) -> np.ndarray:
    return _F().to_numpy(t).astype(np.float64)


def _c(a):
    """A contiguous float64 copy (torch refuses the negative strides of ``w[..., ::-1]``)."""
    return None if a is None else np.ascontiguousarray(a, dtype=np.float64)


def conv2d(x, w, b=None, stride=1, padding=0) -> np.ndarray:
    """Cross-correlation, symmetric zero padding, floor output size."""
    F = _F()
    return _np(F.conv2d(_c(x), _c(w), _c(b), stride=pair(stride), padding=pair(padding)))


def conv2d_grads(dout, x, w, b, stride=1, padding=0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(dx, dw, db)`` of :func:`conv2d` contracted with ``dout`` (autograd)."""
    F = _F()

    def fn(x_, w_, b_):
        return F.conv2d(x_, w_, b_, stride=pair(stride), padding=pair(padding))

    return tuple(_np(g) for g in F.vjp(fn, (_c(x), _c(w), _c(b)), _c(dout)))


def max_pool2d(x, kernel_size, stride=None) -> np.ndarray:
    return _np(_F().max_pool2d(_c(x), pair(kernel_size), pool_stride(kernel_size, stride)))


def max_pool2d_grad(dout, x, kernel_size, stride=None) -> np.ndarray:
    F = _F()
    k, s = pair(kernel_size), pool_stride(kernel_size, stride)
    return _np(F.vjp(lambda x_: F.max_pool2d(x_, k, s), (_c(x),), _c(dout))[0])


def avg_pool2d(x, kernel_size, stride=None) -> np.ndarray:
    return _np(_F().avg_pool2d(_c(x), pair(kernel_size), pool_stride(kernel_size, stride)))


def avg_pool2d_grad(dout, x, kernel_size, stride=None) -> np.ndarray:
    F = _F()
    k, s = pair(kernel_size), pool_stride(kernel_size, stride)
    return _np(F.vjp(lambda x_: F.avg_pool2d(x_, k, s), (_c(x),), _c(dout))[0])


def pool_ceil(kind: str, x, kernel_size, stride=None) -> np.ndarray:
    """Pooling with the output size rounded up (torch's ``ceil_mode=True``)."""
    F = _F()
    fn = F.max_pool2d if kind == "max" else F.avg_pool2d
    return _np(fn(_c(x), pair(kernel_size), pool_stride(kernel_size, stride), ceil_mode=True))


def window_backward(dout, x, kernel_size, stride, route, *, accumulate: bool = True,
                    offset: bool = True) -> np.ndarray:
    """A pooling backward written as loops: ``route(window, g) -> patch`` gives the gradient
    of one window; ``accumulate=False`` overwrites where windows overlap, ``offset=False``
    puts the window of output (i, j) at (i, j) instead of (i*sh, j*sw) (common bugs)."""
    (kh, kw), (sh, sw) = pair(kernel_size), pool_stride(kernel_size, stride)
    if not offset:
        sh = sw = 1
    dx = np.zeros_like(np.asarray(x, dtype=np.float64))
    N, C, HO, WO = dout.shape
    for n in range(N):
        for c in range(C):
            for i in range(HO):
                for j in range(WO):
                    window = x[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    patch = route(window, dout[n, c, i, j])
                    if accumulate:
                        dx[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw] += patch
                    else:
                        dx[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw] = patch
    return dx


def relu(x) -> np.ndarray:
    return _np(_F().relu(_c(x)))


def relu_grad(dout, x) -> np.ndarray:
    F = _F()
    return _np(F.vjp(F.relu, (_c(x),), _c(dout))[0])


def linear(x, w, b=None) -> np.ndarray:
    return _np(_F().linear(_c(x), _c(w), _c(b)))


def linear_grads(dout, x, w, b) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    F = _F()
    return tuple(_np(g) for g in F.vjp(F.linear, (_c(x), _c(w), _c(b)), _c(dout)))


def batch_norm(x, gamma, beta, eps=1e-5) -> np.ndarray:
    """Training-mode batch normalisation (statistics of the batch itself)."""
    return _np(_F().batch_norm(_c(x), _c(gamma), _c(beta), training=True, eps=eps).out)


def batch_norm_grads(dout, x, gamma, beta, eps=1e-5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(dx, dgamma, dbeta)`` of :func:`batch_norm` contracted with ``dout`` (autograd)."""
    F = _F()

    def layer(x_, g_, b_):
        return F.batch_norm(x_, g_, b_, training=True, eps=eps).out

    return tuple(_np(g) for g in F.vjp(layer, (_c(x), _c(gamma), _c(beta)), _c(dout)))

