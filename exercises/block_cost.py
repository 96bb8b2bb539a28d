"""Paper exercise: what a block costs (parameters and multiply-accumulates).

Four question types, the blocks of the notes' architecture pages: an inception module
naive vs with 1x1 reductions, the channel growth of a dense block, a basic vs a bottleneck
residual block, a grouped vs an ordinary convolution. Answers come from the engine, without
torch: the blocks of ``grader.reference.blocks``, the naive module and the single
convolutions written as layer specs (``grader.reference.block_specs``), whose parameters,
MACs and shapes are tested equal, conv by conv, to the analysis of torch modules (DESIGN.md
3.5).
"""

from __future__ import annotations

import random

from grader.paper import formulas
from grader.paper.engine import block_count
from grader.paper.model import Body, Part, PaperExercise, Step

__all__ = ["EXERCISE", "QUESTION_TYPES"]

QUESTION_TYPES = ("inception", "dense-block", "basic-vs-bottleneck", "grouped-conv")

_CONVENTIONS = (
    "Parameters are the learnable weights and biases (batch norm learns a scale $\\gamma$ and "
    "a shift $\\beta$ per channel; its running statistics are not parameters). "
    "Multiply-accumulates (MACs) are counted for one input image and for convolutions only: "
    "biases, batch norm, ReLU, pooling, additions and concatenation cost none."
)

#: Spatial size given to the engine where the answer does not depend on it (dense blocks).
_ANY_SIZE = 8


# --- the numbers of one variant ----------------------------------------------------------


def _draw(rng: random.Random, difficulty: str) -> dict:
    qtype = rng.choice(QUESTION_TYPES)
    return {"type": qtype, **_DRAWS[qtype](rng, difficulty)}


def _draw_inception(rng: random.Random, difficulty: str) -> dict:
    c = rng.choice
    if difficulty == "easy":
        return {"channels": c((8, 16, 32)), "size": c((4, 6, 7, 8)), "c1": c((4, 8, 16)),
                "c3_reduce": c((4, 8)), "c3": c((8, 16)), "c5_reduce": c((2, 4)), "c5": c((4, 8)),
                "pool_proj": c((4, 8))}
    if difficulty == "medium":
        return {"channels": c((64, 96, 128, 192, 256)), "size": c((14, 28)),
                "c1": c((32, 64, 96, 128)), "c3_reduce": c((48, 64, 96)), "c3": c((64, 96, 128, 192)),
                "c5_reduce": c((16, 24, 32)), "c5": c((32, 48, 64)), "pool_proj": c((32, 64))}
    # GoogLeNet's range (Szegedy et al. 2015, Table 1).
    return {"channels": c((192, 256, 480, 512, 528, 832)), "size": c((7, 14, 28)),
            "c1": c((64, 112, 128, 160, 192, 256, 384)), "c3_reduce": c((96, 112, 128, 144, 160, 192)),
            "c3": c((128, 192, 208, 224, 256, 288, 320, 384)), "c5_reduce": c((16, 24, 32, 48)),
            "c5": c((32, 48, 64, 96, 128)), "pool_proj": c((32, 64, 128))}


def _draw_dense(rng: random.Random, difficulty: str) -> dict:
    if difficulty == "easy":
        return {"channels": rng.randint(3, 24), "growth": rng.choice((2, 3, 4, 5, 6, 8)),
                "layers": rng.choice((2, 3)), "bottleneck": False}
    if difficulty == "medium":
        return {"channels": rng.choice((16, 24, 32, 48, 64)), "growth": rng.choice((12, 16, 24, 32)),
                "layers": rng.choice((3, 4, 5)), "bottleneck": False}
    # DenseNet-B (Huang et al. 2017): a 1x1 bottleneck to 4k channels before each 3x3.
    return {"channels": rng.choice((24, 64, 96, 128, 256)), "growth": rng.choice((12, 24, 32, 48)),
            "layers": rng.choice((4, 5, 6)), "bottleneck": True}


