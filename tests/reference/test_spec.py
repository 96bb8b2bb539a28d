"""Layer-spec files: the course exercise's numbers, the equivalent forms, every validation
error as one line naming the layer, and random specs against integer arithmetic."""

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.errors import UserError
from grader.reference.analysis import analyze
from grader.reference.spec import load_spec, parse_shape

SPECS = Path(__file__).resolve().parents[2] / "examples" / "specs"

# The course notes' exercise, answered by hand (H x W x C after each layer):
# conv 9x9/1 pad 0: 100-9+1 = 92; conv 9x9 pad 4: 92+8-9+1 = 92; conv 5x5/2: (92-5)//2+1 = 44;
# max pool 2x2/2: 22; conv 1x1: 22; fc: 100.
COURSE_SHAPES = [(48, 92, 92), (96, 92, 92), (192, 44, 44), (192, 22, 22), (256, 22, 22), (100,)]
# weights + biases: 9*9*3*48+48, 9*9*48*96+96, 5*5*96*192+192, 1*1*192*256+256, 22*22*256*100+100
COURSE_PARAMS = 11_712 + 373_344 + 460_992 + 49_408 + 12_390_500


def shape_changing(spec):
    return [layer.output_shape for layer in spec.layers if layer.type != "relu"]


def test_course_exercise_shapes_and_parameter_count():
    spec = load_spec(SPECS / "course-exercise.yaml")
    assert shape_changing(spec) == COURSE_SHAPES
    assert COURSE_PARAMS == 13_285_956
    model = spec.to_model(device="meta")
    assert sum(p.numel() for p in model.parameters()) == 13_285_956


def test_json_list_form_equals_the_yaml_mapping_form():
    yaml_spec = load_spec(SPECS / "course-exercise.yaml")
    json_spec = load_spec(SPECS / "course-exercise.json")
    assert json_spec.input_shape == yaml_spec.input_shape == (3, 100, 100)
    def summary(spec):
        return [(layer.type, layer.options, layer.output_shape) for layer in spec.layers]

    assert summary(json_spec) == summary(yaml_spec)


def test_shipped_specs_agree_with_the_named_models():
    # Two routes to the same architecture: a spec file and models.py.
    for spec_file, name in (("lenet-d2l.json", "lenet5-d2l"), ("alexnet-d2l.yaml", "alexnet-d2l")):
        from_spec = analyze(SPECS / spec_file)
        from_model = analyze(name)
        assert from_spec.total_params == from_model.total_params, spec_file
        assert from_spec.total_macs == from_model.total_macs, spec_file
        assert from_spec.output_shape == from_model.output_shape, spec_file


def test_spec_text_and_dict_forms():
    text = "input: [3, 8, 8]\nlayers:\n  - {type: conv, filters: 4, kernel: 3, padding: same}\n"
    assert load_spec(text).output_shape == (4, 8, 8)
    spec = load_spec({"input": [3, 8, 8], "layers": [{"type": "Conv2d", "filters": 2,
                                                      "kernel": [3, 1], "stride": [2, 1]}]})
    assert spec.output_shape == (2, 3, 8)   # per-axis kernel and stride


def test_input_shape_override_and_with_input_shape():
    spec = load_spec(SPECS / "course-exercise.yaml", input_shape=(3, 64, 64))
    # 64 -> 56 -> 56 -> 26 -> 13 -> 13
    assert spec.layers[-2].output_shape == (256, 13, 13)
    assert spec.with_input_shape((3, 100, 100)).output_shape == (100,)


def test_pool_stride_defaults_to_kernel_and_ceil_mode():
    spec = load_spec({"input": [1, 5, 5], "layers": [{"type": "maxpool", "kernel": 2,
                                                      "ceil_mode": True}]})
    assert spec.layers[0].options["stride"] == (2, 2)
    assert spec.output_shape == (1, 3, 3)


