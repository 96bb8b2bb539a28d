"""Comparing a student's output with the reference: cheap checks first, one voice.

Each check returns ``None`` (fine) or one sentence that names the function, what was
expected and what came back: None? a number array? the shape? finite? the values?
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checker.spec import Tolerance

__all__ = ["check_output", "close", "format_array", "format_value", "where_different"]

_MAX_LISTED = 6


def _shape(shape: tuple[int, ...]) -> str:
    return str(tuple(int(s) for s in shape))


def close(got: np.ndarray, expected: np.ndarray, tol: Tolerance) -> np.ndarray:
    """Elementwise agreement within ``tol`` (same shape assumed)."""
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    diff = np.abs(np.asarray(got, dtype=np.float64) - expected)
    return diff <= tol.atol * scale + tol.rtol * np.abs(expected)


def check_output(got: Any, expected: np.ndarray, *, function: str, tol: Tolerance,
                 output: str | None = None, values: bool = True) -> str | None:
    """One sentence saying how ``got`` fails to match ``expected``, or None when it matches.

    ``output`` names one array of a tuple return (``"dw"``); the messages then read
    "conv2d_backward returned dw of shape ...". ``values=False`` stops after the shape and
    finiteness checks.
    """
    expect_shape = _shape(expected.shape)
    # "conv2d_forward returned ..." or "conv2d_backward returned dw ..."
    said = f"{function} returned an array" if output is None else f"{function} returned {output}"
    if got is None:
        if output is None:
            return f"{function} returned None; expected an array of shape {expect_shape}."
        return f"{function} returned None for {output}; expected an array of shape {expect_shape}."
    if isinstance(got, tuple):
        head = f"{function} returned a tuple" if output is None else f"{said} as a tuple"
        return f"{head} of {len(got)} values; expected one array of shape {expect_shape}."
    if not isinstance(got, np.ndarray) or got.dtype.kind not in "biuf":
        kind = got.dtype if isinstance(got, np.ndarray) else type(got).__name__
        return f"{function} returned {output or 'a value'} of type {kind}; expected real numbers."
    if got.shape != expected.shape:
        return f"{said} of shape {_shape(got.shape)}; expected shape {expect_shape}."
    got = got.astype(np.float64)
    bad = ~np.isfinite(got)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        return (f"{said} with {int(bad.sum())} NaN or infinite value(s) (first at index {first}); "
                f"expected finite numbers.")
    ok = close(got, expected, tol)
    if ok.all() or not values:
        return None
    wrong = np.argwhere(~ok)
    diff = np.abs(got - expected)
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(np.where(ok, -1.0, diff))), diff.shape))
    head = f"{function} returned wrong values" if output is None else f"{function} returned a wrong {output}"
    return (f"{head} at {len(wrong)} of {got.size} positions; at index {worst} expected "
            f"{format_value(expected[worst])}, got {format_value(got[worst])}.")


def where_different(got: np.ndarray, expected: np.ndarray, tol: Tolerance) -> str:
    """The differing indices, listed (a few) — for the counterexample block."""
    ok = close(got, expected, tol)
    wrong = [tuple(int(i) for i in idx) for idx in np.argwhere(~ok)]
    listed = ", ".join(str(w) for w in wrong[:_MAX_LISTED])
    more = f" and {len(wrong) - _MAX_LISTED} more" if len(wrong) > _MAX_LISTED else ""
    return f"{listed}{more}"


def format_value(v: Any) -> str:
    v = float(v)
    return f"{v:.6g}" if v != 0 else "0"


def format_array(a: Any, *, indent: str = "    ") -> str:
    """An input or output printed in full when small (summarised when large)."""
    if isinstance(a, tuple):
        return "(" + ", ".join(format_array(x, indent=indent).strip() for x in a) + ")"
    if not isinstance(a, np.ndarray):
        return repr(a)
    if a.dtype.kind == "f":
        text = np.array2string(a, threshold=200, precision=6, suppress_small=True,
                               max_line_width=100, floatmode="maxprec", separator=", ")
    else:
        text = np.array2string(a, threshold=200, max_line_width=100, separator=", ")
    text = f"array(shape={_shape(a.shape)}) " + text if a.ndim > 1 or a.size > 8 else text
    return text.replace("\n", "\n" + indent)
