"""Paper exercise: a convolution as a matrix product (the Toeplitz matrix and im2col).

Three question types: the banded Toeplitz matrix of a 1-D convolution (``toeplitz-1d``), a
row of the doubly block-Toeplitz matrix of a 2-D convolution (``toeplitz-2d``), and the
im2col matrix whose columns are the windows (``im2col``); each then multiplies and reads the
output back. The matrices come from the engine itself: a convolution is linear, so column
``t`` of its matrix is the convolution of the ``t``-th unit input (``conv(e_t)``), and row
``(c, a, b)`` of the im2col matrix is the convolution of ``x`` with the unit kernel that
picks entry ``(c, a, b)`` of each window. The outputs are the engine's ``conv1d``/``conv2d``.
"""

from __future__ import annotations

import random

from grader.paper import formulas
from grader.paper.engine import as_rows, as_vector, conv_output_size, run
from grader.paper.model import Body, Grid, Part, PaperExercise, Step, fmt_number

__all__ = ["EXERCISE", "QUESTION_TYPES"]

QUESTION_TYPES = ("toeplitz-1d", "toeplitz-2d", "im2col")

#: Above this many numbers the im2col matrix is asked column by column, not whole.
_WHOLE_MATRIX_CELLS = 16
#: A shown matrix wider than this is shown transposed (LaTeX's bmatrix stops at 10 columns).
_PAGE_COLUMNS = 10


def _ints(rng: random.Random, n: int, lo: int, hi: int) -> list[int]:
    return [rng.randint(lo, hi) for _ in range(n)]


def _nonzero(rng: random.Random, n: int, easy: bool) -> list[int]:
    """Kernel weights without zeros, so the band of a Toeplitz matrix shows where it lies."""
    return [rng.choice((1, 2) if easy else (-2, -1, 1, 2)) for _ in range(n)]


def _grid(rng: random.Random, C: int, n: int, lo: int, hi: int) -> list:
    return [[_ints(rng, n, lo, hi) for _ in range(n)] for _ in range(C)]


def _geometry(rng: random.Random, sizes, kernels, strides, paddings, outs) -> tuple[int, int, int, int, int]:
    """(n, k, s, p, n_out): the kernel fits, tiles the padded input exactly, and the output
    length is one of ``outs`` (small enough to write out by hand)."""
    while True:
        n, k, s, p = rng.choice(sizes), rng.choice(kernels), rng.choice(strides), rng.choice(paddings)
        if k > n + 2 * p or (n + 2 * p - k) % s:
            continue
        out = conv_output_size(n, k, stride=s, padding=p)
        if out in outs:
            return n, k, s, p, out


def _draw(rng: random.Random, difficulty: str) -> dict:
    qtype = rng.choice({"easy": ("toeplitz-1d", "im2col"), "medium": QUESTION_TYPES,
                        "hard": ("toeplitz-2d", "im2col")}[difficulty])
    easy = difficulty == "easy"
    lo, bias = (0, 0) if easy else (-1, rng.randint(-2, 2))
    if qtype == "toeplitz-1d":
        if easy:
            n, k, s, p, out = _geometry(rng, (4, 5), (2, 3), (1,), (0,), (2, 3, 4))
        else:
            while True:  # at most 28 numbers: the matrix and the output
                n, k, s, p, out = _geometry(rng, (4, 5, 6), (2, 3), (1, 2), (0, 1), (2, 3, 4))
                if out * (n + 1) <= 28:
                    break
        return {"type": qtype, "x": _ints(rng, n, lo, 3), "w": _nonzero(rng, k, easy), "bias": bias,
                "stride": s, "padding": p}
    if qtype == "toeplitz-2d":
        if difficulty == "medium":
            C, (n, k, s, p, out) = 1, _geometry(rng, (3, 4), (2, 3), (1,), (0,), (2, 3))
        else:  # hard: padding or stride, sometimes two channels (then a 3 x 3 input)
            C = rng.choice((1, 2))
            while True:
                n, k, s, p, out = _geometry(rng, (3,) if C == 2 else (3, 4), (2, 3), (1, 2), (0, 1), (2, 3))
                if s > 1 or p > 0:
                    break
        row = [rng.randrange(out), rng.randrange(out)]
        return {"type": qtype, "input": _grid(rng, C, n, lo, 3),
                "kernel": [[_nonzero(rng, k, easy) for _ in range(k)] for _ in range(C)],
                "bias": bias, "stride": s, "padding": p, "row": row}
    # im2col
    if easy:
        C, F, (n, k, s, p, out) = 1, 1, (3, 2, 1, 0, 2)
    elif difficulty == "medium":
        C, F, (n, k, s, p, out) = 1, 1, _geometry(rng, (3, 4, 5), (2, 3), (1, 2), (0, 1), (2, 3))
    else:  # two channels, two filters: a column of 8 (k = 2) or 18 (k = 3) numbers
        C, F = 2, 2
        while True:
            n, k, s, p, out = _geometry(rng, (3, 4, 5), (2, 3), (1, 2), (0, 1), (2, 3))
            if k == 2 or out == 2:
                break
    positions = [(i, j) for i in range(out) for j in range(out)]
    wanted = 0 if C * k * k * out * out <= _WHOLE_MATRIX_CELLS else (2 if F == 1 else 1)
    columns = [list(ij) for ij in sorted(rng.sample(positions, wanted))]
    return {"type": qtype, "input": _grid(rng, C, n, lo, 3),
            "kernels": [_grid(rng, C, k, lo, 2) for _ in range(F)],
            "bias": [bias if f == 0 else rng.randint(-2, 2) for f in range(F)],
            "stride": s, "padding": p, "columns": columns}


