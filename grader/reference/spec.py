"""Layer-spec files: a small YAML or JSON description of a stack of layers, the form course
exercises use ("input 100x100x3 -> conv 9x9, 48 filters -> ... -> fc 100").

```yaml
input: [3, 100, 100]          # C, H, W  (or [C, L], [C, D, H, W], or [D] for a flat input)
layers:
  - {type: conv, filters: 48, kernel: 9, stride: 1, padding: 0}
  - {type: relu}
  - {type: maxpool, kernel: 2}   # stride defaults to the kernel
  - {type: fc, outputs: 100}     # flattens a C,H,W input implicitly
```

The same document may be a bare list whose first item is ``{type: input, shape: [3, 100,
100]}``. The input's rank decides the layers' dimension: ``conv``, the pools, ``batchnorm``
and the global pools are 1-D on ``[C, L]``, 2-D on ``[C, H, W]`` and 3-D on ``[C, D, H, W]``
(``conv1d``/``conv2d``/``conv3d``, ``maxpool1d``... name the dimension and check it). Layer
types and their options (defaults after ``=``; a size is an int or one int per spatial axis,
e.g. ``[height, width]``):

- ``conv``: ``filters``, ``kernel``, ``stride=1``, ``padding=0`` (a size, ``same`` or
  ``valid``), ``dilation=1``, ``groups=1``, ``bias=true``
- ``maxpool``, ``avgpool``: ``kernel``, ``stride=kernel``, ``padding=0``, ``ceil_mode=false``
- ``fc``: ``outputs``, ``bias=true``
- ``dropout``: ``p=0.5``
- ``lrn``: ``size``, ``alpha=1e-4``, ``beta=0.75``, ``k=1.0``
- ``batchnorm``: ``eps=1e-5``, ``momentum=0.1``
- ``relu``, ``sigmoid``, ``tanh``, ``softmax``, ``flatten``, ``globalavgpool``,
  ``globalmaxpool``: none

Two blocks hold layers of their own, validated the same way:

- ``residual``: ``layers`` (the main path), ``shortcut=auto``: ``out = path(x) +
  shortcut(x)`` (no activation after the sum: add ``{type: relu}`` after the block). The
  shortcut is the identity (``identity``; ``auto`` when the path keeps the shape) or a 1x1
  convolution with bias to the path's channels, with the stride that gives the path's size
  (``projection``; ``auto`` when the shape changes).
- ``inception``: ``branches``, a list of layer lists, each applied to the block's input; the
  outputs (same spatial size) are concatenated along the channels.

```yaml
  - type: residual
    layers: [{type: conv, filters: 32, kernel: 3, stride: 2, padding: 1}, {type: relu},
             {type: conv, filters: 32, kernel: 3, padding: 1}]
  - type: inception
    branches: [[{type: conv, filters: 16, kernel: 1}],
               [{type: maxpool, kernel: 3, stride: 1, padding: 1}, {type: conv, filters: 8, kernel: 1}]]
```

Loading validates everything, shapes included (plain integer arithmetic from
:mod:`grader.reference.shapes`, no torch), and raises :class:`grader.errors.UserError` with one
line naming the layer, e.g. ``layer 3 (conv): kernel size 9 is larger than the padded input
size 5 along height`` (inside a block: ``layer 2 (residual): layer 1 (conv): ...``). Files are
read with ``yaml.safe_load``: a spec never runs code.
"""

from __future__ import annotations

import json
import math
import operator
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import UserError
from grader.reference import shapes

__all__ = ["LAYER_TYPES", "LayerDef", "LayerSpec", "load_spec", "parse_shape", "receptive_fields",
           "spatial_axes"]

