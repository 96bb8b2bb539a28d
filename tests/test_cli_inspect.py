"""`cnngrade inspect`: the course exercise's answers in the table, JSON for scripts, a
teaching --help, and one clear line with exit status 2 for every bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

ROOT = Path(__file__).resolve().parents[1]
COURSE_SPEC = str(ROOT / "examples" / "specs" / "course-exercise.yaml")


def run(*args):
    return CliRunner().invoke(main, ["inspect", *args])


def test_table_shows_the_course_exercise_answers():
    result = run(COURSE_SPEC)
    assert result.exit_code == 0, result.output
    for shape in ("92x92x48", "92x92x96", "44x44x192", "22x22x192", "22x22x256"):
        assert shape in result.output
    assert "13,285,956" in result.output
    assert "100x100" in result.output   # the dense layer sees the whole image


def test_table_marks_fixed_parameters():
    result = run("lenet5")
    assert result.exit_code == 0
    assert "840 (840 fixed)" in result.output       # LeNet-5's RBF prototypes
    assert "60,000 trainable, 840 non-trainable" in result.output


def test_json_output_for_scripts():
    result = run("resnet18", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["total_params"] == 11_689_512
    assert data["layers"][0]["output_shape"] == [64, 112, 112]
    assert data["device"] == "meta"


def test_input_and_depth_options():
    result = run("resnet50", "--input", "3,160,160", "--depth", "1", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["input_shape"] == [3, 160, 160]
    assert [r["name"] for r in data["layers"]] == ["conv1", "bn1", "relu", "maxpool", "layer1",
                                                   "layer2", "layer3", "layer4", "avgpool", "fc"]
    assert data["layers"][7]["output_shape"] == [2048, 5, 5]


def test_device_option_runs_a_real_pass():
    result = run("lenet5", "--device", "cpu", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["device"] == "cpu"
    assert data["total_params"] == 60_840 and data["layers"][0]["output_shape"] == [6, 28, 28]


def test_help_teaches_with_an_example():
    result = CliRunner().invoke(main, ["inspect", "--help"])
    assert result.exit_code == 0
    text = result.output
    assert "MODEL_OR_SPEC" in text
    assert "cnngrade inspect examples/specs/course-exercise.yaml" in text
    for option in ("--input C,H,W", "--json", "--depth N", "--device D"):
        assert option in text


@pytest.mark.parametrize("args, fragment", [
    (["resnet19"], "unknown model 'resnet19' (did you mean 'resnet18'?)"),
    (["nothere.yaml"], "spec file 'nothere.yaml' does not exist"),
    (["resnet18", "--input", "3,x,224"], "the --input shape must be"),
    (["resnet18", "--input", "3,224"], "resnet18 takes a C,H,W input such as 3,224,224"),
    (["resnet18", "--input", "3,-5,224"], "must hold positive sizes"),
    (["vgg16", "--input", "3,16,16"], "vgg16 cannot take input shape 3,16,16"),
    (["lenet5", "--device", "tpu"], "unknown device"),
])
def test_bad_input_is_one_line_and_exit_2(args, fragment):
    result = run(*args)
    assert result.exit_code == 2
    assert fragment in result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1


BAD_SPEC_FILES = [
    ("input: [3, 10, 10]\nlayers:\n  - {type: conv, filters: 4, kernel: 13}\n",
     "exercise.yaml: layer 1 (conv): kernel size 13 is larger than the padded input size 10"),
    ("input: [3, 10, 10]\nlayers:\n  - {type: pool, kernel: 2}\n",
     "exercise.yaml: layer 1 has unknown type 'pool'"),
    ("input: [3, 10, 10]\nlayers:\n  - {type: conv, filters: 4, kernel: -3}\n",
     "exercise.yaml: layer 1 (conv): 'kernel' must be a positive integer, got -3"),
    ("input: [3, 10, 10]\nlayers: [{type: conv\n", "exercise.yaml is not valid YAML at line 3"),
]


@pytest.mark.parametrize("text, fragment", BAD_SPEC_FILES)
def test_bad_spec_files(tmp_path, text, fragment):
    spec = tmp_path / "exercise.yaml"
    spec.write_text(text)
    result = run(str(spec))
    assert result.exit_code == 2
    assert result.output.splitlines()[0].startswith(f"Error: {fragment}")
    assert "Traceback" not in result.output


@pytest.mark.parametrize("text, fragment", BAD_SPEC_FILES[:2])
def test_bad_spec_in_a_real_process(tmp_path, text, fragment):
    # What a user's shell sees: one line on stderr, the hint, nothing on stdout, exit 2.
    spec = tmp_path / "exercise.yaml"
    spec.write_text(text)
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "inspect", str(spec)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert lines[0].startswith(f"Error: {fragment}")
    assert lines[1:] == ["Try 'cnngrade inspect --help' for help."]


def test_usage_error_hint_names_the_whole_verb():
    """A mistake in 'cnngrade new exercise' points at that verb's --help, not the group's."""
    result = CliRunner().invoke(main, ["new", "exercise", "no-such-exercise", "-o", "unused"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == "Try 'cnngrade new exercise --help' for help."
