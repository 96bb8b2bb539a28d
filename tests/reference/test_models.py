"""The architectures and blocks: parameter counts against published figures, GoogLeNet's
Table 1, LeNet-5's paper counts, and each block's forward against a hand-written formula.
The named architectures of the notes (ZFNet, AlexNet 2012, NiN, Inception-v3, ResNeXt, Wide
ResNet, DenseNet, SqueezeNet, MobileNets, EfficientNet, CIFAR ResNets) are in
test_named_models.py."""

import pytest
import torch
import torch.nn.functional as F

from _block_checks import bn_eval, randomize

from grader.errors import UserError
from grader.reference.analysis import analyze
from grader.reference.blocks import (BasicBlock, Bottleneck, DenseBlock, Inception, VGGBlock,
                                     conv_bn_act)
from grader.reference.models import LENET5_C3_TABLE, MODEL_NAMES, build_model


def n_params(model, *, trainable_only=False):
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


# torchvision's documented parameter counts (torchvision.models weights tables); torchvision
# itself is not a dependency, so the figures are written here.
TORCHVISION_PARAMS = {
    "alexnet": 61_100_840,
    "vgg11": 132_863_336,
    "vgg16": 138_357_544,
    "vgg16_bn": 138_365_992,
    "vgg19": 143_667_240,
    "resnet18": 11_689_512,
    "resnet34": 21_797_672,
    "resnet50": 25_557_032,
    "resnet101": 44_549_160,
    "resnet152": 60_192_808,
    # Computed with torchvision 0.29.1 itself, in a side virtualenv (torch 2.14.1):
    # sum(p.numel() for p in torchvision.models.NAME(weights=None).parameters()); they equal
    # the weights tables' figures. inception_v3 is counted with aux_logits=False (our default;
    # the auxiliary head is tested apart below).
    "inception_v3": 23_834_568,
    "resnext50_32x4d": 25_028_904,
    "resnext101_32x8d": 88_791_336,
    "resnext101_64x4d": 83_455_272,
    "wide_resnet50_2": 68_883_240,
    "wide_resnet101_2": 126_886_696,
    "densenet121": 7_978_856,
    "densenet161": 28_681_000,
    "densenet169": 14_149_480,
    "densenet201": 20_013_928,
    "squeezenet1_0": 1_248_424,
    "squeezenet1_1": 1_235_496,
    "mobilenet_v2": 3_504_872,
    "mobilenet_v3_small": 2_542_856,
    "mobilenet_v3_large": 5_483_032,
    "efficientnet_b0": 5_288_548,
}


@pytest.mark.parametrize("name, expected", sorted(TORCHVISION_PARAMS.items()))
def test_parameter_totals_equal_torchvision(name, expected):
    # Built on the meta device: the shapes exist, no weight is allocated.
    model = build_model(name, device="meta")
    assert n_params(model) == expected


def test_inception_v3_auxiliary_head_matches_torchvision_default():
    # torchvision 0.29.1's inception_v3() keeps aux_logits=True: 27,161,264 parameters.
    assert n_params(build_model("inception_v3", aux_logits=True, device="meta")) == 27_161_264


def test_every_listed_model_builds_on_meta_with_a_default_input():
    for name in MODEL_NAMES:
        model = build_model(name, device="meta")
        assert len(model.default_input_shape) == 3, name
        assert n_params(model) > 0, name


# --- LeNet-5 (LeCun et al. 1998, section II.B) -------------------------------------------

def test_lenet5_layer_parameters_are_the_papers():
    # The paper's figures: C1 156, S2 12, C3 1,516, S4 32, C5 48,120, F6 10,164 trainable
    # parameters, 60,000 in all; the RBF output's 84 x 10 parameters are fixed.
    model = build_model("lenet5")
    per_layer = {name: n_params(getattr(model, name)) for name in
                 ("c1", "s2", "c3", "s4", "c5", "f6", "output")}
    assert per_layer == {"c1": 156, "s2": 12, "c3": 1_516, "s4": 32, "c5": 48_120,
                         "f6": 10_164, "output": 840}
    assert n_params(model, trainable_only=True) == 60_000
    assert n_params(model.output, trainable_only=True) == 0