# type -> {option: default}; _REQUIRED marks options without a default.
_REQUIRED = object()
_SIZE_OPTIONS = {"kernel", "stride", "dilation"}
LAYER_TYPES: dict[str, dict[str, Any]] = {
    "conv": {"filters": _REQUIRED, "kernel": _REQUIRED, "stride": 1, "padding": 0,
             "dilation": 1, "groups": 1, "bias": True},
    "maxpool": {"kernel": _REQUIRED, "stride": None, "padding": 0, "ceil_mode": False},
    "avgpool": {"kernel": _REQUIRED, "stride": None, "padding": 0, "ceil_mode": False},
    "globalavgpool": {},
    "globalmaxpool": {},
    "fc": {"outputs": _REQUIRED, "bias": True},
    "batchnorm": {"eps": 1e-5, "momentum": 0.1},
    "relu": {},
    "sigmoid": {},
    "tanh": {},
    "softmax": {},
    "dropout": {"p": 0.5},
    "flatten": {},
    "lrn": {"size": _REQUIRED, "alpha": 1e-4, "beta": 0.75, "k": 1.0},
    "residual": {"layers": _REQUIRED, "shortcut": "auto"},
    "inception": {"branches": _REQUIRED},
}
_ALIASES = {"linear": "fc", "dense": "fc", "bn": "batchnorm",
            "max_pool": "maxpool", "avg_pool": "avgpool", "global_avg_pool": "globalavgpool",
            "global_max_pool": "globalmaxpool"}
# Names that fix the spatial dimension: `conv1d` is `conv` that must receive a C,L input.
_RANKED = {f"{base}{n}d": (base, n) for base in ("conv", "maxpool", "avgpool", "batchnorm")
           for n in (1, 2, 3)}
_SPATIAL_ONLY = {"conv", "maxpool", "avgpool", "globalavgpool", "globalmaxpool", "lrn"}
_SHORTCUTS = ("auto", "identity", "projection")
_AXES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}
_LAYOUTS = {0: "flat D", 1: "C,L", 2: "C,H,W", 3: "C,D,H,W"}


def spatial_axes(shape: tuple[int, ...]) -> tuple[str, ...]:
    """Names of the spatial axes of a (C, ...) shape: ``("height", "width")`` for (C, H, W),
    ``("length",)`` for (C, L), ``("depth", "height", "width")``; ``()`` for a flat (D,)."""
    return _AXES.get(len(shape) - 1, ())


