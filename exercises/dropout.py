"""dropout: inverted dropout, forward (random) and backward, in numpy.

The forward pass is random, so its groups check properties of what the student's code
returns instead of comparing with one expected array: shapes and a 0/1 mask, the mask
consistent with the output, survivors scaled by 1 / (1 - p), the drop rate within a
binomial bound, p = 0 is the identity, the randomness comes from the given generator
(same seed, same mask), and each element is dropped independently with probability p:
over many calls (many seeds) every element's drop frequency, and the distribution of the
number dropped per call, agree with independent drops. The backward pass is deterministic
and compared with the reference.

The drop-rate bound: with n independent drops of probability p, Hoeffding's inequality gives
P(|dropped/n - p| >= t) <= 2 exp(-2 n t^2). We allow t = sqrt(ln(2 / 1e-9) / (2 n)), so a
correct implementation fails one check with probability below 1e-9 (6.5 sigma at
p = 0.5, n = 1024); with n >= 1024, t <= 0.103, which still separates p from 1 - p for every p drawn
(|p - (1 - p)| >= 0.4).

The independence bounds are exact binomial tails: over K = 128 calls with K seeds, element
i's drop count is Binomial(K, p), and the number of calls that drop exactly m of n elements
is Binomial(K, C(n, m) p^m (1 - p)^(n - m)). Each count must lie in its two-sided interval,
the tails split so that all the intervals of one check together fail a correct dropout with
probability below 1e-9 (a union bound). That catches a mask with a fixed number of drops
(a random subset of round(p * n) elements: a 1-element input at p = 0.3 is never dropped)
and a mask from one draw for the whole array (all kept or all dropped together).
"""

import functools
import math

import numpy as np
from hypothesis import strategies as st

from grader.checker.compare import check_output, format_value
from grader.checker.spec import Case, CodeExercise, Failure, Function, Misconception, PropertyGroup, Tolerance
from grader.checker.strategies import fixed_values, values
from grader.sandbox import Rng

FWD, BWD = "dropout_forward", "dropout_backward"
TOLERANCE = Tolerance()
#: Largest false-fail probability of one drop-rate check on a correct implementation.
FALSE_FAIL = 1e-9
#: Drop probabilities drawn; 0.5 is left out so that p and 1 - p always differ.
P_VALUES = (0.25, 0.75, 0.1, 0.2, 0.3, 0.7, 0.8, 0.9)
#: Calls (seeds) per case of the independence groups.
TRIALS = 128
#: Drop probabilities of the per-element rate group: a 1-element input that a fixed-count
#: mask never (or always) drops is told apart from p within TRIALS calls (0.8^128 < 1e-12).
MARGINAL_P = (0.25, 0.75, 0.2, 0.3, 0.7, 0.8)

STATEMENT = """\
# Dropout (inverted), forward and backward

Write `dropout_forward(x, p, rng)` and `dropout_backward(dout, mask, p)` in numpy.

* `x`: an array of any shape; `p`: the probability of **dropping** an element, `0 <= p < 1`;
  `rng`: a `numpy.random.Generator` — draw all randomness from it (`rng.random(...)`), never
  from `np.random.*` directly, so that the same seed gives the same mask.
* Inverted dropout: each element is dropped (set to 0) independently with probability `p`,
  and the kept ones are scaled by `1 / (1 - p)`, so the expected output equals `x`.
* Return `(out, mask)`: `mask` has the shape of `x` and holds 1 for a kept element and 0 for
  a dropped one (booleans are fine); `out = x * mask / (1 - p)`. With `p = 0` nothing is
  dropped and `out` equals `x`.
* `dropout_backward(dout, mask, p)` returns `dx`, the gradient with respect to `x`.

Graded by properties of the random outputs (shapes, mask consistent with out, scaling of the
survivors, the drop rate within a binomial bound, p = 0, reproducibility from the generator,
and independence: over many seeds every element is dropped at rate p, and the number dropped
varies from call to call as independent drops make it) and by comparing the backward pass with
the reference.
"""


# --- reference ----------------------------------------------------------------------------


def _backward_reference(dout, mask, p):
    """dx = dout * mask / (1 - p): the gradient of x * mask / (1 - p) with the mask fixed."""
    from grader.reference import functional as F

    keep = F.as_tensor(mask)
    return F.to_numpy(F.vjp(lambda x_: x_ * keep / (1.0 - p), (np.zeros_like(dout),), dout)[0])