def test_lenet5_c3_connection_table_has_the_papers_structure():
    # Six maps read 3 contiguous S2 maps, six read 4 contiguous, three read 4
    # non-contiguous, one reads all six (Table I).
    def contiguous(inputs):
        return any(set(inputs) == {(start + i) % 6 for i in range(len(inputs))}
                   for start in range(6))

    sizes = [len(t) for t in LENET5_C3_TABLE]
    assert sizes == [3] * 6 + [4] * 9 + [6]
    assert all(contiguous(t) for t in LENET5_C3_TABLE[:12])
    assert not any(contiguous(t) for t in LENET5_C3_TABLE[12:15])
    assert sum(sizes) == 60   # 60 kernels of 25 weights + 16 biases = 1,516


def test_lenet5_connections_match_the_paper():
    # The paper counts connections (weights and biases applied per output unit):
    # C1 122,304, C3 151,600, C5 48,120. Our MACs exclude the bias, so add one per unit.
    rows = {r.name: r for r in analyze("lenet5").layers}
    units = {name: rows[name].output_shape[0] * rows[name].output_shape[1]
             * rows[name].output_shape[2] for name in ("c1", "c3", "c5")}
    assert rows["c1"].macs + units["c1"] == 122_304
    assert rows["c3"].macs + units["c3"] == 151_600
    assert rows["c5"].macs + units["c5"] == 48_120


def test_lenet5_c3_computes_only_its_connections():
    # Output map j of C3 must not change when an input map outside table[j] changes.
    torch.manual_seed(0)
    c3 = build_model("lenet5").c3.double()
    x = torch.randn(1, 6, 14, 14, dtype=torch.float64)
    base = c3(x)
    for j, inputs in enumerate(LENET5_C3_TABLE):
        outside = [i for i in range(6) if i not in inputs]
        if not outside:
            continue
        y = x.clone()
        y[:, outside] += 1.0
        assert torch.equal(c3(y)[:, j], base[:, j]), j
        inside = x.clone()
        inside[:, inputs[0]] += 1.0
        assert not torch.equal(c3(inside)[:, j], base[:, j]), j


def test_lenet5_runs_on_real_inputs():
    out = build_model("lenet5")(torch.zeros(2, 1, 32, 32))
    assert out.shape == (2, 10)
    out = build_model("lenet5-d2l")(torch.zeros(2, 1, 28, 28))
    assert out.shape == (2, 10)


def test_lenet5_d2l_parameters():
    # 6*(25+1) + 16*(6*25+1) + 120*(400+1) + 84*(120+1) + 10*(84+1)
    assert n_params(build_model("lenet5-d2l")) == 156 + 2_416 + 48_120 + 10_164 + 850


def test_alexnet_d2l_parameters():
    # conv 1->96 (11x11), 96->256 (5x5), 256->384, 384->384, 384->256 (3x3), fc 6400->4096,
    # 4096->4096, 4096->10, each with biases.
    expected = (96 * 121 + 96) + (256 * 96 * 25 + 256) + (384 * 256 * 9 + 384) \
        + (384 * 384 * 9 + 384) + (256 * 384 * 9 + 256) + (4096 * 6400 + 4096) \
        + (4096 * 4096 + 4096) + (10 * 4096 + 10)
    assert n_params(build_model("alexnet-d2l", device="meta")) == expected


# --- GoogLeNet (Szegedy et al. 2015, Table 1) --------------------------------------------

