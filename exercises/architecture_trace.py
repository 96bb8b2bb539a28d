"""Paper exercise: trace a layer stack (shape after each layer, total parameters), in the
style of the course's "dimensions after each layer and total parameter count" exercise; or
questions on a named architecture (LeNet, AlexNet, VGG, ResNet).

A random stack is a layer-spec dict (CONTRACTS part B): its shapes come from the engine's
spec validation (torch-free), its parameters from the engine's model of the spec. Named
architectures are analysed by ``grader.reference.analysis.analyze`` (once per process).
"""

from __future__ import annotations

import math
import random
from functools import lru_cache

from grader.paper import formulas
from grader.paper.engine import conv_output_size, layer_params, spec_shapes
from grader.paper.model import Body, Part, PaperExercise, Step

__all__ = ["EXERCISE", "NAMED_MODELS", "COURSE_EXAMPLE"]

#: Architectures asked about by name (built from ``grader.reference.models``).
NAMED_MODELS = ("lenet5-d2l", "alexnet", "vgg11", "vgg16", "resnet18", "resnet34", "resnet50")

#: The course notes' exercise: 100x100x3 -> ... -> FC 100; 13,285,956 parameters.
COURSE_EXAMPLE = {"type": "stack", "input": [3, 100, 100], "layers": [
    {"type": "conv", "filters": 48, "kernel": 9, "stride": 1, "padding": 0}, {"type": "relu"},
    {"type": "conv", "filters": 96, "kernel": 9, "stride": 1, "padding": 4}, {"type": "relu"},
    {"type": "conv", "filters": 192, "kernel": 5, "stride": 2, "padding": 0}, {"type": "relu"},
    {"type": "maxpool", "kernel": 2, "stride": 2},
    {"type": "conv", "filters": 256, "kernel": 1, "stride": 1, "padding": 0},
    {"type": "fc", "outputs": 100},
]}