# --- properties of the forward pass --------------------------------------------------------


class _Bad(Exception):
    def __init__(self, failure: Failure):
        super().__init__(failure.message)
        self.failure = failure


def _run(call, x, p, seed):
    """The student's ``(out, mask)`` as float arrays, after the cheap checks (else _Bad)."""
    value = call(FWD, x, p, Rng(seed))
    if not isinstance(value, tuple) or len(value) != 2:
        what = ("None" if value is None else
                f"a tuple of {len(value)} values" if isinstance(value, tuple) else "one array")
        raise _Bad(Failure(f"{FWD} returned {what}; expected a tuple of 2 arrays (out, mask)."))
    template = np.zeros(x.shape)
    for name, got in zip(("out", "mask"), value):
        message = check_output(got, template, function=FWD, tol=TOLERANCE, output=name, values=False)
        if message:
            raise _Bad(Failure(message))
    out, mask = (np.asarray(v, dtype=np.float64) for v in value)
    if not np.isin(mask, (0.0, 1.0)).all():
        odd = mask[~np.isin(mask, (0.0, 1.0))]
        if p < 1 and np.allclose(odd, 1.0 / (1.0 - p)):
            raise _Bad(Failure(f"{FWD} returned a mask holding {format_value(odd[0])} = 1/(1-p) "
                               f"for kept elements; expected 1 (kept) and 0 (dropped).", "mask_scaled"))
        raise _Bad(Failure(f"{FWD} returned a mask holding {format_value(odd[0])}; expected only "
                           f"1 (kept) and 0 (dropped)."))
    return out, mask


def _prop(check):
    """A group property from ``check(case, call) -> Failure | None`` that may raise _Bad."""
    def prop(case, call):
        try:
            return check(case, call)
        except _Bad as bad:
            return bad.failure
    return prop


def _args(case):
    x, p, rng = case.args
    return x, p, rng.seed


def _shape(case, call):
    _run(call, *_args(case))
    return None


def _mismatches(out, mask):
    """(kept elements that are 0 in out, dropped elements that are not)."""
    return (mask == 1) & (out == 0), (mask == 0) & (out != 0)


def _inverted(out, mask) -> bool:
    """The mask marks the dropped elements: evidence both ways (a kept zero alone could be an
    element the code forgot to write)."""
    zero_kept, nonzero_dropped = _mismatches(out, mask)
    return zero_kept.any() and nonzero_dropped.any() and np.array_equal(mask == 1, out == 0)


def _mask_matches(case, call):
    x, p, seed = _args(case)  # x has no zeros, so a kept element is never 0 in out
    out, mask = _run(call, x, p, seed)
    zero_kept, nonzero_dropped = _mismatches(out, mask)
    if not (zero_kept.any() or nonzero_dropped.any()):
        return None
    inverted = _inverted(out, mask)
    if not inverted and not (zero_kept.any() and nonzero_dropped.any()):
        # Too small to tell (one element): ask again with 64 elements, p = 0.5.
        twin = fixed_values(seed, (64,))
        twin[twin == 0] = 0.25
        inverted = _inverted(*_run(call, twin, 0.5, seed))
    idx = tuple(int(i) for i in np.argwhere(zero_kept | nonzero_dropped)[0])
    return Failure(f"{FWD} returned out[{idx}] = {format_value(out[idx])} with mask[{idx}] = "
                   f"{format_value(mask[idx])}; a kept element (mask 1) must be nonzero and a "
                   f"dropped one (mask 0) must be 0.", "mask_inverted" if inverted else None)


def _twin_rate(call, p, seed) -> str | None:
    """Which fraction a 1024-element twin at the same p drops: "p", "1 - p" or None (neither
    within the Hoeffding bound; p != 1 - p for every p drawn)."""
    twin = fixed_values(seed, (1024,))
    twin[twin == 0] = 0.25
    _, mask = _run(call, twin, p, seed)
    rate, t = float(np.mean(mask == 0)), _hoeffding(mask.size)
    return "p" if abs(rate - p) <= t else "1 - p" if abs(rate - (1.0 - p)) <= t else None


