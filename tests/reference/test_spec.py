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
     "layer 2 (conv): needs a C,H,W input but receives the flat shape 5"),
    (BASE + "  - {type: maxpool, kernel: 2, padding: 2}\n", "more than half the kernel"),
    (BASE + "  - {type: dropout, p: 1.5}\n", "'p' must be in [0, 1)"),
    (BASE + "  - {type: relu, bias: true}\n", "it takes no options"),
    (BASE + "  - relu\n", "layer 1 must be a mapping"),
    ("input: [3, -10, 10]\nlayers:\n  - {type: relu}\n", "positive sizes"),
    ("input: [3, 10]\nlayers:\n  - {type: relu}\n", "must be [C, H, W] or [D]"),
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
                                            ([3, 32, 32], (3, 32, 32)), ((10,), (10,))])
def test_parse_shape(text, expected):
    assert parse_shape(text) == expected


@pytest.mark.parametrize("text", ["3,224", "3,-1,4", "a,b,c", "", "3,0,4",
                                  [3, 224], (3, 0, 4), (3, True, 4), [3.0, 8, 8], None])
def test_parse_shape_rejects(text):
    with pytest.raises(UserError, match="input shape"):
        parse_shape(text)


# --- random specs: torch's meta pass against integer arithmetic ---------------------------

@st.composite
def layer_specs(draw):
    """A random valid stack: convolutions and pools that always fit, then dense layers."""
    c, h, w = draw(st.integers(1, 4)), draw(st.integers(8, 40)), draw(st.integers(8, 40))
    layers, shape = [], (c, h, w)
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["conv", "maxpool", "avgpool", "relu", "batchnorm"]))
        if kind in ("relu", "batchnorm"):
            layers.append({"type": kind})
            continue
        k = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
        s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
        pad = (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))
        hh, ww = shape[1] + 2 * pad[0], shape[2] + 2 * pad[1]
        if k[0] > hh or k[1] > ww:
            continue
        if kind == "conv":
            f = draw(st.integers(1, 8))
            layers.append({"type": "conv", "filters": f, "kernel": list(k), "stride": list(s),
                           "padding": list(pad)})
            shape = (f, (hh - k[0]) // s[0] + 1, (ww - k[1]) // s[1] + 1)
        else:
            layers.append({"type": kind, "kernel": list(k), "stride": list(s),
                           "padding": list(pad)})
            shape = (shape[0], (hh - k[0]) // s[0] + 1, (ww - k[1]) // s[1] + 1)
    layers.append({"type": "fc", "outputs": draw(st.integers(1, 10))})
    return {"input": [c, h, w], "layers": layers}


def closed_form_params(doc):
    """Weights + biases of each layer, from the spec's own numbers."""
    total, (c, h, w) = 0, doc["input"]
    flat = None
    for layer in doc["layers"]:
        if layer["type"] == "conv":
            kh, kw = layer["kernel"]
            total += layer["filters"] * c * kh * kw + layer["filters"]
            (sh, sw), (ph, pw) = layer["stride"], layer["padding"]
            c, h, w = layer["filters"], (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
        elif layer["type"] in ("maxpool", "avgpool"):
            (kh, kw), (sh, sw), (ph, pw) = layer["kernel"], layer["stride"], layer["padding"]
            h, w = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
        elif layer["type"] == "batchnorm":
            total += 2 * c
        elif layer["type"] == "fc":
            flat = c * h * w
            total += layer["outputs"] * flat + layer["outputs"]
    return total


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layer_specs())
def test_random_specs_meta_pass_agrees_with_arithmetic(doc):
    spec = load_spec(doc)
    result = analyze(spec)
    # The analysis ran torch on meta tensors; the spec computed shapes with integers.
    rows = [r for r in result.layers if not r.name.startswith("flatten_")]
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