# Table 1's "output size" column, HxWxC, for the rows our modules correspond to.
GOOGLENET_TABLE1 = {
    "conv1": (112, 112, 64),        # convolution 7x7/2
    "pool1": (56, 56, 64),          # max pool 3x3/2
    "conv2": (56, 56, 192),         # convolution 3x3/1 (with its 1x1 reduction)
    "pool2": (28, 28, 192),         # max pool 3x3/2
    "inception3a": (28, 28, 256),
    "inception3b": (28, 28, 480),
    "pool3": (14, 14, 480),
    "inception4a": (14, 14, 512),
    "inception4b": (14, 14, 512),
    "inception4c": (14, 14, 512),
    "inception4d": (14, 14, 528),
    "inception4e": (14, 14, 832),
    "pool4": (7, 7, 832),
    "inception5a": (7, 7, 832),
    "inception5b": (7, 7, 1024),
    "avgpool": (1, 1, 1024),        # avg pool 7x7/1
    "dropout": (1, 1, 1024),        # dropout (40%)
}


def test_googlenet_stage_outputs_match_table_1():
    rows = {r.name: r.output_shape for r in analyze("googlenet", depth=1).layers}
    for name, (h, w, c) in GOOGLENET_TABLE1.items():
        assert rows[name] == (c, h, w), name
    assert rows["fc"] == (1000,)    # linear 1x1x1000


def test_googlenet_ops_of_early_stages_match_table_1():
    # Table 1's "ops" column counts weight multiply-accumulates (no bias), in millions:
    # convolution 3x3/1 360M, inception (3a) 128M, inception (3b) 304M.
    rows = {r.name: r.macs for r in analyze("googlenet", depth=1).layers}
    assert round(rows["conv2"] / 1e6) == 360
    assert round(rows["inception3a"] / 1e6) == 128
    assert round(rows["inception3b"] / 1e6) == 304


# --- blocks ------------------------------------------------------------------------------

