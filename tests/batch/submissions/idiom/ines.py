import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    (N, C, H, W), (F, HH, WW) = x.shape, (len(w), w.shape[-2], w.shape[-1])
    xp = np.zeros((N, x.shape[1], H + 2 * ph, W + 2 * pw))
    xp[:, :, ph:ph + H, pw:pw + W] = x
    H_out = (H + 2 * ph - HH) // sh + 1
    W_out = (W + 2 * pw - WW) // sw + 1
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for j in range(W_out):
            for i in range(H_out):
                for f in range(F):
                    window = xp[n, :, i * sh:i * sh + HH, j * sw:j * sw + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out
