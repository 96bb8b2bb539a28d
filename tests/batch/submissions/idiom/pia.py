import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    def pair(v):
        return (v, v) if np.isscalar(v) else tuple(v)
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    N = x.shape[0]
    H, W = x.shape[2], x.shape[3]
    F = w.shape[0]
    HH, WW = w.shape[2:]
    xp = np.zeros((N, x.shape[1], H + 2 * ph, W + 2 * pw))
    xp[:, :, ph:ph + H, pw:pw + W] = x
    H_out = (H + 2 * ph - HH) // sh + 1
    W_out = (W + 2 * pw - WW) // sw + 1
    out = np.zeros((N, F, H_out, W_out))
    for f in range(F):
        for i in range(H_out):
            for j in range(W_out):
                for n in range(N):
                    window = xp[n, :, i * sh:i * sh + HH, j * sw:j * sw + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out
