import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    (N, C, H, W), (F, HH, WW) = x.shape, (len(w), w.shape[-2], w.shape[-1])
    xp = x
    if ph or pw:
        xp = np.concatenate([np.zeros(x.shape[:2] + (ph, W)), x, np.zeros(x.shape[:2] + (ph, W))], axis=2)
        xp = np.concatenate([np.zeros(xp.shape[:3] + (pw,)), xp, np.zeros(xp.shape[:3] + (pw,))], axis=3)
    H_out, W_out = [(size - k) // s + 1 for size, k, s in zip(xp.shape[2:], (HH, WW), (sh, sw))]
    out = np.full((N, F, H_out, W_out), 0.0)
    for i in range(H_out):
        for j in range(W_out):
            for n in range(N):
                for f in range(F):
                    window = xp[n, :, i * sh:i * sh + HH, j * sw:j * sw + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out
