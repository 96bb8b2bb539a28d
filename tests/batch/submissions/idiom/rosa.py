import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    def pair(v):
        return (v, v) if np.isscalar(v) else tuple(v)
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    xp = x
    if ph or pw:
        xp = np.concatenate([np.zeros(x.shape[:2] + (ph, W)), x, np.zeros(x.shape[:2] + (ph, W))], axis=2)
        xp = np.concatenate([np.zeros(xp.shape[:3] + (pw,)), xp, np.zeros(xp.shape[:3] + (pw,))], axis=3)
    H_out = int((xp.shape[2] - HH) / sh) + 1
    W_out = int((xp.shape[3] - WW) / sw) + 1
    out = np.zeros([N, F, H_out, W_out])
    for f in range(F):
        for n in range(N):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, :, i * sh:i * sh + HH, j * sw:j * sw + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out
