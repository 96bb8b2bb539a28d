"""The course notes' worked examples, reproduced from fixed parameters (exact values from
/work/shared/course-notes)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from cli import main
from exercises import get_exercise
from exercises.architecture_trace import COURSE_EXAMPLE

COURSE_GRID = [[3, 5, 8, 10, 9, 4], [7, 10, 2, 6, 2, 8], [7, 3, 5, 1, 7, 0],
               [1, 2, 6, 1, 9, 2], [3, 1, 2, 2, 5, 4], [4, 8, 2, 1, 4, 3]]


def _conv(x, w):
    ex = get_exercise("convolution-by-hand")
    v = ex.from_params({"input": [x], "kernel": [w], "bias": 0, "stride": 1, "padding": 0,
                        "mode": "cross-correlation"})
    return [list(r) for r in v.parts[0].answer]


def test_3x3_input_with_2x2_kernel_gives_19_25_37_43():
    """Lipton & Chai: input 0..8, kernel 0..3."""
    assert _conv([[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[0, 1], [2, 3]]) == [[19, 25], [37, 43]]


def test_5x5_example_with_its_3x3_filter():
    """Sungbin Lim's 'vanilla 3x3 convolution' slide."""
    x = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
    w = [[0, 1, 2], [2, 2, 0], [0, 1, 2]]
    assert _conv(x, w) == [[12, 12, 17], [10, 17, 19], [9, 6, 14]]


def test_6x6_pooling_table_max_and_average():
    """EPFL slide: 2x2 max pooling and 2x2 average pooling (first window 6.25)."""
    v = get_exercise("pooling-by-hand").from_params(
        {"type": "window", "grid": COURSE_GRID, "kernel": 2, "stride": 2, "ops": ["max", "avg"]})
    assert [list(r) for r in v.parts[0].answer] == [[10, 10, 9], [7, 6, 9], [8, 2, 5]]
    assert [list(r) for r in v.parts[1].answer] == [[6.25, 6.5, 5.75], [3.25, 3.25, 4.5], [4, 1.75, 4]]


def test_layer_stack_exercise_total_13285956_and_shapes():
    """Lipton & Chai's 100x100x3 exercise: dimensions after each layer and 13,285,956 parameters."""
    v = get_exercise("architecture-trace").from_params(COURSE_EXAMPLE)
    answers = [p.answer for p in v.parts]
    assert answers == [(48, 92, 92), (96, 92, 92), (192, 44, 44), (192, 22, 22), (256, 22, 22),
                       100, 13285956]


def test_named_architectures_match_published_parameter_counts():
    """ResNet-18 (11,689,512) and VGG-16 (138,357,544), torchvision's published totals, with
    the 512 x 7 x 7 feature map before global pooling / flattening at 224 x 224."""
    ex = get_exercise("architecture-trace")
    for model, total, first in (("resnet18", 11_689_512, (64, 112, 112)), ("vgg16", 138_357_544, (64, 224, 224))):
        v = ex.from_params({"type": "named", "model": model})
        assert [p.answer for p in v.parts] == [total, first, (512, 7, 7)]


def test_resnet_stages_follow_he_et_al_table_1():
    """conv3_x of ResNet-18 is 128 x 28 x 28; conv5_x of ResNet-50 is 2048 x 7 x 7 (224 input)."""
    ex = get_exercise("architecture-trace")
    assert ex.from_params({"type": "named", "model": "resnet18", "stage": 3}).parts[-1].answer == (128, 28, 28)
    assert ex.from_params({"type": "named", "model": "resnet50", "stage": 5}).parts[-1].answer == (2048, 7, 7)


