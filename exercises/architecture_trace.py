"""Paper exercise: trace a layer stack (shape after each layer, total parameters), in the
style of the course's "dimensions after each layer and total parameter count" exercise; or
questions on a named architecture (LeNet and AlexNet to ResNeXt, DenseNet and MobileNet).

A random stack is a layer-spec dict (DESIGN.md 3.5): its shapes come from the engine's
spec validation (torch-free), its parameters from the engine's model of the spec. Medium and
hard stacks also draw padding 'same', batch norm, average pooling and 1x1 convolutions;
hard ones residual and inception blocks (the spec's block syntax). The statement describes
every layer as the engine resolved it (a residual shortcut is named identity or projection).

Named architectures come in two kinds. The course notes' AlexNet and d2l's LeNet are layer
specs here (:data:`DESCRIBED_MODELS`): the statement lists their layers, so the student can
compute every answer from the sheet alone. VGG and ResNet follow their papers' tables (the
statement cites them) and are analysed by ``grader.reference.analysis.analyze`` (once per
process).
"""

from __future__ import annotations

import math
import random
from functools import lru_cache

from grader.paper import formulas
from grader.paper.engine import conv_output_size, layer_params, load_layers, spec_shapes
from grader.paper.model import Body, Part, PaperExercise, Step

__all__ = ["EXERCISE", "NAMED_MODELS", "DESCRIBED_MODELS", "COURSE_EXAMPLE", "PRESETS"]

#: The course notes' exercise: 100x100x3 -> ... -> FC 100; 13,285,956 parameters.
COURSE_EXAMPLE = {"type": "stack", "input": [3, 100, 100], "layers": [
    {"type": "conv", "filters": 48, "kernel": 9, "stride": 1, "padding": 0}, {"type": "relu"},
    {"type": "conv", "filters": 96, "kernel": 9, "stride": 1, "padding": 4}, {"type": "relu"},
    {"type": "conv", "filters": 192, "kernel": 5, "stride": 2, "padding": 0}, {"type": "relu"},
    {"type": "maxpool", "kernel": 2, "stride": 2},
    {"type": "conv", "filters": 256, "kernel": 1, "stride": 1, "padding": 0},
    {"type": "fc", "outputs": 100},
]}

#: Fixed variants ``cnngrade new exercise architecture-trace --preset NAME`` issues.
PRESETS = {"course-notes": COURSE_EXAMPLE}


def _conv(filters: int, kernel: int, stride: int = 1, padding=0) -> dict:
    return {"type": "conv", "filters": filters, "kernel": kernel, "stride": stride, "padding": padding}


def _pool(kind: str, kernel: int, stride: int) -> dict:
    return {"type": kind, "kernel": kernel, "stride": stride}


_RELU = {"type": "relu"}

_LRN = {"type": "lrn", "size": 5}
_DROPOUT = {"type": "dropout", "p": 0.5}

#: Architectures asked about whose layers the statement lists, as layer specs; each is the
#: network of the engine's model of that name (``grader.reference.models``; the tests
#: compare them): the course notes' AlexNet (Krizhevsky et al. 2012 as one tower,
#: 96-256-384-384-256 filters, LRN after the first two convolutions, 224 x 224 input with
#: conv1 padded by 2 so that it gives the paper's 55 x 55 x 96: 62,378,344 parameters) and
#: d2l.ai's LeNet (61,706 parameters).
DESCRIBED_MODELS = {
    "alexnet-notes": ("AlexNet of the course notes (Krizhevsky et al. 2012, as one tower)", {
        "input": [3, 224, 224], "layers": [
            _conv(96, 11, 4, 2), _RELU, _LRN, _pool("maxpool", 3, 2),
            _conv(256, 5, 1, 2), _RELU, _LRN, _pool("maxpool", 3, 2),
            _conv(384, 3, 1, 1), _RELU, _conv(384, 3, 1, 1), _RELU, _conv(256, 3, 1, 1), _RELU,
            _pool("maxpool", 3, 2),
            _DROPOUT, {"type": "fc", "outputs": 4096}, _RELU,
            _DROPOUT, {"type": "fc", "outputs": 4096}, _RELU,
            {"type": "fc", "outputs": 1000}]}),
    "lenet5-d2l": ("LeNet-5 as in d2l.ai (section 7.6)", {
        "input": [1, 28, 28], "layers": [
            _conv(6, 5, 1, 2), {"type": "sigmoid"}, _pool("avgpool", 2, 2),
            _conv(16, 5), {"type": "sigmoid"}, _pool("avgpool", 2, 2),
            {"type": "fc", "outputs": 120}, {"type": "sigmoid"}, {"type": "fc", "outputs": 84},
            {"type": "sigmoid"}, {"type": "fc", "outputs": 10}]}),
}