def test_one_dimensional_spec_by_hand():
    # (C, L) = (2, 100): conv1d k5/s2: (100 - 5)//2 + 1 = 48; batch norm 2*4; max pool 2: 24;
    # 'same' conv k3 keeps 24; global pool: 1; fc: 8*3 + 3.
    spec = load_spec({"input": [2, 100], "layers": [
        {"type": "conv1d", "filters": 4, "kernel": 5, "stride": 2}, {"type": "batchnorm"},
        {"type": "maxpool", "kernel": 2}, {"type": "conv", "filters": 8, "kernel": 3, "padding": "same"},
        {"type": "globalavgpool"}, {"type": "fc", "outputs": 3}]})
    assert [layer.output_shape for layer in spec.layers] == [(4, 48), (4, 48), (4, 24), (8, 24), (8, 1), (3,)]
    assert spec.layers[0].options["kernel"] == (5,)
    result = analyze(spec)
    assert result.total_params == (4 * 2 * 5 + 4) + 2 * 4 + (8 * 4 * 3 + 8) + (8 * 3 + 3)
    assert result.total_buffers == 2 * 4
    kinds = [r.kind for r in result.layers]
    assert kinds[:5] == ["Conv1d", "BatchNorm1d", "MaxPool1d", "Conv1d", "AdaptiveAvgPool1d"]


def test_three_dimensional_spec_by_hand():
    # (C, D, H, W) = (3, 8, 32, 32): conv3d k3 pad 1 keeps 8x32x32; pool [1, 2, 2]: 8x16x16;
    # conv3d k[3, 5, 5] stride [1, 2, 2]: (8 - 3) + 1 = 6, (16 - 5)//2 + 1 = 6.
    spec = load_spec({"input": [3, 8, 32, 32], "layers": [
        {"type": "conv3d", "filters": 4, "kernel": 3, "padding": 1}, {"type": "batchnorm3d"},
        {"type": "avgpool3d", "kernel": [1, 2, 2]},
        {"type": "conv", "filters": 2, "kernel": [3, 5, 5], "stride": [1, 2, 2]},
        {"type": "fc", "outputs": 5}]})
    assert [layer.output_shape for layer in spec.layers] == [
        (4, 8, 32, 32), (4, 8, 32, 32), (4, 8, 16, 16), (2, 6, 6, 6), (5,)]
    result = analyze(spec)
    assert result.total_params == (4 * 3 * 27 + 4) + 2 * 4 + (2 * 4 * 75 + 2) + (2 * 216 * 5 + 5)
    assert result.total_macs == 4 * 8 * 32 * 32 * 3 * 27 + 2 * 216 * 4 * 75 + 2 * 216 * 5
    import torch

    assert spec.to_model()(torch.zeros(2, 3, 8, 32, 32)).shape == (2, 5)


def test_shipped_one_and_three_dimensional_specs():
    audio, video = analyze(SPECS / "audio-conv1d.yaml"), analyze(SPECS / "video-conv3d.yaml")
    assert audio.input_shape == (2, 1000) and audio.output_shape == (12,)
    # conv 2->32 k9, bn 32, conv 32->64 k5, fc 64->12
    assert audio.total_params == (32 * 2 * 9 + 32) + 64 + (64 * 32 * 5 + 64) + (64 * 12 + 12)
    assert video.input_shape == (3, 16, 64, 64) and video.output_shape == (10,)
    assert video.total_params == (16 * 3 * 27 + 16) + (32 * 16 * 27 + 32) + 64 + (32 * 10 + 10)


def test_shipped_block_spec_by_hand():
    result = analyze(SPECS / "blocks-cifar.yaml", depth=1)
    rows = {r.name: r for r in result.layers}
    # identity block: two 3x3 convs 32->32 (9,248 each) and a batch norm (64)
    assert rows["residual1"].params == 2 * (32 * 32 * 9 + 32) + 64
    # projection block: 3x3/2 32->64, 3x3 64->64, 1x1/2 projection 32->64 with bias
    assert rows["residual2"].params == (32 * 64 * 9 + 64) + (64 * 64 * 9 + 64) + (32 * 64 + 64)
    assert rows["residual2"].output_shape == (64, 16, 16)
    # inception on 64 channels: 1x1 16 | 1x1 16, 3x3 32 | 1x1 8, 5x5 8 | pool, 1x1 8
    assert rows["inception1"].params == (64 * 16 + 16) + (64 * 16 + 16) + (16 * 32 * 9 + 32) + (
        64 * 8 + 8) + (8 * 8 * 25 + 8) + (64 * 8 + 8)
    assert rows["inception1"].output_shape == (16 + 32 + 8 + 8, 16, 16)
    assert result.total_params == 896 + 18_560 + 57_536 + 9_368 + 650


