"""Paper exercise: transposed convolution (output size, output padding, scatter-add by hand).

Two question types: the output shape and parameter count of a transposed convolution, and
the output padding a decoder needs to undo an encoder's strided convolution
(``output-size``); and a tiny transposed convolution by hand, each input value scaling the
kernel and adding it into the output at stride offsets (``scatter-add``). Every size and
value comes from the engine's ``conv_transpose2d``; the output padding is found by asking it
which value gives back the encoder's input size.
"""

from __future__ import annotations

import random

from grader.paper import formulas
from grader.paper.engine import as_rows, conv_output_size, run
from grader.paper.model import Body, Grid, Part, PaperExercise, Step, fmt_number

__all__ = ["EXERCISE", "QUESTION_TYPES"]

QUESTION_TYPES = ("output-size", "scatter-add")

_SIZES = (2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 28, 32)
_ENCODER_SIZES = (15, 17, 21, 25, 28, 31, 32, 33, 45, 56, 63, 64, 99, 100, 127, 128, 224, 227)
_CHANNELS = (1, 3, 8, 16, 32, 64, 128, 256)


def _draw(rng: random.Random, difficulty: str) -> dict:
    qtype = rng.choice(QUESTION_TYPES)
    return (_draw_size if qtype == "output-size" else _draw_scatter)(rng, difficulty)