def _scale(case, call):
    x, p, seed = _args(case)
    out, mask = _run(call, x, p, seed)
    expected = x * mask / (1.0 - p)
    message = check_output(out, expected, function=FWD, tol=TOLERANCE, output="out")
    if message is None:
        return None
    kept = mask == 1
    alternatives = (("scaled_by_keep_probability", x * mask * (1.0 - p)),
                    ("no_scaling", x * mask), ("divided_by_p", x * mask / p))
    key = next((k for k, alt in alternatives if np.allclose(out[kept], alt[kept], rtol=1e-4, atol=1e-6)
                and np.allclose(out[~kept], 0.0)), None)
    if key == "divided_by_p":
        # Survivors times 1/p: p read as the keep probability if the mask keeps a fraction p
        # too, else only the scale is wrong; the drop rate of a large twin tells which.
        key = {"p": "divides_by_p", "1 - p": "p_as_keep_probability"}.get(_twin_rate(call, p, seed))
    return Failure(f"{message} The kept elements must equal x / (1 - p) = x * {format_value(1 / (1 - p))}.",
                   key)


def _hoeffding(n: int) -> float:
    return math.sqrt(math.log(2.0 / FALSE_FAIL) / (2.0 * n))


def _rate(case, call):
    x, p, seed = _args(case)
    out, mask = _run(call, x, p, seed)
    n = mask.size
    rate, t = float(np.mean(mask == 0)), _hoeffding(n)
    if abs(rate - p) <= t:
        return None
    # Which mistake: one draw for the whole mask (all kept or all dropped: a correct dropout of
    # 1024 elements does that with probability below 0.9**1024); the mask alone swapped (out
    # still drops a fraction p; x has no zeros), or the probability itself (out drops 1 - p too).
    key = None
    if np.all(mask == mask.flat[0]):
        key = "mask_one_draw"
    elif abs(rate - (1.0 - p)) <= t:
        key = "mask_inverted" if abs(float(np.mean(out == 0)) - p) <= t else "p_as_keep_probability"
    return Failure(f"{FWD} dropped {int(np.sum(mask == 0))} of {n} elements ({rate:.3f}) with p = {p}; "
                   f"expected a fraction within {t:.3f} of p (a correct dropout misses this bound "
                   f"with probability below {FALSE_FAIL:g}).",
                   key)


def _identity(case, call):
    x, p, seed = _args(case)
    out, mask = _run(call, x, p, seed)
    if not (mask == 1).all():
        return Failure(f"{FWD} dropped {int(np.sum(mask == 0))} of {mask.size} elements with p = 0; "
                       f"expected the mask to be all ones.")
    message = check_output(out, x, function=FWD, tol=TOLERANCE, output="out")
    return None if message is None else Failure(f"{message} With p = 0, out must equal x.")


def _seeded(case, call):
    x, p, seed = _args(case)
    out1, mask1 = _run(call, x, p, seed)
    out2, mask2 = _run(call, x, p, seed)
    if not np.array_equal(mask1, mask2) or not np.array_equal(out1, out2):
        return Failure(f"two calls of {FWD} with generators of the same seed ({seed}) returned "
                       f"different masks; draw the mask from rng, not from np.random.",
                       "mask_not_from_rng")
    _, mask3 = _run(call, x, p, seed + 1)
    if np.array_equal(mask1, mask3):
        # Two constant masks (all kept or all dropped; x has >= 64 elements and p = 0.5, so a
        # correct dropout does that with probability 2**-63): one draw for the whole mask,
        # which does come from rng; otherwise the mask ignores rng.
        one_draw = np.all(mask1 == mask1.flat[0])
        return Failure(f"{FWD} returned the same mask of {mask1.size} elements for the seeds {seed} "
                       f"and {seed + 1}; the mask must be drawn from the given rng, one draw per element.",
                       "mask_one_draw" if one_draw else "mask_not_from_rng")
    return None


# --- independence: many calls, many seeds ---------------------------------------------------


@functools.lru_cache(maxsize=None)
def _binomial_interval(trials: int, q: float, tail: float) -> tuple[int, int]:
    """The smallest [lo, hi] with P(X < lo) <= tail and P(X > hi) <= tail, X ~ Binomial(trials, q)."""
    pmf = [math.comb(trials, k) * q ** k * (1.0 - q) ** (trials - k) for k in range(trials + 1)]
    lo, below = 0, 0.0
    while lo < trials and below + pmf[lo] <= tail:
        below += pmf[lo]
        lo += 1
    hi, above = trials, 0.0
    while hi > 0 and above + pmf[hi] <= tail:
        above += pmf[hi]
        hi -= 1
    return lo, hi


