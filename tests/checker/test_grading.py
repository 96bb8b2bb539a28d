"""check_submission end to end: errors, run verdicts, partial credit, feedback text, diagnosis,
bounded shrinking, determinism, starters."""

import dataclasses
import json
import os
import subprocess
import sys

import numpy as np
from checker_support import SUBMISSIONS, quick
from hypothesis import strategies as st

from grader.checker import Case, CodeSource, Failure, check, check_submission, code_exercises, write_starter
from grader.checker.strategies import fixed_values
from grader.sandbox import SandboxLimits

ROOT = SUBMISSIONS.parents[2]


def _grade(code, exercise, **kw):
    return check_submission(CodeSource(code, "student"), exercise=quick(exercise), **kw)


def test_syntax_error_is_status_error_with_the_sandbox_verdict():
    result = _grade("def relu_forward(x):\n    return x +\n", "relu")
    assert result.status == "error" and result.verdict == "syntax_error" and result.score == 0
    assert all(t.status == "error" and t.score == 0 for t in result.tests)
    assert "line 2" in result.feedback


def test_forbidden_import_is_status_error():
    result = _grade("import torch\ndef relu_forward(x):\n    return x\n", "relu")
    assert result.status == "error" and result.verdict == "forbidden"
    assert "torch" in result.feedback


def test_no_exercise_function_is_status_error():
    result = _grade("def helper(x):\n    return x\n", "relu")
    assert result.status == "error" and result.verdict == "missing_function"
    assert result.tests[0].output == "solution.py defines none of the functions of relu (relu_forward, relu_backward)."


def test_a_missing_second_function_costs_only_its_groups():
    code = (SUBMISSIONS / "maxpool2d" / "correct_loops.py").read_text().split("def maxpool2d_backward")[0]
    result = _grade(code, "maxpool2d")
    by_status = {t.name: t.status for t in result.tests}
    assert by_status["forward_windows"] == "passed" and by_status["backward_routing"] == "failed"
    assert result.score == 11 and result.status == "failed"
    routing = next(t for t in result.tests if t.name == "backward_routing")
    assert routing.output.endswith("Failed: solution.py defines no function maxpool2d_backward; the exercise asks for it.")


def test_a_timeout_costs_only_the_groups_that_hang():
    code = "import numpy as np\ndef relu_forward(x):\n    return np.maximum(x, 0)\n" \
           "def relu_backward(dout, x):\n    while True:\n        pass\n"
    result = _grade(code, "relu", sandbox_options={"limits": SandboxLimits(call_timeout_s=1.0)})
    assert [t.status for t in result.tests] == ["passed", "failed", "failed"]
    assert "timed out" in result.tests[1].output
    # The submission ran (status "failed", not "error") but its verdict says a call timed out.
    assert result.status == "failed" and result.verdict == "timeout"
    assert result.feedback.splitlines()[1] == "[timeout] timed out after 1 s in relu_backward"


def test_a_crash_or_a_refusal_mid_call_sets_the_submission_verdict_most_serious_first():
    relu = "import numpy as np\ndef relu_forward(x):\n    return np.maximum(x, 0)\n"
    crash = ("def relu_backward(dout, x):\n    if x.size > 1:\n        import os; os._exit(0)\n"
             "    return dout * (x > 0)\n")
    result = _grade(relu + crash, "relu")
    assert result.status == "failed" and result.verdict == "crashed" and result.score == 4
    assert "[crashed] the process exited with status 0 in relu_backward" in result.feedback
    # A refused import in one function and a crash in the other: the refusal is named.
    refused = relu.replace("    return np.maximum",
                           "    import importlib; importlib.import_module('to' + 'rch')\n    return np.maximum")
    result = _grade(refused + crash, "relu")
    assert result.status == "failed" and result.verdict == "forbidden" and result.score == 0
    assert "[forbidden] forbidden: import of torch" in result.feedback.splitlines()
    memory = relu + "def relu_backward(dout, x):\n    return np.ones(10**11)\n"
    assert _grade(memory, "relu").verdict == "memory_limit"
    assert _grade(relu + "def relu_backward(dout, x):\n    return dout * (x > 0)\n", "relu").verdict == "ok"


def test_exceptions_nan_and_none_get_clear_messages():
    code = "import numpy as np\ndef relu_forward(x):\n    return np.full(x.shape, np.nan)\n" \
           "def relu_backward(dout, x):\n    raise ValueError('not yet')\n"
    result = _grade(code, "relu")
    assert "relu_forward returned an array with" in result.tests[0].output and "NaN" in result.tests[0].output
    assert "ValueError: not yet" in result.tests[1].output and "line 5" in result.tests[1].output


