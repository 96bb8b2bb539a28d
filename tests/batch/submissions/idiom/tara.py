import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    def pair(v):
        return (v, v) if np.isscalar(v) else tuple(v)
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    (N, C, H, W), (F, HH, WW) = x.shape, (len(w), w.shape[-2], w.shape[-1])
    xp = np.pad(x, [(0, 0), (0, 0), (ph, ph), (pw, pw)], 'constant', constant_values=0)
    H_out = int((xp.shape[2] - HH) / sh) + 1
    W_out = int((xp.shape[3] - WW) / sw) + 1
    out = np.zeros([N, F, H_out, W_out])
    for i in range(H_out):
        for j in range(W_out):
            for n in range(N):
                for f in range(F):
                    window = xp[n, :, i * sh:i * sh + HH, j * sw:j * sw + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out
