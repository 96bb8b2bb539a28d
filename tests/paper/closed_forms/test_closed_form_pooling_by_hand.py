"""Closed-form check of the pooling-by-hand paper exercise (see closed_form_support)."""

from __future__ import annotations

import sympy as sp

from closed_form_support import variants


def _pool(grid, k, s, op):
    n = len(grid)
    out = (n - k) // s + 1
    rows = []
    for i in range(out):
        row = []
        for j in range(out):
            window = [grid[s * i + a][s * j + b] for a in range(k) for b in range(k)]
            row.append(max(window) if op == "max" else sp.Rational(sum(window), k**2))
        rows.append(row)
    return rows


def test_pooling_by_hand_matches_window_max_and_mean():
    """Each output is the max / exact rational mean of its window; global = max / mean of all."""
    for v in variants("pooling-by-hand", 150):
        p = v.params
        grid = p["grid"]
        if p["type"] == "global":
            flat = [sp.Integer(x) for row in grid for x in row]
            assert abs(v.parts[0].answer - sp.Max(*flat)) < 1e-9
            assert abs(v.parts[1].answer - sp.Add(*flat) / len(flat)) < 1e-9
            continue
        assert (len(grid) - p["kernel"]) % p["stride"] == 0  # integer output size
        for part, op in zip(v.parts, p["ops"]):
            expected = _pool(grid, p["kernel"], p["stride"], op)
            for got_row, exp_row in zip(part.answer, expected, strict=True):
                for got, exp in zip(got_row, exp_row, strict=True):
                    assert abs(got - exp) < 1e-9, (p, op)