def test_failing_group_shows_diagnosis_and_the_counterexample():
    result = check_submission(SUBMISSIONS / "conv2d_forward" / "bug_flipped_kernel.py", exercise=quick("conv2d-forward"))
    single = next(t for t in result.tests if t.name == "single_channel")
    assert single.misconception == "flipped_kernel"
    assert ("Diagnosis: your output equals a true convolution with the flipped kernel; the layer computes "
            "cross-correlation (do not flip w).") in single.output
    assert "Smallest failing input:" in single.output and "Expected:" in single.output and "Got:" in single.output
    assert set(single.counterexample) == {"inputs", "expected", "got"}
    assert set(single.counterexample["inputs"]) >= {"x", "w", "b"}
    json.dumps(result.to_dict())  # the whole result is JSON-able


def test_one_mistake_prints_one_counterexample_in_the_feedback_but_every_group_keeps_its_own():
    """A flipped kernel fails most groups: the feedback shows the first group's counterexample
    in full and points the others back to it, while each group's own output stays complete."""
    result = check_submission(SUBMISSIONS / "conv2d_forward" / "bug_flipped_kernel.py", exercise=quick("conv2d-forward"))
    flipped = [t for t in result.tests if t.misconception == "flipped_kernel"]
    assert len(flipped) >= 3
    assert result.feedback.count("Smallest failing input:") == 1
    assert result.feedback.count(f"(Same mistake as in {flipped[0].name}:") == len(flipped) - 1
    assert result.feedback.count("Diagnosis: your output equals a true convolution") == len(flipped)
    assert all("Smallest failing input:" in t.output for t in flipped)


def test_common_misconceptions_are_named_with_their_exact_message():
    cases = {("maxpool2d", "bug_backward_all_ties"): "your gradient goes to every position that ties for the "
             "maximum; it goes to one position only, the first maximum (as np.argmax picks).",
             ("conv2d_forward", "bug_padding_one_side"): "your output pads only the top and left; zero padding is "
             "symmetric (padding rows on top and bottom, columns on left and right).",
             ("avgpool2d", "bug_forward_sum"): "your output is the window sum; average pooling divides it by the "
             "window size KH * KW."}
    names = {"maxpool2d": "maxpool2d", "conv2d_forward": "conv2d-forward", "avgpool2d": "avgpool2d"}
    for (folder, stem), message in cases.items():
        result = check_submission(SUBMISSIONS / folder / f"{stem}.py", exercise=quick(names[folder]))
        assert any(f"Diagnosis: {message}" in t.output for t in result.tests), result.feedback


def _stable(result_dict):
    result_dict.pop("duration_s")
    return result_dict