@dataclass(frozen=True)
class LayerDef:
    """One validated layer of a spec."""

    index: int
    """Position in its ``layers`` list (the spec's, or its block's), counting from 1."""
    type: str
    """Canonical type name, a key of :data:`LAYER_TYPES`."""
    name: str
    """Module name in the built model: type plus a per-type counter (``conv1``, ``relu2``),
    counted within the list the layer is in."""
    options: Mapping[str, Any]
    """Every option, defaults filled in; sizes and padding as one int per spatial axis
    (zeros added on both sides), or padding ``"same"``. A residual block's ``shortcut`` is
    resolved to ``identity`` or ``projection``, with ``shortcut_stride`` for the latter."""
    input_shape: tuple[int, ...]
    """Shape this layer receives, (C, L), (C, H, W), (C, D, H, W) or (D,), without the batch."""
    output_shape: tuple[int, ...]
    """Shape this layer produces, computed by integer arithmetic."""
    blocks: tuple[tuple[LayerDef, ...], ...] = ()
    """A block's own validated layers: the residual path (one list) or the inception
    branches; ``()`` for a plain layer."""

    @property
    def params(self) -> int:
        """Learnable parameters of the layer (a block's: its layers' and its shortcut's), by
        the textbook counts, without torch: the weights and biases of ``conv`` and ``fc``,
        batch norm's scale and shift (its running statistics are buffers). The tests check
        that this equals the trainable elements of :meth:`LayerSpec.to_model`'s modules."""
        o, shape = self.options, self.input_shape
        if self.type == "conv":
            return o["filters"] * (shape[0] // o["groups"]) * math.prod(o["kernel"]) + \
                (o["filters"] if o["bias"] else 0)
        if self.type == "fc":
            return o["outputs"] * math.prod(shape) + (o["outputs"] if o["bias"] else 0)
        if self.type == "batchnorm":
            return 2 * shape[0]
        inner = sum(layer.params for block in self.blocks for layer in block)
        if self.type == "residual" and o["shortcut"] == "projection":   # 1x1 conv with bias
            inner += self.output_shape[0] * shape[0] + self.output_shape[0]
        return inner

    @property
    def macs(self) -> int:
        """Multiply-accumulates of the layer for one input, as the model analysis counts them
        (``analysis.CONVENTIONS``: convolutions and dense layers only), without torch; the
        tests check it against the analysis."""
        o, shape, out = self.options, self.input_shape, self.output_shape
        if self.type == "conv":
            return math.prod(out) * (shape[0] // o["groups"]) * math.prod(o["kernel"])
        if self.type == "fc":
            return o["outputs"] * math.prod(shape)
        inner = sum(layer.macs for block in self.blocks for layer in block)
        if self.type == "residual" and o["shortcut"] == "projection":   # 1x1 conv
            inner += math.prod(out) * shape[0]
        return inner


@dataclass(frozen=True)
class LayerSpec:
    """A validated layer spec: an input shape and a list of layers whose shapes fit."""

    input_shape: tuple[int, ...]
    """(C, L), (C, H, W), (C, D, H, W) or (D,)."""
    layers: tuple[LayerDef, ...]
    source: str = "<spec>"
    """Where it came from (a file name), for messages and reports."""
    raw_layers: tuple = field(default=(), compare=False, repr=False)
    """The layer mappings as written, to re-validate for another input shape."""

    def with_input_shape(self, input_shape: tuple[int, ...]) -> LayerSpec:
        """The same layers validated for another input shape."""
        return load_spec({"layers": list(self.raw_layers)}, input_shape=input_shape,
                         label=self.source)

    @property
    def output_shape(self) -> tuple[int, ...]:
        return self.layers[-1].output_shape if self.layers else self.input_shape

    def to_model(self, *, device=None):
        """The spec as a ``torch.nn.Sequential`` (modules named ``conv1``, ``relu1``...).

        - ``device``: where the parameters live; ``"meta"`` allocates nothing.

        A ``fc`` layer receiving a non-flat input gets a ``flatten`` module inserted before
        it. Blocks are :mod:`grader.reference.spec_modules` modules holding their layers.
        """
        import torch

        with torch.device(device if device is not None else torch.get_default_device()):
            model = _sequential(self.layers)
        model.default_input_shape = self.input_shape
        return model


def _sequential(layers: tuple[LayerDef, ...]):
    from torch import nn

    modules: list[tuple[str, nn.Module]] = []
    for layer in layers:
        if layer.type == "fc" and len(layer.input_shape) > 1:
            modules.append((f"flatten_{layer.name}", nn.Flatten()))
        modules.append((layer.name, _module(layer)))
    return nn.Sequential(OrderedDict(modules))


def _module(layer: LayerDef):
    """The torch module of one validated layer."""
    from torch import nn

    from grader.reference import spec_modules

    o, shape = layer.options, layer.input_shape
    rank = len(shape) - 1
    if layer.type == "conv":
        conv = getattr(nn, f"Conv{rank}d")
        return conv(shape[0], o["filters"], o["kernel"], stride=o["stride"],
                    padding=o["padding"], dilation=o["dilation"], groups=o["groups"],
                    bias=o["bias"])
    if layer.type in ("maxpool", "avgpool"):
        pool = getattr(nn, f"{'Max' if layer.type == 'maxpool' else 'Avg'}Pool{rank}d")
        return pool(o["kernel"], stride=o["stride"], padding=o["padding"],
                    ceil_mode=o["ceil_mode"])
    if layer.type in ("globalavgpool", "globalmaxpool"):
        pool = getattr(nn, f"Adaptive{'Avg' if layer.type == 'globalavgpool' else 'Max'}Pool{rank}d")
        return pool(1)
    if layer.type == "fc":
        return nn.Linear(math.prod(shape), o["outputs"], bias=o["bias"])
    if layer.type == "batchnorm":
        bn = getattr(nn, f"BatchNorm{max(rank, 1)}d")   # BatchNorm1d takes (N, C) and (N, C, L)
        return bn(shape[0], eps=o["eps"], momentum=o["momentum"])
    if layer.type == "lrn":
        return nn.LocalResponseNorm(o["size"], alpha=o["alpha"], beta=o["beta"], k=o["k"])
    if layer.type == "dropout":
        return nn.Dropout(o["p"])
    if layer.type == "softmax":
        return nn.Softmax(dim=1)
    if layer.type == "residual":
        shortcut = None
        if o["shortcut"] == "projection":
            conv = getattr(nn, f"Conv{rank}d")
            shortcut = conv(shape[0], layer.output_shape[0], 1, stride=o["shortcut_stride"])
        return spec_modules.Residual(_sequential(layer.blocks[0]), shortcut)
    if layer.type == "inception":
        return spec_modules.Inception([_sequential(branch) for branch in layer.blocks])
    simple = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "flatten": nn.Flatten}
    return simple[layer.type]()


def receptive_fields(spec: LayerSpec) -> list[tuple[tuple | None, tuple | None]]:
    """``(receptive_field, jump)`` of each layer's output, per spatial axis, exactly as
    :func:`grader.reference.analysis.analyze` reports its rows (the conventions of
    ``analysis.CONVENTIONS``: the theoretical field, never clipped; a flat output has the
    union over the map it flattens and no jump; ``None`` for a flat input), computed from the
    spec alone, without torch. The tests compare it with the analysis on random specs."""
    rank = len(spec.input_shape) - 1
    start = shapes.Field((1.0,) * rank, (1.0,) * rank, (0.0,) * rank) if rank else None
    return [(None, None) if f is None else
            f.as_row(layer.output_shape[1:], spatial_output=len(layer.output_shape) == rank + 1)
            for layer, f in zip(spec.layers, _fields(spec.layers, start))]


def _fields(layers: tuple[LayerDef, ...], f: shapes.Field | None) -> list[shapes.Field | None]:
    """The field after each layer, starting from ``f`` (the tracer's rules, layer by layer)."""
    out = []
    for layer in layers:
        f = _field_after(layer, f)
        out.append(f)
    return out


def _field_after(layer: LayerDef, f: shapes.Field | None) -> shapes.Field | None:
    if f is None:
        return None
    o, rank = layer.options, len(layer.input_shape) - 1
    spatial = layer.input_shape[1:]
    if layer.type in ("conv", "maxpool", "avgpool"):
        if f.flat:
            return None
        dilation = o.get("dilation", (1,) * rank)
        pad = o["padding"]
        if pad == "same":   # torch pads d (k - 1) // 2 before
            pad = tuple(d * (k - 1) // 2 for d, k in zip(dilation, o["kernel"]))
        return f.through(o["kernel"], o["stride"], pad, dilation)
    if layer.type in ("globalavgpool", "globalmaxpool"):
        return None if f.flat else f.through_adaptive(spatial, (1,) * rank)
    if layer.type in ("fc", "flatten"):
        return f if f.flat else f.flattened(spatial)
    if layer.type == "residual":
        path = _fields(layer.blocks[0], f)[-1]
        ones = (1,) * rank   # the projection: a 1x1 convolution with the shortcut's stride
        shortcut = f if o["shortcut"] == "identity" else \
            None if f.flat else f.through(ones, o["shortcut_stride"], (0,) * rank, ones)
        return _union([path, shortcut])
    if layer.type == "inception":
        return _union([_fields(branch, f)[-1] for branch in layer.blocks])
    return f   # elementwise and per-channel layers keep the field


def _union(fields: list) -> shapes.Field | None:
    # An add or a concatenation: the union of the fields its inputs carry.
    known = [f for f in fields if f is not None]
    return shapes.Field.union(known) if known else None


# --- loading -----------------------------------------------------------------------------


def load_spec(source, *, input_shape: tuple[int, ...] | None = None,
              label: str | None = None) -> LayerSpec:
    """Read and validate a layer spec.

    - ``source``: a path (``.yaml``, ``.yml`` or ``.json``), the text of a spec, or an
      already-parsed ``dict`` / ``list``.
    - ``input_shape``: overrides the spec's ``input``: (C, L), (C, H, W), (C, D, H, W) or (D,).
    - ``label``: names the spec in messages (default: the file name, or "spec").

    Raises ``UserError`` naming the file and the layer for anything malformed.

    >>> conv = {"type": "conv", "filters": 48, "kernel": 9}
    >>> spec = load_spec({"input": [3, 100, 100], "layers": [conv]})
    >>> spec.output_shape
    (48, 92, 92)
    """
    read_label, document = _read(source)
    label = label or read_label
    try:
        return _validate(document, label, input_shape)
    except UserError as exc:
        raise UserError(f"{label}: {exc}") from None


def _read(source) -> tuple[str, Any]:
    """(label for messages, parsed document) from a path, a text or a parsed object."""
    import yaml

    if isinstance(source, (dict, list)):
        return "spec", source
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source
                                    and not source.lstrip().startswith(("{", "["))):
        path = Path(source)
        if not path.is_file():
            raise UserError(f"spec file '{path}' does not exist")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"cannot read spec file '{path}': {exc}") from None
        label = path.name
    elif isinstance(source, str):
        text, label = source, "spec"
    else:
        raise UserError("a spec must be a path, a text, a dict or a list, "
                        f"got {type(source).__name__}")
    try:
        if label.endswith(".json"):
            return label, json.loads(text)
        return label, yaml.safe_load(text)   # YAML is a superset of JSON
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}"
        elif isinstance(exc, json.JSONDecodeError):
            where = f" at line {exc.lineno}"
        reason = getattr(exc, "problem", None) or getattr(exc, "msg", None) or "syntax error"
        raise UserError(f"{label} is not valid {'JSON' if label.endswith('.json') else 'YAML'}"
                        f"{where}: {reason}") from None


