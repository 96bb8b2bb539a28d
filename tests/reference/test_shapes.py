"""grader.reference.shapes: output sizes in plain integers, checked against counting the
windows one by one, the course's worked sizes, and torch's own pooling for ceil mode."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys

import pytest

from grader.errors import UserError
from grader.reference.shapes import (
    conv_output_size,
    conv_transpose_output_size,
    padding_pair,
    same_padding,
)


def _count_windows(size, kernel, stride, before, after, dilation):
    """Independent: slide the dilated window over the padded input and count the starts."""
    padded = size + before + after
    span = dilation * (kernel - 1) + 1
    return sum(1 for start in range(0, padded, stride) if start + span <= padded)


def test_matches_counting_windows_exhaustively():
    """Floor mode equals the number of window positions for every small geometry."""
    for size, k, s, b, a, dl in itertools.product(range(1, 9), range(1, 5), range(1, 4),
                                                  range(3), range(3), range(1, 3)):
        count = _count_windows(size, k, s, b, a, dl)
        if count == 0:
            with pytest.raises(UserError):
                conv_output_size(size, k, stride=s, padding=(b, a), dilation=dl)
        else:
            assert conv_output_size(size, k, stride=s, padding=(b, a), dilation=dl) == count


def test_ceil_mode_matches_torch_pooling_exhaustively():
    """ceil_mode reproduces the sizes torch's max_pool1d gives (the rule it documents)."""
    torch = pytest.importorskip("torch")
    x = {n: torch.zeros(1, 1, n) for n in range(1, 9)}
    for size, k, s, dl in itertools.product(range(1, 9), range(1, 5), range(1, 4), range(1, 3)):
        for p in range(k // 2 + 1):
            try:
                expected = torch.nn.functional.max_pool1d(
                    x[size], k, s, p, dl, ceil_mode=True).shape[-1]
            except RuntimeError:
                expected = None
            if expected is None or expected < 1:
                with pytest.raises(UserError):
                    conv_output_size(size, k, stride=s, padding=p, dilation=dl, ceil_mode=True)
            else:
                got = conv_output_size(size, k, stride=s, padding=p, dilation=dl, ceil_mode=True)
                assert got == expected, (size, k, s, p, dl)


@pytest.mark.parametrize("args, kwargs, expected", [
    ((100, 9), {}, 92),                                # the course's spec: 100x100 -> 92x92
    ((92, 9), {"padding": 4}, 92),
    ((92, 5), {"stride": 2}, 44),
    ((44, 2), {"stride": 2}, 22),
    ((224, 11), {"stride": 4, "padding": 2}, 55),      # AlexNet's first layer
    ((224, 7), {"stride": 2, "padding": 3}, 112),      # ResNet's stem
    ((112, 3), {"stride": 2, "padding": 1}, 56),
    ((5, 2), {"stride": 2, "ceil_mode": True}, 3),
    ((5, 2), {"stride": 2}, 2),
    ((3, 2), {"padding": 1, "stride": 3}, 2),          # the notes' stride-3 example
    ((7, 3), {"dilation": 2}, 3),
    ((6, 3), {"padding": (0, 1)}, 5),
])
def test_worked_sizes(args, kwargs, expected):
    """Sizes worked out by hand from floor((n + 2p - d(k-1) - 1) / s) + 1."""
    assert conv_output_size(*args, **kwargs) == expected


@pytest.mark.parametrize("args, kwargs, expected", [
    ((3, 3), {"stride": 2, "padding": 1, "output_padding": 1}, 6),
    ((4, 4), {"stride": 2, "padding": 1}, 8),           # DCGAN-style upsampling
    ((2, 2), {}, 3),
    ((3, 3), {"dilation": 2, "padding": (1, 0)}, 6),
])
def test_transposed_sizes(args, kwargs, expected):
    """(n - 1) s - pads + d (k - 1) + output_padding + 1, by hand."""
    assert conv_transpose_output_size(*args, **kwargs) == expected


def test_transposed_inverts_strided_conv():
    """A transposed conv with output_padding gets back every size a strided conv maps from."""
    for n, k, s, p in itertools.product(range(3, 12), range(1, 4), range(1, 4), range(2)):
        if k + 2 * p > n:
            continue
        out = conv_output_size(n, k, stride=s, padding=p)
        extra = (n + 2 * p - k) % s
        assert conv_transpose_output_size(out, k, stride=s, padding=p,
                                          output_padding=extra) == n


def test_same_padding_splits_the_odd_row_after():
    assert same_padding(3) == (1, 1)
    assert same_padding(4) == (1, 2)
    assert same_padding(3, dilation=2) == (2, 2)
    assert same_padding(1) == (0, 0)
    for k in range(1, 8):
        assert conv_output_size(10, k, padding=same_padding(k)) == 10


def test_padding_pair():
    assert padding_pair(2) == (2, 2)
    assert padding_pair((0, 3)) == (0, 3)


BAD = [
    (lambda: conv_output_size(-3, 2), "input size must be a positive integer, got -3"),
    (lambda: conv_output_size(5, 0), "kernel size must be a positive integer, got 0"),
    (lambda: conv_output_size(5, 2, stride=0), "stride must be a positive integer, got 0"),
    (lambda: conv_output_size(5, 2, padding=-1), "padding must be a non-negative integer, got -1"),
    (lambda: conv_output_size(5, 2.5), "kernel size must be an integer, got 2.5"),
    (lambda: conv_output_size(5, 2, stride=True), "stride must be an integer, got True"),
    (lambda: conv_output_size(5, 2, padding=(1, 2, 3)),
     "padding for one axis must be an int or a (before, after) pair, got (1, 2, 3)"),
    (lambda: conv_output_size(4, 7, padding=1, axis="height"),
     "kernel size 7 is larger than the padded input size 6 (input 4 + padding 1 + 1) along height"),
    (lambda: conv_output_size(5, 3, dilation=3),
     "kernel size 7 (kernel 3, dilation 3) is larger than the padded input size 5"),
    (lambda: conv_transpose_output_size(3, 3, stride=2, output_padding=2),
     "output_padding 2 must be smaller than the stride (2) or the dilation (1)"),
    (lambda: conv_transpose_output_size(1, 1, padding=1),
     "the transposed convolution's output size would be -1 (input 1, kernel 1, stride 1, "
     "padding 1 + 1); reduce the padding"),
]


@pytest.mark.parametrize("call, message", BAD, ids=[m[:40] for _, m in BAD])
def test_bad_sizes_raise_user_error(call, message):
    with pytest.raises(UserError, match=f"^{re.escape(message)}$"):
        call()


def test_importing_shapes_does_not_import_torch():
    """Generators use these thousands of times per second: no torch on this path."""
    code = ("import sys, grader.reference.shapes, grader.reference; "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
