"""The reference layers as plain functions, in float64, with autograd gradients.

Every function takes torch tensors or numpy arrays (anything :func:`as_tensor` accepts)
and returns torch tensors. Numpy inputs go to the engine's device
(:func:`grader.reference.device.resolve_device`); the parameters of a layer follow its
input ``x``. Each layer checks the geometry first and raises
:class:`grader.errors.UserError` with one sentence naming the problem (a kernel larger
than the padded input, a channel count that does not match...), then calls
``torch.nn.functional``. Gradients of any layer come from :func:`vjp`.

Names follow the math: ``N`` batch, ``C`` input channels, ``C_out`` output channels
(filters), ``H, W`` input height and width, ``K_h, K_w`` kernel size, ``H_out, W_out``.
Convolution means cross-correlation, as in torch.

>>> x = [[[[0, 1, 2], [3, 4, 5], [6, 7, 8]]]]           # the course's 3x3 input
>>> w = [[[[0, 1], [2, 3]]]]                            # and its 2x2 kernel
>>> to_numpy(conv2d(x, w)).tolist()
[[[[19.0, 25.0], [37.0, 43.0]]]]
>>> dx, dw = vjp(conv2d, (x, w), dout=[[[[1, 0], [0, 0]]]])   # d(out[0,0,0,0]) / d(x, w)

Padding for convolutions: an int, a tuple with one int per spatial axis, a tuple of
``(before, after)`` pairs (one per axis, for asymmetric padding), ``"valid"`` (no padding)
or ``"same"`` (stride 1 only; the output keeps the input's size, an odd total padding puts
the extra row after, as in torch).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

from grader.errors import UserError
from grader.reference.device import DTYPE, deterministic, resolve_device
from grader.reference.shapes import (
    conv_output_size,
    conv_transpose_output_size,
    padding_pair,
    same_padding,
)

__all__ = [
    # conversion and gradients
    "as_tensor",
    "to_numpy",
    "vjp",
    # convolutions
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose2d",
    # pooling
    "max_pool1d",
    "max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "global_avg_pool2d",
    "global_max_pool2d",
    # dense layers and activations
    "linear",
    "relu",
    "sigmoid",
    "tanh",
    "softmax",
    # normalisation, regularisation, reshaping, loss
    "batch_norm",
    "BatchNormResult",
    "dropout",
    "local_response_norm",
    "flatten",
    "cross_entropy",
    # output sizes (re-exported from grader.reference.shapes, which needs no torch)
    "conv_output_size",
    "conv_transpose_output_size",
]

# Spatial axis names and shape notation for error messages, by number of spatial axes.
_AXES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}
_SHAPE = {1: "(N, C, L)", 2: "(N, C, H, W)", 3: "(N, C, D, H, W)"}
_WEIGHT_SHAPE = {
    1: "(C_out, C/groups, K)",
    2: "(C_out, C/groups, K_h, K_w)",
    3: "(C_out, C/groups, K_d, K_h, K_w)",
}


# --- conversion --------------------------------------------------------------------------


def as_tensor(a, *, device: str | torch.device | None = None) -> torch.Tensor:
    """``a`` as a float64 tensor.

    - ``a``: a torch tensor, numpy array, nested list or number.
    - ``device``: where to put it; ``None`` keeps a tensor where it is and puts anything
      else on the engine's default device (see ``resolve_device``).

    A tensor keeps its autograd history (the cast is differentiable).
    """
    if isinstance(a, torch.Tensor):
        dev = a.device if device is None else resolve_device(device)
        return a.to(device=dev, dtype=DTYPE)
    return _numeric(a, resolve_device(device))


def to_numpy(t) -> np.ndarray | tuple:
    """A tensor as a float numpy array (detached, on the CPU).

    A tuple or list (e.g. ``(out, mask)`` from :func:`dropout`, or a
    :class:`BatchNormResult`) becomes a tuple of arrays; ``None`` stays ``None``.
    """
    if t is None:
        return None
    if isinstance(t, (tuple, list)):
        return tuple(to_numpy(item) for item in t)
    if isinstance(t, torch.Tensor):
        return t.detach().cpu().numpy()
    return np.asarray(t, dtype=np.float64)


def _numeric(a, dev: torch.device) -> torch.Tensor:
    # Non-tensor input: numpy first, so object arrays and strings fail with a clear message.
    arr = np.asarray(a)
    if arr.dtype.kind not in "biuf":
        raise UserError(f"expected a real-valued array, got dtype {arr.dtype}")
    return torch.as_tensor(arr, dtype=DTYPE, device=dev)


def _on(a, dev: torch.device) -> torch.Tensor:
    # A layer's parameters follow its input x (no device lookup per call).
    if isinstance(a, torch.Tensor):
        return a.to(device=dev, dtype=DTYPE)
    return _numeric(a, dev)


# --- gradients ---------------------------------------------------------------------------


def vjp(fn: Callable, inputs: Sequence, dout, **kwargs) -> tuple[torch.Tensor | None, ...]:
    """Gradients of ``fn(*inputs, **kwargs)`` contracted with ``dout`` (a vector-Jacobian
    product): the backward pass of any layer, by autograd.

    - ``fn``: any function of this module (or a composition of them).
    - ``inputs``: the positional inputs to differentiate (``None`` allowed, e.g. no bias).
    - ``dout``: upstream gradient, shaped like ``fn``'s output. When ``fn`` returns a
      tuple (``dropout``'s ``(out, mask)``, a ``BatchNormResult``), ``dout`` is the
      gradient of its first item, the layer's output.
    - ``kwargs``: passed to ``fn`` unchanged and not differentiated (stride, padding,
      integer targets of ``cross_entropy``...).

    Returns one gradient per input, on the input's device: ``None`` for a ``None`` input,
    zeros for an input the output does not depend on.

    >>> x, w, b = np.ones((1, 2, 5, 5)), np.ones((3, 2, 3, 3)), np.zeros(3)
    >>> dx, dw, db = vjp(conv2d, (x, w, b), np.ones((1, 3, 3, 3)), stride=2, padding=1)
    >>> tuple(dw.shape), float(db[0])
    ((3, 2, 3, 3), 9.0)
    """
    # Step 1: every input becomes a fresh leaf tensor on the device of the first one.
    present = [a for a in inputs if a is not None]
    if not present:
        raise UserError("vjp needs at least one input that is not None")
    first = present[0]
    dev = first.device if isinstance(first, torch.Tensor) else resolve_device()
    leaves = [None if a is None else _on(a, dev).detach().requires_grad_(True) for a in inputs]
    with deterministic():
        # Step 2: the forward pass, recording the graph.
        out = fn(*leaves, **kwargs)
        y = out[0] if isinstance(out, tuple) else out
        g = _on(dout, y.device)
        if tuple(g.shape) != tuple(y.shape):
            raise UserError(
                f"dout has shape {tuple(g.shape)} but the output has shape {tuple(y.shape)}"
            )
        # Step 3: the backward pass: sum_i dout_i * d y_i / d input, as the gradient of the
        # scalar sum(dout * y) (the same numbers: its backward multiplies dout by ones). Not
        # grad_outputs=dout: that path imports sympy inside torch (0.3 s for a first call).
        wanted = [leaf for leaf in leaves if leaf is not None]
        if y.requires_grad:
            grads = iter(torch.autograd.grad((y * g).sum(), wanted, allow_unused=True))
        else:
            grads = iter([None] * len(wanted))
    # Step 4: unused inputs get zeros; None inputs stay None.
    result = []
    for leaf in leaves:
        if leaf is None:
            result.append(None)
            continue
        grad = next(grads)
        result.append(torch.zeros_like(leaf) if grad is None else grad.detach())
    return tuple(result)


# --- argument checks shared by the layers ------------------------------------------------


def _check_ndim(layer: str, name: str, t: torch.Tensor, ndim: int, shape: str) -> None:
    if t.dim() != ndim:
        raise UserError(f"{layer} expects {name} of shape {shape}, got shape {tuple(t.shape)}")


def _ints(layer: str, name: str, value, d: int, *, minimum: int) -> tuple[int, ...]:
    """An int or a tuple of ``d`` ints (one per spatial axis), each >= ``minimum``."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * d
    if len(values) != d:
        raise UserError(
            f"{layer}: {name} must be an int or a tuple of {d} ints, got {value!r}"
        )
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise UserError(f"{layer}: {name} must be an int or a tuple of {d} ints, got {value!r}")
        if v < minimum:
            kind = "positive" if minimum == 1 else "non-negative"
            raise UserError(f"{layer}: {name} must be {kind}, got {value!r}")
    return tuple(int(v) for v in values)


def _pads(layer: str, padding, d: int) -> tuple[tuple[int, int], ...]:
    """Numeric padding as one ``(before, after)`` pair per spatial axis."""
    if isinstance(padding, (tuple, list)) and len(padding) == d:
        if all(isinstance(p, (tuple, list)) for p in padding):
            try:
                return tuple(padding_pair(tuple(p)) for p in padding)
            except UserError as exc:
                raise UserError(f"{layer}: {exc}") from None
    return tuple((p, p) for p in _ints(layer, "padding", padding, d, minimum=0))


def _output_sizes(layer, sizes, kernel, stride, pads, dilation, *, ceil_mode=False):
    """``conv_output_size`` per axis, with the layer's name on any error."""
    try:
        return tuple(
            conv_output_size(n, k, stride=s, padding=p, dilation=dl, ceil_mode=ceil_mode, axis=ax)
            for n, k, s, p, dl, ax in zip(sizes, kernel, stride, pads, dilation, _AXES[len(sizes)])
        )
    except UserError as exc:
        raise UserError(f"{layer}: {exc}") from None


def _flat_pad(pads: tuple[tuple[int, int], ...]) -> list[int]:
    # F.pad lists the LAST axis first: (W_before, W_after, H_before, H_after, ...).
    return [p for pair in reversed(pads) for p in pair]


# --- convolutions ------------------------------------------------------------------------


def conv1d(x, weight, bias=None, *, stride=1, padding=0, dilation=1, groups=1) -> torch.Tensor:
    """1-D convolution: x (N, C, L), weight (C_out, C/groups, K), bias (C_out,) or None
    -> (N, C_out, L_out). Arguments as for :func:`conv2d`, one value per axis."""
    return _conv("conv1d", 1, F.conv1d, x, weight, bias, stride, padding, dilation, groups)


def conv2d(x, weight, bias=None, *, stride=1, padding=0, dilation=1, groups=1) -> torch.Tensor:
    """2-D convolution (cross-correlation).

    - ``x``: (N, C, H, W); ``weight``: (C_out, C/groups, K_h, K_w); ``bias``: (C_out,) or None.
    - ``stride``, ``dilation``: int or ``(h, w)``.
    - ``padding``: int, ``(h, w)``, ``((top, bottom), (left, right))``, ``"same"``, ``"valid"``.
    - ``groups``: C and C_out are split into this many independent groups
      (``groups = C`` with ``C_out = C`` is a depthwise convolution).

    Returns (N, C_out, H_out, W_out) with
    H_out = floor((H + top + bottom - dilation (K_h - 1) - 1) / stride) + 1.
    """
    return _conv("conv2d", 2, F.conv2d, x, weight, bias, stride, padding, dilation, groups)


def conv3d(x, weight, bias=None, *, stride=1, padding=0, dilation=1, groups=1) -> torch.Tensor:
    """3-D convolution: x (N, C, D, H, W), weight (C_out, C/groups, K_d, K_h, K_w)
    -> (N, C_out, D_out, H_out, W_out). Arguments as for :func:`conv2d`."""
    return _conv("conv3d", 3, F.conv3d, x, weight, bias, stride, padding, dilation, groups)


def _conv(layer, d, torch_conv, x, weight, bias, stride, padding, dilation, groups):
    # Step 1: tensors on x's device; shapes (N, C, *spatial) and (C_out, C/groups, *K).
    x = as_tensor(x)
    weight = _on(weight, x.device)
    _check_ndim(layer, "x", x, d + 2, _SHAPE[d])
    _check_ndim(layer, "weight", weight, d + 2, _WEIGHT_SHAPE[d])
    N, C, *sizes = x.shape
    C_out, C_per_group, *kernel = weight.shape
    groups = _ints(layer, "groups", groups, 1, minimum=1)[0]
    # Step 2: channels: groups must divide C and C_out; each filter sees C/groups channels.
    if C % groups:
        raise UserError(f"{layer}: groups={groups} does not divide the {C} input channels")
    if C_out % groups:
        raise UserError(f"{layer}: groups={groups} does not divide the {C_out} output channels")
    if C_per_group * groups != C:
        how = f" = {C_per_group} per group x {groups} groups" if groups > 1 else ""
        raise UserError(
            f"{layer}: x has {C} channels but weight expects {C_per_group * groups} "
            f"(weight.shape[1]{how})"
        )
    bias = _bias(layer, bias, C_out, x.device)
    # Step 3: stride, dilation, and padding as (before, after) per axis.
    stride = _ints(layer, "stride", stride, d, minimum=1)
    dilation = _ints(layer, "dilation", dilation, d, minimum=1)
    if isinstance(padding, str):
        pads = _named_padding(layer, padding, kernel, stride, dilation)
    else:
        pads = _pads(layer, padding, d)
    # Step 4: the kernel must fit the padded input along every axis.
    _output_sizes(layer, sizes, kernel, stride, pads, dilation)
    with deterministic():
        # Step 5: torch pads symmetrically only; asymmetric padding is done beforehand.
        if any(before != after for before, after in pads):
            x = F.pad(x, _flat_pad(pads))
            symmetric = (0,) * d
        else:
            symmetric = tuple(before for before, _ in pads)
        return torch_conv(x, weight, bias, stride, symmetric, dilation, groups)


def _named_padding(layer, padding, kernel, stride, dilation):
    name = padding.lower()
    if name == "valid":
        return tuple((0, 0) for _ in kernel)
    if name == "same":
        if any(s != 1 for s in stride):
            raise UserError(
                f"{layer}: padding='same' needs stride 1, got stride {stride}; "
                f"give the padding as numbers instead"
            )
        return tuple(same_padding(k, dilation=dl) for k, dl in zip(kernel, dilation))
    raise UserError(
        f"{layer}: padding must be a number, a tuple, 'same' or 'valid', got {padding!r}"
    )


def _bias(layer, bias, C_out, dev):
    if bias is None:
        return None
    bias = _on(bias, dev)
    if tuple(bias.shape) != (C_out,):
        raise UserError(f"{layer}: bias must have shape ({C_out},), got {tuple(bias.shape)}")
    return bias


def conv_transpose2d(x, weight, bias=None, *, stride=1, padding=0, output_padding=0,
                     dilation=1, groups=1) -> torch.Tensor:
    """Transposed 2-D convolution (the gradient of conv2d with respect to its input).

    - ``x``: (N, C, H, W); ``weight``: (C, C_out/groups, K_h, K_w) (note: C first);
      ``bias``: (C_out,) or None.
    - ``padding``: int, ``(h, w)`` or ``((top, bottom), (left, right))``: rows *removed*
      from each side of the full output.
    - ``output_padding``: int or ``(h, w)``, rows added after (bottom/right), smaller than
      the stride or the dilation.

    Returns (N, C_out, H_out, W_out) with
    H_out = (H - 1) stride - top - bottom + dilation (K_h - 1) + output_padding + 1.
    """
    layer, d = "conv_transpose2d", 2
    # Step 1: shapes: x (N, C, H, W), weight (C, C_out/groups, K_h, K_w).
    x = as_tensor(x)
    weight = _on(weight, x.device)
    _check_ndim(layer, "x", x, 4, _SHAPE[2])
    _check_ndim(layer, "weight", weight, 4, "(C, C_out/groups, K_h, K_w)")
    N, C, *sizes = x.shape
    C_in, C_out_per_group, *kernel = weight.shape
    groups = _ints(layer, "groups", groups, 1, minimum=1)[0]
    if C % groups:
        raise UserError(f"{layer}: groups={groups} does not divide the {C} input channels")
    if C_in != C:
        raise UserError(f"{layer}: x has {C} channels but weight.shape[0] is {C_in}")
    bias = _bias(layer, bias, C_out_per_group * groups, x.device)
    # Step 2: stride, dilation, output_padding per axis; padding as (before, after).
    stride = _ints(layer, "stride", stride, d, minimum=1)
    dilation = _ints(layer, "dilation", dilation, d, minimum=1)
    output_padding = _ints(layer, "output_padding", output_padding, d, minimum=0)
    if isinstance(padding, str):
        raise UserError(f"{layer}: padding must be a number or a tuple, got {padding!r}")
    pads = _pads(layer, padding, d)
    # Step 3: the output must have at least one row and column.
    try:
        for n, k, s, p, op, dl, ax in zip(sizes, kernel, stride, pads, output_padding,
                                          dilation, _AXES[2]):
            conv_transpose_output_size(n, k, stride=s, padding=p, output_padding=op,
                                       dilation=dl, axis=ax)
    except UserError as exc:
        raise UserError(f"{layer}: {exc}") from None
    with deterministic():
        # Step 4: symmetric padding goes to torch; asymmetric crops the full output.
        if all(before == after for before, after in pads):
            symmetric = tuple(before for before, _ in pads)
            return F.conv_transpose2d(x, weight, bias, stride, symmetric, output_padding,
                                      groups, dilation)
        full = F.conv_transpose2d(x, weight, bias, stride, 0, output_padding, groups, dilation)
        (top, bottom), (left, right) = pads
        H_full, W_full = full.shape[-2:]
        return full[..., top:H_full - bottom, left:W_full - right]


# --- pooling -----------------------------------------------------------------------------


def max_pool1d(x, kernel_size, stride=None, *, padding=0, dilation=1, ceil_mode=False):
    """1-D max pooling: x (N, C, L) -> (N, C, L_out); stride defaults to kernel_size."""
    return _pool("max_pool1d", 1, x, kernel_size, stride, padding, dilation, ceil_mode,
                 lambda x, k, s, p, dl: F.max_pool1d(x, k, s, p, dl, ceil_mode))


def max_pool2d(x, kernel_size, stride=None, *, padding=0, dilation=1, ceil_mode=False):
    """2-D max pooling: x (N, C, H, W) -> (N, C, H_out, W_out).

    - ``kernel_size``, ``stride`` (default: ``kernel_size``), ``padding``, ``dilation``:
      int or ``(h, w)``. Padding counts as minus infinity and is at most half the
      kernel size, as in torch.
    - ``ceil_mode``: round the output size up (a last, partial window is kept when it
      starts inside the input or the left padding).

    The gradient goes to the (first) maximum of each window.
    """
    return _pool("max_pool2d", 2, x, kernel_size, stride, padding, dilation, ceil_mode,
                 lambda x, k, s, p, dl: F.max_pool2d(x, k, s, p, dl, ceil_mode))


def avg_pool1d(x, kernel_size, stride=None, *, padding=0, ceil_mode=False,
               count_include_pad=True):
    """1-D average pooling: x (N, C, L) -> (N, C, L_out); see :func:`avg_pool2d`."""
    return _pool("avg_pool1d", 1, x, kernel_size, stride, padding, 1, ceil_mode,
                 lambda x, k, s, p, dl: F.avg_pool1d(x, k, s, p, ceil_mode, count_include_pad))


def avg_pool2d(x, kernel_size, stride=None, *, padding=0, ceil_mode=False,
               count_include_pad=True):
    """2-D average pooling: x (N, C, H, W) -> (N, C, H_out, W_out).

    - ``kernel_size``, ``stride`` (default: ``kernel_size``), ``padding``: int or ``(h, w)``.
    - ``ceil_mode``: as for :func:`max_pool2d`.
    - ``count_include_pad``: divide by the window's size including zero padding (True,
      torch's default) or by the number of real input elements in it (False). A partial
      ceil-mode window never counts the part beyond the padding.
    """
    return _pool("avg_pool2d", 2, x, kernel_size, stride, padding, 1, ceil_mode,
                 lambda x, k, s, p, dl: F.avg_pool2d(x, k, s, p, ceil_mode, count_include_pad))


def _pool(layer, d, x, kernel_size, stride, padding, dilation, ceil_mode, torch_pool):
    # Step 1: x is (N, C, *spatial); sizes per axis, stride defaulting to the kernel.
    x = as_tensor(x)
    _check_ndim(layer, "x", x, d + 2, _SHAPE[d])
    kernel = _ints(layer, "kernel_size", kernel_size, d, minimum=1)
    stride = kernel if stride is None else _ints(layer, "stride", stride, d, minimum=1)
    padding = _ints(layer, "padding", padding, d, minimum=0)
    dilation = _ints(layer, "dilation", dilation, d, minimum=1)
    # Step 2: torch pads pools by at most half the kernel size (before dilation).
    for k, p, ax in zip(kernel, padding, _AXES[d]):
        if p > k // 2:
            raise UserError(
                f"{layer}: padding {p} along {ax} is more than half the kernel size {k}; "
                f"pools allow at most {k // 2}"
            )
    # Step 3: the window must fit (ceil mode may keep a last, partial window).
    outs = _output_sizes(layer, x.shape[2:], kernel, stride, [(p, p) for p in padding],
                         dilation, ceil_mode=ceil_mode)
    # Step 4: a dilated window may straddle a tiny input and see only padding (torch
    # would answer -inf there).
    for n, k, s, p, dl, o, ax in zip(x.shape[2:], kernel, stride, padding, dilation, outs,
                                     _AXES[d]):
        if dl > 1 and any(not _sees_input(i * s - p, k, dl, n) for i in range(o)):
            raise UserError(
                f"{layer}: a window along {ax} covers only padding (input {n}, kernel {k}, "
                f"dilation {dl}, padding {p})"
            )
    with deterministic():
        return torch_pool(x, kernel, stride, padding, dilation)


def _sees_input(start: int, k: int, dilation: int, n: int) -> bool:
    # Does one of the taps start, start + dilation, ... land inside [0, n)?
    return any(0 <= start + t * dilation < n for t in range(k))


def global_avg_pool2d(x) -> torch.Tensor:
    """Mean over each channel's whole map: x (N, C, H, W) -> (N, C, 1, 1)."""
    x = as_tensor(x)
    _check_ndim("global_avg_pool2d", "x", x, 4, _SHAPE[2])
    with deterministic():
        return x.mean(dim=(2, 3), keepdim=True)


def global_max_pool2d(x) -> torch.Tensor:
    """Maximum over each channel's whole map: x (N, C, H, W) -> (N, C, 1, 1).

    A max pool with the map's size as kernel, so the gradient goes to one maximum (as
    in :func:`max_pool2d`), not shared among ties.
    """
    x = as_tensor(x)
    _check_ndim("global_max_pool2d", "x", x, 4, _SHAPE[2])
    with deterministic():
        return F.max_pool2d(x, kernel_size=tuple(x.shape[2:]))


# --- dense layers and activations --------------------------------------------------------


def linear(x, weight, bias=None) -> torch.Tensor:
    """Fully connected layer: x (N, D), weight (M, D), bias (M,) -> x weight^T + bias, (N, M).

    Leading axes of x beyond N are kept: (..., D) -> (..., M).
    """
    x = as_tensor(x)
    weight = _on(weight, x.device)
    _check_ndim("linear", "weight", weight, 2, "(M, D)")
    M, D = weight.shape
    if x.dim() < 1 or x.shape[-1] != D:
        raise UserError(
            f"linear: x has {x.shape[-1] if x.dim() else 0} features in its last axis "
            f"but weight expects D = {D} (weight shape {(M, D)})"
        )
    bias = _bias("linear", bias, M, x.device)
    with deterministic():
        return F.linear(x, weight, bias)


def relu(x) -> torch.Tensor:
    """max(x, 0), elementwise; the gradient at 0 is 0."""
    return F.relu(as_tensor(x))


def sigmoid(x) -> torch.Tensor:
    """1 / (1 + exp(-x)), elementwise."""
    return torch.sigmoid(as_tensor(x))


def tanh(x) -> torch.Tensor:
    """tanh(x), elementwise."""
    return torch.tanh(as_tensor(x))


def softmax(x, dim: int = -1) -> torch.Tensor:
    """exp(x) / sum(exp(x)) along ``dim`` (computed stably)."""
    x = as_tensor(x)
    _check_dim("softmax", dim, x)
    return F.softmax(x, dim=dim)


def _check_dim(layer: str, dim: int, x: torch.Tensor) -> None:
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or not (
        -max(x.dim(), 1) <= dim < max(x.dim(), 1)
    ):
        raise UserError(f"{layer}: dim {dim!r} is out of range for an input with {x.dim()} axes")


# --- normalisation, regularisation, reshaping, loss --------------------------------------


class BatchNormResult(NamedTuple):
    """What :func:`batch_norm` returns: the output and the running statistics after it."""

    out: torch.Tensor
    """The normalised output, shaped like x."""
    running_mean: torch.Tensor | None
    """Updated running mean (training) or the given one (evaluation); None if none given."""
    running_var: torch.Tensor | None
    """Updated running variance (training) or the given one (evaluation); None if none given."""


def batch_norm(x, gamma, beta, *, running_mean=None, running_var=None, training=True,
               momentum=0.1, eps=1e-5) -> BatchNormResult:
    """Batch normalisation over channel axis 1: x (N, C) or (N, C, *spatial).

    - ``gamma``, ``beta``: (C,) scale and shift, or None (1 and 0).
    - ``running_mean``, ``running_var``: (C,) running statistics, or None.
    - ``training``: True normalises with the batch's statistics per channel (over N and
      the spatial axes, biased variance); False with the running statistics (required).
    - ``momentum``: weight of the batch in the running update:
      ``new = (1 - momentum) * old + momentum * batch``, where the batch variance is the
      *unbiased* one (divided by n - 1), as in torch.
    - ``eps``: added to the variance before the square root.

    Returns ``BatchNormResult(out, running_mean, running_var)``: the running statistics
    are new tensors (the arguments are never modified); updated in training, the given
    ones in evaluation, None when none were given. ``vjp`` differentiates ``out``.

    >>> x = np.array([[1.0], [3.0]])                     # N = 2, C = 1
    >>> out, mean, var = batch_norm(x, [1.0], [0.0], running_mean=[0.0], running_var=[1.0])
    >>> to_numpy(mean).tolist(), to_numpy(var).tolist()  # 0.9 * old + 0.1 * (2, 2)
    ([0.2], [1.1])
    """
    layer = "batch_norm"
    # Step 1: x is (N, C, ...); per-channel vectors are (C,).
    x = as_tensor(x)
    if x.dim() < 2:
        raise UserError(
            f"{layer} expects x of shape (N, C) or (N, C, ...), got shape {tuple(x.shape)}"
        )
    C = x.shape[1]
    gamma = _per_channel(layer, "gamma", gamma, C, x.device)
    beta = _per_channel(layer, "beta", beta, C, x.device)
    # Copies: torch updates running statistics in place; the caller's arrays stay intact.
    mean = _per_channel(layer, "running_mean", running_mean, C, x.device)
    var = _per_channel(layer, "running_var", running_var, C, x.device)
    mean = None if mean is None else mean.detach().clone()
    var = None if var is None else var.detach().clone()
    if (mean is None) != (var is None):
        raise UserError(f"{layer}: give both running_mean and running_var, or neither")
    if not training and mean is None:
        raise UserError(
            f"{layer} in evaluation mode (training=False) needs running_mean and running_var"
        )
    # Step 2: training needs two values per channel to have a variance.
    values_per_channel = x.numel() // max(C, 1)
    if training and values_per_channel < 2:
        raise UserError(
            f"{layer} in training mode needs more than one value per channel, got x of shape "
            f"{tuple(x.shape)}"
        )
    if not 0.0 <= float(momentum) <= 1.0:
        raise UserError(f"{layer}: momentum must be between 0 and 1, got {momentum!r}")
    if not float(eps) > 0.0:
        raise UserError(f"{layer}: eps must be positive, got {eps!r}")
    # Step 3: normalise; in training torch also updates mean/var (our copies) in place.
    with deterministic():
        out = F.batch_norm(x, mean, var, gamma, beta, training, float(momentum), float(eps))
    return BatchNormResult(out, mean, var)


def _per_channel(layer, name, value, C, dev):
    if value is None:
        return None
    t = _on(value, dev)
    if tuple(t.shape) != (C,):
        raise UserError(f"{layer}: {name} must have shape ({C},), got {tuple(t.shape)}")
    return t


def dropout(x, p: float, *, seed: int, training: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Inverted dropout with a reproducible mask.

    - ``p``: probability of dropping an element, 0 <= p <= 1.
    - ``seed``: the mask keeps element i where
      ``numpy.random.default_rng(seed).random(x.shape)[i] >= p``: the same mask on every
      device and torch version.
    - ``training``: False returns x unchanged and a mask of ones.

    Returns ``(out, mask)``: mask holds 1.0 (kept) or 0.0 (dropped), and
    ``out = x * mask / (1 - p)`` (0 everywhere when p = 1), so the expected output is x.
    """
    x = as_tensor(x)
    is_number = isinstance(p, (int, float, np.floating, np.integer)) and not isinstance(p, bool)
    if not is_number or not 0 <= p <= 1:
        raise UserError(f"dropout: p must be a probability between 0 and 1, got {p!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise UserError(f"dropout: seed must be a non-negative integer, got {seed!r}")
    if not training:
        return x, torch.ones_like(x)
    # Step 1: the mask, drawn by numpy on the CPU so it never depends on the device.
    uniform = np.random.default_rng(int(seed)).random(tuple(x.shape))
    mask = torch.as_tensor(uniform >= p, dtype=DTYPE, device=x.device)
    # Step 2: scale the kept elements by 1 / (1 - p).
    scale = 0.0 if p == 1 else 1.0 / (1.0 - float(p))
    return x * mask * scale, mask


def local_response_norm(x, size: int, *, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> torch.Tensor:
    """Local response normalisation across channels (AlexNet), torch's convention:

        b_c = a_c / (k + alpha / size * sum_{c' = c - size//2}^{c + (size-1)//2} a_{c'}^2) ^ beta

    over channels that exist (the sum is divided by ``size`` even at the edges). Note the
    AlexNet paper writes ``alpha`` without the division by ``size``.

    - ``x``: (N, C, ...) with at least one axis after C; ``size``: channels per window.
    """
    x = as_tensor(x)
    if x.dim() < 3:
        raise UserError(
            f"local_response_norm expects x of shape (N, C, H, ...), got shape {tuple(x.shape)}"
        )
    size = _ints("local_response_norm", "size", size, 1, minimum=1)[0]
    C = x.shape[1]
    with deterministic():
        # Step 1: squares, zero-padded along channels: size//2 before, (size-1)//2 after.
        # (Written out instead of F.local_response_norm, whose avg_pool3d backward is not
        # deterministic on CUDA; the tests compare both.)
        squares = F.pad(x.pow(2).movedim(1, -1), (size // 2, (size - 1) // 2)).movedim(-1, 1)
        # Step 2: the window sum for every channel c: shifted slices of the padded squares.
        window = sum(squares[:, shift:shift + C] for shift in range(size))
        # Step 3: divide by (k + alpha / size * window sum) ** beta.
        return x / (float(k) + float(alpha) / size * window).pow(float(beta))


def flatten(x, start_dim: int = 1) -> torch.Tensor:
    """Merge the axes from ``start_dim`` on: (N, C, H, W) -> (N, C*H*W) by default."""
    x = as_tensor(x)
    _check_dim("flatten", start_dim, x)
    return torch.flatten(x, start_dim)


def cross_entropy(logits, target) -> torch.Tensor:
    """Mean cross-entropy loss of a batch: a scalar tensor.

    - ``logits``: (N, K) unnormalised class scores.
    - ``target``: (N,) integer class indices in [0, K), or (N, K) class probabilities.

    loss = mean_n( -sum_k t_{n,k} log softmax(logits_n)_k ), t one-hot for indices.
    Pass integer targets to :func:`vjp` as a keyword (``target=...``).
    """
    logits = as_tensor(logits)
    _check_ndim("cross_entropy", "logits", logits, 2, "(N, K)")
    N, K = logits.shape
    probabilities = _target(target, N, K, logits.device)
    with deterministic():
        # One-hot product instead of nll_loss: deterministic on CUDA too.
        log_p = F.log_softmax(logits, dim=1)
        return -(probabilities * log_p).sum(dim=1).mean()


def _target(target, N, K, dev) -> torch.Tensor:
    # Step 1: class indices (any integer dtype, or floats holding integers) or probabilities.
    t = target if isinstance(target, torch.Tensor) else torch.as_tensor(np.asarray(target))
    t = t.detach().to(dev)
    if tuple(t.shape) == (N, K) and t.is_floating_point():
        return t.to(DTYPE)
    if tuple(t.shape) != (N,):
        raise UserError(
            f"cross_entropy: target must have shape ({N},) (class indices) or ({N}, {K}) "
            f"(probabilities), got {tuple(t.shape)}"
        )
    if t.is_floating_point():
        if not torch.equal(t, t.round()):
            raise UserError("cross_entropy: target class indices must be whole numbers")
    elif t.dtype == torch.bool or t.is_complex():
        raise UserError(f"cross_entropy: target must hold class indices, got dtype {t.dtype}")
    t = t.long()
    # Step 2: every index names one of the K classes.
    if N and (int(t.min()) < 0 or int(t.max()) >= K):
        bad = int(t.min()) if int(t.min()) < 0 else int(t.max())
        raise UserError(f"cross_entropy: target class {bad} is out of range for {K} classes")
    # Step 3: one-hot rows by comparison (no scatter: deterministic on CUDA too).
    return (t[:, None] == torch.arange(K, device=dev)).to(DTYPE)