def test_residual_block_shortcuts_and_parameters():
    def block(path, **extra):
        return load_spec({"input": [8, 16, 16], "layers": [{"type": "residual", "layers": path, **extra}]})

    keep = block([{"type": "conv", "filters": 8, "kernel": 3, "padding": 1}])
    assert keep.layers[0].options["shortcut"] == "identity" and keep.output_shape == (8, 16, 16)
    down = block([{"type": "conv", "filters": 16, "kernel": 3, "stride": 2, "padding": 1},
                  {"type": "batchnorm"}, {"type": "relu"},
                  {"type": "conv", "filters": 16, "kernel": 3, "padding": 1}])
    assert down.layers[0].options["shortcut"] == "projection"
    assert down.layers[0].options["shortcut_stride"] == (2, 2)
    assert [inner.name for inner in down.layers[0].blocks[0]] == ["conv1", "batchnorm1", "relu1", "conv2"]
    assert down.output_shape == (16, 8, 8)
    # path: 16*8*9+16, bn 2*16, 16*16*9+16; projection 1x1: 8*16+16
    assert analyze(down).total_params == 1168 + 32 + 2320 + 144
    forced = block([{"type": "relu"}], shortcut="projection")
    assert forced.layers[0].options["shortcut_stride"] == (1, 1)
    assert analyze(forced).total_params == 8 * 8 + 8


def test_residual_and_inception_blocks_compute_what_they_say():
    """The built blocks on real numbers: path + shortcut, and branches concatenated."""
    import torch

    spec = load_spec({"input": [2, 6, 6], "layers": [
        {"type": "residual", "layers": [{"type": "conv", "filters": 2, "kernel": 3, "padding": 1}]},
        {"type": "inception", "branches": [[{"type": "conv", "filters": 3, "kernel": 1}],
                                           [{"type": "maxpool", "kernel": 3, "stride": 1, "padding": 1}]]}]})
    assert spec.output_shape == (5, 6, 6)
    model = spec.to_model().double()
    x = torch.randn(1, 2, 6, 6, dtype=torch.float64)
    residual, inception = model.residual1, model.inception1
    y = residual.path.conv1(x) + x
    assert torch.allclose(residual(x), y)
    expected = torch.cat([inception.branch1.conv1(y), torch.nn.functional.max_pool2d(y, 3, 1, 1)], dim=1)
    assert torch.allclose(model(x), expected)


def test_fc_after_fc_and_batchnorm_on_flat_input():
    layers = [{"type": "fc", "outputs": 32}, {"type": "batchnorm"}, {"type": "fc", "outputs": 10}]
    spec = load_spec({"input": [784], "layers": layers})
    assert spec.output_shape == (10,)
    model = spec.to_model(device="meta")
    assert sum(p.numel() for p in model.parameters()) == 784 * 32 + 32 + 2 * 32 + 32 * 10 + 10


BASE = "input: [3, 10, 10]\nlayers:\n"