def _draw_residual(rng: random.Random, difficulty: str) -> dict:
    if difficulty == "easy":
        return {"width": rng.choice((2, 4, 8, 16)), "size": rng.randint(2, 8), "downsample": False}
    if difficulty == "medium":
        return {"width": rng.choice((16, 24, 32, 48, 64, 96, 128, 256)),
                "size": rng.choice((7, 8, 14, 16, 28, 32, 56)), "downsample": False}
    # ResNet's stages (width, feature-map sizes around the 224 x 224 ones). The first block of a
    # stage halves the size, doubles the channels and projects the shortcut.
    width, sizes = rng.choice(((64, (56, 64, 112)), (128, (28, 32, 56)), (256, (14, 16, 28)), (512, (7, 8, 14))))
    return {"width": width, "size": rng.choice(sizes), "downsample": rng.random() < 0.5}


def _draw_grouped(rng: random.Random, difficulty: str) -> dict:
    if difficulty == "easy":
        groups = rng.choice((2, 4))
        return {"channels": rng.choice((4, 8, 12, 16)), "filters": rng.choice((4, 8, 16)),
                "kernel": 3, "groups": groups, "stride": 1, "size": rng.randint(3, 8), "bias": True}
    if difficulty == "medium":
        return {"channels": rng.choice((32, 64, 128, 256)), "filters": rng.choice((32, 64, 128, 256)),
                "kernel": rng.choice((3, 5)), "groups": rng.choice((2, 4, 8, 16, 32)), "stride": 1,
                "size": rng.choice((7, 14, 28, 56)), "bias": rng.random() < 0.5}
    return {"channels": rng.choice((96, 128, 192, 256, 384, 512)),
            "filters": rng.choice((128, 256, 384, 512)), "kernel": rng.choice((3, 5, 7)),
            "groups": rng.choice((2, 4, 8, 16, 32)), "stride": rng.choice((1, 2)),
            "size": rng.choice((13, 14, 27, 28, 55, 56)), "bias": rng.random() < 0.5}


_DRAWS = {"inception": _draw_inception, "dense-block": _draw_dense,
          "basic-vs-bottleneck": _draw_residual, "grouped-conv": _draw_grouped}


# --- the worked solutions' arithmetic ------------------------------------------------------


def _params_terms(K: int, C_in: int, C_out: int, *, bias: bool, groups: int = 1) -> str:
    per_filter = f"\\frac{{{C_in}}}{{{groups}}}" if groups > 1 else f"{C_in}"
    return f"{K} \\cdot {K} \\cdot {per_filter} \\cdot {C_out}" + (f" + {C_out}" if bias else "")


def _macs_terms(row, K: int, C_in: int, *, groups: int = 1) -> str:
    C_out, H_out, W_out = row.output_shape
    per_filter = f"\\frac{{{C_in}}}{{{groups}}}" if groups > 1 else f"{C_in}"
    return f"{H_out} \\cdot {W_out} \\cdot {C_out} \\cdot {per_filter} \\cdot {K} \\cdot {K}"


def _conv_step(label: str, row, K: int, C_in: int, *, bias: bool, groups: int = 1) -> Step:
    return Step(label, f"N_{{params}} = {_params_terms(K, C_in, row.output_shape[0], bias=bias, groups=groups)}"
                       f" = {row.params},\\quad N_{{MACs}} = {_macs_terms(row, K, C_in, groups=groups)}"
                       f" = {row.macs}")


def _sum(values) -> str:
    values = list(values)
    return " + ".join(map(str, values)) + f" = {sum(values)}"


# --- the question types --------------------------------------------------------------------


def _build(p: dict) -> Body:
    return {"inception": _build_inception, "dense-block": _build_dense,
            "basic-vs-bottleneck": _build_residual, "grouped-conv": _build_grouped}[p["type"]](p)


