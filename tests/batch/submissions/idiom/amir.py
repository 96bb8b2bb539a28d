import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    def pair(v):
        return (v, v) if np.isscalar(v) else tuple(v)
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    N, C, H, W = np.shape(x)
    F, C2, HH, WW = np.shape(w)
    assert C == C2, 'channels differ'
    xp = np.pad(x, [(0, 0), (0, 0), (ph, ph), (pw, pw)], 'constant', constant_values=0)
    H_out = (H + 2 * ph - HH) // sh + 1
    W_out = (W + 2 * pw - WW) // sw + 1
    out = np.zeros((N, F, H_out, W_out))
    for f in range(F):
        for n in range(N):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, :, i * sh:i * sh + HH, j * sw:j * sw + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out