def _dropped(call, x, p, seed) -> np.ndarray:
    """(TRIALS, x.size) booleans: which elements each of TRIALS calls (seeds seed, seed + 1, ...) dropped."""
    return np.array([(_run(call, x, p, seed + k)[1] == 0).ravel() for k in range(TRIALS)])


def _independence_key(call, seed) -> str | None:
    """Which independence mistake a twin shows: 32 calls on 8 elements at p = 0.5. A correct
    dropout drops exactly 4 in all 32 with probability 0.273**32 < 1e-17, and keeps or drops
    all 8 together in all 32 with probability (2 / 256)**32."""
    x = np.array([0.25, -0.5, 0.75, -1.0, 1.25, -1.5, 1.75, -2.0])
    dropped = np.array([(_run(call, x, 0.5, seed + k)[1] == 0) for k in range(32)])
    counts = dropped.sum(axis=1)
    if np.all(counts == 4) and len({row.tobytes() for row in dropped}) > 1:
        return "fixed_drop_count"
    if np.all((counts == 0) | (counts == 8)) and 0 < counts.sum() < 32 * 8:
        return "mask_one_draw"
    return None


def _bound_note(trials: int, seed: int) -> str:
    return (f"over {trials} calls with the seeds {seed} to {seed + trials - 1} (binomial bounds that a "
            f"correct dropout misses with probability below {FALSE_FAIL:g})")


def _marginal(case, call):
    """Every element is dropped at rate p over TRIALS seeds."""
    x, p, seed = _args(case)
    per_element = _dropped(call, x, p, seed).sum(axis=0)
    lo, hi = _binomial_interval(TRIALS, p, FALSE_FAIL / (2 * x.size))
    bad = np.flatnonzero((per_element < lo) | (per_element > hi))
    if not bad.size:
        return None
    i = int(bad[0])
    idx = tuple(int(v) for v in np.unravel_index(i, x.shape))
    return Failure(f"{FWD} dropped element {idx} of {x.size} in {int(per_element[i])} of {TRIALS} calls "
                   f"with p = {p}; expected between {lo} and {hi} {_bound_note(TRIALS, seed)}: each "
                   f"element is dropped with probability p.", _independence_key(call, seed))


def _independent(case, call):
    """The number dropped per call varies as for independent drops: Binomial(n, p)."""
    x, p, seed = _args(case)
    n = x.size
    counts = np.bincount(_dropped(call, x, p, seed).sum(axis=1), minlength=n + 1)
    for m in range(n + 1):
        q = math.comb(n, m) * p ** m * (1.0 - p) ** (n - m)
        lo, hi = _binomial_interval(TRIALS, q, FALSE_FAIL / (2 * (n + 1)))
        if not lo <= counts[m] <= hi:
            return Failure(f"{FWD} dropped exactly {m} of {n} elements in {int(counts[m])} of {TRIALS} calls "
                           f"with p = {p}; independent drops do that in between {lo} and {hi} "
                           f"{_bound_note(TRIALS, seed)}: drop each element on its own draw, so the "
                           f"number dropped varies from call to call.", _independence_key(call, seed))
    return None


