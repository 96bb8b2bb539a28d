"""The course notes' worked examples, reproduced from fixed parameters (exact values from
/work/shared/course-notes)."""

from __future__ import annotations

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