def _validate(document, label: str, input_shape) -> LayerSpec:
    # Step 1: split the document into an input shape and a list of layer mappings.
    if isinstance(document, list):
        layers = list(document)
        spec_input = None
        if layers and isinstance(layers[0], Mapping) and layers[0].get("type") == "input":
            first = dict(layers.pop(0))
            extra = set(first) - {"type", "shape"}
            if extra:
                raise UserError(f"the input item takes only 'shape', not {_names(extra)}")
            spec_input = first.get("shape")
    elif isinstance(document, Mapping):
        extra = set(document) - {"input", "layers", "name", "description"}
        if extra:
            raise UserError(f"unknown top-level key {_names(extra)}; a spec has 'input' and "
                            "'layers'")
        if "layers" not in document:
            raise UserError("it has no 'layers' list")
        layers, spec_input = document["layers"], document.get("input")
        if not isinstance(layers, list):
            raise UserError(f"'layers' must be a list, got {type(layers).__name__}")
    else:
        raise UserError("a spec must be a mapping with 'input' and 'layers', or a list of layers")
    if not layers:
        raise UserError("it has no layers")

    # Step 2: the input shape (the caller's override wins).
    shape_source = input_shape if input_shape is not None else spec_input
    if shape_source is None:
        raise UserError("it has no input shape; add 'input: [C, H, W]' or pass one "
                        "(--input C,H,W)")
    shape = parse_shape(shape_source)

    # Step 3: each layer, in order, validated against the shape it receives.
    defs = _layers(layers, shape)
    return LayerSpec(input_shape=defs[0].input_shape, layers=defs, source=label,
                     raw_layers=tuple(layers))


