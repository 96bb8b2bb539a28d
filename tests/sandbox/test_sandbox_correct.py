"""Correct submissions in every style pass, whatever they print or do to their inputs.

The reference is a plain numpy implementation written here (direct sum over the kernel
window), independent of the submissions and of the sandbox.
"""

from __future__ import annotations

import numpy as np
import pytest
from sandbox_support import CORRECT, LAYERS, require_layer

from grader.sandbox import Rng, Sandbox, SandboxLimits

LIMITS = SandboxLimits(call_timeout_s=10.0, load_timeout_s=10.0)


def reference_conv2d(x, w, b, stride, padding):
    """Cross-correlation, symmetric zero padding, floor output size (DESIGN.md 3.1)."""
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
    xp[:, :, ph:ph + H, pw:pw + W] = x
    HO, WO = (H + 2 * ph - KH) // sh + 1, (W + 2 * pw - KW) // sw + 1
    out = np.tile(b[None, :, None, None], (N, 1, HO, WO)).astype(np.float64)
    for ki in range(KH):
        for kj in range(KW):
            window = xp[:, :, ki:ki + sh * (HO - 1) + 1:sh, kj:kj + sw * (WO - 1) + 1:sw]
            out += np.einsum("nchw,fc->nfhw", window, w[:, :, ki, kj])
    return out


CALLS = [  # (x shape, w shape, stride, padding)
    ((2, 3, 7, 6), (4, 3, 3, 3), 1, 0),
    ((1, 2, 9, 8), (3, 2, 3, 2), (2, 1), (1, 2)),
    ((3, 1, 5, 5), (2, 1, 1, 1), 2, 1),
]


@pytest.mark.parametrize("isolation", LAYERS)
@pytest.mark.parametrize("path", sorted(CORRECT.glob("*.py")), ids=lambda p: p.stem)
def test_correct_solution_passes(path, isolation):
    """Each correct style returns, for several geometries, the reference output (to 1e-5
    relative for the float32 one), and the grader's own inputs are never changed."""
    require_layer(isolation)
    rng = np.random.default_rng(0)
    with Sandbox(path.read_text(), limits=LIMITS, isolation=isolation) as sb:
        load = sb.load()
        assert load.ok, load.message
        assert "conv2d_forward" in load.functions
        for xs, ws, stride, padding in CALLS:
            x, w, b = rng.normal(size=xs), rng.normal(size=ws), rng.normal(size=ws[0])
            kept = (x.copy(), w.copy(), b.copy())
            res = sb.call("conv2d_forward", x, w, b, stride=stride, padding=padding)
            assert res.ok, res.message
            assert type(res.value) is np.ndarray and res.value.dtype.kind == "f"
            np.testing.assert_allclose(res.value, reference_conv2d(x, w, b, stride, padding),
                                       rtol=1e-5, atol=1e-5)
            assert all(np.array_equal(a, k) for a, k in zip((x, w, b), kept))
            if path.stem == "conv_prints":
                assert f"stride {stride} padding {padding}" in res.stdout
        if path.stem == "conv_prints":
            assert load.stdout == "loading my solution\n"


def test_argument_kinds_round_trip():
    """Every argument kind of the contract reaches the child intact: arrays of each real
    dtype (shape, dtype and bytes), ints, floats, bools, None, str, nested tuples/lists,
    and Rng(seed) becoming numpy.random.default_rng(seed); tuples come back one level."""
    code = (
        "import numpy as np\n"
        "def echo(*args, **kw):\n"
        "    return tuple(np.asarray(a) for a in args)\n"
        "def describe(a, i, f, flag, nothing, s, nested, rng):\n"
        "    kinds = [type(v).__name__ for v in (i, f, flag, nothing, s, nested, nested[1])]\n"
        "    assert kinds == ['int', 'float', 'bool', 'NoneType', 'str', 'tuple', 'list'], kinds\n"
        "    assert (i, f, flag, s, nested) == (3, 2.5, True, 'same', (1, [2, 3]))\n"
        "    return a.sum(), rng.random(4), None\n"
    )
    arrays = [(np.arange(6) % 3).astype(t).reshape(2, 3) for t in
              (np.float64, np.float32, np.int64, np.int32, np.uint8, np.bool_)]
    arrays += [np.zeros((0, 3)), np.array(1.5), np.ones((2, 2), order="F")[:, 1]]
    with Sandbox(code, limits=LIMITS) as sb:
        back = sb.call("echo", *arrays)
        assert back.ok, back.message
        for sent, got in zip(arrays, back.value, strict=True):
            assert got.dtype == sent.dtype and got.shape == sent.shape
            assert np.array_equal(got, sent)
        res = sb.call("describe", arrays[0], 3, 2.5, True, None, "same", (1, [2, 3]), Rng(7))
        assert res.ok, res.message
        total, draws, nothing = res.value
        assert total == 6.0 and nothing is None
        np.testing.assert_array_equal(draws, np.random.default_rng(7).random(4))


def test_missing_function_on_a_good_submission_names_what_exists():
    """Calling a name the file does not define gives missing_function with the names found,
    and the child stays usable for the next call."""
    with Sandbox("def relu_forward(x):\n    return x * (x > 0)\n", limits=LIMITS) as sb:
        res = sb.call("relu_backward", np.ones(2), np.ones(2))
        assert res.verdict == "missing_function"
        assert res.message == "no function named 'relu_backward' (found: relu_forward)"
        assert sb.call("relu_forward", np.array([-1.0, 2.0])).value.tolist() == [0.0, 2.0]


def _code_exercises():
    from grader.checker import code_exercises

    return sorted(code_exercises())


@pytest.mark.parametrize("isolation", LAYERS)
@pytest.mark.parametrize("exercise", _code_exercises())
def test_model_solutions_score_full_marks_on_every_layer(exercise, isolation):
    """Every exercise's model solution, graded through the checker on each layer (fewer
    drawn cases: the layer, not the search, is under test here)."""
    import dataclasses
    from pathlib import Path

    from grader.checker import check_submission, code_exercises

    require_layer(isolation)
    spec = dataclasses.replace(code_exercises()[exercise], max_examples=2, shrink_budget=4)
    path = Path(__file__).resolve().parents[2] / "solutions" / f"{exercise.replace('-', '_')}.py"
    result = check_submission(path, exercise=spec, sandbox_options={"isolation": isolation})
    assert result.score == result.max_score, result.feedback
