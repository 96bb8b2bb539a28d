import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    sh = stride if type(stride) is int else stride[0]
    sw = stride if type(stride) is int else stride[1]
    ph = padding if type(padding) is int else padding[0]
    pw = padding if type(padding) is int else padding[1]
    N = x.shape[0]
    H, W = x.shape[2], x.shape[3]
    F = w.shape[0]
    HH, WW = w.shape[2:]
    xp = np.zeros((N, x.shape[1], H + 2 * ph, W + 2 * pw))
    xp[:, :, ph:ph + H, pw:pw + W] = x
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
