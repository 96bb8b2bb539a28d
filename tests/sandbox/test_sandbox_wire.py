"""Reply validation fed forged headers directly (no child needed), and the checks on
Sandbox arguments and options."""

from __future__ import annotations

import numpy as np
import pytest

from grader.errors import UserError
from grader.sandbox import Sandbox, SandboxLimits
from grader.sandbox._wire import ProtocolError, build_value, encode_call, parse_reply

CAP = 1 << 20


@pytest.mark.parametrize("value, why", [
    ({"t": "a", "d": "|O", "s": [1]}, "not real numbers"),
    ({"t": "a", "d": "<c16", "s": [1]}, "not real numbers"),
    ({"t": "a", "d": "[('a', '<f8')]", "s": [1]}, "not real numbers"),
    ({"t": "a", "d": "<M8[s]", "s": [1]}, "not real numbers"),
    ({"t": "a", "d": "<U3", "s": [1]}, "not real numbers"),
    ({"t": "a", "d": ["<f8"], "s": [1]}, "not real numbers"),
    ({"t": "a", "d": "<f8", "s": [-1]}, "invalid shape"),
    ({"t": "a", "d": "<f8", "s": [1.5]}, "invalid shape"),
    ({"t": "a", "d": "<f8", "s": [True]}, "invalid shape"),
    ({"t": "a", "d": "<f8", "s": [1] * 33}, "invalid shape"),
    ({"t": "a", "d": "<f8", "s": "12"}, "invalid shape"),
    ({"t": "a", "d": "<f8", "s": [1 << 20, 1 << 20]}, "over the 1 MiB limit"),
    ({"t": "T", "v": [{"t": "a", "d": "<f8", "s": [1 << 16]}] * 3}, "over the 1 MiB limit"),
    ({"t": "T", "v": [{"t": "T", "v": []}]}, "other than arrays"),
    ({"t": "T", "v": [{"t": "n"}] * 65}, "too long"),
    ({"t": "pickle", "v": "gASV"}, "unknown kind"),
    (None, "without a value"),
])
def test_forged_reply_is_refused_before_reading(value, why):
    """Each malformed or hostile value header raises ProtocolError naming the problem, so
    no payload is allocated or read."""
    with pytest.raises(ProtocolError, match=why):
        parse_reply({"ok": True, "v": value}, max_bytes=CAP)


def test_valid_reply_builds_plain_arrays():
    """A tuple reply becomes plain ndarrays viewing one payload, shaped as announced."""
    header = {"ok": True, "v": {"t": "T", "v": [{"t": "a", "d": "<f8", "s": [2, 2]},
                                                {"t": "n"}, {"t": "a", "d": "|u1", "s": [3]}]}}
    specs = parse_reply(header, max_bytes=CAP)
    payload = bytearray(np.arange(4.0).tobytes() + bytes([1, 2, 3]))
    a, none, c = build_value(header, specs, payload)
    assert type(a) is np.ndarray and a.tolist() == [[0.0, 1.0], [2.0, 3.0]]
    assert none is None and c.tolist() == [1, 2, 3]


@pytest.mark.parametrize("arg", [np.array([1 + 2j]), np.array(["a"]), object(), {1: 2},
                                 np.array([object()])])
def test_unsupported_arguments_are_caller_errors(arg):
    """The grader never sends objects, dicts or non-real arrays to a child."""
    with pytest.raises(TypeError):
        encode_call("f", (arg,), {})


@pytest.mark.parametrize("kwargs, message", [
    ({"filename": "../evil.py"}, "filename"),
    ({"filename": "solution.txt"}, "filename"),
    ({"forbidden_imports": ["torch", "os;rm"]}, "forbidden_imports"),
    ({"isolation": "docker"}, "isolation"),
    ({"limits": SandboxLimits}, "limits"),
])
def test_bad_sandbox_options_raise_user_error(kwargs, message):
    """Caller mistakes are UserErrors with one sentence naming the option."""
    with pytest.raises(UserError, match=message):
        Sandbox("x = 1\n", **kwargs)


@pytest.mark.parametrize("field", ["call_timeout_s", "memory_bytes", "output_bytes"])
def test_bad_limits_raise_user_error(field):
    """Non-positive limits are refused with the field's name."""
    with pytest.raises(UserError, match=field):
        SandboxLimits(**{field: 0})


def test_own_packages_stay_forbidden_with_a_custom_list():
    """An exercise that forbids only torch still cannot let a submission import cnngrade."""
    with Sandbox("import grader\n", forbidden_imports=("torch",)) as sb:
        assert "grader" in sb.forbidden and "torch" in sb.forbidden
        load = sb.load()
        assert load.verdict == "forbidden" and "import of grader" in load.message
