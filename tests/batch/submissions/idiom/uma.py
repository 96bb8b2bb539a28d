import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    sh = stride if type(stride) is int else stride[0]
    sw = stride if type(stride) is int else stride[1]
    ph = padding if type(padding) is int else padding[0]
    pw = padding if type(padding) is int else padding[1]
    N, C, H, W = np.shape(x)
    F, C2, HH, WW = np.shape(w)
    assert C == C2, 'channels differ'
    xp = np.pad(x, [(0, 0), (0, 0), (ph, ph), (pw, pw)], 'constant', constant_values=0)
    H_out, W_out = [(size - k) // s + 1 for size, k, s in zip(xp.shape[2:], (HH, WW), (sh, sw))]
    out = np.full((N, F, H_out, W_out), 0.0)
    for n in range(N):
        for j in range(W_out):
            for i in range(H_out):
                for f in range(F):
                    window = xp[n, :, i * sh:i * sh + HH, j * sw:j * sw + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out
