"""The time budget of one submission: a runaway costs one call time limit, not one per group.

Real sandbox, real hypothesis; only a thin wrapper counts the calls that reach the child."""

from checker_support import quick

from grader.checker.grading import grade_in_sandbox
from grader.sandbox import Sandbox, SandboxLimits

LIMITS = SandboxLimits(call_timeout_s=0.5)
RELU = "import numpy as np\ndef relu_forward(x):\n    return np.maximum(x, 0)\n"
LOOP_BACKWARD = "def relu_backward(dout, x):\n    while True:\n        pass\n"
LOOP_FORWARD = "def relu_forward(x):\n    while True:\n        pass\n"


class CountingSandbox:
    """A real Sandbox whose calls are recorded as (function, verdict)."""

    def __init__(self, sandbox: Sandbox):
        self.sandbox, self.calls = sandbox, []

    def call(self, name, *args, **kwargs):
        result = self.sandbox.call(name, *args, **kwargs)
        self.calls.append((name, result.verdict))
        return result


def _grade(code: str):
    spec = quick("relu", max_examples=4, shrink_budget=4)
    with Sandbox(code, limits=LIMITS) as sandbox:
        assert sandbox.load().ok
        counting = CountingSandbox(sandbox)
        result = grade_in_sandbox(spec, counting, submission="student", defined={"relu_forward", "relu_backward"})
    return result, counting.calls


def test_an_infinite_loop_in_every_function_costs_exactly_one_timed_out_call():
    result, calls = _grade(LOOP_FORWARD + LOOP_BACKWARD)
    assert calls == [("relu_forward", "timeout")]
    assert result.score == 0 and result.status == "failed" and result.verdict == "timeout"
    assert [t.status for t in result.tests] == ["failed"] * 3
    assert "timed out after 0.5 s in relu_forward" in result.tests[0].output
    for skipped in result.tests[1:]:
        assert skipped.output.splitlines()[-1] == (
            "Failed: not run: an earlier call timed out (timed out after 0.5 s in relu_forward); after a "
            "timeout the remaining groups are skipped, so a runaway costs one time limit, not one per group.")
        assert skipped.counterexample is None
    assert result.feedback.splitlines()[1] == "[timeout] timed out after 0.5 s in relu_forward"


def test_groups_graded_before_the_timeout_keep_their_points():
    result, calls = _grade(RELU + LOOP_BACKWARD)
    assert [t.status for t in result.tests] == ["passed", "failed", "failed"]
    assert result.score == result.tests[0].max_score > 0 and result.verdict == "timeout"
    backward = [verdict for name, verdict in calls if name == "relu_backward"]
    assert backward == ["timeout"]  # backward_at_zero never reached the child
    assert all(verdict == "ok" for name, verdict in calls if name == "relu_forward")
    assert "not run: an earlier call timed out (timed out after 0.5 s in relu_backward)" in result.tests[2].output


def test_a_crash_does_not_stop_the_run():
    """A crash costs a restart, not a time limit: later groups are still graded."""
    crash_backward = "def relu_backward(dout, x):\n    import os\n    os._exit(3)\n"
    result, calls = _grade(RELU + crash_backward)
    assert [t.status for t in result.tests] == ["passed", "failed", "failed"]
    assert result.verdict == "crashed"
    crashes = [verdict for name, verdict in calls if name == "relu_backward"]
    assert crashes == ["crashed", "crashed"]  # one per backward group: both were run