#: Architectures asked about by name: the described ones, then the engine's
#: (``grader.reference.models``), each following the paper table its statement cites.
_PAPER_DESCRIPTIONS = {
    "zfnet": "ZFNet of Zeiler & Fergus (2014), Fig. 3: AlexNet's layout with a 7x7 stride-2 "
             "first layer of 96 filters and a 5x5 stride-2 second layer of 256, each followed by "
             "a 3x3 stride-2 max pool (rounding up) and local response normalization; 384-384-256 "
             "3x3 convolutions with padding 1; fully connected layers of 4096, 4096 and 1000 units",
    "alexnet-2012-two-tower": "AlexNet as Krizhevsky et al. (2012), Fig. 2, split over two GPUs: "
                              "96-256-384-384-256 filters (11x11 stride 4 padding 2, 5x5, 3x3, 3x3, "
                              "3x3), conv2, conv4 and conv5 in two groups (each half sees only its "
                              "own GPU's maps), 3x3 stride-2 max pools, fully connected layers of "
                              "4096, 4096 and 1000 units",
    "nin": "Network in Network (Lin et al. 2014) in its ImageNet form (d2l.ai 8.3): four mlpconv "
           "layers (a convolution then two 1x1 convolutions, each with a bias and ReLU: 11x11 "
           "stride 4 with 96 maps, 5x5 padding 2 with 256, 3x3 padding 1 with 384, 3x3 padding 1 "
           "with 1000), 3x3 stride-2 max pools after the first three, global average pooling "
           "instead of fully connected layers",
    **{name: f"configuration {config} of Simonyan & Zisserman (2015), Table 1: 3x3 convolutions "
                   "with padding 1 and a bias, 2x2 max pools of stride 2, then fully connected "
                   "layers of 4096, 4096 and 1000 units"
       for name, config in (("vgg11", "A"), ("vgg16", "D"))},
    **{f"resnet{d}": f"the {d}-layer network of He et al. (2016), Table 1: convolutions without "
                     "bias, each followed by batch normalization; a 1x1 convolution with batch "
                     "normalization as the shortcut wherever the shape changes; global average "
                     "pooling, then a fully connected layer of 1000 units" for d in (18, 34, 50)},
    "resnext50_32x4d": "ResNeXt-50 (32x4d) of Xie et al. (2017), Table 1: ResNet-50's layout whose "
                       "bottleneck 3x3 convolutions have 32 groups of 4 channels in the first stage "
                       "(128, 256, 512, 1024 channels per stage), no biases, batch normalization, "
                       "1x1 projection shortcuts where the shape changes",
    "wide_resnet50_2": "Wide ResNet-50-2 (Zagoruyko & Komodakis 2016): ResNet-50 (He et al. 2016, "
                       "Table 1) with every bottleneck's inner width doubled (128, 256, 512, 1024), "
                       "no biases, batch normalization, 1x1 projection shortcuts where the shape "
                       "changes",
    **{f"resnet{d}-cifar": f"the CIFAR-10 ResNet-{d} of He et al. (2016), section 4.2: a 3x3 "
                           "convolution to 16 maps, three stages of basic blocks at 32x32x16, "
                           "16x16x32 and 8x8x64 (stride 2 opens stages 2 and 3), option A "
                           "shortcuts (identity, zero-padded where the channels double: no "
                           "parameters), convolutions without bias with batch normalization, "
                           "global average pooling and a 10-way fully connected layer"
       for d in (20, 56)},
    "densenet121": "DenseNet-121 of Huang et al. (2017), Table 1 (growth rate 32, BC form: each "
                   "layer a 1x1 convolution to 128 channels then a 3x3 to 32, with batch "
                   "normalization and ReLU before each; transitions halve the channels and the "
                   "size), no biases except the final fully connected layer of 1000 units",
    "squeezenet1_0": "SqueezeNet of Iandola et al. (2016), Table 1 (input 227 x 227): conv1 96 "
                     "7x7 stride 2, eight fire modules, 3x3 stride-2 max pools rounding up, conv10 "
                     "1x1 to 1000 channels and global average pooling; every convolution has a "
                     "bias",
    "mobilenet_v1": "MobileNet v1 of Howard et al. (2017), Table 1: a 3x3 stride-2 convolution to "
                    "32 channels, 13 depthwise separable convolutions, no biases, batch "
                    "normalization after every convolution, global average pooling and a fully "
                    "connected layer of 1000 units",
    "mobilenet_v2": "MobileNet v2 of Sandler et al. (2018), Table 2: inverted residual blocks with "
                    "linear bottlenecks, no biases, batch normalization after every convolution, a "
                    "1x1 convolution to 1280 channels, global average pooling and a fully "
                    "connected layer of 1000 units",
}
NAMED_MODELS = (*DESCRIBED_MODELS, *_PAPER_DESCRIPTIONS)
#: Named models with He et al.'s four stages conv2_x ... conv5_x (modules layer1 ... layer4).
_FOUR_STAGES = ("resnet18", "resnet34", "resnet50", "resnext50_32x4d", "wide_resnet50_2")

_ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii")

#: Layers whose shape is not asked (they keep it).
_SILENT = {"relu", "sigmoid", "tanh", "batchnorm", "dropout", "lrn"}


# --- drawing -----------------------------------------------------------------------------


def _draw(rng: random.Random, difficulty: str) -> dict:
    if difficulty == "hard" and rng.random() < 0.3:
        model = rng.choice(NAMED_MODELS)
        named = {"type": "named", "model": model}
        if model in _FOUR_STAGES:
            named["stage"] = rng.randint(2, 5)  # conv2_x ... conv5_x, as in He et al.'s Table 1
        return named
    depth = {"easy": (2, 3), "medium": (3, 4), "hard": (4, 6)}[difficulty]
    rich = difficulty != "easy"   # padding 'same', batch norm, average pooling, more 1x1
    while True:
        C, size = rng.choice((1, 3)), rng.choice((28, 32, 64, 100, 128, 224))
        layers, c, n, ok = [], C, size, True
        for _ in range(rng.randint(*depth)):
            roll = rng.random()
            if difficulty == "hard" and layers and roll < 0.25:
                block, c, n = (_residual if rng.random() < 0.5 else _inception)(rng, n)
                layers += [block, _RELU]
            elif layers and roll < 0.45:
                k = rng.choice((2, 3))
                if k > n:
                    ok = False
                    break
                kind = "avgpool" if rich and rng.random() < 0.4 else "maxpool"
                layers.append(_pool(kind, k, 2))
                n = conv_output_size(n, k, stride=2)
            else:
                k = rng.choice((1, 1, 3, 3, 5, 7, 9) if rich else (1, 3, 3, 5, 7, 9))
                s = rng.choice((1, 1, 2)) if rich else 1
                p = "same" if rich and s == 1 and rng.random() < 0.3 else rng.randint(0, k // 2)
                pad = (k - 1) // 2 if p == "same" else p
                if k > n + 2 * pad:
                    ok = False
                    break
                c = rng.choice((8, 16, 32, 48, 64, 96, 128))
                layers.append(_conv(c, k, s, p))
                if rich and rng.random() < 0.3:
                    layers.append({"type": "batchnorm"})
                layers.append(_RELU)
                n = conv_output_size(n, k, stride=s, padding=pad)
        if ok and n >= 1:
            layers.append({"type": "fc", "outputs": rng.choice((10, 100))})
            return {"type": "stack", "input": [C, size, size], "layers": layers}


def _residual(rng: random.Random, n: int) -> tuple[dict, int, int]:
    """A basic residual block (two 3x3 convolutions, optional batch norm), its channels and size."""
    filters, stride = rng.choice((16, 32, 64)), rng.choice((1, 2))
    bn = rng.random() < 0.5
    path = [_conv(filters, 3, stride, 1), *([{"type": "batchnorm"}] if bn else []), _RELU,
            _conv(filters, 3, 1, 1), *([{"type": "batchnorm"}] if bn else [])]
    return {"type": "residual", "layers": path}, filters, conv_output_size(n, 3, stride=stride, padding=1)


def _inception(rng: random.Random, n: int) -> tuple[dict, int, int]:
    """A GoogLeNet-style block: 1x1 | 1x1, 3x3 | 1x1, 5x5 | 3x3 max pool, 1x1; size kept."""
    widths = [rng.choice((8, 16, 32)) for _ in range(4)]
    reduce = [rng.choice((8, 16)) for _ in range(2)]
    branches = [[_conv(widths[0], 1)],
                [_conv(reduce[0], 1), _conv(widths[1], 3, 1, 1)],
                [_conv(reduce[1], 1), _conv(widths[2], 5, 1, 2)],
                [{"type": "maxpool", "kernel": 3, "stride": 1, "padding": 1}, _conv(widths[3], 1)]]
    return {"type": "inception", "branches": branches}, sum(widths), n


# --- statements --------------------------------------------------------------------------


def _describe(layer) -> str:
    """One validated layer (a ``LayerDef``) in words, blocks with their inner layers."""
    t, o = layer.type, layer.options
    if t == "conv":
        k = o["kernel"][0]
        pad = "'same'" if o["padding"] == "same" else o["padding"][0]
        return (f"Conv (${k} \\times {k}$), {o['filters']} filters, padding {pad}, "
                f"stride {o['stride'][0]}")
    if t in ("maxpool", "avgpool"):
        k = o["kernel"][0]
        pad = f", padding {o['padding'][0]}" if o["padding"][0] else ""
        return f"{'Max' if t == 'maxpool' else 'Average'} pool (${k} \\times {k}$), stride {o['stride'][0]}{pad}"
    if t == "fc":
        return f"Fully connected layer ({o['outputs']} outputs)"
    if t == "batchnorm":
        return "Batch normalization"
    if t == "lrn":
        return f"Local response normalization (size {o['size']})"
    if t == "dropout":
        return f"Dropout ($p = {o['p']:g}$)"
    if t == "residual":
        path = "; ".join(f"({_ROMAN[i]}) {_describe(inner)}" for i, inner in enumerate(layer.blocks[0]))
        if o["shortcut"] == "identity":
            shortcut = "the identity"
        else:
            shortcut = (f"a $1 \\times 1$ convolution with {layer.output_shape[0]} filters, stride "
                        f"{o['shortcut_stride'][0]} and a bias")
        return f"Residual block [main path: {path}; shortcut: {shortcut}; output: path + shortcut]"
    if t == "inception":
        branches = "; ".join(f"branch {i + 1}: " + ", then ".join(_describe(inner) for inner in branch)
                             for i, branch in enumerate(layer.blocks))
        return (f"Inception block [{len(layer.blocks)} branches on the same input, outputs "
                f"concatenated along the channels: {branches}]")
    return {"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh"}.get(t, t)


def _shape_text(shape) -> str:
    return " \\times ".join(str(v) for v in shape)


def _listing(layers) -> str:
    return "; ".join(f"({layer.index}) {_describe(layer)}" for layer in layers)


_CONVENTIONS = ("Convolutions and fully connected layers have a bias; a fully connected layer "
                "flattens its input; batch normalization learns a scale and a shift per channel "
                "(its running mean and variance are not learned); pooling, activations and "
                "local response normalization learn nothing. Sizes are rounded down.")


# --- worked solutions --------------------------------------------------------------------


def _layer_math(layer, n: int) -> str:
    """The size rule and the parameter count of one top-level layer, with its numbers."""
    inp, shape, o = layer.input_shape, layer.output_shape, layer.options
    if layer.type == "fc":
        d_in = math.prod(int(v) for v in inp)
        dims = " \\cdot ".join(str(v) for v in inp)
        return f"D_{{in}} = {dims} = {d_in},\\quad N = {d_in} \\cdot {shape[0]} + {shape[0]} = {n}"
    if layer.type == "batchnorm":
        return f"N = 2 \\cdot {inp[0]} = {n}"
    if layer.type in ("residual", "inception"):
        return f"N = {n}"
    k, s = o["kernel"][0], o["stride"][0]
    if o["padding"] == "same":
        size = f"H_{{out}} = H_{{in}} = {shape[1]}\\ \\text{{('same' padding, stride 1)}}"
    else:
        size = (f"H_{{out}} = \\left\\lfloor \\frac{{{inp[1]} + 2 \\cdot {o['padding'][0]} - {k}}}"
                f"{{{s}}} \\right\\rfloor + 1 = {shape[1]}")
    if layer.type == "conv":
        return size + f",\\quad N = {k} \\cdot {k} \\cdot {inp[0]} \\cdot {shape[0]} + {shape[0]} = {n}"
    return size + ",\\quad N = 0"


def _block_steps(layer, raw: dict, n: int) -> list[Step]:
    """The inner layers of a block, each with its output and parameters (from the engine)."""
    steps = []
    lists = [raw["layers"]] if layer.type == "residual" else raw["branches"]
    inner_total = 0
    for b, (defs, raws) in enumerate(zip(layer.blocks, lists)):
        counts = layer_params({"input": list(layer.input_shape), "layers": raws})
        inner_total += sum(counts)
        where = "main path" if layer.type == "residual" else f"branch {b + 1}"
        items = ", ".join(f"{_describe(d)}: ${_shape_text(d.output_shape)}$, {c} parameters"
                          for d, c in zip(defs, counts))
        steps.append(Step(f"Its {where}: {items}."))
    if layer.type == "residual":
        o = layer.options
        if o["shortcut"] == "identity":
            steps.append(Step("The path keeps the shape, so the shortcut is the identity (no parameters)."))
        else:
            c_in, c_out = layer.input_shape[0], layer.output_shape[0]
            steps.append(Step("The path changes the shape, so the shortcut is a $1 \\times 1$ projection:",
                              f"N = 1 \\cdot 1 \\cdot {c_in} \\cdot {c_out} + {c_out} = {n - inner_total}"))
    else:
        widths = " + ".join(str(branch[-1].output_shape[0]) for branch in layer.blocks)
        steps.append(Step("The branches keep the size; concatenating them adds their channels:",
                          f"C_{{out}} = {widths} = {layer.output_shape[0]}"))
    return steps


# --- variants ----------------------------------------------------------------------------


def _build(p: dict) -> Body:
    return _build_named(p) if p["type"] == "named" else _build_stack(p)


def _build_stack(p: dict) -> Body:
    spec = {"input": p["input"], "layers": p["layers"]}
    layers, params = load_layers(spec), layer_params(spec)
    C, H, W = p["input"]
    statement = (f"Input: ${H} \\times {W} \\times {C}$ (height, width, channels). Layers, in "
                 f"order: {_listing(layers)}. {_CONVENTIONS}",)
    parts, steps = [], [Step("Each convolution or pooling changes the size by", formulas.conv_output()),
                        Step("A convolution has", formulas.conv_params(True))]
    if any(layer.type == "batchnorm" for layer in _all_layers(layers)):
        steps.append(Step("A batch normalization has", formulas.batchnorm_params()))
    for layer, raw, n in zip(layers, p["layers"], params):
        if layer.type in _SILENT:
            if n:
                steps.append(Step(f"Layer {layer.index}, {_describe(layer)}: shape kept, ${n}$ parameters.",
                                  _layer_math(layer, n)))
            continue
        shape = layer.output_shape
        answer = tuple(int(v) for v in shape) if len(shape) > 1 else int(shape[0])
        what = "$C \\times H \\times W$ (three numbers)" if len(shape) > 1 else "(one number)"
        parts.append(Part(chr(ord("a") + len(parts)),
                          f"Shape after layer {layer.index} ({_kind_name(layer)}): {what}.", answer))
        steps.append(Step(f"Layer {layer.index}, {_kind_name(layer)}: output ${_shape_text(shape)}$, "
                          f"${n}$ parameters.", _layer_math(layer, n)))
        if layer.blocks:
            steps += _block_steps(layer, raw, n)
    total = int(sum(params))
    parts.append(Part(chr(ord("a") + len(parts)), "Total number of learnable parameters.", total, weight=2))
    steps.append(Step("Total:", " + ".join(str(int(n)) for n in params if n) + f" = {total}"))
    return Body(statement, tuple(parts), tuple(steps))


def _all_layers(layers):
    for layer in layers:
        yield layer
        for block in layer.blocks:
            yield from _all_layers(block)


def _kind_name(layer) -> str:
    """A short name of a layer for prompts: blocks are named, not spelled out again."""
    return {"residual": "the residual block", "inception": "the inception block"}.get(
        layer.type, _describe(layer))


@lru_cache(maxsize=None)
def _named_facts(name: str) -> dict:
    """Facts of a named model: from its layer spec (described models) or from the engine's
    analysis of the model (computed once per process, and kept in the user's cache)."""
    if name in DESCRIBED_MODELS:
        spec = DESCRIBED_MODELS[name][1]
        shapes = spec_shapes(spec)
        layers = load_layers(spec)
        last = max(i for i, s in enumerate(shapes) if len(s) == 3)
        first = next(i for i, layer in enumerate(layers) if layer.type == "conv")
        return {"total": int(sum(layer_params(spec))), "input": tuple(spec["input"]),
                "last": shapes[last], "last_name": f"layer {last + 1}", "first_conv": shapes[first]}
    # The analysis of a named model is kept in the user's cache (as `cnngrade inspect`
    # keeps it): a later class of the same course reads it back without importing torch.
    from grader.reference.analysis_cache import analyze_cached

    analysis = analyze_cached(name)
    # The global pooling's own (C, 1, 1) output is not a feature map to trace.
    spatial = [layer for layer in analysis.layers
               if len(layer.output_shape) == 3 and not layer.kind.startswith("Adaptive")]
    first_conv = next(layer for layer in analysis.layers if layer.kind == "Conv2d")
    facts = {"total": int(analysis.trainable_params), "input": tuple(analysis.input_shape),
             "last": tuple(int(v) for v in spatial[-1].output_shape),
             "last_name": f"layer `{spatial[-1].name}`",
             "first_conv": tuple(int(v) for v in first_conv.output_shape)}
    if name in _FOUR_STAGES:
        # Stages conv2_x ... conv5_x are the modules layer1 ... layer4 (one row each at depth 1).
        blocks = {row.name: row for row in analyze_cached(name, depth=1).layers}
        facts["stages"] = {k: tuple(int(v) for v in blocks[f"layer{k - 1}"].output_shape) for k in range(2, 6)}
    return facts


def _named_statement(name: str, f: dict) -> str:
    C, H, W = f["input"]
    if name in DESCRIBED_MODELS:
        title, spec = DESCRIBED_MODELS[name]
        return (f"Consider the {title}. Input: ${H} \\times {W} \\times {C}$ (height, width, "
                f"channels). Layers, in order: {_listing(load_layers(spec))}. {_CONVENTIONS}")
    return (f"Consider `{name}`, {_PAPER_DESCRIPTIONS[name]}. Input: "
            f"${H} \\times {W} \\times {C}$ (height, width, channels).")


def _build_named(p: dict) -> Body:
    name = p["model"]
    f = _named_facts(name)
    statement = (_named_statement(name, f),)
    parts = [Part("a", "Total number of learnable parameters.", f["total"], weight=2),
             Part("b", "Shape $C \\times H \\times W$ of the output of its first convolution (three numbers).",
                  f["first_conv"]),
             Part("c", "Shape $C \\times H \\times W$ of its last spatial feature map (the input of its "
                       "global pooling or flattening), three numbers.", f["last"])]
    steps = [Step(f"Counting every layer's weights and biases gives ${f['total']}$ learnable parameters."),
             Step(f"The first convolution gives ${_shape_text(f['first_conv'])}$ by the output-size rule:",
                  formulas.conv_output()),
             Step(f"Tracing the sizes through the network, the last spatial feature map "
                  f"({f['last_name']}) is ${_shape_text(f['last'])}$.")]
    if "stage" in p:
        k = p["stage"]
        parts.append(Part("d", f"Shape $C \\times H \\times W$ after stage conv{k}_x (three numbers).",
                          f["stages"][k]))
        steps.append(Step(f"Stage conv{k}_x works at ${_shape_text(f['stages'][k][1:])}$ with "
                          f"${f['stages'][k][0]}$ channels: each stage after conv2_x halves the size "
                          f"(stride 2 in its first block) and doubles the channels."))
    return Body(statement, tuple(parts), tuple(steps))


EXERCISE = PaperExercise(
    name="architecture-trace",
    title="Tracing an architecture",
    summary="Shape after each layer and total parameters of a layer stack (with batch norm, residual "
            "and inception blocks at hard); facts about named networks (LeNet to MobileNet).",
    draw=_draw,
    build=_build,
    points={"easy": 18, "medium": 24, "hard": 36},
    version="3",  # 3: richer stacks; the notes' AlexNet described; more named architectures
)
