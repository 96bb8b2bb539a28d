"""The generators' one door into the reference engine.

Answers always come from ``grader.reference``: the torch-free size helpers, the layer
spec's validation and the blocks written as specs for shape and cost kinds (cheap, thousands
per second), the torch functional layers and their autograd gradients for by-hand kinds,
and the model analysis for layer stacks. Torch is imported only when a torch-backed helper
is first called.
"""

from __future__ import annotations

from typing import Any, Sequence

from grader.reference.shapes import conv_output_size, same_padding

__all__ = [
    "conv_output_size",
    "same_padding",
    "run",
    "grads",
    "layer_params",
    "load_layers",
    "spec_shapes",
    "spec_fields",
    "block_count",
    "as_rows",
    "as_vector",
    "as_number",
    "batch_stats",
]


def _functional():
    from grader.reference import functional

    return functional


def _single_threaded():
    # Imported on first use so that the torch-free helpers load no torch (one home for it:
    # grader.reference.device.single_threaded, whose docstring has the measured reason).
    from grader.reference.device import single_threaded

    return single_threaded()


def run(op: str, *tensors, **kwargs):
    """``grader.reference.functional.<op>(*tensors, **kwargs)`` on float64 tensors."""
    F = _functional()
    with _single_threaded():
        return getattr(F, op)(*(F.as_tensor(t) for t in tensors), **kwargs)


def grads(op: str, inputs: Sequence[Any], dout, **kwargs) -> tuple:
    """Autograd gradients of ``functional.<op>(*inputs, **kwargs)`` contracted with ``dout``."""
    F = _functional()
    with _single_threaded():
        return F.vjp(getattr(F, op), [F.as_tensor(t) for t in inputs], F.as_tensor(dout), **kwargs)


def layer_params(spec: dict) -> list[int]:
    """Learnable parameters of each layer of a layer-spec dict, in order
    (:attr:`grader.reference.spec.LayerDef.params`: torch-free, tested equal to the
    trainable elements of the spec's torch modules). A paper kind that only counts
    parameters then never imports torch (0.8 to 2.6 s by the machine, of a 1.5 s budget; issue 14)."""
    return [layer.params for layer in load_layers(spec)]


def load_layers(spec: dict) -> tuple:
    """The validated layers (``grader.reference.spec.LayerDef``) of a layer-spec dict:
    options as the engine resolved them (sizes per axis, a residual block's shortcut), input
    and output shapes. Torch-free."""
    from grader.reference.spec import load_spec

    return load_spec(spec).layers


def spec_shapes(spec: dict) -> list[tuple[int, ...]]:
    """Output shape of each layer of a layer-spec dict (the spec's torch-free validation)."""
    return [tuple(layer.output_shape) for layer in load_layers(spec)]


def spec_fields(spec: dict) -> list[tuple]:
    """``(receptive_field, jump)`` of each layer of a layer-spec dict, per spatial axis
    (:func:`grader.reference.spec.receptive_fields`: torch-free, tested equal to the model
    analysis row by row)."""
    from grader.reference.spec import load_spec, receptive_fields

    return receptive_fields(load_spec(spec))


def block_count(name: str, *args, **kwargs):
    """``grader.reference.block_specs.<name>(*args, **kwargs)``: the parameters, MACs and
    shapes of a block of ``grader.reference.blocks``, conv by conv, from its layers written
    as a layer spec (torch-free, tested equal to the module's analysis)."""
    from grader.reference import block_specs

    return getattr(block_specs, name)(*args, **kwargs)


def _clean(v: float, digits: int) -> float:
    # Sums of small integers come back as exact floats; round away float64 noise in the rest.
    r = round(float(v), digits)
    return float(int(r)) if r == int(r) else r


def as_number(t, *, digits: int = 10) -> float:
    return _clean(_functional().to_numpy(t).reshape(-1)[0], digits)


def as_vector(t, *, digits: int = 10) -> tuple[float, ...]:
    return tuple(_clean(v, digits) for v in _functional().to_numpy(t).reshape(-1))


def as_rows(t, *, digits: int = 10) -> tuple[tuple[float, ...], ...]:
    """A tensor whose last two axes are (rows, cols) and leading axes of size 1, as rows."""
    a = _functional().to_numpy(t)
    a = a.reshape(a.shape[-2], a.shape[-1])
    return tuple(tuple(_clean(v, digits) for v in row) for row in a)


def batch_stats(x) -> tuple:
    """Per-channel batch mean and biased variance of an (N, C) batch, as torch computes them."""
    F = _functional()
    with _single_threaded():
        t = F.as_tensor(x)
        return t.mean(dim=0), t.var(dim=0, unbiased=False)
