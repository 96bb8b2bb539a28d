import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    def pair(v):
        return (v, v) if np.isscalar(v) else tuple(v)
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    N, C, H, W = np.shape(x)
    F, C2, HH, WW = np.shape(w)
    assert C == C2, 'channels differ'
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), mode='constant')
    H_out, W_out = [(size - k) // s + 1 for size, k, s in zip(xp.shape[2:], (HH, WW), (sh, sw))]
    out = np.full((N, F, H_out, W_out), 0.0)
    for f in range(F):
        for i in range(H_out):
            for j in range(W_out):
                for n in range(N):
                    window = xp[n, :, i * sh:i * sh + HH, j * sw:j * sw + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out
