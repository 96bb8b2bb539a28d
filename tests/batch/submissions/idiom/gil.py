import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    if isinstance(stride, int):
        stride = (stride, stride)
    if isinstance(padding, int):
        padding = (padding, padding)
    sh, sw = stride
    ph, pw = padding
    N, C, H, W = np.shape(x)
    F, C2, HH, WW = np.shape(w)
    assert C == C2, 'channels differ'
    xp = x
    if ph or pw:
        xp = np.concatenate([np.zeros(x.shape[:2] + (ph, W)), x, np.zeros(x.shape[:2] + (ph, W))], axis=2)
        xp = np.concatenate([np.zeros(xp.shape[:3] + (pw,)), xp, np.zeros(xp.shape[:3] + (pw,))], axis=3)
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