def _draw(rng: random.Random, difficulty: str) -> dict:
    if difficulty == "hard" and rng.random() < 0.3:
        model = rng.choice(NAMED_MODELS)
        named = {"type": "named", "model": model}
        if model.startswith("resnet"):
            named["stage"] = rng.randint(2, 5)  # conv2_x ... conv5_x, as in He et al.'s Table 1
        return named
    depth = {"easy": (2, 3), "medium": (3, 4), "hard": (4, 6)}[difficulty]
    while True:
        C, size = rng.choice((1, 3)), rng.choice((28, 32, 64, 100, 128, 224))
        layers, n, ok = [], size, True
        for _ in range(rng.randint(*depth)):
            if layers and rng.random() < 0.3:
                k = rng.choice((2, 3))
                s = 2
                if k > n:
                    ok = False
                    break
                layers.append({"type": "maxpool", "kernel": k, "stride": s})
                n = conv_output_size(n, k, stride=s)
            else:
                k = rng.choice((1, 3, 3, 5, 7, 9))
                s = rng.choice((1, 1, 2)) if difficulty != "easy" else 1
                p = rng.randint(0, k // 2)
                if k > n + 2 * p:
                    ok = False
                    break
                layers.append({"type": "conv", "filters": rng.choice((8, 16, 32, 48, 64, 96, 128)),
                               "kernel": k, "stride": s, "padding": p})
                layers.append({"type": "relu"})
                n = conv_output_size(n, k, stride=s, padding=p)
        if ok and n >= 1:
            layers.append({"type": "fc", "outputs": rng.choice((10, 100))})
            return {"type": "stack", "input": [C, size, size], "layers": layers}


def _describe(layer: dict) -> str:
    t = layer["type"]
    if t == "conv":
        k = layer["kernel"]
        return (f"Conv (${k} \\times {k}$), {layer['filters']} filters, padding {layer.get('padding', 0)}, "
                f"stride {layer.get('stride', 1)}")
    if t == "relu":
        return "ReLU"
    if t == "maxpool":
        k = layer["kernel"]
        return f"Max pool (${k} \\times {k}$), stride {layer.get('stride', k)}"
    return f"Fully connected layer ({layer['outputs']} outputs)"


def _shape_text(shape) -> str:
    return " \\times ".join(str(v) for v in shape)


def _layer_math(layer: dict, inp: tuple, shape: tuple, n: int) -> str:
    """The size rule and the parameter count of one layer, with its numbers."""
    t = layer["type"]
    if t == "fc":
        d_in = math.prod(int(v) for v in inp)
        dims = " \\cdot ".join(str(v) for v in inp)
        return f"D_{{in}} = {dims} = {d_in},\\quad N = {d_in} \\cdot {shape[0]} + {shape[0]} = {n}"
    k, s = layer["kernel"], layer.get("stride", layer["kernel"])
    pad = layer.get("padding", 0)
    size = (f"H_{{out}} = \\left\\lfloor \\frac{{{inp[1]} + 2 \\cdot {pad} - {k}}}{{{s}}} "
            f"\\right\\rfloor + 1 = {shape[1]}")
    if t == "conv":
        return size + f",\\quad N = {k} \\cdot {k} \\cdot {inp[0]} \\cdot {shape[0]} + {shape[0]} = {n}"
    return size + ",\\quad N = 0"


def _build(p: dict) -> Body:
    return _build_named(p) if p["type"] == "named" else _build_stack(p)


def _build_stack(p: dict) -> Body:
    spec = {"input": p["input"], "layers": p["layers"]}
    shapes, params = spec_shapes(spec), layer_params(spec)
    C, H, W = p["input"]
    listing = "; ".join(f"({i + 1}) {_describe(layer)}" for i, layer in enumerate(p["layers"]))
    statement = (f"Input: ${H} \\times {W} \\times {C}$ (height, width, channels). Layers, in "
                 f"order: {listing}. Convolutions have a bias; the fully connected layer flattens "
                 f"its input. Sizes are rounded down.",)
    parts, steps, key = [], [Step("Each convolution or pooling changes the size by", formulas.conv_output())], 0
    prev = tuple(p["input"])
    for i, (layer, shape, n) in enumerate(zip(p["layers"], shapes, params)):
        inp, prev = prev, tuple(shape)
        if layer["type"] == "relu":
            continue  # ReLU keeps the shape: not asked
        letter = chr(ord("a") + key)
        key += 1
        answer = tuple(int(v) for v in shape) if len(shape) > 1 else int(shape[0])
        what = "$C \\times H \\times W$ (three numbers)" if len(shape) > 1 else "(one number)"
        parts.append(Part(letter, f"Shape after layer {i + 1} ({_describe(layer)}): {what}.", answer))
        steps.append(Step(f"Layer {i + 1}, {_describe(layer)}: output ${_shape_text(shape)}$, ${n}$ parameters.",
                          _layer_math(layer, inp, shape, n)))
    total = int(sum(params))
    letter = chr(ord("a") + key)
    parts.append(Part(letter, "Total number of learnable parameters.", total, weight=2))
    steps.append(Step("Total:", " + ".join(str(int(n)) for n in params if n) + f" = {total}"))
    return Body(statement, tuple(parts), tuple(steps))


@lru_cache(maxsize=None)
def _named_facts(name: str) -> dict:
    """Facts of a named model from the engine's analysis (computed once per process)."""
    from grader.reference.analysis import analyze
    from grader.reference.models import build_model

    model = build_model(name, device="meta")
    analysis = analyze(model)
    # The global pooling's own (C, 1, 1) output is not a feature map to trace.
    spatial = [layer for layer in analysis.layers
               if len(layer.output_shape) == 3 and not layer.kind.startswith("Adaptive")]
    first_conv = next(layer for layer in analysis.layers if layer.kind == "Conv2d")
    facts = {"total": int(analysis.trainable_params), "input": tuple(model.default_input_shape),
             "last": tuple(int(v) for v in spatial[-1].output_shape), "last_name": spatial[-1].name,
             "first_conv": tuple(int(v) for v in first_conv.output_shape)}
    if name.startswith("resnet"):
        # Stages conv2_x ... conv5_x are the modules layer1 ... layer4 (one row each at depth 1).
        blocks = {row.name: row for row in analyze(model, depth=1).layers}
        facts["stages"] = {k: tuple(int(v) for v in blocks[f"layer{k - 1}"].output_shape) for k in range(2, 6)}
    return facts


def _build_named(p: dict) -> Body:
    name = p["model"]
    f = _named_facts(name)
    statement = (f"Consider the architecture `{name}` as built by cnngrade's reference engine, "
                 f"with its standard input ${_shape_text(f['input'])}$ ($C \\times H \\times W$).",)
    parts = [Part("a", "Total number of learnable parameters.", f["total"], weight=2),
             Part("b", "Shape $C \\times H \\times W$ of the output of its first convolution (three numbers).",
                  f["first_conv"]),
             Part("c", "Shape $C \\times H \\times W$ of its last spatial feature map (the input of its "
                       "global pooling or flattening), three numbers.", f["last"])]
    steps = [Step(f"Counting every layer's weights and biases gives ${f['total']}$ learnable parameters."),
             Step(f"The first convolution gives ${_shape_text(f['first_conv'])}$ by the output-size rule:",
                  formulas.conv_output()),
             Step(f"Tracing the sizes through the network, the last spatial feature map "
                  f"(layer `{f['last_name']}`) is ${_shape_text(f['last'])}$.")]
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
    summary="Shape after each layer and total parameters of a layer stack; facts about LeNet, AlexNet, VGG, ResNet.",
    draw=_draw,
    build=_build,
    points={"easy": 18, "medium": 24, "hard": 36},
)
