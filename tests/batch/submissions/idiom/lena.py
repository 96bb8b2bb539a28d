import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    sh, sw = np.broadcast_to(stride, 2)
    ph, pw = np.broadcast_to(padding, 2)
    sh, sw, ph, pw = int(sh), int(sw), int(ph), int(pw)
    N, C, H, W = np.shape(x)
    F, C2, HH, WW = np.shape(w)
    assert C == C2, 'channels differ'
    xp = np.zeros((N, x.shape[1], H + 2 * ph, W + 2 * pw))
    xp[:, :, ph:ph + H, pw:pw + W] = x
    H_out = 1 + (H - HH + 2 * ph) // sh
    W_out = 1 + (W - WW + 2 * pw) // sw
    out = np.empty((N, F, H_out, W_out), dtype=float)
    for f in range(F):
        for n in range(N):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, :, i * sh:i * sh + HH, j * sw:j * sw + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out