def _layers(raws: list, shape: tuple[int, ...]) -> tuple[LayerDef, ...]:
    """Validate a list of layers (the spec's, or a block's) from the shape it receives."""
    counters: dict[str, int] = {}
    defs = []
    for index, raw in enumerate(raws, start=1):
        layer = _layer(index, raw, shape, counters)
        defs.append(layer)
        shape = layer.output_shape
    return tuple(defs)


def _layer(index: int, raw, shape: tuple[int, ...], counters: dict[str, int]) -> LayerDef:
    where = f"layer {index}"
    if not isinstance(raw, Mapping):
        raise UserError(f"{where} must be a mapping such as {{type: relu}}, got {raw!r}")
    kind = raw.get("type")
    if not isinstance(kind, str):
        raise UserError(f"{where} has no 'type' (one of {', '.join(LAYER_TYPES)})")
    written = kind.strip().lower()
    kind, rank = _RANKED.get(written, (_ALIASES.get(written, written), None))
    if kind not in LAYER_TYPES:
        raise UserError(f"{where} has unknown type {raw['type']!r}; known types: "
                        f"{', '.join(LAYER_TYPES)} (conv, the pools and batchnorm also as "
                        "conv1d, conv2d, conv3d...)")
    where = f"layer {index} ({kind})"
    try:
        _check_rank(kind, written, rank, shape)
        options = _options(kind, raw, len(shape) - 1)
        blocks = _blocks(kind, options, shape)
        if kind == "residual":
            options.update(_shortcut(options["shortcut"], shape, blocks[0][-1].output_shape))
        output = _output_shape(kind, options, shape, blocks)
    except UserError as exc:
        raise UserError(f"{where}: {exc}") from None
    counters[kind] = counters.get(kind, 0) + 1
    return LayerDef(index=index, type=kind, name=f"{kind}{counters[kind]}", options=options,
                    input_shape=shape, output_shape=output, blocks=blocks)