def test_same_score_and_feedback_on_two_runs_and_in_a_fresh_process(tmp_path):
    path = SUBMISSIONS / "conv2d_forward" / "bug_stride_swapped.py"
    first, second = check_submission(path), check_submission(path)
    assert _stable(first.to_dict()) == _stable(second.to_dict())
    # "Another machine": a fresh interpreter, another hash seed, another working directory.
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    proc = subprocess.run([sys.executable, "-m", "cli", "check", str(path), "--json"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120,
                          )
    assert proc.returncode == 1, proc.stderr
    assert _stable(json.loads(proc.stdout)) == _stable(first.to_dict())
    assert not (tmp_path / ".hypothesis").exists()


def test_starter_has_the_header_and_grades_as_failed_with_none_messages(tmp_path):
    starter, statement = write_starter("conv2d-forward", out_dir=tmp_path / "hw")
    text = starter.read_text()
    assert text.startswith("# cnngrade exercise: conv2d-forward\n")
    assert "def conv2d_forward(x, w, b, stride=1, padding=0):" in text
    assert statement.read_text().startswith("# Convolution forward pass")
    # Atomic writes go through a private temporary file: the starter must still be readable by all.
    assert starter.stat().st_mode & 0o777 == statement.stat().st_mode & 0o777 == 0o644
    result = check_submission(starter)  # exercise from the header line
    assert result.exercise == "conv2d-forward" and result.status == "failed" and result.score == 0
    assert "conv2d_forward returned None; expected an array of shape" in result.tests[0].output


def relu_backward(dout, x):
    return dout * (x > 0)


def test_conv2d_backward_padding_and_stride_groups_also_try_the_int_form():
    # A backward pass that reads only tuples (an int counts as stride 1, padding 0) must lose
    # the points of both groups, whose drawn cases pass tuples.
    code = (ROOT / "solutions" / "conv2d_backward.py").read_text().replace(
        "(sh, sw), (ph, pw) = _pair(stride), _pair(padding)",
        "(sh, sw) = stride if isinstance(stride, tuple) else (1, 1)\n"
        "    (ph, pw) = padding if isinstance(padding, tuple) else (0, 0)")
    assert "isinstance(stride, tuple)" in code
    spec = quick("conv2d-backward")
    spec = dataclasses.replace(spec, groups=tuple(g for g in spec.groups if g.name in ("padding", "stride")))
    result = check_submission(CodeSource(code, "tuples_only"), exercise=spec)
    assert [(t.name, t.status) for t in result.tests] == [("padding", "failed"), ("stride", "failed")], result.feedback


def test_check_grades_function_objects_by_their_source():
    result = check([relu_backward], exercise="relu", show=False)
    assert [t.status for t in result.tests] == ["failed", "passed", "passed"]
    assert "defines no function relu_forward" in result.tests[0].output


def _one_group(exercise, group_name, **changes):
    """The exercise reduced to one of its groups (with the real example and shrink budgets)."""
    spec = code_exercises()[exercise]
    group = next(g for g in spec.groups if g.name == group_name)
    return dataclasses.replace(spec, groups=(dataclasses.replace(group, **changes),))


def test_a_shape_only_group_names_the_misconception_whose_values_match_not_just_its_shape():
    # Padding (1, 0) on a 4x4 input with a 3x3 kernel: the right output is 4x2, the transposed
    # one 2x4, which is also the shape of "padding swapped" (listed first in the catalogue).
    case = Case((fixed_values(1, (1, 1, 4, 4)), fixed_values(2, (1, 1, 3, 3)), fixed_values(3, (1,))),
                {"stride": (1, 1), "padding": (1, 0)})
    spec = _one_group("conv2d-forward", "shape", cases=st.just(case), examples=())
    result = check_submission(SUBMISSIONS / "conv2d_forward" / "bug_output_transposed.py", exercise=spec)
    assert result.tests[0].status == "failed"
    assert result.tests[0].misconception == "output_transposed", result.feedback


def test_shrinking_is_bounded_in_executions_and_keeps_the_counterexample_small():
    drawn = []  # one entry per execution hypothesis starts (completed or discarded)

    @st.composite
    def counted(draw, cases):
        drawn.append(1)
        return draw(cases)

    spec = _one_group("conv2d-forward", "single_channel")
    spec = dataclasses.replace(spec, groups=(dataclasses.replace(spec.groups[0], cases=counted(spec.groups[0].cases)),))
    result = check_submission(ROOT / "examples" / "class" / "dan.py", exercise=spec)
    single = result.tests[0]
    assert single.status == "failed" and single.misconception == "flipped_kernel"
    # Every execution counts (replays and discarded draws too): hypothesis alone runs 217 here.
    # The stop comes at the first execution to reach the test once the budget is spent, so a
    # few draws that hypothesis discards may come on top.
    assert len(drawn) <= spec.max_examples + spec.shrink_budget + 10
    # The simplest failure seen is shown: every array listed in full, a few numbers in all.
    inputs = single.counterexample["inputs"]
    sizes = [np.asarray(inputs[name]).size for name in ("x", "w", "b")]
    assert sum(sizes) <= 20, sizes


def _conv_case(padding, stride=1, h=5, w=5):
    return Case((fixed_values(4, (1, 1, h, w)), fixed_values(5, (1, 1, 3, 3)), fixed_values(6, (1,))),
                {"stride": stride, "padding": padding})


def _diagnosed(folder, stem, exercise, group, cases):
    spec = _one_group(exercise, group, cases=st.sampled_from(cases), examples=())
    [test] = check_submission(SUBMISSIONS / folder / f"{stem}.py", exercise=spec).tests
    assert test.status == "failed", test.output
    return test.misconception


def test_a_misconception_is_named_only_when_no_other_entry_explains_the_failing_cases_as_well():
    # One-sided padding of 1 gives exactly the output one row and one column short: the case
    # cannot tell the two apart, so nothing is named; with padding 2 only one explains it.
    one_side = ("conv2d_forward", "bug_padding_one_side", "conv2d-forward", "padding")
    assert _diagnosed(*one_side, [_conv_case(1)]) is None
    assert _diagnosed(*one_side, [_conv_case(2)]) == "padding_one_side"
    short = ("conv2d_forward", "bug_off_by_one", "conv2d-forward", "padding")
    assert _diagnosed(*short, [_conv_case(1)]) is None
    assert _diagnosed(*short, [_conv_case(2)]) == "output_one_short"
    # A tuple padding read as its first entry: (0, 2) is also "padding ignored", (2, 1) is not.
    first = ("conv2d_forward", "bug_padding_first_entry", "conv2d-forward", "padding_tuple")
    assert _diagnosed(*first, [_conv_case((0, 2))]) is None
    assert _diagnosed(*first, [_conv_case((2, 1))]) == "padding_first_entry"
    stride = ("conv2d_forward", "bug_stride_first_entry", "conv2d-forward", "stride_tuple")
    assert _diagnosed(*stride, [_conv_case(0, (1, 2), w=7)]) is None  # (1, 2) read as (1, 1): stride ignored too
    assert _diagnosed(*stride, [_conv_case(0, (2, 1), w=7)]) == "stride_first_entry"


def test_a_misconception_must_explain_every_failing_case_up_to_the_cap():
    from grader.checker.grading import _DIAGNOSIS_CASES, _diagnose, _Evaluation

    spec = code_exercises()["conv2d-forward"]
    group = next(g for g in spec.groups if g.name == "padding")
    entries = {m.key: m.reference for m in spec.misconceptions}

    def evaluations(outputs):  # the student's output on each case, as grading records it
        return [_Evaluation(c, Failure("wrong"), got=out(*c.args, **c.kwargs), comparable=True)
                for c, out in outputs]

    def named(outputs):
        first, *rest = evaluations(outputs)
        found = _diagnose(spec, group, first, rest)
        return found.key if found else None

    p1, p2, p3 = _conv_case(1), _conv_case(2), _conv_case(3, h=6, w=6)
    short, side = entries["output_one_short"], entries["padding_one_side"]
    assert named([(p1, short), (p2, short)]) == "output_one_short"  # one-sided explains p1 only
    assert named([(p1, side), (p2, side), (p3, side)]) == "padding_one_side"
    # One case that no entry explains silences the diagnosis ...
    assert named([(p2, side), (p3, lambda *a, **k: np.ones_like(side(*a, **k)))]) is None
    # ... unless it lies past the cap: the evidence is the first _DIAGNOSIS_CASES distinct cases.
    cases = [_conv_case(2, h=h, w=h) for h in range(4, 4 + _DIAGNOSIS_CASES)]
    odd = _conv_case(2, h=20, w=20)
    assert named([(c, side) for c in cases] + [(odd, lambda *a, **k: np.ones_like(side(*a, **k)))]) \
        == "padding_one_side"


def test_avgpool_default_stride_group_tells_a_window_not_offset_from_a_wrong_default():
    # With stride=None both mistakes give the same dx; the group's second call with the
    # stride given tells them apart, so each is named as what it is.
    assert _diagnosed("avgpool2d", "bug_backward_window_not_offset", "avgpool2d", "backward_default_stride",
                      [Case((fixed_values(1, (1, 1, 2, 3)), fixed_values(2, (1, 1, 6, 9)), 3))]) \
        == "backward_window_not_offset"
    assert _diagnosed("avgpool2d", "bug_backward_stride_default_one", "avgpool2d", "backward_default_stride",
                      [Case((fixed_values(1, (1, 1, 2, 3)), fixed_values(2, (1, 1, 6, 9)), 3))]) \
        == "backward_stride_default_one"
    # And with an explicit stride, only the window not offset is wrong at all.
    assert _diagnosed("avgpool2d", "bug_backward_window_not_offset", "avgpool2d", "backward_spread",
                      [Case((fixed_values(1, (1, 1, 2, 4)), fixed_values(2, (1, 1, 6, 9)), 3, 2))]) \
        == "backward_window_not_offset"


def test_the_dropout_scale_group_tells_dividing_by_p_from_p_read_as_the_keep_probability():
    from grader.sandbox import Rng

    case = Case((np.array([0.5, -1.25, 2.0, 0.75, -0.5, 1.5]), 0.25, Rng(3)))
    assert _diagnosed("dropout", "bug_divides_by_p", "dropout", "scale", [case]) == "divides_by_p"
    assert _diagnosed("dropout", "bug_p_as_keep_probability", "dropout", "scale", [case]) == "p_as_keep_probability"
