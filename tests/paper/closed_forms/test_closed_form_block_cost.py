"""Closed-form check of the block-cost paper exercise (see closed_form_support).

Every block is recounted here layer by layer from the textbook formulas (parameters
K*K*C_in/G*C_out + C_out, batch norm 2C, MACs H_out*W_out*C_out*C_in/G*K*K), never from
the engine's modules; 700 seeds per difficulty (2,100 variants; the answers come from
torch modules analysed on the meta device, so fewer than the cheap kinds' 2,000).
"""

from __future__ import annotations

import sympy as sp

from closed_form_support import CONV_PARAMS, OUT, answers, variants
from exercises import get_exercise

HO, WO, CI, CO, G, KH, KW = sp.symbols("H_out W_out C_in C_out G K_h K_w", integer=True, positive=True)
CONV_MACS = sp.lambdify((HO, WO, CI, CO, G, KH, KW), HO * WO * CO * (CI / G) * KH * KW, "math")


def _conv(C_in, C_out, K, size, *, stride=1, groups=1, bias=True):
    """(parameters, MACs, output size) of one convolution with padding K // 2."""
    out = OUT(size, K, stride, K // 2, 1)
    return (CONV_PARAMS(C_in, C_out, K, K, groups, int(bias)),
            CONV_MACS(out, out, C_in, C_out, groups, K, K), out)


def _total(*convs, bn_channels=()):
    return (sum(c[0] for c in convs) + sum(2 * c for c in bn_channels), sum(c[1] for c in convs))


def _inception(p):
    C, N = p["channels"], p["size"]
    naive = [_conv(C, p["c1"], 1, N), _conv(C, p["c3"], 3, N), _conv(C, p["c5"], 5, N)]
    reduced = [_conv(C, p["c1"], 1, N), _conv(C, p["c3_reduce"], 1, N), _conv(p["c3_reduce"], p["c3"], 3, N),
               _conv(C, p["c5_reduce"], 1, N), _conv(p["c5_reduce"], p["c5"], 5, N), _conv(C, p["pool_proj"], 1, N)]
    channels = p["c1"] + p["c3"] + p["c5"] + C  # the pool branch passes the input through
    return {"a": channels, **dict(zip("bc", _total(*naive))), **dict(zip("de", _total(*reduced)))}


def _dense(p):
    C0, k, L = p["channels"], p["growth"], p["layers"]
    channels = tuple(C0 + l * k for l in range(1, L + 1))
    seen = (C0, *channels[:-1])  # what layer l receives
    if p["bottleneck"]:  # BN, 1x1 to 4k (no bias), BN, 3x3 to k (no bias)
        layer = [2 * c + CONV_PARAMS(c, 4 * k, 1, 1, 1, 0) + 2 * 4 * k + CONV_PARAMS(4 * k, k, 3, 3, 1, 0) for c in seen]
    else:  # BN, 3x3 to k with bias
        layer = [2 * c + CONV_PARAMS(c, k, 3, 3, 1, 1) for c in seen]
    return {"a": channels, "b": layer[-1], "c": sum(layer)}


def _residual(p):
    w, N, down = p["width"], p["size"], p["downsample"]
    s = 2 if down else 1
    basic_in, neck_in = (w // 2, 2 * w) if down else (w, 4 * w)
    first = _conv(basic_in, w, 3, N, stride=s, bias=False)
    basic = [first, _conv(w, w, 3, first[2], bias=False)]
    # The bottleneck's stride sits on its 3x3 (torchvision's ResNet v1.5).
    reduce_ = _conv(neck_in, w, 1, N, bias=False)
    middle = _conv(w, w, 3, N, stride=s, bias=False)
    neck = [reduce_, middle, _conv(w, 4 * w, 1, middle[2], bias=False)]
    basic_bn, neck_bn = [w, w], [w, w, 4 * w]
    if down:  # projection shortcuts: 1x1 conv of stride 2, then batch norm
        basic.append(_conv(basic_in, w, 1, N, stride=2, bias=False))
        neck.append(_conv(neck_in, 4 * w, 1, N, stride=2, bias=False))
        basic_bn.append(w)
        neck_bn.append(4 * w)
    return {**dict(zip("ab", _total(*basic, bn_channels=basic_bn))),
            **dict(zip("cd", _total(*neck, bn_channels=neck_bn)))}


def _grouped(p):
    C, F, K, G_, S, N, b = (p[k] for k in ("channels", "filters", "kernel", "groups", "stride", "size", "bias"))
    plain = _conv(C, F, K, N, stride=S, bias=b)
    grouped = _conv(C, F, K, N, stride=S, groups=G_, bias=b)
    return {"a": plain[0], "b": plain[1], "c": grouped[0], "d": grouped[1]}


_CLOSED_FORMS = {"inception": _inception, "dense-block": _dense, "basic-vs-bottleneck": _residual,
                 "grouped-conv": _grouped}


def test_block_cost_matches_the_layer_by_layer_formulas():
    seen = set()
    for v in variants("block-cost", 700):
        p = v.params
        seen.add((v.difficulty, p["type"]))
        assert answers(v) == _CLOSED_FORMS[p["type"]](p), p
        if p["type"] == "grouped-conv":  # grouping divides the weights and the MACs by G
            a, biases = answers(v), p["filters"] * p["bias"]
            assert a["b"] == p["groups"] * a["d"]
            assert a["a"] - biases == p["groups"] * (a["c"] - biases)
    assert seen == {(d, t) for d in ("easy", "medium", "hard") for t in _CLOSED_FORMS}


def test_googlenet_inception_3a_costs_the_papers_128_million_operations():
    """Szegedy et al. 2015, Table 1, inception (3a) on 28x28x192: 128M multiply-adds."""
    ex = get_exercise("block-cost")
    v = ex.from_params({"type": "inception", "channels": 192, "size": 28, "c1": 64, "c3_reduce": 96,
                        "c3": 128, "c5_reduce": 16, "c5": 32, "pool_proj": 32})
    a = answers(v)
    assert round(a["e"] / 1e6) == 128
    assert a["a"] == 64 + 128 + 32 + 192


def test_resnet_bottleneck_costs_about_as_much_as_the_basic_block():
    """He et al. 2016, Fig. 5: the 256-d bottleneck and the 64-d basic block have similar
    time complexity (here within 6 %) though the bottleneck outputs four times the channels."""
    ex = get_exercise("block-cost")
    a = answers(ex.from_params({"type": "basic-vs-bottleneck", "width": 64, "size": 56, "downsample": False}))
    assert abs(a["d"] / a["b"] - 1) < 0.06
    assert a["a"] == 2 * 9 * 64 * 64 + 4 * 64
