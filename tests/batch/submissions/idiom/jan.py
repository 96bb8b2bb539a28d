import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    sh, sw = np.broadcast_to(stride, 2)
    ph, pw = np.broadcast_to(padding, 2)
    sh, sw, ph, pw = int(sh), int(sw), int(ph), int(pw)
    N = x.shape[0]
    H, W = x.shape[2], x.shape[3]
    F = w.shape[0]
    HH, WW = w.shape[2:]
    xp = np.zeros((N, x.shape[1], H + 2 * ph, W + 2 * pw))
    xp[:, :, ph:ph + H, pw:pw + W] = x
    H_out, W_out = [(size - k) // s + 1 for size, k, s in zip(xp.shape[2:], (HH, WW), (sh, sw))]
    out = np.full((N, F, H_out, W_out), 0.0)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                for f in range(F):
                    window = xp[n, :, i * sh:i * sh + HH, j * sw:j * sw + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out
