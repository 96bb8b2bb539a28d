"""The torch-free block counts (grader.reference.block_specs) against their oracle: the
modules of grader.reference.blocks, built on the meta device and analysed, conv by conv."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from grader.caches import CACHE_ENV
from grader.reference import block_specs, blocks
from grader.reference.analysis import analyze

ROOT = Path(__file__).resolve().parents[2]


def _analysis(module_class, input_shape, *args, depth=None, **kwargs):
    with torch.device("meta"):
        module = module_class(input_shape[0], *args, **kwargs)
    return analyze(module, input_shape=input_shape, depth=depth)


def _rows(analysis, kind):
    return [(row.params, row.macs, tuple(row.output_shape)) for row in analysis.layers if row.kind == kind]


def _assert_same(count, analysis):
    """Every conv's and every batch norm's numbers, in the order the module runs them, and
    the totals and the output shape."""
    assert [(c.params, c.macs, c.output_shape) for c in count.convs] == _rows(analysis, "Conv2d")
    assert count.batchnorm_params == sum(p for p, _, _ in _rows(analysis, "BatchNorm2d"))
    assert (count.params, count.macs, count.output_shape) == \
        (analysis.trainable_params, analysis.total_macs, tuple(analysis.output_shape))


def _residual_cases(seed: int, n: int):
    """(in, out, size, stride): identity and projection shortcuts, odd and even sizes."""
    rng = random.Random(seed)
    cases = [(8, 8, 5, 1), (8, 16, 5, 1), (8, 8, 5, 2), (4, 16, 7, 2), (16, 8, 1, 2)]
    cases += [(rng.randint(1, 24), rng.randint(1, 24), rng.randint(1, 12), rng.choice((1, 2, 3)))
              for _ in range(n)]
    return cases


@pytest.mark.parametrize("case", _residual_cases(0, 40))
def test_basic_block_counts_equal_the_module(case):
    c_in, c_out, size, stride = case
    _assert_same(block_specs.basic_block(c_in, c_out, size, stride=stride),
                 _analysis(blocks.BasicBlock, (c_in, size, size), c_out, stride=stride))


@pytest.mark.parametrize("case", _residual_cases(1, 40))
def test_bottleneck_counts_equal_the_module(case):
    c_in, width, size, stride = case
    expansion = 1 + c_in % 4   # 1 keeps the shape when c_in == width: an identity shortcut
    _assert_same(block_specs.bottleneck(c_in, width, size, stride=stride, expansion=expansion),
                 _analysis(blocks.Bottleneck, (c_in, size, size), width, stride=stride, expansion=expansion))


def test_inception_counts_equal_the_module():
    rng = random.Random(2)
    for _ in range(40):
        c_in, size = rng.randint(1, 32), rng.randint(1, 9)
        widths = {k: rng.randint(1, 16) for k in ("c1", "c3_reduce", "c3", "c5_reduce", "c5", "pool_proj")}
        _assert_same(block_specs.inception(c_in, size, **widths),
                     _analysis(blocks.Inception, (c_in, size, size), **widths))


class _NaiveInception(nn.Module):
    """Szegedy et al. 2015, Fig. 2a, built here in torch (blocks.py has only Fig. 2b)."""

    def __init__(self, c_in, *, c1, c3, c5):
        super().__init__()
        self.branches = nn.ModuleList([nn.Sequential(nn.Conv2d(c_in, c, k, padding=k // 2), nn.ReLU())
                                       for c, k in ((c1, 1), (c3, 3), (c5, 5))])
        self.pool = nn.MaxPool2d(3, stride=1, padding=1)

    def forward(self, x):
        return torch.cat([*(branch(x) for branch in self.branches), self.pool(x)], dim=1)


def test_naive_inception_counts_equal_a_torch_module():
    rng = random.Random(5)
    for _ in range(40):
        c_in, size = rng.randint(1, 32), rng.randint(1, 9)
        widths = {k: rng.randint(1, 16) for k in ("c1", "c3", "c5")}
        _assert_same(block_specs.naive_inception(c_in, size, **widths),
                     _analysis(_NaiveInception, (c_in, size, size), **widths))


def test_single_conv_counts_equal_torch_conv2d():
    rng = random.Random(6)
    for _ in range(60):
        groups = rng.choice((1, 2, 4))
        c_in, filters = groups * rng.randint(1, 8), groups * rng.randint(1, 8)
        kernel, stride, size, bias = rng.choice((1, 3, 5, 7)), rng.choice((1, 2)), rng.randint(7, 20), rng.random() < 0.5
        _assert_same(block_specs.conv(c_in, size, filters, kernel, stride=stride, groups=groups, bias=bias),
                     _analysis(nn.Conv2d, (c_in, size, size), filters, kernel, stride=stride,
                               padding=kernel // 2, groups=groups, bias=bias))


def test_dense_block_counts_equal_the_module_layer_by_layer():
    rng = random.Random(3)
    for _ in range(40):
        c_in, size, layers, k = rng.randint(1, 32), rng.randint(1, 6), rng.randint(1, 5), rng.randint(1, 12)
        bn_size = rng.choice((None, 2, 4))
        counts = block_specs.dense_block(c_in, size, num_layers=layers, growth_rate=k, bn_size=bn_size)
        analysis = _analysis(blocks.DenseBlock, (c_in, size, size), num_layers=layers, growth_rate=k,
                             bn_size=bn_size, depth=1)
        assert [(c.params, c.macs, c.output_shape) for c in counts] == \
            [(r.params, r.macs, tuple(r.output_shape)) for r in analysis.layers]


def test_the_blocks_block_cost_draws_equal_the_modules():
    """Every block and convolution the paper kind draws in 100 rounds of its three difficulties."""
    from exercises.block_cost import _draw

    rng, seen = random.Random(4), set()
    for difficulty in ("easy", "medium", "hard") * 100:
        p = _draw(rng, difficulty)
        seen.add(p["type"])
        if p["type"] == "inception":
            shape = (p["channels"], p["size"], p["size"])
            widths = {k: p[k] for k in ("c1", "c3_reduce", "c3", "c5_reduce", "c5", "pool_proj")}
            _assert_same(block_specs.inception(p["channels"], p["size"], **widths),
                         _analysis(blocks.Inception, shape, **widths))
            naive = {k: p[k] for k in ("c1", "c3", "c5")}
            _assert_same(block_specs.naive_inception(p["channels"], p["size"], **naive),
                         _analysis(_NaiveInception, shape, **naive))
        elif p["type"] == "grouped-conv":
            for groups in (1, p["groups"]):
                _assert_same(block_specs.conv(p["channels"], p["size"], p["filters"], p["kernel"], stride=p["stride"],
                                              groups=groups, bias=p["bias"]),
                             _analysis(nn.Conv2d, (p["channels"], p["size"], p["size"]), p["filters"], p["kernel"],
                                       stride=p["stride"], padding=p["kernel"] // 2, groups=groups, bias=p["bias"]))
        elif p["type"] == "basic-vs-bottleneck":
            w, n, stride = p["width"], p["size"], 2 if p["downsample"] else 1
            basic_in, neck_in = (w // 2, 2 * w) if p["downsample"] else (w, 4 * w)
            _assert_same(block_specs.basic_block(basic_in, w, n, stride=stride),
                         _analysis(blocks.BasicBlock, (basic_in, n, n), w, stride=stride))
            _assert_same(block_specs.bottleneck(neck_in, w, n, stride=stride),
                         _analysis(blocks.Bottleneck, (neck_in, n, n), w, stride=stride))
        elif p["type"] == "dense-block":
            kwargs = {"num_layers": p["layers"], "growth_rate": p["growth"],
                      "bn_size": 4 if p["bottleneck"] else None}
            counts = block_specs.dense_block(p["channels"], 8, **kwargs)
            rows = _analysis(blocks.DenseBlock, (p["channels"], 8, 8), depth=1, **kwargs).layers
            assert [(c.params, c.output_shape) for c in counts] == [(r.params, tuple(r.output_shape)) for r in rows]
    assert seen == {"inception", "basic-vs-bottleneck", "dense-block", "grouped-conv"}


def test_block_cost_imports_no_torch(tmp_path):
    """The point of the spec path: a class's block-cost variants without torch (issue 14)."""
    code = ("import sys\n"
            "from exercises import get_exercise\n"
            "ex = get_exercise('block-cost')\n"
            "types = {ex.variant(seed=i, difficulty=d).params['type']\n"
            "         for d in ('easy', 'medium', 'hard') for i in range(40)}\n"
            "assert len(types) == 4, types\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n")
    env = {**os.environ, CACHE_ENV: str(tmp_path), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
