"""Per-layer shapes, parameters, multiply-accumulates and receptive fields of a model,
computed without allocating a single activation.

The model runs once on a ``meta`` tensor (shapes only, no data, no memory): forward hooks
record every layer's output shape and parameters, and a ``TorchFunctionMode`` follows every
torch operation to count multiply-accumulates and to carry each tensor's receptive field.

Conventions (also in :data:`CONVENTIONS` and in the JSON output):

- **Parameters** are the elements of ``nn.Parameter`` s; *trainable* ones have
  ``requires_grad`` (a frozen parameter, like LeNet-5's fixed RBF codes, is non-trainable).
  Batch-norm running mean and variance are *buffers*, not parameters (PyTorch's and
  torchvision's convention); they are counted apart in ``buffers`` (Keras' "non-trainable
  params" = our non-trainable params + buffers).
- **MACs** are multiply-accumulates for one input (batch 1) of convolutions and dense
  layers only: ``H_out * W_out * C_out * (C_in / groups) * K_h * K_w`` for a convolution,
  ``in * out`` for a dense layer. Biases, batch norm, activations, pooling and additions
  count 0 (the convention of torchvision's published "GFLOPS" figures). A module may
  define ``count_macs(output_shape)`` (shape without the batch) to count itself, as
  LeNet-5's C3 does to leave out its table's missing connections.
- **Receptive field and jump** per spatial axis ((height, width); (length,) or (depth,
  height, width) for 1-D and 3-D inputs), by the recurrence ``r_out = r_in + (d (k - 1))
  j_in``, ``j_out = j_in s`` through convolutions and pools; a pointwise op, addition or
  concatenation takes the union of its inputs' fields (so a residual or inception block gets
  its widest branch). One convention for every row: the *theoretical* field, in input
  pixels, padding included and **never clipped to the image** (a field may be wider than
  the input). A flat output (after flatten or a dense layer) depends on every unit of the
  map it flattens: its field is the union of theirs, ``(n - 1) j + r`` per axis for a map of
  ``n`` units, unclipped too, with no jump. An op this module does not know that changes the
  spatial size makes the field unknown (``None``).
"""

from __future__ import annotations

import math
import weakref
from dataclasses import asdict, dataclass, field
from typing import Any

from grader.errors import UserError
from grader.reference.shapes import Field, conv_output_size

__all__ = ["CONVENTIONS", "LayerInfo", "Analysis", "analyze"]

CONVENTIONS = {
    "params": "elements of nn.Parameter; trainable = requires_grad; batch-norm running "
              "statistics are buffers, counted apart",
    "macs": "multiply-accumulates of convolutions and dense layers for one input; biases, "
            "normalisation, activations, pooling and additions count 0",
    "receptive_field": "per spatial axis ((height, width); (length,) or (depth, height, "
                       "width) in 1-D and 3-D), in input pixels: r_out = r_in + d(k-1) j_in, "
                       "j_out = j_in s; union over branches; the theoretical field, padding "
                       "included, never clipped to the image, on every row; a flat row "
                       "(flatten, dense) has the union of the fields of the map it flattens, "
                       "(n-1) j + r, and no jump",
}


@dataclass(frozen=True)
class LayerInfo:
    """One row of an analysis: a layer (or, with ``depth``, a block of layers)."""

    name: str
    """Qualified module name, e.g. ``layer2.0.conv1`` or ``conv3``."""
    kind: str
    """Module class, e.g. ``Conv2d``, ``Bottleneck``."""
    output_shape: tuple[int, ...]
    """Output without the batch dimension: (C, H, W) or (D,)."""
    params: int
    """Parameter elements first seen in this layer (a shared module counts once)."""
    trainable_params: int
    """Of ``params``, those with ``requires_grad``."""
    buffers: int
    """Floating-point buffer elements (batch norm's running mean and variance)."""
    macs: int
    """Multiply-accumulates for one input (see the module docstring)."""
    receptive_field: tuple[float, ...] | None
    """Per spatial axis, (height, width) in 2-D, the input region one output unit sees,
    never clipped to the image (see :data:`CONVENTIONS`); ``None`` when unknown."""
    jump: tuple[float, ...] | None
    """Input pixels between neighbouring output units (the cumulative stride); ``None`` for
    flat outputs or when unknown."""


