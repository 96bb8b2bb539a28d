"""Shared pieces of the closed-form checks (imported by name: pytest puts this folder on sys.path).

Every paper exercise module ``exercises/<module>.py`` has its check in this folder, in
``test_closed_form_<module>.py``: its generated answers recomputed from a formula written
there (sympy, numpy or plain Python), independently of the reference engine that produced
them, over many seeds at every difficulty. ``tests/test_catalogue.py`` fails for a paper kind
without one. Cheap kinds run 2,000 seeds (x3 difficulties); torch-backed kinds a few hundred.
"""

from __future__ import annotations

import sympy as sp

from exercises import get_exercise

DIFFS = ("easy", "medium", "hard")

# --- closed forms (sympy) ----------------------------------------------------------------

H, K, S, P, D = sp.symbols("H K S P D", integer=True, positive=True)
OUT = sp.lambdify((H, K, S, P, D), sp.floor((H + 2 * P - D * (K - 1) - 1) / S) + 1, "math")
CI, CO, KH, KW, G, B = sp.symbols("C_in C_out K_h K_w G B", integer=True, positive=True)
CONV_PARAMS = sp.lambdify((CI, CO, KH, KW, G, B), KH * KW * (CI / G) * CO + B * CO, "math")
DI, DO = sp.symbols("D_in D_out", integer=True, positive=True)
FC_PARAMS = sp.lambdify((DI, DO, B), DI * DO + B * DO, "math")


def variants(name: str, n: int):
    ex = get_exercise(name, kind="paper")
    for d in DIFFS:
        for seed in range(n):
            yield ex.variant(seed=seed, difficulty=d)


def flt(rows):
    """Sympy results as floats (sympy >= 1.13 never equates Integer(6) and 6.0)."""
    return [[float(e) for e in r] for r in rows] if isinstance(rows[0], (list, tuple)) else [float(e) for e in rows]


def answers(v) -> dict:
    return {p.key: p.answer for p in v.parts}