def _build(p: dict) -> Body:
    return {"toeplitz-1d": _build_toeplitz_1d, "toeplitz-2d": _build_toeplitz_2d,
            "im2col": _build_im2col}[p["type"]](p)


# --- the matrices, from the engine ----------------------------------------------------------


def _unit_inputs(C: int, n: int, dims: int) -> list:
    """The C*n^dims unit inputs e_t (row-major), each shaped as one input of the layer."""
    size = C * n ** dims
    flat = [[1 if u == t else 0 for u in range(size)] for t in range(size)]
    if dims == 1:
        return [[row[c * n:(c + 1) * n] for c in range(C)] for row in flat]
    return [[[row[c * n * n + r * n:c * n * n + (r + 1) * n] for r in range(n)] for c in range(C)]
            for row in flat]


def _conv_matrix(op: str, C: int, n: int, weight, stride: int, padding: int, dims: int):
    """The matrix T of ``x -> op(x, weight)`` (no bias) on flattened inputs and outputs:
    column t is the output for the unit input e_t."""
    units = _unit_inputs(C, n, dims)
    columns = run(op, units, weight, stride=stride, padding=padding)
    return as_rows(columns.reshape(len(units), -1).T)


def _im2col_matrix(x, k: int, stride: int, padding: int):
    """Row (c, a, b) of im2col: the input seen by kernel entry (c, a, b) at every output
    position, i.e. ``conv2d(x, e_(c,a,b))`` for the unit kernel e_(c,a,b)."""
    C = len(x)
    units = _unit_inputs(C, k, 2)
    maps = run("conv2d", [x], units, stride=stride, padding=padding)
    return as_rows(maps.reshape(len(units), -1))


# --- writing the numbers out ---------------------------------------------------------------


def _vec(v) -> str:
    return "(" + ",\\ ".join(fmt_number(t) for t in v) + ")"


def _num(v: float) -> str:
    return fmt_number(v) if v >= 0 else f"({fmt_number(v)})"


def _dot(row, x, bias: float = 0) -> str:
    """``row . x + b`` spelled out over the non-zero entries of ``row``."""
    terms = [f"{_num(a)} \\cdot {_num(b)}" for a, b in zip(row, x) if a != 0] or ["0"]
    if bias:
        terms.append(_num(bias))
    # at most six terms per line, so the key fits a printed page
    return " \\\\ + ".join(" + ".join(terms[t:t + 6]) for t in range(0, len(terms), 6))


def _size_step(n: int, k: int, s: int, p: int, out: int, dims: int) -> Step:
    return Step(f"The output has ${out}$ values" + (" per axis:" if dims == 2 else ":"),
                f"\\lfloor ({n} + 2 \\cdot {p} - {k}) / {s} \\rfloor + 1 = {out}")


def _layer_words(k: int, s: int, p: int, bias: int, dims: int) -> str:
    size = f"${k}$" if dims == 1 else f"${k} \\times {k}$"
    b = f", bias $b = {bias}$" if bias else ""
    return f"kernel size {size}{b}, stride ${s}$ and " + (f"zero padding ${p}$" if p else "no padding")