def _build_inception(p: dict) -> Body:
    C, N = p["channels"], p["size"]
    c1, r3, c3, r5, c5, pp = (p[k] for k in ("c1", "c3_reduce", "c3", "c5_reduce", "c5", "pool_proj"))
    # Naive module (Fig. 2a): four branches on the same input, each one layer.
    naive = block_count("naive_inception", C, N, c1=c1, c3=c3, c5=c5)
    naive_channels, naive_params, naive_macs = naive.output_shape[0], naive.params, naive.macs
    # With reductions (Fig. 2b): GoogLeNet's module, the engine's block.
    reduced = block_count("inception", C, N, c1=c1, c3_reduce=r3, c3=c3, c5_reduce=r5, c5=c5, pool_proj=pp)
    statement = (
        f"An inception module receives a ${C} \\times {N} \\times {N}$ input. Its four branches run "
        f"side by side on that input and their outputs are concatenated along the channels. In the "
        f"naive version the branches are a $1 \\times 1$ convolution with ${c1}$ filters, a "
        f"$3 \\times 3$ convolution with ${c3}$ filters, a $5 \\times 5$ convolution with ${c5}$ "
        f"filters and a $3 \\times 3$ max pool (stride $1$, padding $1$). The version with "
        f"dimension reductions (GoogLeNet's) adds a $1 \\times 1$ convolution with ${r3}$ filters "
        f"before the $3 \\times 3$, one with ${r5}$ filters before the $5 \\times 5$, and one with "
        f"${pp}$ filters after the pool. Every convolution has stride $1$, 'same' padding and a "
        f"bias, and is followed by a ReLU.",
        _CONVENTIONS,
    )
    parts = (
        Part("a", "Output channels of the naive module.", naive_channels),
        Part("b", "Parameters of the naive module.", naive_params),
        Part("c", "MACs of the naive module.", naive_macs),
        Part("d", "Parameters of the module with reductions.", reduced.params),
        Part("e", "MACs of the module with reductions.", reduced.macs),
    )
    conv1, conv3, conv5 = naive.convs
    steps = [
        Step(f"Every branch keeps the ${N} \\times {N}$ size, so the outputs stack along the "
             f"channels; the pool branch passes all ${C}$ input channels through:",
             f"{c1} + {c3} + {c5} + {C} = {naive_channels}"),
        Step("Each convolution has", formulas.conv_params(True)),
        Step("and costs", formulas.conv_macs()),
        *(_conv_step(f"Naive, ${K} \\times {K}$ branch:", branch, K, C, bias=True)
          for branch, K in ((conv1, 1), (conv3, 3), (conv5, 5))),
        Step("The pool has no parameters and costs no MACs. Naive totals:",
             f"N_{{params}} = {_sum(a.params for a in naive.convs)}"),
        Step("", f"N_{{MACs}} = {_sum(a.macs for a in naive.convs)}"),
    ]
    b1, b2a, b2b, b3a, b3b, b4 = reduced.convs
    labels = ((b1, 1, C, "$1 \\times 1$ branch"),
              (b2a, 1, C, f"$1 \\times 1$ reduction ${C} \\to {r3}$"),
              (b2b, 3, r3, f"$3 \\times 3$ on the ${r3}$ reduced channels"),
              (b3a, 1, C, f"$1 \\times 1$ reduction ${C} \\to {r5}$"),
              (b3b, 5, r5, f"$5 \\times 5$ on the ${r5}$ reduced channels"),
              (b4, 1, C, f"$1 \\times 1$ projection after the pool, ${C} \\to {pp}$"))
    steps += [_conv_step(f"With reductions, {label}:", row, K, C_in, bias=True) for row, K, C_in, label in labels]
    steps.append(Step(f"Totals with reductions ({reduced.output_shape[0]} output channels):",
                      f"N_{{params}} = {_sum(row.params for row in reduced.convs)}"))
    steps.append(Step("", f"N_{{MACs}} = {_sum(row.macs for row in reduced.convs)}"))
    steps.append(Step(f"The $1 \\times 1$ reductions cut the MACs by a factor of "
                      f"{naive_macs / reduced.macs:.1f} and the parameters by a factor of "
                      f"{naive_params / reduced.params:.1f}."))
    return Body(statement, parts, tuple(steps))