@dataclass(frozen=True)
class Analysis:
    """Everything :func:`analyze` found, rows in execution order plus totals."""

    source: str
    """What was analysed: a model name, a spec file, or a module's class name."""
    input_shape: tuple[int, ...]
    """Input without the batch dimension."""
    device: str
    """``meta`` (no data allocated) or the real device the pass ran on."""
    layers: list[LayerInfo] = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0
    total_buffers: int = 0
    total_macs: int = 0
    output_shape: tuple[int, ...] = ()

    @property
    def non_trainable_params(self) -> int:
        return self.total_params - self.trainable_params

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: rows, totals and the counting conventions."""
        out = asdict(self)
        out["non_trainable_params"] = self.non_trainable_params
        out["conventions"] = dict(CONVENTIONS)
        return out


def analyze(model_or_spec, *, input_shape: tuple[int, ...] | None = None, device=None,
            depth: int | None = None) -> Analysis:
    """Analyse a model or a layer spec without real activations.

    - ``model_or_spec``: a ``torch.nn.Module``, a :class:`~grader.reference.spec.LayerSpec`,
      a model name from :data:`~grader.reference.models.MODEL_NAMES`, or a path to a spec
      file (``.yaml``, ``.yml``, ``.json``).
    - ``input_shape``: (C, H, W) or (D,) without the batch; default: the model's
      ``default_input_shape`` or the spec's ``input``.
    - ``device``: ``None`` (default) runs on ``meta``, allocating nothing; a device name
      (``"cpu"``, ``"cuda"``, ``"auto"``) runs a real pass on zeros there instead.
    - ``depth``: ``None`` gives one row per leaf layer; ``N`` groups rows into the modules
      ``N`` levels below the model (``depth=1`` on GoogLeNet: one row per inception module).

    Raises ``UserError`` for an unknown name, a malformed spec, or an input the model cannot
    take (naming the layer that failed).

    >>> a = analyze("resnet18")
    >>> a.total_params, a.layers[-1].output_shape
    (11689512, (1000,))
    """
    from pathlib import Path

    if depth is not None and (isinstance(depth, bool) or not isinstance(depth, int) or depth < 1):
        raise UserError(f"depth must be a positive integer, got {depth!r}")
    from grader.reference.spec import load_spec, parse_shape

    if input_shape is not None:
        input_shape = parse_shape(input_shape)
    if isinstance(model_or_spec, (str, Path)) and \
            Path(model_or_spec).suffix.lower() in (".yaml", ".yml", ".json"):
        # A spec file is read and checked before torch is imported: its mistakes show at once.
        model_or_spec = load_spec(model_or_spec, input_shape=input_shape)

    import torch

    run_device = torch.device("meta")
    if device is not None:
        from grader.reference.device import resolve_device
        run_device = resolve_device(device)

    model, source, input_shape = _resolve(model_or_spec, input_shape, run_device)
    return _run(model, source=source, input_shape=input_shape, device=run_device, depth=depth)


# --- what to analyse ---------------------------------------------------------------------


def _resolve(target, input_shape, run_device):
    """(module, label, input shape) for a module, a spec, a model name or a spec path."""
    from pathlib import Path

    from torch import nn

    from grader.reference import spec

    if isinstance(target, (str, Path)):
        from grader.reference import models   # only for names: a spec needs no model zoo

        text = str(target)
        path = Path(text)
        name = models.canonical_model_name(text) if isinstance(target, str) else None
        if name is not None:   # a model name wins over a file of the same name
            model = models.build_model(name, device=run_device)
            default = tuple(model.default_input_shape)
            if input_shape is not None and len(input_shape) != len(default):
                raise UserError(f"{name} takes a {_LAYOUTS.get(len(default), 'flat')} input such as "
                                f"{_fmt(default)}, got the input shape {_fmt(input_shape)}")
            return model, name, input_shape or default
        if path.is_file():   # a spec file without a .yaml/.json suffix (analyze read those)
            target = spec.load_spec(path, input_shape=input_shape)
        else:
            try:
                models.build_model(text, device="meta")
            except UserError as exc:   # "unknown model 'x' (did you mean ...)"
                raise UserError(f"{exc}; or give a spec file (.yaml, .yml, .json)") from None
    if isinstance(target, spec.LayerSpec):
        if input_shape is not None and input_shape != target.input_shape:
            target = target.with_input_shape(input_shape)
        return target.to_model(device=run_device), target.source, target.input_shape
    if isinstance(target, nn.Module):
        shape = input_shape or getattr(target, "default_input_shape", None)
        if shape is None:
            raise UserError(f"{type(target).__name__} has no default input shape; pass "
                            "input_shape=(C, H, W)")
        return target, type(target).__name__, spec.parse_shape(tuple(shape))
    raise UserError(f"cannot analyse a {type(target).__name__}; give a model, a model name "
                    "or a layer spec")


def _pair(value, n: int = 2) -> tuple:
    """One value per axis: a sequence as it is, a scalar repeated ``n`` times."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


