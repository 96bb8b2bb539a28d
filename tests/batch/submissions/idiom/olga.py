import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    sh, sw = np.broadcast_to(stride, 2)
    ph, pw = np.broadcast_to(padding, 2)
    sh, sw, ph, pw = int(sh), int(sw), int(ph), int(pw)
    N = x.shape[0]
    H, W = x.shape[2], x.shape[3]
    F = w.shape[0]
    HH, WW = w.shape[2:]
    xp = np.pad(x, [(0, 0), (0, 0), (ph, ph), (pw, pw)], 'constant', constant_values=0)
    H_out = 1 + (H - HH + 2 * ph) // sh
    W_out = 1 + (W - WW + 2 * pw) // sw
    out = np.empty((N, F, H_out, W_out), dtype=float)
    for i in range(H_out):
        for j in range(W_out):
            for n in range(N):
                for f in range(F):
                    window = xp[n, :, i * sh:i * sh + HH, j * sw:j * sw + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out