def test_described_architectures_are_the_engines_models_of_that_name():
    """The listing a student reads is the network the engine calls by that name (the key's
    closed-form check reads the listing: tests/paper/closed_forms)."""
    from grader.reference.analysis import analyze
    from grader.reference.spec import load_spec

    from exercises.architecture_trace import DESCRIBED_MODELS

    for name, (_, spec) in DESCRIBED_MODELS.items():
        described, model = analyze(load_spec(spec)), analyze(name)
        assert described.input_shape == model.input_shape, name
        assert described.trainable_params == model.trainable_params, name
        assert described.total_macs == model.total_macs, name
        assert described.output_shape == model.output_shape, name


# The notes' 100x100x3 exercise as the CLI issues it (--preset course-notes), by hand:
# 92x92x48, 92x92x96, 44x44x192, 22x22x192, 22x22x256, 100; weights + biases
# 9*9*3*48+48 + 9*9*48*96+96 + 5*5*96*192+192 + 1*1*192*256+256 + 22*22*256*100+100.
COURSE_KEY = [48, 92, 92, 96, 92, 92, 192, 44, 44, 192, 22, 22, 256, 22, 22, 100,
              11_712 + 373_344 + 460_992 + 49_408 + 12_390_500]


def _preset(tmp_path, fmt, difficulty="medium"):
    result = CliRunner().invoke(main, ["new", "exercise", "architecture-trace", "--preset", "course-notes",
                                       "--difficulty", difficulty, "--format", fmt, "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    return tmp_path


@pytest.mark.parametrize("difficulty", ["medium", "hard"])
def test_course_notes_preset_key_from_the_cli(tmp_path, difficulty):
    assert COURSE_KEY[-1] == 13_285_956
    doc = json.loads((_preset(tmp_path, "json", difficulty) / "architecture-trace-key.json").read_text())
    (variant,) = doc["variants"]
    assert variant["parameters"] == COURSE_EXAMPLE
    got = [x for part in variant["parts"] for x in (part["answer"] if isinstance(part["answer"], list)
                                                    else [part["answer"]])]
    assert got == COURSE_KEY
    assert sum(part["points"] for part in variant["parts"]) == {"medium": 24, "hard": 36}[difficulty]


@pytest.mark.parametrize("fmt", ["md", "tex", "html", "moodle", "gift"])
def test_course_notes_preset_renders_in_every_format(tmp_path, fmt):
    """The key (or the question bank) holds the total; the student sheet states the layers
    and holds no answer."""
    out = _preset(tmp_path, fmt)
    texts = {path.name: path.read_text(encoding="utf-8") for path in out.iterdir()}
    bank = {"moodle": "architecture-trace.moodle.xml", "gift": "architecture-trace.gift"}.get(fmt)
    keyed = texts[bank or f"architecture-trace-key.{fmt}"]
    assert "13285956" in keyed
    if fmt == "moodle":
        ET.fromstring(keyed.encode("utf-8"))
    if bank is None:
        sheet = texts[f"architecture-trace-sheet.{fmt}"]
        assert "48 filters" in sheet and "13285956" not in sheet
    assert texts["architecture-trace-answers-template.csv"].startswith("submission,a_1,a_2,a_3,b_1")


def test_course_notes_preset_refuses_what_it_cannot_give(tmp_path):
    runner = CliRunner()
    base = ["new", "exercise", "architecture-trace", "-o", str(tmp_path)]
    for extra, fragment in ((["--preset", "course-notes", "--count", "3"], "no --count above 1"),
                            (["--preset", "course-notes", "--difficulty", "easy"], "choose one of medium, hard"),
                            (["--preset", "lecture-9"], "its presets: course-notes")):
        result = runner.invoke(main, base + extra)
        assert result.exit_code == 2 and fragment in result.output, result.output
    assert not any(tmp_path.iterdir())


def test_course_notes_preset_compiles_to_pdf(tmp_path):
    from grader.render.pdf import find_engine

    if find_engine() is None:
        pytest.skip("no TeX engine installed")
    out = _preset(tmp_path, "pdf")
    for name in ("architecture-trace-sheet.pdf", "architecture-trace-key.pdf"):
        assert (out / name).read_bytes().startswith(b"%PDF")
