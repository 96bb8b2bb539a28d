import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    sh, sw = np.broadcast_to(stride, 2)
    ph, pw = np.broadcast_to(padding, 2)
    sh, sw, ph, pw = int(sh), int(sw), int(ph), int(pw)
    (N, C, H, W), (F, HH, WW) = x.shape, (len(w), w.shape[-2], w.shape[-1])
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), mode='constant')
    H_out = int((xp.shape[2] - HH) / sh) + 1
    W_out = int((xp.shape[3] - WW) / sw) + 1
    out = np.zeros([N, F, H_out, W_out])
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                for f in range(F):
                    window = xp[n, :, i * sh:i * sh + HH, j * sw:j * sw + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out