def _draw_size(rng: random.Random, difficulty: str) -> dict:
    easy, hard = difficulty == "easy", difficulty == "hard"
    height = rng.choice(_SIZES)
    width = rng.choice(_SIZES) if hard else height
    kernel = rng.choice((2, 3, 4, 5))
    stride = rng.choice((1, 2) if easy else (1, 2, 2, 3, 4))
    dilation = rng.choice((1, 1, 2, 3)) if hard else 1
    padding = rng.randint(0, (dilation * (kernel - 1)) // 2)
    output_padding = 0 if easy else rng.randrange(max(stride, dilation))
    p = {"type": "output-size", "channels": rng.choice(_CHANNELS), "filters": rng.choice(_CHANNELS[1:]),
         "size": [height, width], "kernel": kernel, "stride": stride, "padding": padding,
         "dilation": dilation, "output_padding": output_padding, "bias": easy or rng.random() < 0.5,
         "encoder": None}
    if not easy:  # the decoder's output padding that undoes an encoder's strided convolution
        e_stride = rng.choice((2, 2, 3, 4))
        e_kernel = rng.choice((2, 3, 4, 5, 7))
        e_dilation = rng.choice((1, 2)) if hard and e_kernel > 2 else 1
        p["encoder"] = {"size": rng.choice(_ENCODER_SIZES), "kernel": e_kernel, "stride": e_stride,
                        "padding": rng.randint(0, (e_dilation * (e_kernel - 1)) // 2),
                        "dilation": e_dilation}
    return p


def _draw_scatter(rng: random.Random, difficulty: str) -> dict:
    C = 2 if difficulty == "hard" else 1
    while True:
        n = 2 if difficulty == "easy" else rng.choice((2, 3))
        k, s = rng.choice((2, 3)), rng.choice((1, 2))
        p = 0 if difficulty == "easy" else rng.choice((0, 1))
        op = rng.randrange(s) if difficulty == "hard" else 0
        out = (n - 1) * s - 2 * p + (k - 1) + op + 1
        if 2 <= out <= 4 and p < k:  # at most 16 numbers, and the crop leaves part of every kernel copy
            break
    easy = difficulty == "easy"
    x = [[[rng.randint(1 if easy else -1, 3) for _ in range(n)] for _ in range(n)] for _ in range(C)]
    # kernel weights without zeros: every copy of the kernel shows where it lands
    w = [[[rng.choice((1, 2) if easy else (-2, -1, 1, 2)) for _ in range(k)] for _ in range(k)]
         for _ in range(C)]
    return {"type": "scatter-add", "input": x, "kernel": w,
            "bias": 0 if difficulty == "easy" else rng.randint(-2, 2),
            "stride": s, "padding": p, "output_padding": op}


def _build(p: dict) -> Body:
    return (_build_size if p["type"] == "output-size" else _build_scatter)(p)


# --- sizes, from the engine ------------------------------------------------------------------


def _transposed_size(size: tuple[int, int], kernel: int, **geometry) -> tuple[int, int]:
    """(H_out, W_out) of the engine's conv_transpose2d; the channels do not change the size,
    so one channel in and out keeps the tensors tiny."""
    zeros = [[[[0] * size[1] for _ in range(size[0])]]]
    out = run("conv_transpose2d", zeros, [[[[0] * kernel for _ in range(kernel)]]], **geometry)
    return int(out.shape[-2]), int(out.shape[-1])


def _undoing_output_padding(n: int, m: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """The output_padding for which the transposed convolution maps m back to n."""
    for op in range(max(stride, dilation)):
        if _transposed_size((m, m), kernel, stride=stride, padding=padding, dilation=dilation,
                            output_padding=op)[0] == n:
            return op
    raise AssertionError(f"no output_padding maps {m} back to {n}")  # a strided conv always has one


def _size_numbers(H: int, K: int, S: int, P: int, D: int, op: int, out: int) -> str:
    dil = f"{D} \\cdot " if D > 1 else ""
    return f"({H} - 1) \\cdot {S} - 2 \\cdot {P} + {dil}({K} - 1) + {op} + 1 = {out}"


def _build_size(p: dict) -> Body:
    C, F, (H, W), K = p["channels"], p["filters"], p["size"], p["kernel"]
    S, P, D, op, bias = p["stride"], p["padding"], p["dilation"], p["output_padding"], p["bias"]
    Ho, Wo = _transposed_size((H, W), K, stride=S, padding=P, dilation=D, output_padding=op)
    params = C * F * K * K + (F if bias else 0)  # the weight is C_in x C_out x K x K
    extras = ([f"dilation ${D}$"] if D > 1 else []) + ([f"output padding ${op}$"] if op else [])
    statement = [
        f"A transposed convolution (as in a decoder) with ${F}$ output channels, ${K} \\times {K}$ "
        f"kernels, stride ${S}$, padding ${P}$" + "".join(f", {e}" for e in extras) +
        f", {'with' if bias else 'without'} bias, is applied to an input of shape "
        f"${C} \\times {H} \\times {W}$ (channels, height, width)."]
    parts = [
        Part("a", "The output shape (channels, height, width).", (float(F), float(Ho), float(Wo))),
        Part("b", "The number of learnable parameters of the layer.", params),
    ]
    steps = [
        Step("A transposed convolution runs the size rule of a convolution backwards: each input "
             "step moves $S$ output pixels, the kernel adds its span, the padding is cut off both "
             "sides and the output padding added on one:", formulas.conv_transpose_output()),
        Step("Height:" if W != H else "Height and width:", _size_numbers(H, K, S, P, D, op, Ho)),
    ]
    if W != H:
        steps.append(Step("Width:", _size_numbers(W, K, S, P, D, op, Wo)))
    steps += [
        Step(f"The channels are the layer's ${F}$ outputs: the output is ${F} \\times {Ho} \\times {Wo}$."),
        Step("Its weight has shape $C_{in} \\times C_{out} \\times K \\times K$ (the transpose of a "
             "convolution's), one bias per output channel ($G = 1$):", formulas.conv_params(bias)),
        Step("", f"{K} \\cdot {K} \\cdot {C} \\cdot {F}" + (f" + {F}" if bias else "") + f" = {params}"),
    ]
    e = p["encoder"]
    if e is not None:
        n, eK, eS, eP, eD = e["size"], e["kernel"], e["stride"], e["padding"], e["dilation"]
        m = conv_output_size(n, eK, stride=eS, padding=eP, dilation=eD)
        base = _transposed_size((m, m), eK, stride=eS, padding=eP, dilation=eD)[0]
        undo = _undoing_output_padding(n, m, eK, eS, eP, eD)
        dil = f", dilation ${eD}$" if eD > 1 else ""
        statement.append(
            f"In another network, an encoder convolution with ${eK} \\times {eK}$ kernels, stride "
            f"${eS}$, padding ${eP}${dil} maps a ${n} \\times {n}$ feature map to ${m} \\times {m}$. "
            f"The decoder mirrors it with a transposed convolution of the same kernel size, stride"
            f"{', padding and dilation' if eD > 1 else ' and padding'}.")
        parts.append(Part("c", f"The output padding that makes the decoder's transposed "
                               f"convolution map ${m} \\times {m}$ back to ${n} \\times {n}$.", undo))
        steps += [
            Step(f"Without output padding the decoder gives back ${base}$:",
                 _size_numbers(m, eK, eS, eP, eD, 0, base)),
            Step(f"The encoder's floor dropped the remainder of the division by the stride, so several "
                 f"input sizes map to ${m}$; output padding picks one: ${n} - {base} = {undo}$ "
                 f"(always smaller than the stride).",
                 f"\\lfloor ({n} + 2 \\cdot {eP} - {eD} \\cdot ({eK} - 1) - 1) / {eS} \\rfloor + 1 = {m}"),
        ]
    return Body(tuple(statement), tuple(parts), tuple(steps))


def _build_scatter(p: dict) -> Body:
    x, w, bias, S, P, op = (p[k] for k in ("input", "kernel", "bias", "stride", "padding", "output_padding"))
    C, n, k = len(x), len(x[0]), len(w[0])
    weight = [[ch] for ch in w]  # (C_in, C_out = 1, k, k)
    Y = as_rows(run("conv_transpose2d", [x], weight, [bias], stride=S, padding=P, output_padding=op))
    out = len(Y)
    # Z: the full scatter-add (no crop, no bias), one per channel, from the engine too.
    Z = [as_rows(run("conv_transpose2d", [[x[c]]], [weight[c]], stride=S)) for c in range(C)]
    full = len(Z[0])
    # the copy of the first non-zero input value of channel 1, alone in Z (an all-zero channel: its first)
    i0, j0 = next(((i, j) for i in range(n) for j in range(n) if x[0][i][j]), (0, 0))
    alone = [[x[0][i][j] if (i, j) == (i0, j0) else 0 for j in range(n)] for i in range(n)]
    first = as_rows(run("conv_transpose2d", [[alone]], [weight[0]], stride=S))
    x00, w1 = (f"(X_1)_{{{i0},{j0}}}", "W_1") if C > 1 else (f"X_{{{i0},{j0}}}", "W")
    layer = [f"{'one input channel' if C == 1 else f'{C} input channels'}", "one output channel",
             f"a ${k} \\times {k}$ kernel{' per input channel' if C > 1 else ''}", f"stride ${S}$",
             f"padding ${P}$"] + ([f"output padding ${op}$"] if op else []) + ([f"bias $b = {bias}$"] if bias else [])
    statement = [f"A transposed convolution with {', '.join(layer[:-1])} and {layer[-1]} is applied to "
                 f"the ${n} \\times {n}$ input{' channels' if C > 1 else ''}:"]
    for c in range(C):
        suffix = f"_{{{c + 1}}}" if C > 1 else ""
        statement += [Grid.of("X" + suffix, x[c]), Grid.of("W" + suffix, w[c])]
    parts = (
        Part("a", "The output size (the output is square).", out),
        Part("b", f"The output $Y$ (${out} \\times {out}$).", Y, weight=out * out),
    )
    steps = [
        Step("Output size:", formulas.conv_transpose_output()),
        Step("", _size_numbers(n, k, S, P, 1, op, out)),
        Step(f"Each input value scales the whole kernel, and the copy is added into a "
             f"${full} \\times {full}$ grid $Z$ at offset $(S i, S j)$; where copies overlap they add up:",
             formulas.scatter_add()),
        Step(f"For example ${x00} = {fmt_number(x[0][i0][j0])}$ adds "
             f"${fmt_number(x[0][i0][j0]) if x[0][i0][j0] >= 0 else f'({x[0][i0][j0]})'} \\cdot {w1}$ "
             f"with its top-left corner at $({S * i0}, {S * j0})$:",
             grid=Grid.of(f"{x00} {w1}", first)),
    ]
    for c in range(C):
        steps.append(Step(f"All ${n * n}$ copies{f' of channel {c + 1}' if C > 1 else ''} summed:",
                          grid=Grid.of("Z" + (f"_{{{c + 1}}}" if C > 1 else ""), Z[c])))
    if C > 1:
        steps.append(Step("The channels add up:",
                          grid=Grid.of("Z", [[sum(Z[c][i][j] for c in range(C)) for j in range(full)]
                                             for i in range(full)])))
    crop = []
    if P:
        crop.append(f"padding ${P}$ removes ${P}$ row{'s' if P > 1 else ''} and column{'s' if P > 1 else ''} "
                    f"from each side of $Z$")
    if op:
        crop.append(f"output padding ${op}$ adds ${op}$ at the bottom and right (taken from $Z$, zero "
                    f"beyond it)")
    if bias:
        crop.append(f"the bias ${bias}$ is added everywhere")
    steps.append(Step(("Then " + "; ".join(crop) + ":") if crop else "No padding or bias: $Y = Z$.",
                      grid=Grid.of("Y", Y)))
    return Body(tuple(statement), parts, tuple(steps))


EXERCISE = PaperExercise(
    name="transposed-conv",
    title="Transposed convolution",
    summary="Output size and output padding of a transposed convolution; a small one by hand (scatter-add).",
    draw=_draw,
    build=_build,
    points={"easy": 18, "medium": 18, "hard": 18},
    topics=QUESTION_TYPES,
)