def _build_toeplitz_1d(p: dict) -> Body:
    x, w, bias, s, pad = p["x"], p["w"], p["bias"], p["stride"], p["padding"]
    n, k = len(x), len(w)
    out = conv_output_size(n, k, stride=s, padding=pad)
    T = _conv_matrix("conv1d", 1, n, [[w]], s, pad, dims=1)
    y = as_vector(run("conv1d", [[x]], [[w]], [bias], stride=s, padding=pad))
    plus_b = " + b" if bias else ""
    statement = (
        f"A 1-D convolutional layer (cross-correlation, as deep-learning libraries compute it) "
        f"with kernel $w = {_vec(w)}$, {_layer_words(k, s, pad, bias, 1)}"
        f" maps the input $x = {_vec(x)}$ to $y$. Being linear, it is a matrix product "
        f"$y = T x{plus_b}$: row $i$ of $T$ holds the weights output $y_i$ gives the inputs.",
    )
    parts = (
        Part("a", f"The matrix $T$ (${out} \\times {n}$: one row per output, one column per "
                  f"input; the padding zeros multiply nothing, so they get no columns).", T,
             weight=out * n),
        Part("b", f"The output $y = T x{plus_b}$ (${out}$ numbers).", y, weight=out),
    )
    steps = [
        _size_step(n, k, s, pad, out, 1),
        Step(f"Row $i$ holds the kernel starting at column $S i - P$ ($S = {s}$, $P = {pad}$); entries that "
             f"would fall on the padding are dropped. The rows repeat the same numbers shifted "
             f"by the stride: a banded (Toeplitz) matrix.", formulas.toeplitz_1d(), grid=Grid.of("T", T)),
        Step("Multiply row by row" + (", then add the bias" if bias else "") + ":",
             f"y_0 = {_dot(T[0], x, bias)} = {fmt_number(y[0])}", grid=Grid.of("y", [y])),
    ]
    return Body(statement, parts, tuple(steps))


def _channel(label: str, c: int, C: int) -> str:
    return label + (f"_{{{c + 1}}}" if C > 1 else "")


def _block_layout(n: int, k: int, s: int, pad: int, out: int, c: int, C: int) -> str:
    """The block structure of one channel's matrix: block (i, r) is A_{r - s i + p} or 0."""
    def block(i, r):
        a = r - s * i + pad
        return f"A{'^{(' + str(c + 1) + ')}' if C > 1 else ''}_{{{a}}}" if 0 <= a < k else "0"
    rows = " \\\\ ".join(" & ".join(block(i, r) for r in range(n)) for i in range(out))
    return f"{_channel('T', c, C)} = \\begin{{bmatrix}} {rows} \\end{{bmatrix}}"