def _build_dense(p: dict) -> Body:
    C0, k, L, neck = p["channels"], p["growth"], p["layers"], p["bottleneck"]
    per_layer = block_count("dense_block", C0, _ANY_SIZE, num_layers=L, growth_rate=k,
                            bn_size=4 if neck else None)
    channels = tuple(row.output_shape[0] for row in per_layer)
    params = [row.params for row in per_layer]
    if neck:
        layer_words = (f"batch norm, ReLU, $1 \\times 1$ convolution with $4k = {4 * k}$ filters, batch "
                       f"norm, ReLU, $3 \\times 3$ convolution with $k = {k}$ filters (padding $1$); the "
                       f"convolutions have no bias (DenseNet-B)")
    else:
        layer_words = (f"batch norm, ReLU, $3 \\times 3$ convolution with $k = {k}$ filters (padding "
                       f"$1$, with bias)")
    statement = (
        f"A dense block (DenseNet) receives ${C0}$ channels and has ${L}$ layers with growth rate "
        f"$k = {k}$. Each layer is {layer_words}; its input is the concatenation of the block's "
        f"input and the outputs of every earlier layer, and its output is concatenated to them. "
        f"Heights and widths never change.",
        _CONVENTIONS,
    )
    parts = (
        Part("a", f"Channels after each layer, $l = 1, \\dots, {L}$ ({L} numbers).", channels, weight=2),
        Part("b", f"Parameters of the last layer ($l = {L}$).", params[-1]),
        Part("c", "Parameters of the whole block.", sum(params)),
    )
    C_in = channels[-2]  # what the last layer sees (every block has two layers or more)
    if neck:
        last = (f"\\underbrace{{2 \\cdot {C_in}}}_{{\\mathrm{{BN}}}} + 1 \\cdot 1 \\cdot {C_in} \\cdot {4 * k} + "
                f"\\underbrace{{2 \\cdot {4 * k}}}_{{\\mathrm{{BN}}}} + 3 \\cdot 3 \\cdot {4 * k} \\cdot {k} = {params[-1]}")
    else:
        last = f"\\underbrace{{2 \\cdot {C_in}}}_{{\\mathrm{{BN}}}} + 3 \\cdot 3 \\cdot {C_in} \\cdot {k} + {k} = {params[-1]}"
    steps = (
        Step("Each layer adds $k$ channels to what it receives:", formulas.dense_channels()),
        Step("", f"C_l = {C0} + {k} \\, l:\\quad " + ",\\ ".join(f"C_{{{l}}} = {c}" for l, c in enumerate(channels, 1))),
        Step("Layer $l$ sees $C_{l-1}$ channels: "
             + ("its first batch norm learns $2 C_{l-1}$ parameters, the second $2 \\cdot 4k$; its "
                "convolutions have no bias:" if neck else
                "its batch norm learns $2 C_{l-1}$ parameters; its convolution has a bias per filter:"),
             formulas.conv_params(not neck)),
        Step(f"The last layer sees $C_{{{L - 1}}} = {C_in}$ channels:", last),
        Step("The whole block, layer by layer:", _sum(params)),
    )
    return Body(statement, parts, steps)


