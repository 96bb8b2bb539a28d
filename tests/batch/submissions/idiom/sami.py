import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    N, C, H, W = np.shape(x)
    F, C2, HH, WW = np.shape(w)
    assert C == C2, 'channels differ'
    xp = x
    if ph or pw:
        xp = np.concatenate([np.zeros(x.shape[:2] + (ph, W)), x, np.zeros(x.shape[:2] + (ph, W))], axis=2)
        xp = np.concatenate([np.zeros(xp.shape[:3] + (pw,)), xp, np.zeros(xp.shape[:3] + (pw,))], axis=3)
    H_out = 1 + (H - HH + 2 * ph) // sh
    W_out = 1 + (W - WW + 2 * pw) // sw
    out = np.empty((N, F, H_out, W_out), dtype=float)
    for f in range(F):
        for i in range(H_out):
            for j in range(W_out):
                for n in range(N):
                    window = xp[n, :, i * sh:i * sh + HH, j * sw:j * sw + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out
