import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    N = x.shape[0]
    H, W = x.shape[2], x.shape[3]
    F = w.shape[0]
    HH, WW = w.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), mode='constant')
    H_out, W_out = [(size - k) // s + 1 for size, k, s in zip(xp.shape[2:], (HH, WW), (sh, sw))]
    out = np.full((N, F, H_out, W_out), 0.0)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, :, i * sh:i * sh + HH, j * sw:j * sw + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out