# (spec text, fragment the single-line message must contain)
BAD_SPECS = [
    (BASE + "  - {type: conv, filters: 4, kernel: [3\n", "not valid YAML at line"),
    ("[1, 2", "not valid YAML"),
    (BASE + "  - {type: convolution, filters: 4, kernel: 3}\n",
     "layer 1 has unknown type 'convolution'; known types: conv"),
    (BASE + "  - {type: relu}\n  - {type: conv, filters: 4, kernel: 13}\n",
     "layer 2 (conv): kernel size 13 is larger than the padded input size 10 along height"),
    (BASE + "  - {type: conv, filters: 4, kernel: 13, padding: 1}\n",
     "layer 1 (conv): kernel size 13 is larger than the padded input size 12"),
    (BASE + "  - {type: conv, filters: -4, kernel: 3}\n",
     "layer 1 (conv): 'filters' must be a positive integer, got -4"),
    (BASE + "  - {type: conv, filters: 4, kernel: 0}\n",
     "layer 1 (conv): 'kernel' must be a positive integer, got 0"),
    (BASE + "  - {type: conv, filters: 4, kernel: 3, padding: -1}\n",
     "layer 1 (conv): 'padding' must be a non-negative integer, got -1"),
    (BASE + "  - {type: conv, filters: 4, kernel: 3, padding: full}\n", "'padding' must be"),
    (BASE + "  - {type: conv, filters: 4, kernel: 3, stride: 2, padding: same}\n",
     "padding 'same' needs stride 1"),
    (BASE + "  - {type: conv, filters: 4, kernel: 2.5}\n", "'kernel' must be an integer, got 2.5"),
    (BASE + "  - {type: conv, kernel: 3}\n", "layer 1 (conv): missing required option 'filters'"),
    (BASE + "  - {type: conv, filters: 4, kernel: 3, size: 2}\n",
     "layer 1 (conv): unknown option 'size'; it takes filters, kernel"),
    (BASE + "  - {type: conv, filters: 4, kernel: 3, groups: 2}\n",
     "groups 2 must divide both the input channels (3)"),
    (BASE + "  - {type: fc, outputs: 5}\n  - {type: conv, filters: 4, kernel: 1}\n",
     "layer 2 (conv): needs a C,H,W input (or C,L or C,D,H,W) but receives the flat shape 5"),
    (BASE + "  - {type: maxpool, kernel: 2, padding: 2}\n", "more than half the kernel"),
    (BASE + "  - {type: dropout, p: 1.5}\n", "'p' must be in [0, 1)"),
    (BASE + "  - {type: relu, bias: true}\n", "it takes no options"),
    (BASE + "  - relu\n", "layer 1 must be a mapping"),
    ("input: [3, -10, 10]\nlayers:\n  - {type: relu}\n", "positive sizes"),
    ("input: [3, 10, 10, 10, 10]\nlayers:\n  - {type: relu}\n", "must be [C, H, W] (or [D], [C, L]"),
    # 1-D and 3-D layers: the input's rank decides, a named dimension must match it.
    ("input: [2, 50]\nlayers:\n  - {type: conv2d, filters: 4, kernel: 3}\n",
     "layer 1 (conv): 'conv2d' needs a C,H,W input but receives C,L 2x50; write 'conv'"),
    ("input: [2, 8, 8, 8]\nlayers:\n  - {type: conv, filters: 4, kernel: [3, 3]}\n",
     "layer 1 (conv): 'kernel' must be an integer or [depth, height, width], got [3, 3]"),
    ("input: [2, 50]\nlayers:\n  - {type: maxpool1d, kernel: 60}\n",
     "layer 1 (maxpool): kernel size 60 is larger than the padded input size 50 along length"),
    ("input: [2, 4, 8, 8]\nlayers:\n  - {type: batchnorm1d}\n", "'batchnorm1d' needs a C,L input"),
    ("input: [1, 8, 8, 3]\nlayers:\n  - {type: avgpool, kernel: [1, 1, 4], stride: 1, padding: [0, 0, 1]}\n",
     "kernel size 4 is larger than the input size 3 along width (PyTorch's 3-D average pooling"),
    # Blocks: their own layers are validated and named inside the block's message.
    (BASE + "  - {type: residual, layers: [{type: conv, filters: 4, kernel: 13}]}\n",
     "layer 1 (residual): layer 1 (conv): kernel size 13 is larger than the padded input size 10"),
    (BASE + "  - {type: residual, layers: []}\n", "'layers' must be a non-empty list of layers"),
    (BASE + "  - {type: residual, shortcut: identity, layers: [{type: conv, filters: 4, kernel: 1}]}\n",
     "an identity shortcut needs the path to keep the shape 3x10x10, but it gives 4x10x10"),
    (BASE + "  - {type: residual, shortcut: none, layers: [{type: relu}]}\n",
     "'shortcut' must be one of auto, identity, projection"),
    (BASE + "  - {type: residual, layers: [{type: conv, filters: 4, kernel: 3}]}\n",
     "no 1x1 projection stride maps the input size 10 to the path's size 8 along height"),
    (BASE + "  - {type: inception, branches: [[{type: conv, filters: 4, kernel: 1}], "
            "[{type: conv, filters: 2, kernel: 3}]]}\n",
     "layer 1 (inception): branch 2 gives 2x8x8 but branch 1 gives 4x10x10"),
    (BASE + "  - {type: inception, branches: [[{type: relu}], [{type: pool}]]}\n",
     "layer 1 (inception): branch 2: layer 1 has unknown type 'pool'"),
    (BASE + "  - {type: inception, branches: []}\n", "'branches' must be a non-empty list"),
    ("layers:\n  - {type: relu}\n", "it has no input shape"),
    ("input: [3, 10, 10]\n", "it has no 'layers' list"),
    ("input: [3, 10, 10]\nlayers: []\n", "it has no layers"),
    ("input: [3, 10, 10]\nlayer: []\n", "unknown top-level key 'layer'"),
]