def _build_toeplitz_2d(p: dict) -> Body:
    x, w, bias, s, pad = p["input"], p["kernel"], p["bias"], p["stride"], p["padding"]
    C, n, k = len(x), len(x[0]), len(w[0])
    i, j = p["row"]
    out = conv_output_size(n, k, stride=s, padding=pad)
    T = _conv_matrix("conv2d", C, n, [w], s, pad, dims=2)
    Y = as_rows(run("conv2d", [x], [w], [bias], stride=s, padding=pad))
    r = i * out + j
    channels = "" if C == 1 else f"{C} \\cdot "
    flat_x = [v for ch in x for row in ch for v in row]
    plus_b = " + b" if bias else ""
    inputs = "the input $X$" if C == 1 else f"the {C}-channel input $X$"
    statement = [
        f"A 2-D convolutional layer (cross-correlation) with one "
        f"{'filter $W$' if C == 1 else f'{C}-channel filter $W$'}, "
        f"{_layer_words(k, s, pad, bias, 2)} maps {inputs} "
        f"(${n} \\times {n}$ per channel) to $Y$. Written as a matrix product "
        f"$\\mathrm{{vec}}(Y) = T\\, \\mathrm{{vec}}(X){plus_b}$, where $\\mathrm{{vec}}$ lists the "
        f"entries row by row{' (channel 1 first)' if C > 1 else ''}, $T$ is doubly block-Toeplitz.",
    ]
    for c in range(C):
        statement += [Grid.of(_channel("X", c, C), x[c]), Grid.of(_channel("W", c, C), w[c])]
    parts = (
        Part("a", "The shape of $T$ (rows, columns).", (float(len(T)), float(len(T[0]))), weight=2),
        Part("b", f"The row of $T$ that computes $Y_{{{i},{j}}}$ (row {r + 1} counting from 1): "
                  f"${C * n * n}$ numbers.", T[r], weight=C * n * n),
        Part("c", f"The output $Y$ (${out} \\times {out}$), read back from "
                  f"$T\\, \\mathrm{{vec}}(X){plus_b}$ row by row.", Y, weight=out * out),
    )
    steps = [
        _size_step(n, k, s, pad, out, 2),
        Step(f"$T$ has one row per output value and one column per input value: "
             f"${out}^2 = {out * out}$ by ${channels}{n}^2 = {C * n * n}$.",
             formulas.toeplitz_2d()),
    ]
    for c in range(C):
        steps.append(Step(
            ("Block by block, " if c == 0 else "") +
            f"{'channel ' + str(c + 1) + ': ' if C > 1 else ''}block $(i, r)$ (output row $i$, input "
            f"row $r$) is the 1-D Toeplitz matrix of kernel row $r - S i + P$ "
            f"($A{'^{(' + str(c + 1) + ')}' if C > 1 else ''}_a$ for kernel row $a$), or zero:",
            _block_layout(n, k, s, pad, out, c, C)))
        if C == 1:
            for a in range(k):
                steps.append(Step("", grid=Grid.of(f"A_{{{a}}}", _conv_matrix("conv1d", 1, n, [[w[0][a]]], s, pad, 1))))
    for c in range(C):
        window = [T[r][c * n * n + q * n:c * n * n + (q + 1) * n] for q in range(n)]
        steps.append(Step(
            f"The row for $Y_{{{i},{j}}}${' over channel ' + str(c + 1) if C > 1 else ''}, laid out "
            f"in ${n} \\times {n}$, is the kernel with its top-left corner at row "
            f"${s} \\cdot {i} - {pad} = {s * i - pad}$, column ${s} \\cdot {j} - {pad} = {s * j - pad}$ "
            f"of the input" + (" (the parts over the padding dropped):" if pad else ":"),
            grid=Grid.of(f"T_{{({i},{j})}}" + (f"^{{({c + 1})}}" if C > 1 else ""), window)))
    steps += [
        Step("As a row:", f"T_{{({i},{j})}} = {_vec(T[r])}"),
        Step("Each output is a row of $T$ times $\\mathrm{vec}(X)$" + (" plus the bias" if bias else "") +
             f"; for $Y_{{{i},{j}}}$:", f"Y_{{{i},{j}}} = {_dot(T[r], flat_x, bias)} = {fmt_number(Y[i][j])}"),
        Step(f"Reading the ${out * out}$ values back row by row:", grid=Grid.of("Y", Y)),
    ]
    return Body(tuple(statement), parts, tuple(steps))