MISCONCEPTIONS = (
    Misconception("scaled_by_keep_probability", FWD,
                  "your output multiplies the kept elements by (1 - p); inverted dropout divides "
                  "them by (1 - p), so that the expected output equals x."),
    Misconception("no_scaling", FWD,
                  "your output keeps the survivors unscaled; inverted dropout divides them by "
                  "(1 - p) during training (so nothing changes at test time)."),
    Misconception("p_as_keep_probability", FWD,
                  "your code treats p as the probability of keeping an element; p is the "
                  "probability of dropping one: keep with probability 1 - p and scale by 1 / (1 - p)."),
    Misconception("divides_by_p", FWD,
                  "your output scales the kept elements by 1 / p; your mask drops a fraction p as it "
                  "should, and the survivors are scaled by 1 / (1 - p), the keep probability."),
    Misconception("mask_one_draw", FWD,
                  "your mask comes from one random draw for the whole array, so every element is kept "
                  "or every element dropped together; draw one number per element: "
                  "rng.random(x.shape) >= p."),
    Misconception("fixed_drop_count", FWD,
                  "your mask drops the same number of elements every call (a random subset of about "
                  "p * n); each element must be dropped independently with probability p, so the "
                  "number dropped varies (a 1-element input is dropped in a fraction p of the calls): "
                  "rng.random(x.shape) >= p."),
    Misconception("mask_not_from_rng", FWD,
                  "your mask does not come from the rng argument (np.random.* or a generator of "
                  "your own); draw it with rng.random(x.shape) so the same seed gives the same mask."),
    Misconception("mask_scaled", FWD,
                  "your mask already holds the scale 1 / (1 - p); return the 0/1 mask and apply the "
                  "scale in out (the backward pass takes p and scales again)."),
    Misconception("mask_inverted", FWD,
                  "your mask marks the dropped elements; it must hold 1 for kept elements and 0 for "
                  "dropped ones."),
    Misconception("backward_no_scaling", BWD,
                  "your dx is dout * mask; the forward pass scaled the survivors by 1 / (1 - p), "
                  "so dx = dout * mask / (1 - p).",
                  lambda dout, mask, p: dout * mask),
    Misconception("backward_scaled_by_keep_probability", BWD,
                  "your dx multiplies by (1 - p); the forward pass divided by (1 - p), so "
                  "dx = dout * mask / (1 - p).",
                  lambda dout, mask, p: dout * mask * (1.0 - p)),
    Misconception("backward_ignores_mask", BWD,
                  "your dx ignores the mask; dropped elements did not reach the output, so their "
                  "gradient is 0: dx = dout * mask / (1 - p).",
                  lambda dout, mask, p: dout / (1.0 - p)),
    Misconception("backward_p_as_keep_probability", BWD,
                  "your dx divides by p; p is the drop probability and the survivors were scaled "
                  "by 1 / (1 - p).",
                  lambda dout, mask, p: _divide(dout * mask, p)),
)


def _divide(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):  # p = 0: inf/NaN, as the mistake gives
        return a / b


# --- inputs -------------------------------------------------------------------------------


def _nonzero(shape):
    """Arrays without zeros (multiples of 1/4 in [-2, 2] \\ {0}), so out == 0 means dropped."""
    return values(shape).map(lambda a: np.where(a == 0, 0.25, a))


@st.composite
def forward_cases(draw, *, ndim=(1, 4), side=(1, 5), p=P_VALUES, min_size=1):
    """Cases ``(x, p, Rng(seed))`` for the forward pass; ``min_size`` bounds x.size below
    (the side of the last axis grows to reach it)."""
    shape = list(draw(st.lists(st.integers(*side), min_size=ndim[0], max_size=ndim[1])))
    rest = int(np.prod(shape[:-1]))
    shape[-1] = max(shape[-1], -(-min_size // rest))
    x = draw(_nonzero(tuple(shape)))
    return Case((x, draw(st.sampled_from(p)), Rng(draw(st.integers(0, 2**16)))))


@st.composite
def backward_cases(draw, *, p=P_VALUES, ones=False):
    """Cases ``(dout, mask, p)``: a 0/1 float mask (all ones with ``ones=True``)."""
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)))
    dout = draw(values(shape))
    # Kept where a drawn value is >= 0: shrinks towards "all kept", so a minimal
    # counterexample keeps only the dropped elements that matter.
    mask = np.ones(shape) if ones else draw(values(shape).map(lambda a: (a >= 0).astype(np.float64)))
    return Case((dout, mask, draw(st.sampled_from(p))))


@st.composite
def repeat_cases(draw, *, size=(1, 3), p=P_VALUES):
    """Cases ``(x, p, Rng(seed))`` of a few elements for the properties that call the forward
    pass TRIALS times (seeds seed, seed + 1, ...)."""
    x = draw(_nonzero((draw(st.integers(*size)),)))
    return Case((x, draw(st.sampled_from(p)), Rng(draw(st.integers(0, 2**16)))))


def _fixed_forward(seed, shape, p):
    x = fixed_values(seed, shape)
    return Case((np.where(x == 0, 0.25, x), p, Rng(seed)))


def _fixed_backward(seed, shape, p, *, ones=False):
    """An explicit backward case: about half the mask kept (all of it with ``ones=True``)."""
    mask = np.ones(shape) if ones else (np.random.default_rng(seed).random(shape) >= 0.5).astype(np.float64)
    return Case((fixed_values(seed, shape), mask, p))


