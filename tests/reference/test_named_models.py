"""The named architectures of the notes, against their papers' tables: output shapes per
stage, parameter counts written out layer by layer (or the papers' own totals), MACs where
a paper gives them, and each new block's forward against a hand-written formula.

torchvision's totals for the models it has are asserted in test_models.py
(TORCHVISION_PARAMS); test_models_torchvision.py compares against torchvision itself when it
is installed."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from _block_checks import bn_eval, randomize

from grader.errors import UserError
from grader.reference.analysis import analyze
from grader.reference.blocks import (BasicBlock, Bottleneck, DepthwiseSeparable, Fire,
                                     InceptionE, InvertedResidual, MlpConv, SqueezeExcitation,
                                     Transition)
from grader.reference.catalogue import MODEL_NAMES
from grader.reference.models import CifarResNet, build_model, make_divisible

ROOT = Path(__file__).resolve().parents[2]


def n_params(model):
    return sum(p.numel() for p in model.parameters())


def conv_params(c_in, c_out, k, *, groups=1, bias=True):
    """A k x k (or kh x kw) convolution's parameters, from its definition."""
    kh, kw = (k, k) if isinstance(k, int) else k
    return c_out * (c_in // groups) * kh * kw + (c_out if bias else 0)


def dense_params(n_in, n_out):
    return n_in * n_out + n_out


def shapes(name, *, depth=None, **kwargs):
    """{row name: output shape as (H, W, C) or (D,)} of a model's analysis."""
    rows = analyze(name, depth=depth, **kwargs).layers
    return {r.name: (r.output_shape[1], r.output_shape[2], r.output_shape[0])
            if len(r.output_shape) == 3 else r.output_shape for r in rows}


def assert_rows(found, expected):
    for name, shape in expected.items():
        assert found[name] == shape, (name, found[name], shape)


# --- every model: `cnngrade inspect NAME` ------------------------------------------------

@pytest.mark.parametrize("name", MODEL_NAMES)
def test_every_model_analyses_on_meta_with_a_field_on_every_row(name):
    analysis = analyze(name)
    assert analysis.device == "meta"
    assert sum(r.params for r in analysis.layers) == analysis.total_params
    assert all(r.receptive_field is not None for r in analysis.layers), name
    assert len(analysis.output_shape) == 1 and analysis.total_macs > 0


def test_inspect_help_lists_every_model_without_importing_torch():
    code = ("import sys\nfrom cli import main\n"
            "try:\n    main(['inspect', '--help'])\nexcept SystemExit:\n    pass\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())   # click wraps the list across lines
    listed = text.split("is a model name (", 1)[1].split(";", 1)[0].split(", ")
    assert listed == list(MODEL_NAMES)


def test_unknown_model_lists_the_new_names():
    with pytest.raises(UserError, match=r"did you mean 'densenet121'.*efficientnet_b0"):
        build_model("densenet122")


# --- AlexNet as the notes draw it (Krizhevsky et al. 2012) -------------------------------

# Fig. 2 of the paper and the notes: 55x55x96, pooled 27x27, 27x27x256, pooled 13x13, ...
ALEXNET_2012_ROWS = {
    "features.conv1": (55, 55, 96), "features.pool1": (27, 27, 96),
    "features.conv2": (27, 27, 256), "features.pool2": (13, 13, 256),
    "features.conv3": (13, 13, 384), "features.conv4": (13, 13, 384),
    "features.conv5": (13, 13, 256), "features.pool5": (6, 6, 256),
    "classifier.fc6": (4096,), "classifier.fc7": (4096,), "classifier.fc8": (1000,),
}


def alexnet_2012_params(groups):
    """Conv2, conv4 and conv5 see only their own tower's maps when split (Fig. 2)."""
    return (conv_params(3, 96, 11) + conv_params(96, 256, 5, groups=groups)
            + conv_params(256, 384, 3) + conv_params(384, 384, 3, groups=groups)
            + conv_params(384, 256, 3, groups=groups) + dense_params(256 * 6 * 6, 4096)
            + dense_params(4096, 4096) + dense_params(4096, 1000))


@pytest.mark.parametrize("name, groups", [("alexnet-notes", 1), ("alexnet-2012-two-tower", 2)])
def test_alexnet_2012_shapes_and_parameters(name, groups):
    assert_rows(shapes(name), ALEXNET_2012_ROWS)
    assert n_params(build_model(name, device="meta")) == alexnet_2012_params(groups)


def test_alexnet_2012_totals_are_the_notes_and_the_papers():
    # The notes' "62M" for one tower, the paper's "60 million parameters" for two.
    assert alexnet_2012_params(1) == 62_378_344
    assert alexnet_2012_params(2) == 60_965_224


def test_two_towers_keep_their_maps_apart():
    # Conv2's first 128 filters (GPU 1) read only conv1's first 48 maps; conv3 reads all.
    model = build_model("alexnet-2012-two-tower", device="meta")
    conv2 = model.features.conv2.to_empty(device="cpu").double()
    torch.manual_seed(3)
    torch.nn.init.normal_(conv2.weight)
    torch.nn.init.normal_(conv2.bias)
    x = torch.randn(1, 96, 9, 9, dtype=torch.float64)
    changed = x.clone()
    changed[:, 48:] += 1.0
    assert torch.equal(conv2(changed)[:, :128], conv2(x)[:, :128])
    assert not torch.equal(conv2(changed)[:, 128:], conv2(x)[:, 128:])
    assert model.features.conv3.groups == 1 and model.features.conv3.in_channels == 256


def test_alexnet_2012_normalisation_is_the_papers_formula():
    # Section 3.3: b_i = a_i / (k + alpha * sum_{j = i-n/2}^{i+n/2} a_j^2)^beta, with
    # k = 2, n = 5, alpha = 1e-4, beta = 0.75 and the sum clipped at the first and last map.
    norm = build_model("alexnet-notes", device="meta").features.norm1
    torch.manual_seed(4)
    a = 30 * torch.randn(1, 7, 2, 3, dtype=torch.float64)   # large enough that alpha matters
    expected = torch.empty_like(a)
    for i in range(7):
        window = a[:, max(0, i - 2):min(7, i + 3)]
        expected[:, i] = a[:, i] / (2 + 1e-4 * (window ** 2).sum(dim=1)) ** 0.75
    torch.testing.assert_close(norm(a), expected, rtol=1e-12, atol=0)


# --- ZFNet (Zeiler & Fergus 2014, Fig. 3) ------------------------------------------------

def test_zfnet_follows_figure_3():
    assert_rows(shapes("zfnet"), {
        "features.conv1": (110, 110, 96), "features.pool1": (55, 55, 96),
        "features.conv2": (26, 26, 256), "features.pool2": (13, 13, 256),
        "features.conv3": (13, 13, 384), "features.conv4": (13, 13, 384),
        "features.conv5": (13, 13, 256), "features.pool5": (6, 6, 256),
        "classifier.fc8": (1000,),
    })
    expected = (conv_params(3, 96, 7) + conv_params(96, 256, 5) + conv_params(256, 384, 3)
                + conv_params(384, 384, 3) + conv_params(384, 256, 3)
                + dense_params(256 * 36, 4096) + dense_params(4096, 4096)
                + dense_params(4096, 1000))
    assert n_params(build_model("zfnet", device="meta")) == expected


def test_zfnet_notes_variant_has_512_1024_512_filters():
    rows = shapes("zfnet-notes")
    assert [rows[f"features.conv{i}"][2] for i in (3, 4, 5)] == [512, 1024, 512]
    expected = (conv_params(3, 96, 7) + conv_params(96, 256, 5) + conv_params(256, 512, 3)
                + conv_params(512, 1024, 3) + conv_params(1024, 512, 3)
                + dense_params(512 * 36, 4096) + dense_params(4096, 4096)
                + dense_params(4096, 1000))
    assert n_params(build_model("zfnet-notes", device="meta")) == expected


# --- Network in Network (Lin et al. 2014; ImageNet form of d2l.ai 8.3) -------------------

def test_nin_mlpconv_layers_and_global_pooling_instead_of_dense_layers():
    assert_rows(shapes("nin", depth=1), {
        "mlpconv1": (54, 54, 96), "pool1": (26, 26, 96), "mlpconv2": (26, 26, 256),
        "pool2": (12, 12, 256), "mlpconv3": (12, 12, 384), "pool3": (5, 5, 384),
        "mlpconv4": (5, 5, 1000), "avgpool": (1, 1, 1000), "flatten": (1000,),
    })
    model = build_model("nin", device="meta")
    assert not any(isinstance(m, torch.nn.Linear) for m in model.modules())

    def mlpconv(c_in, c, k):
        return conv_params(c_in, c, k) + 2 * conv_params(c, c, 1)

    assert n_params(model) == (mlpconv(3, 96, 11) + mlpconv(96, 256, 5) + mlpconv(256, 384, 3)
                               + mlpconv(384, 1000, 3))


def test_mlpconv_is_a_convolution_and_two_shared_perceptron_layers():
    torch.manual_seed(5)
    block = MlpConv(3, 4, kernel_size=3, padding=1).double()
    x = torch.randn(2, 3, 5, 6, dtype=torch.float64)
    c1, c2, c3 = block[0], block[2], block[4]
    h = torch.relu(F.conv2d(x, c1.weight, c1.bias, padding=1))
    # A 1x1 convolution is a dense layer applied at every position (the notes' point).
    h = torch.relu(torch.einsum("oc,nchw->nohw", c2.weight[:, :, 0, 0], h)
                   + c2.bias.view(1, -1, 1, 1))
    h = torch.relu(torch.einsum("oc,nchw->nohw", c3.weight[:, :, 0, 0], h)
                   + c3.bias.view(1, -1, 1, 1))
    torch.testing.assert_close(block(x), h, rtol=1e-12, atol=1e-12)


# --- Inception-v3 (Szegedy et al. 2016, Table 1) -----------------------------------------

def test_inception_v3_grid_sizes_follow_table_1():
    # Table 1's grids: 35x35x288 after the three 35x35 modules, 17x17x768 after the five
    # 17x17 ones, 8x8x1280 after the reduction, 8x8x2048 into the pool; torchvision's stem.
    assert_rows(shapes("inception_v3", depth=1), {
        "conv1a": (149, 149, 32), "conv2a": (147, 147, 32), "conv2b": (147, 147, 64),
        "maxpool1": (73, 73, 64), "conv3b": (73, 73, 80), "conv4a": (71, 71, 192),
        "maxpool2": (35, 35, 192), "mixed5b": (35, 35, 256), "mixed5d": (35, 35, 288),
        "mixed6a": (17, 17, 768), "mixed6e": (17, 17, 768), "mixed7a": (8, 8, 1280),
        "mixed7b": (8, 8, 2048), "mixed7c": (8, 8, 2048), "avgpool": (1, 1, 2048),
        "fc": (1000,),
    })
    assert build_model("inception_v3", device="meta").default_input_shape == (3, 299, 299)


def test_inception_v3_auxiliary_head_runs_only_in_training():
    model = build_model("inception_v3", aux_logits=True, num_classes=7, device="meta")
    x = torch.zeros(2, 3, 299, 299, device="meta")
    logits, aux = model.train()(x)
    assert logits.shape == aux.shape == (2, 7)
    assert model.eval()(x).shape == (2, 7)


def test_inception_e_splits_its_3x3_branches_in_two():
    block = randomize(InceptionE(16))
    x = torch.randn(1, 16, 5, 5, dtype=torch.float64)

    def unit(m, t):   # conv (no bias) + BN + ReLU of a conv_bn_act
        return torch.relu(bn_eval(F.conv2d(t, m[0].weight, padding=m[0].padding), m[1]))

    b3 = unit(block.branch3x3, x)
    dbl = unit(block.branch3x3dbl[1], unit(block.branch3x3dbl[0], x))
    pool = unit(block.branch_pool[1], F.avg_pool2d(x, 3, stride=1, padding=1))
    expected = torch.cat([unit(block.branch1x1, x), unit(block.branch3x3_a, b3),
                          unit(block.branch3x3_b, b3), unit(block.branch3x3dbl_a, dbl),
                          unit(block.branch3x3dbl_b, dbl), pool], dim=1)
    torch.testing.assert_close(block(x), expected, rtol=1e-12, atol=1e-12)
    assert expected.shape[1] == block.out_channels == 2048
    assert block.branch3x3_a[0].kernel_size == (1, 3) and block.branch3x3_b[0].kernel_size == (3, 1)


# --- ResNeXt (Xie et al. 2017, Table 1) and Wide ResNet ----------------------------------

def test_resnext50_32x4d_follows_table_1():
    assert_rows(shapes("resnext50_32x4d", depth=1), {
        "maxpool": (56, 56, 64), "layer1": (56, 56, 256), "layer2": (28, 28, 512),
        "layer3": (14, 14, 1024), "layer4": (7, 7, 2048), "fc": (1000,),
    })
    model = build_model("resnext50_32x4d", device="meta")
    # conv2 of the first stage: 3x3, 128 channels in 32 groups of 4 ("32x4d", C = 32).
    conv = model.layer1[0].conv2
    assert (conv.groups, tuple(conv.weight.shape)) == (32, (128, 4, 3, 3))
    assert tuple(model.layer4[0].conv2.weight.shape) == (1024, 32, 3, 3)
    # Table 1's totals: 25.0 x 10^6 parameters, 4.2 x 10^9 FLOPs (multiply-adds).
    analysis = analyze("resnext50_32x4d")
    assert round(analysis.total_params / 1e6, 1) == 25.0
    assert round(analysis.total_macs / 1e9, 1) == 4.2


def test_wide_resnet_doubles_the_bottleneck_width_and_keeps_the_outputs():
    wide = build_model("wide_resnet50_2", device="meta")
    plain = build_model("resnet50", device="meta")
    for stage in ("layer1", "layer2", "layer3", "layer4"):
        w, p = getattr(wide, stage)[0], getattr(plain, stage)[0]
        assert w.conv2.out_channels == 2 * p.conv2.out_channels
        assert w.out_channels == p.out_channels
    assert build_model("resnext101_32x8d", device="meta").layer1[0].conv2.out_channels == 256


def test_grouped_bottleneck_counts_and_refusals():
    block = Bottleneck(64, 128, groups=32, out_channels=256)
    # 1x1 64->128, grouped 3x3 128->128 (4 inputs per filter), 1x1 128->256, projection
    # 64->256; BN weight and bias on 128, 128, 256, 256.
    assert n_params(block) == (64 * 128 + 128 * 4 * 9 + 128 * 256 + 64 * 256
                               + 2 * (128 + 128 + 256 + 256))
    with pytest.raises(UserError, match="basic blocks"):
        build_model("resnet18", groups=32, device="meta")


# --- the CIFAR-10 ResNets (He et al. 2016, section 4.2, Table 6) -------------------------

def cifar_resnet_params(n, *, projection=False):
    """Section 4.2: a 3x3 convolution to 16 maps, 3 stages of n basic blocks (two 3x3
    convolutions without bias, each with BN) on 16, 32 and 64 maps, a 64 -> 10 dense layer.
    Option A shortcuts add nothing; option B adds a 1x1 projection + BN where maps double."""
    total = conv_params(3, 16, 3, bias=False) + 2 * 16
    c_in = 16
    for c in (16, 32, 64):
        for _ in range(n):
            total += conv_params(c_in, c, 3, bias=False) + conv_params(c, c, 3, bias=False)
            total += 2 * c + 2 * c
            if projection and c_in != c:
                total += c_in * c + 2 * c
            c_in = c
    return total + dense_params(64, 10)


# depth -> (exact count, Table 6's "# params")
CIFAR_RESNETS = {20: (269_722, "0.27M"), 32: (464_154, "0.46M"), 44: (658_586, "0.66M"),
                 56: (853_018, "0.85M"), 110: (1_727_962, "1.7M"),
                 1202: (19_421_274, "19.4M")}


@pytest.mark.parametrize("depth", sorted(CIFAR_RESNETS))
def test_cifar_resnet_counts_match_table_6(depth):
    exact, paper = CIFAR_RESNETS[depth]
    total = n_params(build_model(f"resnet{depth}-cifar", device="meta"))
    assert total == exact == cifar_resnet_params((depth - 2) // 6)
    digits = len(paper.split(".")[1]) - 1
    assert f"{round(total / 1e6, digits)}M" == paper


def test_cifar_resnet_stages_and_option_a_shortcut():
    assert_rows(shapes("resnet20-cifar", depth=1), {
        "conv1": (32, 32, 16), "layer1": (32, 32, 16), "layer2": (16, 16, 32),
        "layer3": (8, 8, 64), "avgpool": (1, 1, 64), "fc": (10,),
    })
    option_b = build_model("resnet20-cifar", shortcut="auto", device="meta")
    assert n_params(option_b) == cifar_resnet_params(3, projection=True)
    with pytest.raises(UserError, match="6n \\+ 2"):
        CifarResNet(depth=21)


def test_zero_pad_shortcut_block_matches_formula():
    block = randomize(BasicBlock(4, 8, stride=2, shortcut="zero-pad"))
    x = torch.randn(2, 4, 7, 6, dtype=torch.float64)
    h = torch.relu(bn_eval(F.conv2d(x, block.conv1.weight, stride=2, padding=1), block.bn1))
    h = bn_eval(F.conv2d(h, block.conv2.weight, padding=1), block.bn2)
    sub = x[:, :, ::2, ::2]
    shortcut = torch.cat([sub, torch.zeros_like(sub)], dim=1)   # 4 zero maps added
    torch.testing.assert_close(block(x), torch.relu(h + shortcut), rtol=1e-12, atol=1e-12)
    assert n_params(block.shortcut) == 0
    assert isinstance(BasicBlock(8, 8, shortcut="zero-pad").shortcut, torch.nn.Identity)


# --- DenseNet (Huang et al. 2017, Table 1) -----------------------------------------------

@pytest.mark.parametrize("depth, block3, block4", [(121, 24, 16), (169, 32, 32), (201, 48, 32)])
def test_densenet_follows_table_1(depth, block3, block4):
    # k = 32, 64 stem channels; each transition halves the channels (compression 0.5).
    c1 = 64 + 6 * 32
    c2 = c1 // 2 + 12 * 32
    c3 = c2 // 2 + block3 * 32
    c4 = c3 // 2 + block4 * 32
    assert_rows(shapes(f"densenet{depth}", depth=1), {
        "conv0": (112, 112, 64), "pool0": (56, 56, 64),
        "denseblock1": (56, 56, c1), "transition1": (28, 28, c1 // 2),
        "denseblock2": (28, 28, c2), "transition2": (14, 14, c2 // 2),
        "denseblock3": (14, 14, c3), "transition3": (7, 7, c3 // 2),
        "denseblock4": (7, 7, c4), "avgpool": (1, 1, c4), "fc": (1000,),
    })


def test_transition_matches_formula():
    block = randomize(Transition(6, 3))
    bn, conv = block[0], block[2]
    x = torch.randn(2, 6, 6, 8, dtype=torch.float64)
    expected = F.avg_pool2d(F.conv2d(torch.relu(bn_eval(x, bn)), conv.weight), 2)
    torch.testing.assert_close(block(x), expected, rtol=1e-12, atol=1e-12)
    assert n_params(block) == 2 * 6 + 6 * 3 and block.out_channels == 3


# --- SqueezeNet (Iandola et al. 2016, Table 1) -------------------------------------------

def test_squeezenet_follows_table_1():
    rows = analyze("squeezenet1_0", depth=1).layers
    found = {r.name: r for r in rows}
    # output size, and "# parameter before pruning" of Table 1 (1,248,424 in all).
    table = {
        "conv1": ((111, 111, 96), 14_208), "maxpool1": ((55, 55, 96), 0),
        "fire2": ((55, 55, 128), 11_920), "fire3": ((55, 55, 128), 12_432),
        "fire4": ((55, 55, 256), 45_344), "maxpool4": ((27, 27, 256), 0),
        "fire5": ((27, 27, 256), 49_440), "fire6": ((27, 27, 384), 104_880),
        "fire7": ((27, 27, 384), 111_024), "fire8": ((27, 27, 512), 188_992),
        "maxpool8": ((13, 13, 512), 0), "fire9": ((13, 13, 512), 197_184),
        "conv10": ((13, 13, 1000), 513_000), "avgpool10": ((1, 1, 1000), 0),
    }
    for name, ((h, w, c), params) in table.items():
        assert found[name].output_shape == (c, h, w), name
        assert found[name].params == params, name
    assert sum(p for _, p in table.values()) == 1_248_424


def test_fire_module_matches_formula():
    torch.manual_seed(6)
    block = Fire(6, squeeze=3, expand1x1=4, expand3x3=5).double()
    x = torch.randn(1, 6, 5, 7, dtype=torch.float64)

    def cr(m, t):
        return torch.relu(F.conv2d(t, m[0].weight, m[0].bias, padding=m[0].padding))

    s = cr(block.squeeze, x)
    torch.testing.assert_close(block(x), torch.cat([cr(block.expand1x1, s),
                                                    cr(block.expand3x3, s)], dim=1),
                               rtol=1e-12, atol=1e-12)
    assert block.out_channels == 9
    assert n_params(block) == conv_params(6, 3, 1) + conv_params(3, 4, 1) + conv_params(3, 5, 3)


# --- MobileNet v1 (Howard et al. 2017, Table 1) ------------------------------------------

def test_mobilenet_v1_follows_table_1():
    channels = [64, 128, 128, 256, 256] + [512] * 6 + [1024, 1024]
    sizes = [112, 56, 56, 28, 28] + [14] * 6 + [7, 7]
    rows = shapes("mobilenet_v1", depth=1)
    assert rows["conv1"] == (112, 112, 32)
    for i, (c, s) in enumerate(zip(channels, sizes), start=1):
        assert rows[f"separable{i}"] == (s, s, c), i
    # Every unit: a bias-free convolution with BN (2 per channel); depthwise is 9 per channel.
    total, c_in = 3 * 32 * 9 + 2 * 32, 32
    for c in channels:
        total += c_in * 9 + 2 * c_in + c_in * c + 2 * c
        c_in = c
    total += dense_params(1024, 1000)
    analysis = analyze("mobilenet_v1")
    assert analysis.total_params == total == 4_231_976   # Table 8: 4.2M
    assert round(analysis.total_macs / 1e6) == 569       # Table 8: 569 million mult-adds


def test_depthwise_separable_is_a_depthwise_then_a_pointwise_convolution():
    block = randomize(DepthwiseSeparable(3, 5, stride=2))
    dw, pw = block[0], block[1]
    assert tuple(dw[0].weight.shape) == (3, 1, 3, 3) and dw[0].groups == 3
    x = torch.randn(1, 3, 7, 7, dtype=torch.float64)
    # Each channel convolved alone with its own 3x3 filter.
    per_channel = torch.cat([F.conv2d(x[:, c:c + 1], dw[0].weight[c:c + 1], stride=2, padding=1)
                             for c in range(3)], dim=1)
    h = torch.relu(bn_eval(per_channel, dw[1]))
    expected = torch.relu(bn_eval(F.conv2d(h, pw[0].weight), pw[1]))
    torch.testing.assert_close(block(x), expected, rtol=1e-12, atol=1e-12)


# --- MobileNet v2 (Sandler et al. 2018, Table 2) -----------------------------------------

def test_mobilenet_v2_follows_table_2():
    assert_rows(shapes("mobilenet_v2", depth=1), {
        "conv1": (112, 112, 32), "stage1": (112, 112, 16), "stage2": (56, 56, 24),
        "stage3": (28, 28, 32), "stage4": (14, 14, 64), "stage5": (14, 14, 96),
        "stage6": (7, 7, 160), "stage7": (7, 7, 320), "conv_last": (7, 7, 1280),
        "avgpool": (1, 1, 1280), "fc": (1000,),
    })
    # Table 4: 300M multiply-adds.
    assert abs(analyze("mobilenet_v2").total_macs / 300e6 - 1) < 0.01


def test_inverted_residual_matches_formula():
    block = randomize(InvertedResidual(4, 4, expanded=12))
    x = torch.randn(2, 4, 5, 5, dtype=torch.float64)

    def unit(m, t, *, groups=1, act=True):
        out = bn_eval(F.conv2d(t, m[0].weight, stride=m[0].stride, padding=m[0].padding,
                               groups=groups), m[1])
        return torch.clamp(out, 0, 6) if act else out   # ReLU6

    h = unit(block.expand, x)
    h = unit(block.depthwise, h, groups=12)
    expected = unit(block.project, h, act=False) + x   # linear bottleneck, then the residual
    torch.testing.assert_close(block(x), expected, rtol=1e-12, atol=1e-12)
    # No residual when the shape changes; no expansion layer when t = 1.
    assert not InvertedResidual(4, 8, expanded=24).use_residual
    assert not InvertedResidual(4, 4, expanded=24, stride=2).use_residual
    assert not hasattr(InvertedResidual(4, 8, expanded=4), "expand")


# --- MobileNet v3 (Howard et al. 2019, Tables 1 and 2) -----------------------------------

def test_mobilenet_v3_large_follows_table_1():
    rows = shapes("mobilenet_v3_large", depth=1)
    expected = [(112, 16), (56, 24), (56, 24), (28, 40), (28, 40), (28, 40), (14, 80),
                (14, 80), (14, 80), (14, 80), (14, 112), (14, 112), (7, 160), (7, 160),
                (7, 160)]
    assert rows["conv1"] == (112, 112, 16)
    for i, (s, c) in enumerate(expected, start=1):
        assert rows[f"bneck{i}"] == (s, s, c), i
    assert rows["conv_last"] == (7, 7, 960) and rows["fc1"] == (1280,)


def test_mobilenet_v3_small_follows_table_2():
    rows = shapes("mobilenet_v3_small", depth=1)
    expected = [(56, 16), (28, 24), (28, 24), (14, 40), (14, 40), (14, 40), (14, 48),
                (14, 48), (7, 96), (7, 96), (7, 96)]
    for i, (s, c) in enumerate(expected, start=1):
        assert rows[f"bneck{i}"] == (s, s, c), i
    assert rows["conv_last"] == (7, 7, 576) and rows["fc1"] == (1024,)


@pytest.mark.parametrize("name, params, madds", [("mobilenet_v3_large", 5.4, 219),
                                                  ("mobilenet_v3_small", 2.5, 56)])
def test_mobilenet_v3_totals_near_table_3(name, params, madds):
    # Table 3 gives 5.4M / 219M and 2.5M / 56M, to two figures (5,483,032 is printed 5.4M);
    # the paper's multiply-adds also count SE and hard-swish products, which our MACs
    # (convolutions and dense layers only) leave out: within 2% both.
    analysis = analyze(name)
    assert abs(analysis.total_params / (params * 1e6) - 1) < 0.02
    assert abs(analysis.total_macs / (madds * 1e6) - 1) < 0.02


def test_make_divisible_rounds_as_the_reference_code():
    assert make_divisible(60) == 64     # nearest multiple of 8
    assert make_divisible(30) == 32
    assert make_divisible(18) == 24     # 16 would be more than 10% below 18
    assert make_divisible(3) == 8       # never below the divisor


def test_squeeze_excitation_matches_formula():
    torch.manual_seed(7)
    block = SqueezeExcitation(6, 2).double()
    x = torch.randn(2, 6, 4, 5, dtype=torch.float64)
    z = x.mean(dim=(2, 3))                                  # squeeze
    s = torch.relu(z @ block.fc1.weight[:, :, 0, 0].T + block.fc1.bias)
    s = torch.sigmoid(s @ block.fc2.weight[:, :, 0, 0].T + block.fc2.bias)   # excitation
    torch.testing.assert_close(block(x), x * s[:, :, None, None], rtol=1e-12, atol=1e-12)


# --- EfficientNet-B0 (Tan & Le 2019, Table 1) --------------------------------------------

def test_efficientnet_b0_follows_table_1():
    assert_rows(shapes("efficientnet_b0", depth=1), {
        "conv1": (112, 112, 32), "stage1": (112, 112, 16), "stage2": (56, 56, 24),
        "stage3": (28, 28, 40), "stage4": (14, 14, 80), "stage5": (14, 14, 112),
        "stage6": (7, 7, 192), "stage7": (7, 7, 320), "conv_last": (7, 7, 1280),
        "fc": (1000,),
    })
    model = build_model("efficientnet_b0", device="meta")
    assert [len(getattr(model, f"stage{i}")) for i in range(1, 8)] == [1, 2, 2, 3, 3, 4, 1]
    assert model.stage3[0].depthwise[0].kernel_size == (5, 5)
    # The paper's totals: 5.3M parameters, 0.39B FLOPS.
    analysis = analyze("efficientnet_b0")
    assert round(analysis.total_params / 1e6, 1) == 5.3
    assert round(analysis.total_macs / 1e9, 2) == 0.39