@pytest.mark.parametrize("text, fragment", BAD_SPECS)
def test_bad_specs_give_one_line_naming_the_problem(text, fragment):
    with pytest.raises(UserError) as info:
        load_spec(text)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message and message.startswith("spec")


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(UserError, match="spec file '.*nope.yaml' does not exist"):
        load_spec(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.json"
    bad.write_text('{"input": [3, 8, 8], "layers": [}')
    with pytest.raises(UserError, match=r"^bad.json is not valid JSON at line 1"):
        load_spec(bad)


def test_yaml_tags_are_not_executed(tmp_path):
    evil = tmp_path / "evil.yaml"
    evil.write_text("input: !!python/object/apply:os.system ['echo hacked']\nlayers: []\n")
    with pytest.raises(UserError, match="not valid YAML"):
        load_spec(evil)


@pytest.mark.parametrize("text, expected", [("3,224,224", (3, 224, 224)),
                                            ("1x28x28", (1, 28, 28)), (" 784 ", (784,)),
                                            ([3, 32, 32], (3, 32, 32)), ((10,), (10,)),
                                            ("2,100", (2, 100)), ([1, 16, 64, 64], (1, 16, 64, 64))])
def test_parse_shape(text, expected):
    assert parse_shape(text) == expected


@pytest.mark.parametrize("text", ["1,2,3,4,5", "3,-1,4", "a,b,c", "", "3,0,4",
                                  [3, 2, 2, 2, 2], (3, 0, 4), (3, True, 4), [3.0, 8, 8], None])
def test_parse_shape_rejects(text):
    with pytest.raises(UserError, match="input shape"):
        parse_shape(text)


# --- random specs: torch's meta pass against integer arithmetic ---------------------------

@st.composite
def layer_specs(draw):
    """A random valid stack, 1-D, 2-D or 3-D: convolutions and pools that always fit (and, in
    2-D, residual blocks), then a dense layer."""
    rank = draw(st.sampled_from([1, 2, 2, 3]))
    sizes = [draw(st.integers(8, 40 if rank < 3 else 12)) for _ in range(rank)]
    c = draw(st.integers(1, 4))
    layers, shape = [], (c, *sizes)
    for _ in range(draw(st.integers(1, 5))):
        kinds = ["conv", "maxpool", "avgpool", "relu", "batchnorm"] + (["residual"] if rank == 2 else [])
        kind = draw(st.sampled_from(kinds))
        if kind in ("relu", "batchnorm"):
            layers.append({"type": kind})
            continue
        if kind == "residual":   # 3x3 (padding 1), stride 1 or 2, then a 1x1
            f, s = draw(st.integers(1, 6)), draw(st.integers(1, 2))
            layers.append({"type": "residual", "layers": [
                {"type": "conv", "filters": f, "kernel": 3, "stride": s, "padding": 1},
                {"type": "relu"}, {"type": "conv", "filters": f, "kernel": 1}]})
            shape = (f, *((n - 1) // s + 1 for n in shape[1:]))
            continue
        k = [draw(st.integers(1, 5)) for _ in range(rank)]
        st_ = [draw(st.integers(1, 3)) for _ in range(rank)]
        pad = [draw(st.integers(0, ki // 2)) for ki in k]
        padded = [n + 2 * p for n, p in zip(shape[1:], pad)]
        if any(ki > n for ki, n in zip(k, padded)):
            continue
        if kind == "avgpool" and rank == 3 and any(ki > n for ki, n in zip(k, shape[1:])):
            continue   # PyTorch's avg_pool3d wants the unpadded input at least the kernel
        out = tuple((n - ki) // si + 1 for n, ki, si in zip(padded, k, st_))
        if kind == "conv":
            f = draw(st.integers(1, 8))
            layers.append({"type": "conv", "filters": f, "kernel": k, "stride": st_, "padding": pad})
            shape = (f, *out)
        else:
            layers.append({"type": kind, "kernel": k, "stride": st_, "padding": pad})
            shape = (shape[0], *out)
    layers.append({"type": "fc", "outputs": draw(st.integers(1, 10))})
    return {"input": [c, *sizes], "layers": layers}


def closed_form_params(doc):
    """Weights + biases of each layer, from the spec's own numbers."""
    return _params(doc["layers"], tuple(doc["input"]))[0]


def _params(layers, shape):
    """(parameters, output shape) of a list of layers by the closed forms."""
    total, c, sizes = 0, shape[0], shape[1:]
    for layer in layers:
        t = layer["type"]
        if t in ("conv", "maxpool", "avgpool"):
            k, s, p = (layer.get(key, d) for key, d in (("kernel", 1), ("stride", 1), ("padding", 0)))
            k, s, p = ([v] * len(sizes) if isinstance(v, int) else v for v in (k, s, p))
            if t == "conv":
                total += layer["filters"] * c * math.prod(k) + layer["filters"]
                c = layer["filters"]
            sizes = tuple((n + 2 * pi - ki) // si + 1 for n, ki, si, pi in zip(sizes, k, s, p))
        elif t == "batchnorm":
            total += 2 * c
        elif t == "residual":
            path, (c2, *sizes2) = _params(layer["layers"], (c, *sizes))
            total += path
            if (c2, *sizes2) != (c, *sizes):   # 1x1 projection with bias
                total += c * c2 + c2
            c, sizes = c2, tuple(sizes2)
        elif t == "fc":
            total += layer["outputs"] * c * math.prod(sizes) + layer["outputs"]
            c, sizes = layer["outputs"], ()
    return total, (c, *sizes)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layer_specs())
def test_random_specs_meta_pass_agrees_with_arithmetic(doc):
    spec = load_spec(doc)
    result = analyze(spec)
    # The analysis ran torch on meta tensors; the spec computed shapes with integers.
    rows = [r for r in analyze(spec, depth=1).layers if not r.name.startswith("flatten_")]
    assert [r.output_shape for r in rows] == [layer.output_shape for layer in spec.layers]
    assert result.total_params == closed_form_params(doc)
    assert math.prod(result.output_shape) == doc["layers"][-1]["outputs"]


def test_spec_built_models_run_on_real_tensors():
    import torch

    model = load_spec(SPECS / "course-exercise.yaml").to_model()
    assert model(torch.zeros(1, 3, 100, 100)).shape == (1, 100)


def test_cifar_example_counts_by_hand():
    result = analyze(SPECS / "cifar-vgg-bn.yaml")
    # convs without bias: 3*32*9, 32*32*9, 32*64*9; batch norm gamma+beta: 2*(32+32+64);
    # fc after global pooling: 64*10 + 10. Running statistics are buffers: 2*(32+32+64).
    assert result.total_params == 3 * 32 * 9 + 32 * 32 * 9 + 32 * 64 * 9 + 2 * 128 + 650
    assert result.total_buffers == 2 * 128
    rows = {r.name: r for r in result.layers}
    assert rows["maxpool2"].output_shape == (64, 8, 8)
    assert rows["globalavgpool1"].output_shape == (64, 1, 1)
    # 3x3, 3x3 (5), pool (6, jump 2), 3x3 (10), pool (12, jump 4)
    assert rows["maxpool2"].receptive_field == (12, 12) and rows["maxpool2"].jump == (4, 4)


# --- parameters and MACs without torch (LayerDef.params, .macs) against torch ------------


def _module_params(spec) -> list[int]:
    """Trainable elements of each layer's module in the spec's torch model (meta device)."""
    modules = dict(spec.to_model(device="meta").named_children())
    return [sum(p.numel() for p in modules[layer.name].parameters() if p.requires_grad)
            for layer in spec.layers]


@st.composite
def varied_layer_specs(draw):
    """layer_specs with what they never draw: groups, no bias, dense without bias, inception."""
    doc = draw(layer_specs())
    for layer in doc["layers"]:
        if layer["type"] in ("conv", "fc") and draw(st.booleans()):
            layer["bias"] = False
    if len(doc["input"]) == 3:
        c = doc["input"][0] * 2
        g = draw(st.sampled_from([1, 2, c]))
        doc["layers"][:0] = [{"type": "conv", "filters": c, "kernel": 1},
                             {"type": "conv", "filters": 2 * c, "kernel": 3, "padding": 1, "groups": g},
                             {"type": "inception", "branches": [
                                 [{"type": "conv", "filters": 3, "kernel": 1}],
                                 [{"type": "maxpool", "kernel": 3, "stride": 1, "padding": 1},
                                  {"type": "conv", "filters": 2, "kernel": 1, "bias": False}]]}]
    return doc


def _analysis_macs(spec) -> list[int]:
    return [r.macs for r in analyze(spec, depth=1).layers if not r.name.startswith("flatten_")]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(varied_layer_specs())
def test_layer_params_and_macs_equal_torch_on_random_specs(doc):
    spec = load_spec(doc)
    assert [layer.params for layer in spec.layers] == _module_params(spec)
    assert [layer.macs for layer in spec.layers] == _analysis_macs(spec)


def _shipped_and_drawn_specs(seed: int, rounds: int) -> list:
    """The shipped example specs, and the stacks architecture-trace draws in ``rounds``
    rounds of its three difficulties."""
    import random

    from exercises.architecture_trace import _draw

    specs = [load_spec(path) for path in sorted(SPECS.iterdir()) if path.suffix in (".yaml", ".json")]
    rng = random.Random(seed)
    for difficulty in ("easy", "medium", "hard") * rounds:
        drawn = _draw(rng, difficulty)
        if drawn["type"] == "stack":
            specs.append(load_spec({"input": drawn["input"], "layers": drawn["layers"]}))
    return specs


def test_layer_params_and_macs_equal_torch_on_shipped_specs_and_drawn_stacks():
    specs = _shipped_and_drawn_specs(0, 100)
    assert len(specs) > 250
    for spec in specs:
        assert [layer.params for layer in spec.layers] == _module_params(spec), spec.source
        assert [layer.macs for layer in spec.layers] == _analysis_macs(spec), spec.source


# --- receptive fields without torch (spec.receptive_fields) against the analysis -----------


def _analysis_fields(spec):
    return [(r.receptive_field, r.jump) for r in analyze(spec, depth=1).layers
            if not r.name.startswith("flatten_")]


@st.composite
def field_specs(draw):
    """varied_layer_specs with dilation, padding 'same', a global pool or a flatten, ceil_mode
    pools and layers after the dense one, which the field rules treat each on its own."""
    doc = draw(varied_layer_specs())
    rank = len(doc["input"]) - 1
    extra = []
    if draw(st.booleans()):
        extra.append({"type": "conv", "filters": 3, "kernel": 3, "padding": "same",
                      "dilation": draw(st.integers(1, 2))})
    if draw(st.booleans()):
        extra.append({"type": "maxpool", "kernel": 2, "stride": 2, "ceil_mode": True})
    extra += [{"type": "lrn", "size": 3}] if rank == 2 and draw(st.booleans()) else []
    extra.append({"type": draw(st.sampled_from(["globalavgpool", "globalmaxpool", "flatten", "relu"]))})
    doc["layers"][-1:-1] = extra
    doc["layers"] += [{"type": "dropout"}, {"type": "fc", "outputs": 3}]
    return doc


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field_specs())
def test_receptive_fields_equal_the_analysis_on_random_specs(doc):
    from grader.reference.spec import receptive_fields

    try:
        spec = load_spec(doc)
    except UserError:   # a global pool or a 'same' conv that does not fit this input
        return
    assert receptive_fields(spec) == _analysis_fields(spec)


def test_receptive_fields_equal_the_analysis_on_shipped_specs_and_drawn_stacks():
    from exercises import get_exercise
    from exercises.receptive_field import INPUT_SIZE
    from grader.reference.spec import receptive_fields

    specs = _shipped_and_drawn_specs(1, 30)
    rf = get_exercise("receptive-field")
    for variant in rf.variants([f"s{i}" for i in range(60)], seed=5, difficulty="hard"):
        specs.append(load_spec({"input": [3, INPUT_SIZE, INPUT_SIZE], "layers": variant.params["layers"]}))
    assert len(specs) > 100
    for spec in specs:
        assert receptive_fields(spec) == _analysis_fields(spec), spec.source
