import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    sy, sx = stride if isinstance(stride, tuple) else (stride,) * 2
    py, px = padding if isinstance(padding, tuple) else (padding,) * 2
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    ho = (h + 2 * py - kh) // sy + 1
    wo = (wd + 2 * px - kw) // sx + 1
    xp = np.pad(x, ((0, 0), (0, 0), (py, py), (px, px)))
    cols = np.empty((n, ho * wo, c * kh * kw))
    idx = 0
    for i in range(ho):
        for j in range(wo):
            cols[:, idx, :] = xp[:, :, i * sy:i * sy + kh, j * sx:j * sx + kw].reshape(n, -1)
            idx += 1
    flat_w = w.reshape(f, -1)
    out = cols @ flat_w.T + b
    return out.transpose(0, 2, 1).reshape(n, f, ho, wo)