def _conv_args(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return input, weight, stride, padding, dilation


def _max_pool_args(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                   return_indices=False):
    return input, kernel_size, stride, padding, dilation


def _avg_pool_args(input, kernel_size, stride=None, padding=0, ceil_mode=False,
                   count_include_pad=True, divisor_override=None):
    return input, kernel_size, stride, padding, 1


def _adaptive_args(input, output_size, return_indices=False):
    return input, output_size


def _linear_args(input, weight, bias=None):
    return input, weight


class _Tracer:
    """A ``TorchFunctionMode`` (built lazily: torch is imported on first use) that maps each
    tensor to its receptive field and adds conv/linear MACs to the innermost running module."""

    def __init__(self, rank: int = 2):
        import torch
        import torch.nn.functional as F
        from torch.overrides import TorchFunctionMode

        self._fields: dict[int, tuple[weakref.ref, Field]] = {}
        self.rank = rank   # spatial axes of the input: fields are followed at this rank only
        self._dims = rank + 2   # (batch, channels, *spatial)
        self.stack: list[list] = []   # [module name, macs so far] per running module
        convs = {F.conv1d: 1, F.conv2d: 2, F.conv3d: 3}
        pools = {F.max_pool1d: _max_pool_args, F.max_pool2d: _max_pool_args,
                 F.max_pool3d: _max_pool_args, F.avg_pool1d: _avg_pool_args,
                 F.avg_pool2d: _avg_pool_args, F.avg_pool3d: _avg_pool_args}
        adaptive = {F.adaptive_avg_pool1d, F.adaptive_max_pool1d, F.adaptive_avg_pool2d,
                    F.adaptive_max_pool2d, F.adaptive_avg_pool3d, F.adaptive_max_pool3d}
        tracer = self

        shape_preserving = _shape_preserving(torch, F)
        elementwise = _elementwise_binary(torch)
        windows = _windows(F)

        class Mode(TorchFunctionMode):
            def __torch_function__(self, func, types, args=(), kwargs=None):
                kwargs = kwargs or {}
                out = None
                if args:   # meta tensors: skip torch's slow Python shape kernels where we can
                    out = _meta_shortcut(torch, func, args, kwargs, shape_preserving, elementwise, windows)
                if out is None:
                    out = func(*args, **kwargs)
                if func in convs:
                    tracer._conv(convs[func], args, kwargs, out)
                elif func in pools:
                    tracer._window(*pools[func](*args, **kwargs), out)
                elif func in adaptive:
                    tracer._adaptive(args, kwargs, out)
                elif func is F.pad:
                    tracer._pad(args, kwargs, out)
                elif func is F.linear:
                    x, weight = _linear_args(*args, **kwargs)
                    tracer._add_macs(out.numel() // max(out.shape[0], 1) * weight.shape[-1]
                                     if out.dim() > 1 else out.numel() * weight.shape[-1])
                    tracer._pointwise(args, kwargs, out)
                else:
                    tracer._pointwise(args, kwargs, out)
                return out

        self._Tensor = torch.Tensor
        self.mode = Mode()

    # The table of fields: keyed by id, checked through a weak reference (ids are reused).
    def field_of(self, tensor) -> Field | None:
        entry = self._fields.get(id(tensor))
        if entry is None or entry[0]() is not tensor:
            return None
        return entry[1]

    def set_field(self, tensor, value: Field | None) -> None:
        if value is None:
            self._fields.pop(id(tensor), None)
        else:
            self._fields[id(tensor)] = (weakref.ref(tensor), value)

    def _add_macs(self, macs: int) -> None:
        if self.stack:
            self.stack[-1][1] += int(macs)

    def _conv(self, dims, args, kwargs, out) -> None:
        x, weight, stride, padding, dilation = _conv_args(*args, **kwargs)
        kernel = tuple(weight.shape[2:])
        # MACs: every output element reads (C_in / groups) * K_h * K_w inputs.
        per_sample = out.numel() // max(out.shape[0], 1) if out.dim() == dims + 2 else out.numel()
        self._add_macs(per_sample * weight.shape[1] * math.prod(kernel))
        if dims != self.rank:
            return
        n = self.rank
        if isinstance(padding, str):
            pad = (0,) * n if padding == "valid" else tuple(
                _pair(dilation, n)[a] * (kernel[a] - 1) // 2 for a in range(n))
        else:
            pad = _pair(padding, n)
        self._through(x, out, kernel, _pair(stride, n), pad, _pair(dilation, n))

    def _window(self, x, kernel, stride, padding, dilation, out) -> None:
        n = self.rank
        kernel = _pair(kernel, n)
        stride = kernel if stride is None or stride == [] or stride == () else _pair(stride, n)
        self._through(x, out, kernel, stride, _pair(padding, n), _pair(dilation, n))

    def _adaptive(self, args, kwargs, out) -> None:
        x, output_size = _adaptive_args(*args, **kwargs)
        inner = self.field_of(x)
        if inner is None or x.dim() != self._dims or inner.flat:
            return self.set_field(out if isinstance(out, self._Tensor) else out[0], None)
        field_out = inner.through_adaptive(tuple(x.shape[2:]), _pair(output_size, self.rank))
        self.set_field(out if isinstance(out, self._Tensor) else out[0], field_out)

    def _pad(self, args, kwargs, out) -> None:
        x, pad = args[0], kwargs.get("pad", args[1] if len(args) > 1 else ())
        n = self.rank
        if x.dim() == self._dims and len(pad) == 2 * n:
            # (left, right, top, bottom, ...), last axis first: the padding before each axis
            # shifts the grid.
            before = tuple(pad[2 * (n - 1 - a)] for a in range(n))
            return self._through(x, out, (1,) * n, (1,) * n, before, (1,) * n)
        self._pointwise(args, kwargs, out)

    def _through(self, x, out, kernel, stride, pad, dilation) -> None:
        target = out if isinstance(out, self._Tensor) else out[0]   # (values, indices)
        inner = self.field_of(x)
        if inner is None or inner.flat or x.dim() != self._dims:
            return self.set_field(target, None)
        self.set_field(target, inner.through(kernel, stride, pad, dilation))

    def _pointwise(self, args, kwargs, out) -> None:
        """Any other op: same spatial size -> union of inputs; flat result -> flattened;
        a spatial size changed by an op we do not know -> unknown."""
        if not isinstance(out, self._Tensor):
            return
        inputs = []
        _collect(args, self._Tensor, inputs)
        _collect(tuple(kwargs.values()), self._Tensor, inputs)
        tracked = [(t, f) for t in inputs if (f := self.field_of(t)) is not None]
        if not tracked:
            return   # a tensor made from weights or constants: no field
        dims = self._dims
        if out.dim() == dims:
            same = [f for t, f in tracked if t.dim() == dims and t.shape[2:] == out.shape[2:]
                    and not f.flat]
            return self.set_field(out, Field.union(same) if same else None)
        flat = [f.flattened(tuple(t.shape[2:])) if (t.dim() == dims and not f.flat) else f
                for t, f in tracked if f.flat or t.dim() == dims]
        self.set_field(out, Field.union(flat) if flat else None)


# On the meta device torch computes many output shapes in slow Python reference kernels
# (a batch norm takes ~2 ms); these ops' shapes are known, so the pass makes them directly.


def _shape_preserving(torch, F) -> dict:
    """Ops whose output has the input's shape and dtype -> the position of their
    ``inplace`` argument (an in-place call returns the input itself), or ``None``."""
    T = torch.Tensor
    ops = dict.fromkeys((torch.relu, T.relu, torch.sigmoid, T.sigmoid, torch.tanh, T.tanh,
                         F.batch_norm, F.local_response_norm, F.softmax, F.log_softmax, F.gelu,
                         F.silu, F.instance_norm, F.layer_norm, T.contiguous, T.clone))
    ops.update({F.relu: 1, F.relu6: 1, F.dropout: 3, F.hardtanh: 3, F.leaky_relu: 2, F.elu: 2,
                F.hardswish: 1, F.hardsigmoid: 1,   # MobileNet v3
                torch.relu_: 0, T.relu_: 0})
    return ops


def _elementwise_binary(torch) -> dict:
    """Binary elementwise ops -> whether they work in place."""
    T = torch.Tensor
    return {torch.add: False, T.add: False, T.__add__: False, T.__radd__: False,
            torch.mul: False, T.mul: False, T.__mul__: False, T.__rmul__: False,
            T.add_: True, T.__iadd__: True, T.mul_: True, T.__imul__: True}


def _meta_shortcut(torch, func, args, kwargs, shape_preserving, elementwise, windows):
    """The output of ``func`` on meta tensors, made directly; ``None`` to let torch run it."""
    F = torch.nn.functional
    x = args[0]
    if func is torch.cat:
        dim = kwargs.get("dim", args[1] if len(args) > 1 else 0)
        if (not isinstance(x, (list, tuple)) or not x or kwargs.keys() - {"dim"}
                or not all(isinstance(t, torch.Tensor) and t.device.type == "meta"
                           and t.dtype == x[0].dtype and t.dim() == x[0].dim() for t in x)):
            return None
        dim = dim % x[0].dim()
        shapes = [t.shape for t in x]
        if any(s[:dim] != shapes[0][:dim] or s[dim + 1:] != shapes[0][dim + 1:] for s in shapes):
            return None   # let torch raise its own error
        shape = (*shapes[0][:dim], sum(s[dim] for s in shapes), *shapes[0][dim + 1:])
        return torch.empty(shape, dtype=x[0].dtype, device="meta")
    if not isinstance(x, torch.Tensor) or x.device.type != "meta":
        return None
    if func in (F.adaptive_avg_pool2d, F.adaptive_max_pool2d) and x.dim() in (3, 4):
        x, size = _adaptive_args(*args, **kwargs)[:2]
        if len(args) > 2 or kwargs.get("return_indices"):
            return None
        size = tuple(n if m is None else m for n, m in zip(x.shape[-2:], _pair(size)))
        return torch.empty((*x.shape[:-2], *size), dtype=x.dtype, device="meta")
    if func in windows:   # torch's meta kernels for these import sympy (0.3 s) and run Python
        dims, read = windows[func]
        window = read(*args, **kwargs) if x.dim() == dims + 2 else None
        return None if window is None else _meta_window(torch, x, *window)
    if func is F.linear:   # torch's meta addmm would import the compiler (seconds)
        x, weight = _linear_args(*args, **kwargs)
        if weight.dim() == 2 and x.dim() >= 1 and x.shape[-1] == weight.shape[1] \
                and weight.dtype == x.dtype and weight.device.type == "meta":
            return torch.empty((*x.shape[:-1], weight.shape[0]), dtype=x.dtype, device="meta")
        return None
    if func in shape_preserving:
        at = shape_preserving[func]
        if at == 0 or (at is not None and (kwargs.get("inplace") or
                                           (len(args) > at and args[at] is True))):
            return x
        return torch.empty(x.shape, dtype=x.dtype, device="meta")
    if func in elementwise and len(args) == 2 and not kwargs:
        other = args[1]
        if isinstance(other, torch.Tensor):
            if other.dtype != x.dtype or other.device != x.device:
                return None
            shape = _broadcast(tuple(x.shape), tuple(other.shape))   # torch's imports sympy
            if shape is None:
                return None
        elif isinstance(other, (int, float)) and not isinstance(other, bool):
            shape = x.shape
        else:
            return None
        if elementwise[func]:
            return x if shape == x.shape else None
        return torch.empty(shape, dtype=x.dtype, device="meta")
    return None


def _windows(F) -> dict:
    """Convolutions and pools whose meta output :func:`_meta_window` makes -> (spatial axes,
    the reader of their arguments). avg_pool3d is not here: it also checks the unpadded size."""
    return {F.conv1d: (1, _conv_meta_args), F.conv2d: (2, _conv_meta_args), F.conv3d: (3, _conv_meta_args),
            F.max_pool1d: (1, _max_pool_meta_args), F.max_pool2d: (2, _max_pool_meta_args),
            F.max_pool3d: (3, _max_pool_meta_args), F.avg_pool1d: (1, _avg_pool_meta_args),
            F.avg_pool2d: (2, _avg_pool_meta_args)}


def _broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    """The broadcast shape of ``a`` and ``b`` (numpy's and torch's rule), or None."""
    if a == b:
        return a
    width = max(len(a), len(b))
    a, b = (1,) * (width - len(a)) + a, (1,) * (width - len(b)) + b
    if any(m != n and 1 not in (m, n) for m, n in zip(a, b)):
        return None
    return tuple(n if m == 1 else m for m, n in zip(a, b))


def _conv_meta_args(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """(channels out, kernel, stride, padding, dilation, ceil_mode, is_pool) of a convolution
    whose weight and bias fit its input, or None (torch then runs the call and says what is
    wrong)."""
    import torch

    if (not isinstance(weight, torch.Tensor) or weight.device.type != "meta" or weight.dim() != input.dim()
            or weight.dtype != input.dtype or type(groups) is not int or groups < 1
            or input.shape[1] != weight.shape[1] * groups or weight.shape[0] % groups
            or (bias is not None and not (isinstance(bias, torch.Tensor) and bias.device.type == "meta"
                                          and bias.dtype == input.dtype
                                          and tuple(bias.shape) == (weight.shape[0],)))):
        return None
    return weight.shape[0], tuple(weight.shape[2:]), stride, padding, dilation, False, False


def _max_pool_meta_args(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                        return_indices=False):
    if return_indices:
        return None
    return input.shape[1], kernel_size, stride, padding, dilation, ceil_mode, True


def _avg_pool_meta_args(input, kernel_size, stride=None, padding=0, ceil_mode=False,
                        count_include_pad=True, divisor_override=None):
    return input.shape[1], kernel_size, stride, padding, 1, ceil_mode, True


def _meta_window(torch, x, channels, kernel, stride, padding, dilation, ceil_mode, is_pool):
    """The meta output of a convolution or a pool on a batched meta input, its size by the
    integer rule of :mod:`grader.reference.shapes`; None when any argument is out of the
    ordinary (torch's kernel then runs, and raises its own errors). A test compares every
    analysis with and without this shortcut."""
    dims = x.dim() - 2
    if type(ceil_mode) is not bool:
        return None
    kernel = _pair(kernel, dims)
    stride = kernel if stride is None or stride == [] or stride == () else _pair(stride, dims)
    dilation = _pair(dilation, dims)
    if isinstance(padding, str):
        if padding == "same" and not is_pool and all(s == 1 for s in stride):
            return torch.empty((x.shape[0], channels, *x.shape[2:]), dtype=x.dtype, device="meta")
        if padding != "valid" or is_pool:
            return None
        padding = 0
    padding = _pair(padding, dims)
    if any(len(v) != dims for v in (kernel, stride, dilation, padding)) or \
            any(type(v) is not int for v in (*kernel, *stride, *dilation, *padding)) or min(padding) < 0:
        return None
    if is_pool and any(2 * p > d * (k - 1) + 1 for p, k, d in zip(padding, kernel, dilation)):
        return None   # a pool's padding over half its kernel: torch's error
    try:
        sizes = tuple(conv_output_size(n, k, stride=s, padding=p, dilation=d, ceil_mode=ceil_mode)
                      for n, k, s, p, d in zip(x.shape[2:], kernel, stride, padding, dilation))
    except UserError:
        return None
    return torch.empty((x.shape[0], channels, *sizes), dtype=x.dtype, device="meta")


def _collect(values, tensor_type, into: list) -> None:
    for v in values:
        if isinstance(v, tensor_type):
            into.append(v)
        elif isinstance(v, (list, tuple)):
            _collect(v, tensor_type, into)


# --- the pass ----------------------------------------------------------------------------


def _run(model, *, source: str, input_shape: tuple[int, ...], device, depth) -> Analysis:
    import torch

    # Step 1: the model on the pass's device; a copy only when its tensors live elsewhere.
    model = _on_device(model, device)

    # Step 2: which modules make rows (leaves, or the blocks `depth` levels down).
    named = list(model.named_modules())
    rows = {name for name, m in named if name and _is_row(name, m, depth)}
    if not rows:
        rows = {""}   # a single layer: the model itself is the only row
    names = {id(m): name for name, m in named}

    dtype = next((t.dtype for t in model.parameters() if t.is_floating_point()), torch.float32)
    x = torch.zeros((1, *input_shape), dtype=dtype, device=device)

    rank = len(input_shape) - 1   # spatial axes: 0 for a flat input
    tracer = _Tracer(rank)
    if rank:   # each input pixel sees itself: field 1, jump 1
        tracer.set_field(x, Field((1.0,) * rank, (1.0,) * rank, (0.0,) * rank))
    # Parameters per row module, read before the pass swaps in stand-ins: (id, numel, trainable).
    row_params = {name: [(id(p), p.numel(), p.requires_grad) for p in m.parameters()]
                  for name, m in named if name in rows}
    row_buffers = {name: sum(b.numel() for b in m.buffers() if b.is_floating_point())
                   for name, m in named if name in rows}
    seen_params: set[int] = set()
    infos: list[LayerInfo] = []
    root_macs = [0]

    def pre_hook(module, args):
        tracer.stack.append([names.get(id(module), "?"), 0, module])

    def hook(module, args, output):
        name, macs, _ = tracer.stack.pop()
        count = getattr(module, "count_macs", None)
        if callable(count):
            macs = int(count(tuple(output.shape[1:])))   # shape without the batch
        if tracer.stack:
            tracer.stack[-1][1] += macs
        else:
            root_macs[0] = macs
        if name in rows:
            params = trainable = 0
            for ident, numel, grad in row_params[name]:
                if ident not in seen_params:
                    seen_params.add(ident)
                    params += numel
                    trainable += numel if grad else 0
            infos.append(_row(name, module, output, macs, params, trainable, row_buffers[name],
                              tracer, input_shape))

    # Step 3: run once in eval mode (batch norm must not need batch statistics), hooks on.
    training = {m: m.training for _, m in named}
    handles = []
    for _, m in named:
        handles.append(m.register_forward_pre_hook(pre_hook))
        handles.append(m.register_forward_hook(hook))
    model.eval()
    try:
        with torch.no_grad(), tracer.mode:
            output = model(x)
    except (RuntimeError, ValueError, IndexError) as exc:
        # Name the innermost running layer and its settings, then torch's first line.
        name, _, module = tracer.stack[-1] if tracer.stack else ("", 0, model)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        settings = module.extra_repr()
        raise UserError(f"{source} cannot take input shape {_fmt(input_shape)}: layer "
                        f"'{name or type(model).__name__}' ({type(module).__name__}"
                        f"{'(' + settings + ')' if settings else ''}) failed: {first}") from None
    finally:
        for h in handles:
            h.remove()
        for m, was in training.items():
            m.training = was

    # Step 4: totals over the whole model (a shared parameter counts once).
    params = {id(p): p for p in model.parameters()}.values()
    buffers = [b for b in model.buffers() if b.is_floating_point()]
    out_tensor = output if isinstance(output, torch.Tensor) else None
    return Analysis(
        source=source, input_shape=tuple(input_shape), device=str(device), layers=infos,
        total_params=sum(p.numel() for p in params),
        trainable_params=sum(p.numel() for p in params if p.requires_grad),
        total_buffers=sum(b.numel() for b in buffers),
        total_macs=root_macs[0],
        output_shape=tuple(out_tensor.shape[1:]) if out_tensor is not None else (),
    )


def _is_row(name: str, module, depth: int | None) -> bool:
    """Leaves make rows; with a depth, the modules at that depth (and shallower leaves)."""
    leaf = next(module.children(), None) is None
    level = name.count(".") + 1
    return leaf if depth is None else level == depth or (level < depth and leaf)


def _same_device(tensor_device, device) -> bool:
    return tensor_device.type == device.type and (
        device.index is None or tensor_device.index == device.index)


def _on_device(model, device):
    """``model`` itself when its tensors are on ``device``; else a structural copy whose
    parameters and buffers are stand-ins there (meta: no data is copied)."""
    import copy

    import torch
    from torch import nn

    tensors = list(model.parameters()) + list(model.buffers())
    if all(_same_device(t.device, device) for t in tensors):
        return model
    if device.type != "meta" and any(t.device.type == "meta" for t in tensors):
        raise UserError(f"the model's weights are on the meta device and cannot run on "
                        f"{device}; build it on that device")

    def moved(t):
        if device.type == "meta":
            return torch.empty(t.shape, dtype=t.dtype, device="meta")
        return t.detach().to(device)

    # deepcopy with a memo: each parameter and buffer is replaced, never copied itself.
    memo = {id(p): nn.Parameter(moved(p), requires_grad=p.requires_grad)
            for p in model.parameters()}
    memo.update({id(b): moved(b) for b in model.buffers()})
    return copy.deepcopy(model, memo)


def _row(name, module, output, macs, params, trainable, buffers, tracer,
         input_shape) -> LayerInfo:
    import torch

    tensor = output if isinstance(output, torch.Tensor) else next(
        (t for t in output if isinstance(t, torch.Tensor)), None)
    field_ = tracer.field_of(tensor) if tensor is not None else None
    rf = jump = None
    if field_ is not None and len(input_shape) > 1:   # unclipped, like every row (CONVENTIONS)
        rf, jump = field_.as_row(tuple(tensor.shape[2:]), spatial_output=tensor.dim() == len(input_shape) + 1)
    return LayerInfo(
        name=name or type(module).__name__, kind=type(module).__name__,
        output_shape=tuple(tensor.shape[1:]) if tensor is not None else (),
        params=params, trainable_params=trainable, buffers=buffers, macs=int(macs),
        receptive_field=rf, jump=jump,
    )


_LAYOUTS = {1: "D", 2: "C,L", 3: "C,H,W", 4: "C,D,H,W"}


def _fmt(shape) -> str:
    return ",".join(map(str, shape))