def _build_im2col(p: dict) -> Body:
    x, kernels, biases, s, pad = p["input"], p["kernels"], p["bias"], p["stride"], p["padding"]
    C, n, k, F = len(x), len(x[0]), len(kernels[0][0]), len(kernels)
    out = conv_output_size(n, k, stride=s, padding=pad)
    cols = _im2col_matrix(x, k, s, pad)
    W_rows = [[v for ch in kern for row in ch for v in row] for kern in kernels]
    wide = len(W_rows[0]) > _PAGE_COLUMNS
    maps = [as_rows(run("conv2d", [x], [kern], [b], stride=s, padding=pad)) for kern, b in zip(kernels, biases)]
    product = tuple(tuple(v for row in m for v in row) for m in maps)
    depth = f"{C} \\cdot {k}^2" if C > 1 else f"{k}^2"
    filters = "one filter $W$" if F == 1 else f"{F} filters $W_1, W_2$"
    b_words = (f"bias $b = {biases[0]}$" if F == 1 else
               f"biases $b = {_vec(biases)}$")
    statement = [
        f"A convolutional layer with {filters} of size ${k} \\times {k}$"
        f"{' over ' + str(C) + ' channels' if C > 1 else ''}, {b_words}, stride ${s}$ and "
        f"{f'zero padding ${pad}$' if pad else 'no padding'} is computed as one matrix product "
        f"(im2col): each window of the "
        f"{'zero-padded ' if pad else ''}input is flattened row by row"
        f"{' (channel 1 first)' if C > 1 else ''} into one column of $X_{{col}}$, windows in "
        f"row-major order of the output; each filter flattened the same way is one row of "
        f"$W_{{row}}$, and $W_{{row}} X_{{col}} + b$ holds the outputs.",
    ]
    for c in range(C):
        statement.append(Grid.of(_channel("X", c, C), x[c]))
    for f, kern in enumerate(kernels):
        for c in range(C):
            label = "W" + (f"_{{{f + 1}}}" if F > 1 else "") + (f"^{{({c + 1})}}" if C > 1 else "")
            statement.append(Grid.of(label, kern[c]))
    parts = [Part("a", "The shape of $X_{col}$ (rows, columns).", (float(len(cols)), float(len(cols[0]))), weight=2)]
    if p["columns"]:
        for key, (i, j) in zip("bc", p["columns"]):
            parts.append(Part(key, f"The column of $X_{{col}}$ for output position $({i}, {j})$ "
                                   f"(column {i * out + j + 1} counting from 1): ${len(cols)}$ numbers.",
                              tuple(row[i * out + j] for row in cols), weight=len(cols)))
    else:
        parts.append(Part("b", f"The matrix $X_{{col}}$ (${len(cols)} \\times {len(cols[0])}$).", cols,
                          weight=len(cols) * len(cols[0])))
    key = "bcd"[len(parts) - 1]
    if F == 1:
        parts.append(Part(key, f"The output $Y$ (${out} \\times {out}$), read back from the "
                               f"${out * out}$ numbers of $W_{{row}} X_{{col}} + b$.", maps[0],
                          weight=out * out))
    else:
        parts.append(Part(key, "The shape of $W_{row}$ (rows, columns).", (float(F), float(C * k * k)), weight=2))
        parts.append(Part("cde"[len(parts) - 2], f"The product $W_{{row}} X_{{col}} + b$ "
                                                 f"(${F} \\times {out * out}$, one row per filter).",
                          product, weight=F * out * out))
    steps = [
        _size_step(n, k, s, pad, out, 2),
        Step(f"$X_{{col}}$ has one row per kernel entry (${depth} = {len(cols)}$) and one column per "
             f"output position (${out}^2 = {out * out}$); column $(i, j)$ is the window whose top-left "
             f"corner is at $(S i, S j)$ of the {'padded ' if pad else ''}input:", formulas.im2col_entry()),
    ]
    if pad:
        for c in range(C):
            padded = [[0] * (n + 2 * pad)] * pad + [[0] * pad + row + [0] * pad for row in x[c]] + \
                [[0] * (n + 2 * pad)] * pad
            steps.append(Step("", grid=Grid.of("\\bar{X}" + (f"_{{{c + 1}}}" if C > 1 else ""), padded)))
    steps += [
        Step("Every window, flattened, side by side:", grid=Grid.of("X_{col}", cols)),
        Step("The filters, flattened the same way" + (" (transposed here, to fit the page):" if wide else ":"),
             grid=Grid.of("W_{row}^{\\top}", list(zip(*W_rows))) if wide else Grid.of("W_{row}", W_rows)),
        Step("The product" + (" plus the bias" if any(biases) else "") + "; its first entry:",
             f"{_dot(W_rows[0], [row[0] for row in cols], biases[0])} = {fmt_number(product[0][0])}",
             grid=Grid.of("W_{row} X_{col} + b", product)),
    ]
    for f, m in enumerate(maps):
        steps.append(Step(f"Row {f + 1} read back row by row is output map {f + 1}:" if F > 1 else
                          "Read back row by row:", grid=Grid.of("Y" + (f"_{{{f + 1}}}" if F > 1 else ""), m)))
    return Body(tuple(statement), tuple(parts), tuple(steps))


EXERCISE = PaperExercise(
    name="conv-as-matmul",
    title="Convolution as a matrix product",
    summary="The Toeplitz matrix of a 1-D/2-D convolution and the im2col matrix: build it, multiply, read the output back.",
    draw=_draw,
    build=_build,
    points={"easy": 24, "medium": 30, "hard": 32},
    topics=QUESTION_TYPES,
)
