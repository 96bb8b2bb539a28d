"""The analysis pass: receptive fields against closed forms, MACs and parameters against
hand counts and published figures, and the meta pass against a real one."""

import json
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from grader.errors import UserError
from grader.reference.analysis import analyze
from grader.reference.blocks import Inception
from grader.reference.models import build_model


COURSE_SPEC = Path(__file__).resolve().parents[2] / "examples" / "specs" / "course-exercise.yaml"


def stack(layers, input_shape):
    return analyze(nn.Sequential(*layers), input_shape=input_shape)


# --- receptive field and jump: closed forms ----------------------------------------------

@pytest.mark.parametrize("n, k", [(1, 3), (3, 3), (4, 5), (2, 7)])
def test_stride_one_stack_grows_by_k_minus_one(n, k):
    # r_n = 1 + n (k - 1), jump 1 (three 3x3 convolutions see 7x7, as the notes say).
    result = stack([nn.Conv2d(1, 1, k, padding=k // 2) for _ in range(n)], (1, 32, 32))
    assert result.layers[-1].receptive_field == (1 + n * (k - 1),) * 2
    assert result.layers[-1].jump == (1, 1)


@pytest.mark.parametrize("n, k, s", [(3, 3, 2), (4, 2, 2), (3, 5, 3)])
def test_strided_stack_is_a_geometric_series(n, k, s):
    # r_n = r_{n-1} + (k - 1) s^(n-1)  =>  r_n = 1 + (k - 1)(s^n - 1)/(s - 1); jump s^n.
    size = k * s**n + 8
    result = stack([nn.Conv2d(1, 1, k, stride=s) for _ in range(n)], (1, size, size))
    expected = 1 + (k - 1) * (s**n - 1) // (s - 1)
    assert [r.receptive_field for r in result.layers] == [
        (1 + (k - 1) * (s**i - 1) // (s - 1),) * 2 for i in range(1, n + 1)]
    assert result.layers[-1].receptive_field == (expected, expected)
    assert result.layers[-1].jump == (s**n, s**n)


def test_dilation_widens_each_kernel_to_d_times_k_minus_one_plus_one():
    # n 3x3 convolutions with dilation d: r = 1 + n d (k - 1).
    result = stack([nn.Conv2d(1, 1, 3, dilation=2, padding=2) for _ in range(3)], (1, 30, 30))
    assert result.layers[-1].receptive_field == (1 + 3 * 2 * 2,) * 2


def test_axes_are_independent():
    # kernel 3x5, stride 1x2 twice: height 1+2+2 = 5, width 1 + 4 + 4*2 = 13; jump 1x4.
    result = stack([nn.Conv2d(1, 1, (3, 5), stride=(1, 2)) for _ in range(2)], (1, 20, 40))
    assert result.layers[-1].receptive_field == (5, 13)
    assert result.layers[-1].jump == (1, 4)


def test_pooling_counts_like_a_kernel():
    # conv 3 -> pool 2/2 -> conv 3: 3, 3 + 1 = 4 (jump 2), 4 + 2*2 = 8.
    result = stack([nn.Conv2d(1, 1, 3), nn.MaxPool2d(2), nn.Conv2d(1, 1, 3)], (1, 20, 20))
    assert [r.receptive_field[0] for r in result.layers] == [3, 4, 8]
    assert [r.jump[0] for r in result.layers] == [1, 2, 2]


def test_vgg16_and_alexnet_final_fields():
    # VGG-16 by hand: block1 1+2+2=5, pool 6 (j2); block2 6+4+4=14, pool 16 (j4);
    # block3 16+3*8=40, pool 44 (j8); block4 44+3*16=92, pool 100 (j16);
    # block5 100+3*32=196, pool 212 (j32).
    rows = {r.name: r for r in analyze("vgg16").layers}
    assert rows["features.4.5"].receptive_field == (196, 196)
    assert rows["features.4.6"].receptive_field == (212, 212)
    assert rows["features.4.6"].jump == (32, 32)
    # AlexNet: conv11/4 11 (j4), pool3/2 19 (j8), conv5 51, pool 67 (j16), 3x conv3
    # 99, 131, 163, pool 195 (j32).
    rows = {r.name: r for r in analyze("alexnet").layers}
    assert rows["features.12"].receptive_field == (195, 195)


def test_resnet18_residual_field():
    # Stem: conv7/2 7 (j2), pool3/2 11 (j4). layer1: 4 convs 3x3: 11+4*2*4 = 43.
    # layer2: first conv /2: 43+2*4 = 51 (j8), 3 more: 51+3*16 = 99. layer3: 99+2*8 = 115
    # (j16), +3*32 = 211. layer4: 211+2*16 = 243 (j32), +3*64 = 435. The projection
    # shortcuts see less, so the union is the main path.
    rows = {r.name: r for r in analyze("resnet18", depth=2).layers}
    assert rows["layer1.1"].receptive_field == (43, 43)
    assert rows["layer2.1"].receptive_field == (99, 99)
    assert rows["layer4.1"].receptive_field == (435, 435)
    assert rows["layer4.1"].jump == (32, 32)


def test_inception_field_is_the_widest_branch():
    block = Inception(4, c1=1, c3_reduce=1, c3=1, c5_reduce=1, c5=1, pool_proj=1)
    result = analyze(block, input_shape=(4, 12, 12))
    assert result.layers[-1].name == "branch4.1.1"
    names = {r.name: r.receptive_field for r in result.layers}
    assert names["branch2.1.1"] == (3, 3) and names["branch3.1.1"] == (5, 5)
    whole = analyze(nn.Sequential(block, nn.ReLU()), input_shape=(4, 12, 12))
    assert whole.layers[-1].receptive_field == (5, 5)   # after the concatenation


def test_flat_outputs_see_the_union_of_the_map_they_flatten():
    # conv 3x3 on 10x10: 8x8 units, field 3, jump 1; their union spans (8 - 1) 1 + 3 = 10.
    result = analyze(nn.Sequential(nn.Conv2d(1, 1, 3), nn.Flatten(), nn.Linear(64, 2)),
                     input_shape=(1, 10, 10))
    assert [r.receptive_field for r in result.layers] == [(3, 3), (10, 10), (10, 10)]
    assert [r.jump for r in result.layers] == [(1, 1), None, None]


def test_fields_are_never_clipped_to_the_image():
    """One convention on every row: a stack whose field outgrows a 10x10 image reports the
    theoretical field on its conv, pool, flatten and dense rows alike."""
    layers = [nn.Conv2d(1, 1, 5, padding=2) for _ in range(3)] + [
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(25, 2)]
    result = analyze(nn.Sequential(*layers), input_shape=(1, 10, 10))
    # convs: 1 + n (5 - 1) = 5, 9, 13 (> 10); pool 2/2: 13 + 1 = 14, jump 2; flat over the
    # 5x5 pooled units: (5 - 1) 2 + 14 = 22, padding included.
    assert [r.receptive_field for r in result.layers] == [
        (5, 5), (9, 9), (13, 13), (14, 14), (22, 22), (22, 22)]
    assert [r.jump for r in result.layers][3:] == [(2, 2), None, None]


def test_one_and_three_dimensional_fields_follow_the_same_recurrence():
    # 1-D: conv k5/s2, pool 2/2, conv k3: 5 (j 2), 5 + 1*2 = 7 (j 4), 7 + 2*4 = 15.
    result = stack([nn.Conv1d(1, 2, 5, stride=2), nn.MaxPool1d(2), nn.Conv1d(2, 2, 3)], (1, 64))
    assert [r.receptive_field for r in result.layers] == [(5,), (7,), (15,)]
    assert [r.jump for r in result.layers] == [(2,), (4,), (4,)]
    # 3-D, axes independent: kernel (1, 3, 5) twice then pool (2, 2, 2): depth 1, 1, 2;
    # height 3, 5, 6; width 5, 9, 10; jump 2 on every axis after the pool.
    result = stack([nn.Conv3d(1, 1, (1, 3, 5)), nn.Conv3d(1, 1, (1, 3, 5)), nn.AvgPool3d(2)],
                   (1, 8, 16, 16))
    assert [r.receptive_field for r in result.layers] == [(1, 3, 5), (1, 5, 9), (2, 6, 10)]
    assert result.layers[-1].jump == (2, 2, 2)


def test_unknown_size_changing_op_makes_the_field_unknown():
    class Upsample(nn.Module):
        def forward(self, x):
            return F.interpolate(x, scale_factor=2)

    result = analyze(nn.Sequential(nn.Conv2d(1, 1, 3), Upsample(), nn.Conv2d(1, 1, 3)),
                     input_shape=(1, 10, 10))
    assert result.layers[0].receptive_field == (3, 3)
    assert result.layers[1].receptive_field is None
    assert result.layers[2].receptive_field is None
    assert result.layers[2].output_shape == (1, 14, 14)


# --- MACs and parameters -----------------------------------------------------------------

def test_course_exercise_macs_by_hand():
    result = analyze(COURSE_SPEC)
    macs = {r.name: r.macs for r in result.layers if r.macs}
    # output elements x (input channels x kernel area); dense: inputs x outputs
    assert macs == {
        "conv1": 92 * 92 * 48 * (3 * 81),
        "conv2": 92 * 92 * 96 * (48 * 81),
        "conv3": 44 * 44 * 192 * (96 * 25),
        "conv4": 22 * 22 * 256 * 192,
        "fc1": 22 * 22 * 256 * 100,
    }
    assert result.total_macs == sum(macs.values())


@pytest.mark.parametrize("name, gmacs", [("alexnet", 0.71), ("vgg16", 15.47), ("resnet18", 1.81),
                                          ("resnet50", 4.09), ("resnet152", 11.51)])
def test_macs_match_torchvision_published_gflops(name, gmacs):
    # torchvision's weights tables list "GFLOPS" that count conv and linear MACs at 224x224.
    assert round(analyze(name).total_macs / 1e9, 2) == gmacs


def test_grouped_convolution_macs():
    # depthwise 3x3 on 8 channels: each output reads 1 channel x 9 weights.
    result = stack([nn.Conv2d(8, 8, 3, groups=8, padding=1)], (8, 6, 5))
    assert result.total_macs == 8 * 6 * 5 * 9
    assert result.total_params == 8 * 9 + 8


def test_batch_norm_statistics_are_buffers_not_parameters():
    plain, bn = analyze("vgg16"), analyze("vgg16_bn")
    channels = 2 * 64 + 2 * 128 + 3 * 256 + 6 * 512   # every conv's output channels
    assert bn.total_params - plain.total_params == 2 * channels      # gamma, beta
    assert bn.total_buffers == 2 * channels                           # running mean, var
    assert plain.total_buffers == 0


def test_trainable_and_fixed_parameters():
    lenet = analyze("lenet5")
    assert (lenet.total_params, lenet.trainable_params, lenet.non_trainable_params) == \
        (60_840, 60_000, 840)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(8, 3))
    model[0].requires_grad_(False)
    result = analyze(model, input_shape=(1, 4, 4))
    assert result.trainable_params == 8 * 3 + 3
    assert result.layers[0].params == 20 and result.layers[0].trainable_params == 0


def test_shared_module_counts_its_parameters_once():
    shared = nn.Conv2d(2, 2, 3, padding=1)
    result = analyze(nn.Sequential(shared, nn.ReLU(), shared), input_shape=(2, 5, 5))
    assert [r.params for r in result.layers] == [2 * 2 * 9 + 2, 0, 0]
    assert result.total_params == 2 * 2 * 9 + 2
    assert result.total_macs == 2 * (5 * 5 * 2 * 2 * 9)


def test_depth_groups_rows_and_keeps_totals():
    leaves, grouped = analyze("googlenet"), analyze("googlenet", depth=1)
    assert len(grouped.layers) < len(leaves.layers)
    assert sum(r.params for r in grouped.layers) == grouped.total_params == leaves.total_params
    assert sum(r.macs for r in grouped.layers) == leaves.total_macs


# --- the pass itself ---------------------------------------------------------------------

SPECS = COURSE_SPEC.parent
# 2-D, 1-D, 3-D and block specs: the meta pass's shortcuts must agree with real kernels.
PASS_TARGETS = ("lenet5", COURSE_SPEC, SPECS / "audio-conv1d.yaml", SPECS / "video-conv3d.yaml",
                SPECS / "blocks-cifar.yaml")


def test_meta_pass_equals_a_real_pass():
    for target in PASS_TARGETS:
        assert analyze(target).layers == analyze(target, device="cpu").layers, target


def test_big_models_are_analysed_without_weights():
    model = build_model("resnet152", device="meta")   # holds no data at all
    result = analyze(model)
    assert result.device == "meta" and result.total_params == 60_192_808
    with pytest.raises(UserError, match="on the meta device and cannot run on cpu"):
        analyze(model, device="cpu")


def test_analysis_leaves_the_model_as_it_was():
    model = build_model("resnet18")
    model.train()
    before = {n: p.clone() for n, p in list(model.state_dict().items())[:6]}
    analyze(model, input_shape=(3, 64, 64))
    assert model.training and all(m.training for m in model.modules())
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    assert all(p.device.type == "cpu" for p in model.parameters())
    for name, value in before.items():
        assert torch.equal(model.state_dict()[name], value), name


def test_to_dict_is_json_with_totals_and_conventions():
    data = json.loads(json.dumps(analyze("lenet5").to_dict()))
    assert data["total_params"] == 60_840 and data["non_trainable_params"] == 840
    assert data["layers"][0] == {"name": "c1", "kind": "Conv2d", "output_shape": [6, 28, 28],
                                 "params": 156, "trainable_params": 156, "buffers": 0,
                                 "macs": 28 * 28 * 6 * 25, "receptive_field": [5, 5],
                                 "jump": [1, 1]}
    assert set(data["conventions"]) == {"params", "macs", "receptive_field"}
    assert "never clipped to the image" in data["conventions"]["receptive_field"]


def test_a_single_layer_is_its_own_row():
    result = analyze(nn.Conv2d(3, 4, 3), input_shape=(3, 8, 8))
    assert [r.name for r in result.layers] == ["Conv2d"]
    assert result.total_macs == 6 * 6 * 4 * 27


@pytest.mark.parametrize("kwargs, fragment", [
    ({"model_or_spec": "vgg16", "input_shape": (3, 16, 16)},
     "vgg16 cannot take input shape 3,16,16: layer 'features.4.6' (MaxPool2d"),
    ({"model_or_spec": "resnet18", "input_shape": (1, 224, 224)},
     "layer 'conv1' (Conv2d(3, 64"),
    ({"model_or_spec": "resnet18", "input_shape": (3, 0, 224)}, "positive sizes"),
    ({"model_or_spec": "resnet18", "input_shape": (3, 224)},
     "resnet18 takes a C,H,W input such as 3,224,224, got the input shape 3,224"),
    ({"model_or_spec": "resnet18", "depth": 0}, "depth must be a positive integer"),
    ({"model_or_spec": "lenet6"}, "unknown model 'lenet6' (did you mean 'lenet5'?)"),
    ({"model_or_spec": "missing.yaml"}, "spec file 'missing.yaml' does not exist"),
    ({"model_or_spec": nn.Conv2d(1, 1, 1)}, "has no default input shape"),
    ({"model_or_spec": 42}, "cannot analyse a int"),
])
def test_bad_requests_raise_one_line_user_errors(kwargs, fragment):
    with pytest.raises(UserError) as info:
        analyze(**kwargs)
    assert fragment in str(info.value) and "\n" not in str(info.value)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_real_pass_on_cuda_equals_the_meta_pass():
    for target in PASS_TARGETS:
        result = analyze(target, device="cuda")
        assert result.device.startswith("cuda")
        assert result.layers == analyze(target).layers, target


# --- the meta pass's integer shortcut for convolutions and pools ---------------------------


def _without_window_shortcut(monkeypatch):
    import grader.reference.analysis as analysis

    monkeypatch.setattr(analysis, "_meta_window", lambda *a, **k: None)   # torch's own kernels


@pytest.mark.slow
def test_window_shortcut_gives_what_torchs_meta_kernels_give_on_every_named_model(monkeypatch):
    """Convolutions and pools on meta tensors get their output made from the integer rule
    (torch's meta kernels import sympy and run Python): every row of every catalogue model
    equals the analysis with torch's kernels."""
    from grader.reference.catalogue import MODEL_NAMES

    fast = {name: analyze(name) for name in MODEL_NAMES}
    _without_window_shortcut(monkeypatch)
    for name in MODEL_NAMES:
        assert analyze(name) == fast[name], name


# torch warns that it pads a copy for 'same' with an even kernel: one of the odd calls.
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
def test_window_shortcut_agrees_with_torch_on_odd_geometry(monkeypatch):
    """Each call once through the shortcut and once through torch's kernel: the same output
    shape, or both refuse with torch's own error."""
    x2, x1, x3 = (torch.zeros(2, 4, 9, 7, device="meta"), torch.zeros(2, 4, 11, device="meta"),
                  torch.zeros(1, 4, 5, 6, 7, device="meta"))
    w = torch.zeros(6, 2, 3, 2, device="meta")
    calls = [
        lambda: F.conv2d(x2, w, None, (2, 1), (1, 0), (1, 2), 2),
        lambda: F.conv2d(x2, w, torch.zeros(6, device="meta"), padding="same", groups=2),
        lambda: F.conv2d(x2, w, padding="valid", groups=2, stride=3),
        lambda: F.conv2d(x2, w, groups=3),                          # channels do not fit
        lambda: F.conv2d(x2, w, padding="same", stride=2, groups=2),  # torch refuses
        lambda: F.conv1d(x1, torch.zeros(3, 4, 4, device="meta"), stride=3, dilation=2),
        lambda: F.conv3d(x3, torch.zeros(2, 4, 2, 3, 3, device="meta"), padding=(1, 0, 2)),
        lambda: F.max_pool2d(x2, 3, 2, 1, ceil_mode=True),
        lambda: F.max_pool2d(x2, (2, 3), (3, 1), (1, 1), (2, 1), True),
        lambda: F.max_pool2d(x2, 2, padding=2),                     # padding over half: refused
        lambda: F.max_pool1d(x1, 4, 3, ceil_mode=True),
        lambda: F.max_pool3d(x3, 2, ceil_mode=True),
        lambda: F.avg_pool2d(x2, 3, 2, 1, ceil_mode=True),
        lambda: F.avg_pool1d(x1, 3, 2, 1, ceil_mode=True),
        lambda: F.avg_pool2d(x2, 10),                               # kernel larger than the input
    ]
    from grader.reference.analysis import _Tracer

    def outcome(call):
        with _Tracer(2).mode:
            try:
                return tuple(call().shape)
            except (RuntimeError, ValueError) as error:
                return type(error).__name__
    fast = [outcome(call) for call in calls]
    _without_window_shortcut(monkeypatch)
    assert fast == [outcome(call) for call in calls]
    assert fast.count("RuntimeError") >= 3


def test_broadcast_follows_torchs_rule():
    """The elementwise shortcut's broadcast (torch.broadcast_shapes imports sympy)."""
    from itertools import product

    from grader.reference.analysis import _broadcast

    shapes = [(), (1,), (3,), (0,), (2, 1), (1, 3), (2, 3), (4, 1, 3), (1, 0), (5, 2, 1, 1)]
    for a, b in product(shapes, repeat=2):
        try:
            expected = tuple(torch.broadcast_shapes(a, b))
        except RuntimeError:
            expected = None
        assert _broadcast(a, b) == expected, (a, b)
