"""The im2col exercise's references and misconceptions, checked in process against independent
definitions: torch's own ``unfold``/``fold`` (the layout the statement promises), the adjoint
identity <im2col(x), c> = <x, col2im(c)>, and the window coverage counted by hand for the
round trip. Its submission files are graded by test_submissions.py."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from exercises import im2col as ex

GEOMETRIES = [  # n, c, h, w, kh, kw, stride, padding
    (1, 1, 5, 5, 3, 3, 1, 0),
    (2, 3, 5, 7, 2, 3, (2, 1), (1, 0)),
    (3, 2, 9, 6, 4, 1, 3, 2),
    (1, 4, 4, 11, 1, 2, (1, 3), (2, 1)),
    (2, 1, 3, 3, 3, 3, 2, 1),
]


def _pair(v):
    return (v, v) if isinstance(v, int) else v


def _coverage(size, k, s, p):
    """How many windows cover each input position along one axis, counted directly."""
    starts = range(0, size + 2 * p - k + 1, s)
    return np.array([sum(1 for a in starts if a <= q + p < a + k) for q in range(size)], dtype=float)


@pytest.mark.parametrize("n, c, h, w, kh, kw, stride, padding", GEOMETRIES)
def test_references_are_torchs_unfold_and_fold(n, c, h, w, kh, kw, stride, padding):
    rng = np.random.default_rng(h * 31 + w)
    x = rng.standard_normal((n, c, h, w))
    expected = torch.nn.functional.unfold(torch.from_numpy(x), (kh, kw), stride=stride, padding=padding).numpy()
    cols = ex.unfold(x, kh, kw, stride, padding)
    np.testing.assert_allclose(cols, expected, rtol=0, atol=1e-12)
    c_in = rng.standard_normal(cols.shape)
    folded = torch.nn.functional.fold(torch.from_numpy(c_in), (h, w), (kh, kw), stride=stride,
                                      padding=padding).numpy()
    np.testing.assert_allclose(ex.fold(c_in, (n, c, h, w), kh, kw, stride, padding), folded, rtol=0, atol=1e-12)
    # col2im is the adjoint of im2col.
    assert np.vdot(cols, c_in) == pytest.approx(np.vdot(x, ex.fold(c_in, x.shape, kh, kw, stride, padding)))


@pytest.mark.parametrize("n, c, h, w, kh, kw, stride, padding", GEOMETRIES)
def test_round_trip_is_x_times_the_window_coverage(n, c, h, w, kh, kw, stride, padding):
    x = np.random.default_rng(7).standard_normal((n, c, h, w))
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    counts = np.outer(_coverage(h, kh, sh, ph), _coverage(w, kw, sw, pw))
    back = ex.fold(ex.unfold(x, kh, kw, stride, padding), x.shape, kh, kw, stride, padding)
    np.testing.assert_allclose(back, x * counts, rtol=0, atol=1e-12)


def test_every_misconception_differs_from_the_reference_on_the_all_at_once_examples():
    # A mistake that gave the right answer there could never be told from a correct solution.
    examples = {g.function: g.examples[0] for g in ex.GROUPS if g.name.endswith("all_at_once")}
    for m in ex.MISCONCEPTIONS:
        case = examples[m.function]
        wrong = m.reference(*case.args, **case.kwargs)
        right = ex.EXERCISE.references[m.function](*case.args, **case.kwargs)
        assert wrong.shape != right.shape or not np.allclose(wrong, right), m.key


def test_overwriting_col2im_keeps_the_last_window_in_loop_order():
    # 1x3 image, kernel 1x2, stride 1: pixel 1 is in windows 0 and 1; the last one (1) wins.
    cols = np.array([[[10.0, 20.0], [1.0, 2.0]]])  # rows: kernel entries (0, 0), (0, 1); columns: windows
    overwrite = next(m for m in ex.MISCONCEPTIONS if m.key == "col2im_overwrite")
    np.testing.assert_array_equal(overwrite.reference(cols, (1, 1, 1, 3), 1, 2), [[[[10.0, 20.0, 2.0]]]])
    np.testing.assert_array_equal(ex.fold(cols, (1, 1, 1, 3), 1, 2), [[[[10.0, 21.0, 2.0]]]])