def conv(x, w, *, stride=1):
    """Same-padded convolution (odd kernels), written apart from the blocks."""
    return F.conv2d(x, w, stride=stride, padding=w.shape[-1] // 2)


def test_basic_block_identity_shortcut_matches_formula():
    block = randomize(BasicBlock(8, 8))
    assert isinstance(block.shortcut, torch.nn.Identity)
    x = torch.randn(2, 8, 7, 9, dtype=torch.float64)
    h = torch.relu(bn_eval(conv(x, block.conv1.weight), block.bn1))
    expected = torch.relu(bn_eval(conv(h, block.conv2.weight), block.bn2) + x)
    torch.testing.assert_close(block(x), expected, rtol=1e-12, atol=1e-12)


def test_basic_block_projection_shortcut_matches_formula():
    block = randomize(BasicBlock(4, 6, stride=2))
    proj_conv, proj_bn = block.shortcut[0], block.shortcut[1]
    assert proj_conv.kernel_size == (1, 1) and proj_conv.stride == (2, 2)
    x = torch.randn(2, 4, 9, 8, dtype=torch.float64)
    h = torch.relu(bn_eval(conv(x, block.conv1.weight, stride=2), block.bn1))
    s = bn_eval(F.conv2d(x, proj_conv.weight, stride=2), proj_bn)
    expected = torch.relu(bn_eval(conv(h, block.conv2.weight), block.bn2) + s)
    torch.testing.assert_close(block(x), expected, rtol=1e-12, atol=1e-12)
    assert block(x).shape == (2, 6, 5, 4)


def test_basic_block_projection_can_be_forced_and_identity_refused():
    forced = BasicBlock(8, 8, shortcut="projection")
    assert n_params(forced) == n_params(BasicBlock(8, 8)) + 8 * 8 + 2 * 8
    with pytest.raises(UserError, match="identity shortcut"):
        BasicBlock(8, 16, shortcut="identity")
    with pytest.raises(UserError, match="shortcut must be one of"):
        BasicBlock(8, 8, shortcut="dense")


def test_bottleneck_block_matches_formula_and_counts():
    block = randomize(Bottleneck(16, 4, stride=2))
    x = torch.randn(1, 16, 8, 8, dtype=torch.float64)
    h = torch.relu(bn_eval(F.conv2d(x, block.conv1.weight), block.bn1))
    h = torch.relu(bn_eval(conv(h, block.conv2.weight, stride=2), block.bn2))
    h = bn_eval(F.conv2d(h, block.conv3.weight), block.bn3)
    s = bn_eval(F.conv2d(x, block.shortcut[0].weight, stride=2), block.shortcut[1])
    torch.testing.assert_close(block(x), torch.relu(h + s), rtol=1e-12, atol=1e-12)
    # 1x1 16->4, 3x3 4->4, 1x1 4->16, projection 1x1 16->16, BN weight+bias on 4, 4, 16, 16.
    assert n_params(block) == 16 * 4 + 4 * 4 * 9 + 4 * 16 + 16 * 16 + 2 * (4 + 4 + 16 + 16)
    assert isinstance(Bottleneck(16, 4).shortcut, torch.nn.Identity)


def test_inception_concatenates_four_branches():
    torch.manual_seed(2)
    block = Inception(8, c1=2, c3_reduce=3, c3=4, c5_reduce=1, c5=5, pool_proj=6).double()
    x = torch.randn(1, 8, 6, 7, dtype=torch.float64)
    out = block(x)
    assert out.shape == (1, 2 + 4 + 5 + 6, 6, 7) and block.out_channels == 17

    def cr(m, t):   # conv + ReLU of a conv_bn_act without BN
        return torch.relu(F.conv2d(t, m[0].weight, m[0].bias, padding=m[0].padding))

    b1 = cr(block.branch1, x)
    b2 = cr(block.branch2[1], cr(block.branch2[0], x))
    b3 = cr(block.branch3[1], cr(block.branch3[0], x))
    b4 = cr(block.branch4[1], F.max_pool2d(x, 3, stride=1, padding=1))
    assert block.branch3[1][0].kernel_size == (5, 5)
    torch.testing.assert_close(out, torch.cat([b1, b2, b3, b4], dim=1), rtol=1e-12, atol=1e-12)


def test_dense_block_grows_channels_and_keeps_its_input():
    block = DenseBlock(5, num_layers=3, growth_rate=4).eval()
    x = torch.randn(1, 5, 6, 6)
    out = block(x)
    assert out.shape == (1, 5 + 3 * 4, 6, 6) and block.out_channels == 17
    torch.testing.assert_close(out[:, :5], x)   # dense connectivity: the input passes through
    # layer l: BN on 5+4l channels (2 each) + 3x3 conv (5+4l)->4 with bias
    assert n_params(block) == sum(2 * c + c * 4 * 9 + 4 for c in (5, 9, 13))
    bottleneck = DenseBlock(5, num_layers=1, growth_rate=4, bn_size=2)
    assert n_params(bottleneck) == 2 * 5 + 5 * 8 + 2 * 8 + 8 * 4 * 9


def test_vgg_block_halves_the_size():
    block = VGGBlock(3, 8, num_convs=2, batch_norm=True)
    assert block(torch.zeros(1, 3, 10, 12)).shape == (1, 8, 5, 6)
    assert n_params(block) == (3 * 8 * 9 + 8) + (8 * 8 * 9 + 8) + 2 * 2 * 8
    assert n_params(conv_bn_act(3, 8)) == 3 * 8 * 9 + 2 * 8   # BN replaces the conv bias


# --- the catalogue -----------------------------------------------------------------------

def test_unknown_model_names_the_closest_one():
    with pytest.raises(UserError, match=r"unknown model 'resnet19' \(did you mean 'resnet18'\?\)"):
        build_model("resnet19")


def test_bad_model_option_is_a_user_error():
    with pytest.raises(UserError, match="does not accept these options"):
        build_model("vgg16", colour="red", device="meta")
    assert build_model("vgg16-bn", num_classes=10, device="meta").classifier[-1].out_features == 10
