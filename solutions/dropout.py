# cnngrade exercise: dropout
"""Model solution: inverted dropout, the mask drawn from the given generator."""


def dropout_forward(x, p, rng):
    # Keep each element with probability 1 - p; scale the survivors so E[out] = x.
    mask = (rng.random(x.shape) >= p).astype(x.dtype)
    return x * mask / (1.0 - p), mask


def dropout_backward(dout, mask, p):
    # out = x * mask / (1 - p) is linear in x with the mask fixed.
    return dout * mask / (1.0 - p)
