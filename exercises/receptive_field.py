"""Paper exercise: receptive field and jump (effective stride) of a stack of layers.

A random stack of convolutions and poolings (kernel, stride, dilation). Answers come from
the engine's layer-spec fields (``grader.reference.spec.receptive_fields`` of the last layer,
torch-free and tested equal to the model analysis's ``receptive_field`` and ``jump``).
"""

from __future__ import annotations

import random

from grader.paper import formulas
from grader.paper.engine import conv_output_size, spec_fields
from grader.paper.model import Body, Part, PaperExercise, Step

__all__ = ["EXERCISE", "INPUT_SIZE"]

#: Input side length of every variant: large enough for any drawn stack to fit.
INPUT_SIZE = 224


def _draw(rng: random.Random, difficulty: str) -> dict:
    depth = {"easy": (2, 3), "medium": (3, 4), "hard": (4, 5)}[difficulty]
    while True:
        layers = []
        for _ in range(rng.randint(*depth)):
            if rng.random() < 0.3:
                k = rng.choice((2, 3))
                layers.append({"type": "maxpool", "kernel": k, "stride": rng.choice((1, 2)) if k == 3 else 2})
            else:
                k = rng.choice((1, 3, 3, 5, 7))
                d = rng.choice((1, 1, 2)) if difficulty == "hard" and k > 1 else 1
                s = 1 if difficulty == "easy" else rng.choice((1, 1, 2))
                layers.append({"type": "conv", "filters": 16, "kernel": k, "stride": s, "dilation": d})
        if _fits(layers):
            return {"layers": layers}


def _fits(layers: list[dict]) -> bool:
    size = INPUT_SIZE
    for layer in layers:
        span = layer.get("dilation", 1) * (layer["kernel"] - 1) + 1
        if span > size:
            return False
        size = conv_output_size(size, layer["kernel"], stride=layer["stride"],
                                dilation=layer.get("dilation", 1))
    return True


def _describe(layer: dict) -> str:
    k, s = layer["kernel"], layer["stride"]
    if layer["type"] == "maxpool":
        return f"max pooling ${k} \\times {k}$, stride ${s}$"
    d = layer.get("dilation", 1)
    return f"convolution ${k} \\times {k}$, stride ${s}$" + (f", dilation ${d}$" if d > 1 else "")


def _build(p: dict) -> Body:
    layers = p["layers"]
    field, jumps = spec_fields({"input": [3, INPUT_SIZE, INPUT_SIZE], "layers": layers})[-1]
    rf, jump = int(field[0]), int(jumps[0])
    items = "; ".join(f"({i + 1}) {_describe(layer)}" for i, layer in enumerate(layers))
    statement = (f"A network applies, in order: {items}. No padding changes the answer.",)
    parts = (Part("a", "Receptive field (side length, in input pixels) of one unit of the last layer.", rf),
             Part("b", "Jump (effective stride) of the last layer: how many input pixels apart "
                       "two neighbouring units of it look.", jump))
    # Step by step: r_l = r_{l-1} + (k_l - 1) d_l j_{l-1}, j_l = j_{l-1} s_l.
    r, j, rows = 1, 1, []
    for i, layer in enumerate(layers):
        k, s, d = layer["kernel"], layer["stride"], layer.get("dilation", 1)
        new_r = r + (k - 1) * d * j
        rows.append(f"l={i + 1}:\\ r = {r} + ({k} - 1) \\cdot {d} \\cdot {j} = {new_r},\\quad "
                    f"j = {j} \\cdot {s} = {j * s}")
        r, j = new_r, j * s
    steps = (
        Step("Each layer widens the field by $(k_l - 1) d_l$ times the jump of the layers "
             "before it:", formulas.receptive_field()),
        Step("and the jump is the product of the strides:", formulas.jump()),
        Step("Layer by layer:", " \\\\ ".join(rows)),
        Step(f"Receptive field ${rf} \\times {rf}$, jump ${jump}$."),
    )
    return Body(statement, parts, steps)


EXERCISE = PaperExercise(
    name="receptive-field",
    title="Receptive field of a stack",
    summary="Receptive field and jump of stacked convolutions and poolings (stride, dilation).",
    draw=_draw,
    build=_build,
    points={"easy": 4, "medium": 4, "hard": 4},
)