def _build_residual(p: dict) -> Body:
    w, N, down = p["width"], p["size"], p["downsample"]
    stride = 2 if down else 1
    basic_in, neck_in = (w // 2, 2 * w) if down else (w, 4 * w)
    basic = block_count("basic_block", basic_in, w, N, stride=stride)
    neck = block_count("bottleneck", neck_in, w, N, stride=stride)
    shortcut = ("Both blocks are the first of a stage: the first $3 \\times 3$ convolution has stride "
                "$2$, and since the shape changes the shortcut is a $1 \\times 1$ convolution with "
                "stride $2$ followed by batch norm (a projection)." if down else
                "Both shortcuts are the identity (the shapes match); every $3 \\times 3$ convolution "
                "has stride $1$.")
    statement = (
        f"Two residual blocks of ResNet (He et al. 2016) work on ${N} \\times {N}$ feature maps. The "
        f"basic block maps ${basic_in}$ channels to ${w}$: a $3 \\times 3$ convolution, batch norm, "
        f"ReLU, a $3 \\times 3$ convolution, batch norm, plus the shortcut, then ReLU. The bottleneck "
        f"block maps ${neck_in}$ channels to ${4 * w}$: a $1 \\times 1$ convolution to ${w}$ "
        f"channels, a $3 \\times 3$ convolution ${w} \\to {w}$, a $1 \\times 1$ convolution to "
        f"${4 * w}$ channels, each followed by batch norm (and ReLU but the last), plus the shortcut, "
        f"then ReLU. Every $3 \\times 3$ convolution has padding $1$; no convolution has a bias. "
        + shortcut,
        _CONVENTIONS,
    )
    parts = (
        Part("a", "Parameters of the basic block.", basic.params),
        Part("b", "MACs of the basic block.", basic.macs),
        Part("c", "Parameters of the bottleneck block.", neck.params),
        Part("d", "MACs of the bottleneck block.", neck.macs),
    )
    steps = [Step("Convolutions without bias:", formulas.conv_params(False)),
             Step("", formulas.conv_macs())]
    basic_convs = basic.convs
    kernels_in = [(3, basic_in, "first $3 \\times 3$"), (3, w, "second $3 \\times 3$"),
                  (1, basic_in, "projection")]
    steps += [_conv_step(f"Basic block, {label}:", row, K, C_in, bias=False)
              for row, (K, C_in, label) in zip(basic_convs, kernels_in)]
    steps += _totals(f"Its batch norms learn $2 \\cdot$ (channels) each, ${basic.batchnorm_params}$ in all. "
                     "Basic block:", basic, basic_convs)
    neck_convs = neck.convs
    kernels_in = [(1, neck_in, "$1 \\times 1$ reduction"), (3, w, "$3 \\times 3$"),
                  (1, w, "$1 \\times 1$ expansion"), (1, neck_in, "projection")]
    steps += [_conv_step(f"Bottleneck block, {label}:", row, K, C_in, bias=False)
              for row, (K, C_in, label) in zip(neck_convs, kernels_in)]
    steps += _totals(f"Its batch norms learn ${neck.batchnorm_params}$ parameters. Bottleneck block:", neck, neck_convs)
    steps.append(Step(f"The bottleneck block outputs {neck.output_shape[0] // basic.output_shape[0]} "
                      f"times the channels for {neck.macs / basic.macs:.2f} times the MACs."))
    return Body(statement, parts, tuple(steps))


def _totals(text: str, block, convs) -> list[Step]:
    return [Step(text, f"N_{{params}} = {_sum([*(r.params for r in convs), block.batchnorm_params])}"),
            Step("", f"N_{{MACs}} = {_sum(r.macs for r in convs)}")]


def _build_grouped(p: dict) -> Body:
    C, F, K, G, S, N, bias = (p[k] for k in ("channels", "filters", "kernel", "groups", "stride", "size", "bias"))
    plain = block_count("conv", C, N, F, K, stride=S, bias=bias)
    grouped = block_count("conv", C, N, F, K, stride=S, groups=G, bias=bias)
    statement = (
        f"A convolutional layer maps a ${C} \\times {N} \\times {N}$ input to ${F}$ channels with "
        f"${K} \\times {K}$ kernels, stride ${S}$ and padding ${K // 2}$, "
        + ("with a bias per filter. " if bias else "without bias. ")
        + f"Compare the ordinary convolution with a grouped one of $G = {G}$ groups (as in AlexNet's "
        f"two GPUs or ResNeXt): the input channels are split into ${G}$ groups of ${C // G}$, and "
        f"each group has its own ${F // G}$ filters, which see only that group's channels.",
        _CONVENTIONS,
    )
    parts = (
        Part("a", "Parameters of the ordinary convolution.", plain.params),
        Part("b", "MACs of the ordinary convolution.", plain.macs),
        Part("c", f"Parameters of the grouped convolution ($G = {G}$).", grouped.params),
        Part("d", "MACs of the grouped convolution.", grouped.macs),
    )
    H_out = plain.output_shape[1]
    steps = (
        Step("Output size:", formulas.conv_output()
             + f",\\quad \\left\\lfloor \\frac{{{N} + 2 \\cdot {K // 2} - {K}}}{{{S}}} \\right\\rfloor + 1 = {H_out}"),
        Step("A filter sees $C_{in}/G$ channels:", formulas.conv_params(bias)),
        Step("", formulas.conv_macs()),
        _conv_step("Ordinary ($G = 1$):", plain, K, C, bias=bias),
        _conv_step(f"Grouped ($G = {G}$):", grouped, K, C, bias=bias, groups=G),
        Step(f"Grouping divides the weights and the MACs by $G = {G}$"
             + (" (the biases, one per filter, stay)." if bias else ".")),
    )
    return Body(statement, parts, steps)


EXERCISE = PaperExercise(
    name="block-cost",
    title="What a block costs",
    summary="Parameters and MACs of inception (naive vs reduced), dense, basic vs bottleneck and grouped blocks.",
    draw=_draw,
    build=_build,
    points={"easy": 12, "medium": 12, "hard": 12},
    topics=QUESTION_TYPES,
)
