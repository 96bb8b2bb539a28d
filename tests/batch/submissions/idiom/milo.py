import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    sh = stride if type(stride) is int else stride[0]
    sw = stride if type(stride) is int else stride[1]
    ph = padding if type(padding) is int else padding[0]
    pw = padding if type(padding) is int else padding[1]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    xp = x
    if ph or pw:
        xp = np.concatenate([np.zeros(x.shape[:2] + (ph, W)), x, np.zeros(x.shape[:2] + (ph, W))], axis=2)
        xp = np.concatenate([np.zeros(xp.shape[:3] + (pw,)), xp, np.zeros(xp.shape[:3] + (pw,))], axis=3)
    H_out = (H + 2 * ph - HH) // sh + 1
    W_out = (W + 2 * pw - WW) // sw + 1
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, :, i * sh:i * sh + HH, j * sw:j * sw + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out