def _check_rank(kind: str, written: str, rank: int | None, shape: tuple[int, ...]) -> None:
    """A spatial layer needs a spatial input; ``conv2d`` and the like need their dimension."""
    have = len(shape) - 1
    if kind in _SPATIAL_ONLY and have == 0:
        raise UserError(f"needs a C,H,W input (or C,L or C,D,H,W) but receives the flat shape "
                        f"{_fmt(shape)}")
    if rank is not None and have != rank and not (written == "batchnorm1d" and have == 0):
        raise UserError(f"'{written}' needs a {_LAYOUTS[rank]} input but receives "
                        f"{_LAYOUTS[have]} {_fmt(shape)}; write '{kind}' to follow the input")


def _options(kind: str, raw: Mapping, rank: int) -> dict[str, Any]:
    """Every option of one layer, checked for type and range, defaults filled in; sizes get
    one int per spatial axis (``rank`` of them)."""
    allowed = LAYER_TYPES[kind]
    unknown = set(raw) - set(allowed) - {"type"}
    if unknown:
        known = f"; it takes {', '.join(allowed)}" if allowed else "; it takes no options"
        raise UserError(f"unknown option {_names(unknown)}{known}")
    options: dict[str, Any] = {}
    for key, default in allowed.items():
        value = raw.get(key, default)
        if value is _REQUIRED:
            raise UserError(f"missing required option '{key}'")
        options[key] = value
    # Sizes: an int or one positive int per spatial axis.
    for key in _SIZE_OPTIONS & set(options):
        if options[key] is not None:
            options[key] = _sizes(options[key], key, rank)
    if "stride" in options and options["stride"] is None:   # pools: stride = kernel
        options["stride"] = options["kernel"]
    if "padding" in options:
        options["padding"] = _padding(options["padding"], rank)
    for key in ("filters", "outputs", "groups", "size"):
        if key in options:
            options[key] = _positive(options[key], key)
    for key in ("bias", "ceil_mode"):
        if key in options and not isinstance(options[key], bool):
            raise UserError(f"'{key}' must be true or false, got {options[key]!r}")
    for key in ("eps", "momentum", "alpha", "beta", "k", "p"):
        if key in options:
            value = options[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise UserError(f"'{key}' must be a number, got {value!r}")
            if value < 0 or (key == "p" and value >= 1) or (key == "eps" and value == 0):
                rule = "in [0, 1)" if key == "p" else "positive" if key == "eps" else "non-negative"
                raise UserError(f"'{key}' must be {rule}, got {value!r}")
            options[key] = float(value)
    if "shortcut" in options and options["shortcut"] not in _SHORTCUTS:
        raise UserError(f"'shortcut' must be one of {', '.join(_SHORTCUTS)}, got "
                        f"{options['shortcut']!r}")
    return options


def _blocks(kind: str, o: dict[str, Any], shape: tuple[int, ...]) -> tuple[tuple[LayerDef, ...], ...]:
    """A block's layers, each list validated from the block's input shape."""
    if kind == "residual":
        return (_layers(_layer_list(o["layers"], "'layers'"), shape),)
    if kind != "inception":
        return ()
    branches = o["branches"]
    if not isinstance(branches, list) or not branches:
        raise UserError("'branches' must be a non-empty list of layer lists")
    out = []
    for i, branch in enumerate(branches, start=1):
        try:
            out.append(_layers(_layer_list(branch, f"branch {i}"), shape))
        except UserError as exc:
            raise UserError(f"branch {i}: {exc}") from None
    return tuple(out)


def _layer_list(value, what: str) -> list:
    if not isinstance(value, list) or not value:
        raise UserError(f"{what} must be a non-empty list of layers, got {value!r}")
    return value


def _shortcut(kind: str, shape: tuple[int, ...], out: tuple[int, ...]) -> dict[str, Any]:
    """The residual shortcut, resolved: identity, or a 1x1 projection and its stride."""
    if kind == "auto":
        kind = "identity" if out == shape else "projection"
    if kind == "identity":
        if out != shape:
            raise UserError(f"an identity shortcut needs the path to keep the shape "
                            f"{_fmt(shape)}, but it gives {_fmt(out)}; use shortcut: projection")
        return {"shortcut": "identity"}
    if len(shape) == 1 or len(out) != len(shape):
        raise UserError(f"a projection shortcut (1x1 convolution) needs a spatial input and "
                        f"output, got {_fmt(shape)} -> {_fmt(out)}")
    strides = []
    for axis, n, m in zip(spatial_axes(shape), shape[1:], out[1:]):
        # The smallest stride s with floor((n - 1) / s) + 1 == m (the 1x1 output-size rule).
        s = next((s for s in range(1, n + 1) if (n - 1) // s + 1 == m), None)
        if s is None:
            raise UserError(f"no 1x1 projection stride maps the input size {n} to the path's "
                            f"size {m} along {axis}")
        strides.append(s)
    return {"shortcut": "projection", "shortcut_stride": tuple(strides)}


def _output_shape(kind: str, o: dict[str, Any], shape: tuple[int, ...],
                  blocks: tuple[tuple[LayerDef, ...], ...]) -> tuple[int, ...]:
    """The shape a layer produces, or UserError when it cannot take ``shape``."""
    if kind == "conv":
        channels = shape[0]
        if channels % o["groups"] or o["filters"] % o["groups"]:
            raise UserError(f"groups {o['groups']} must divide both the input channels "
                            f"({channels}) and the filters ({o['filters']})")
        if o["padding"] == "same":
            if any(s != 1 for s in o["stride"]):
                raise UserError("padding 'same' needs stride 1 (PyTorch's rule); give the "
                                "padding as a number instead")
            return (o["filters"], *shape[1:])
        return (o["filters"], *_spatial(o, shape, o["padding"]))
    if kind in ("maxpool", "avgpool"):
        if o["padding"] == "same":
            raise UserError("pool padding must be a number or one per axis, not 'same'")
        for axis, pad, k in zip(spatial_axes(shape), o["padding"], o["kernel"]):
            if pad * 2 > k:
                raise UserError(f"padding {pad} along {axis} is more than half the kernel "
                                f"size {k} (PyTorch's rule)")
        if kind == "avgpool" and len(shape) == 4:   # avg_pool3d alone checks the unpadded size
            for axis, size, k in zip(spatial_axes(shape), shape[1:], o["kernel"]):
                if size < k:
                    raise UserError(f"kernel size {k} is larger than the input size {size} along "
                                    f"{axis} (PyTorch's 3-D average pooling does not count the "
                                    "padding here)")
        return (shape[0], *_spatial(o, shape, o["padding"], ceil_mode=o["ceil_mode"]))
    if kind in ("globalavgpool", "globalmaxpool"):
        return (shape[0], *(1 for _ in shape[1:]))
    if kind == "fc":
        return (o["outputs"],)
    if kind == "flatten":
        return (math.prod(shape),)
    if kind == "residual":
        return blocks[0][-1].output_shape
    if kind == "inception":
        outs = [branch[-1].output_shape for branch in blocks]
        for i, out in enumerate(outs[1:], start=2):
            if out[1:] != outs[0][1:] or len(out) != len(outs[0]):
                raise UserError(f"branch {i} gives {_fmt(out)} but branch 1 gives "
                                f"{_fmt(outs[0])}; concatenated branches must share every size "
                                "but the channels")
        return (sum(out[0] for out in outs), *outs[0][1:])
    return shape   # activations, batch norm, dropout, softmax, lrn keep the shape


def _spatial(o, shape, pad, *, ceil_mode=False) -> tuple[int, ...]:
    return tuple(
        shapes.conv_output_size(size, k, stride=s, padding=p, dilation=d, ceil_mode=ceil_mode,
                                axis=axis)
        for axis, size, k, s, p, d in zip(spatial_axes(shape), shape[1:], o["kernel"],
                                          o["stride"], pad,
                                          o.get("dilation", (1,) * len(shape[1:])))
    )


# --- small validators --------------------------------------------------------------------


def _int(value, what: str) -> int:
    if isinstance(value, bool):
        raise UserError(f"'{what}' must be an integer, got {value!r}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        return operator.index(value)
    except TypeError:
        raise UserError(f"'{what}' must be an integer, got {value!r}") from None


def _positive(value, what: str) -> int:
    v = _int(value, what)
    if v < 1:
        raise UserError(f"'{what}' must be a positive integer, got {v}")
    return v


def _sizes(value, what: str, rank: int) -> tuple[int, ...]:
    """An int or one int per spatial axis (``[height, width]`` in 2-D) -> a tuple of
    ``rank`` positive ints."""
    if isinstance(value, (list, tuple)):
        if len(value) != rank:
            raise UserError(f"'{what}' must be an integer or {_per_axis(rank)}, got {list(value)!r}")
        return tuple(_positive(v, what) for v in value)
    return (_positive(value, what),) * rank


def _padding(value, rank: int):
    """0, 2, [1, 2], 'valid' -> zeros on both sides, one int per axis; 'same' stays a string."""
    if isinstance(value, str):
        word = value.strip().lower()
        if word not in ("same", "valid"):
            raise UserError(f"'padding' must be a number, {_per_axis(rank)}, 'same' or 'valid', "
                            f"got {value!r}")
        return (0,) * rank if word == "valid" else word
    if isinstance(value, (list, tuple)):
        if len(value) != rank:
            raise UserError(f"'padding' must be a number or {_per_axis(rank)}, got {list(value)!r}")
        return tuple(_non_negative(v, "padding") for v in value)
    return (_non_negative(value, "padding"),) * rank


def _per_axis(rank: int) -> str:
    return f"[{', '.join(_AXES.get(rank, ('height', 'width')))}]"


def _non_negative(value, what: str) -> int:
    v = _int(value, what)
    if v < 0:
        raise UserError(f"'{what}' must be a non-negative integer, got {v}")
    return v


def parse_shape(text, *, what: str = "input shape") -> tuple[int, ...]:
    """``"3,224,224"`` (or ``3x224x224``) -> ``(3, 224, 224)``; also ``"784"`` (flat),
    ``"2,100"`` (C, L), ``"1,16,64,64"`` (C, D, H, W), and a list or tuple such as
    ``[3, 224, 224]`` (a spec's ``input``, an ``input_shape`` argument).

    Raises ``UserError`` unless it is one to four positive integers.
    """
    if not isinstance(text, str):
        return _shape_sequence(text, what=what)
    parts = [p.strip() for p in str(text).replace("x", ",").replace("X", ",").split(",")]
    try:
        values = [int(p) for p in parts]
    except ValueError:
        raise UserError(f"the {what} must be C,H,W (or D, C,L, C,D,H,W) as integers, "
                        f"got {text!r}") from None
    if len(values) not in _SHAPE_LENGTHS:
        raise UserError(f"the {what} must be C,H,W (or D, C,L, C,D,H,W), got {text!r}")
    if any(v < 1 for v in values):
        raise UserError(f"the {what} must hold positive sizes, got {text!r}")
    return tuple(values)


_SHAPE_LENGTHS = (1, 2, 3, 4)   # (D,), (C, L), (C, H, W), (C, D, H, W)


def _shape_sequence(value, *, what: str) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)) or len(value) not in _SHAPE_LENGTHS:
        raise UserError(f"the {what} must be [C, H, W] (or [D], [C, L], [C, D, H, W]), "
                        f"got {value!r}")
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, int):
            raise UserError(f"the {what} must hold integers, got {value!r}")
        if v < 1:
            raise UserError(f"the {what} must hold positive sizes, got {list(value)!r}")
        out.append(v)
    return tuple(out)


def _names(keys) -> str:
    return ", ".join(f"'{k}'" for k in sorted(map(str, keys)))


def _fmt(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))