def _group(name, points, description, check, cases, examples=(), **kw):
    return PropertyGroup(name, points, description, FWD, cases, examples=tuple(examples),
                         prop=_prop(check), **kw)


_LARGE = dict(ndim=(2, 4), side=(2, 8), min_size=1024)

GROUPS = (
    _group("shape", 1, "Forward: out and mask have the shape of x; the mask holds only 0 and 1.",
           _shape, forward_cases(p=(0.5, *P_VALUES)), [_fixed_forward(1, (2, 3, 4, 5), 0.5)]),
    _group("mask_matches_output", 2, "Forward: out is 0 exactly where the mask is 0 (dropped).",
           _mask_matches, forward_cases(), [_fixed_forward(2, (4, 6), 0.5)]),
    _group("scale", 2, "Forward: every kept element equals x / (1 - p).",
           _scale, forward_cases(), [_fixed_forward(3, (3, 4), 0.25)]),
    _group("drop_rate", 2, "Forward: the fraction dropped is within a binomial bound of p "
           "(at least 1024 elements; a correct dropout fails it with probability < 1e-9).",
           _rate, forward_cases(**_LARGE), [_fixed_forward(4, (4, 16, 16), 0.2)], max_examples=6),
    _group("p_zero", 1, "Forward: p = 0 drops nothing; out equals x.",
           _identity, forward_cases(p=(0.0,)), [_fixed_forward(5, (2, 3, 4), 0.0)]),
    _group("seeded", 1, "Forward: the same rng seed gives the same mask; another seed another mask.",
           _seeded, forward_cases(ndim=(1, 3), side=(2, 8), p=(0.5,), min_size=64),
           [_fixed_forward(6, (8, 8), 0.5)], max_examples=6),
    _group("marginal_rate", 1, f"Forward: over {TRIALS} seeds, every element of a 1- to 3-element "
           "input is dropped at rate p (a binomial bound a correct dropout fails with probability < 1e-9).",
           _marginal, repeat_cases(size=(1, 3), p=MARGINAL_P), [_fixed_forward(10, (1,), 0.3)], max_examples=3),
    _group("independence", 2, f"Forward: over {TRIALS} seeds, the number dropped out of 2 to 6 elements "
           "varies as for independent drops (binomial bounds a correct dropout fails with probability < 1e-9).",
           _independent, repeat_cases(size=(2, 6)), [_fixed_forward(11, (2, 3), 0.5)], max_examples=3),
    PropertyGroup("backward_mask", 2, "Backward: the gradient flows only through kept elements.",
                  BWD, backward_cases(p=(0.0,)), examples=(_fixed_backward(7, (3, 4), 0.0),)),
    PropertyGroup("backward_scale", 2, "Backward: the gradient is scaled by 1 / (1 - p) like the output.",
                  BWD, backward_cases(ones=True), examples=(_fixed_backward(8, (2, 3), 0.75, ones=True),)),
    PropertyGroup("backward", 2, "Backward: dx = dout * mask / (1 - p) for any mask and p.",
                  BWD, backward_cases(), examples=(_fixed_backward(9, (2, 3, 4), 0.3),)),
)

EXERCISE = CodeExercise(
    name="dropout",
    title="Inverted dropout",
    summary="numpy dropout_forward(x, p, rng) -> (out, mask) and dropout_backward, graded by properties",
    version="2",  # 2: marginal_rate and independence groups; divides_by_p, mask_one_draw, fixed_drop_count
    statement=STATEMENT,
    functions=(
        Function(FWD, "x, p, rng", """\
Inverted dropout in training mode.

x: array of any shape; p: probability of dropping an element (0 <= p < 1);
rng: numpy.random.Generator (draw the mask from it).
Returns (out, mask): mask is 1 (kept) or 0 (dropped), shape of x; out = x * mask / (1 - p).
""", returns=("out", "mask")),
        Function(BWD, "dout, mask, p", """\
Backward pass of dropout_forward.

dout: upstream gradient, shape of x; mask: the mask dropout_forward returned; p: as in the forward.
Returns dx, shape of x.
"""),
    ),
    groups=GROUPS,
    # The forward pass is random: its groups check properties (prop), so only the backward has a reference.
    references={BWD: _backward_reference},
    misconceptions=MISCONCEPTIONS,
    tolerance=TOLERANCE,
)
