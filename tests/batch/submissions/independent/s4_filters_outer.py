import numpy as np


def as_two(value):
    try:
        a, b = value
        return int(a), int(b)
    except TypeError:
        return int(value), int(value)


def conv2d_forward(x, w, b, stride=1, padding=0):
    stride_y, stride_x = as_two(stride)
    pad_y, pad_x = as_two(padding)
    num, chans, rows, cols = x.shape
    nf, _, fr, fc = w.shape
    out_rows = (rows - fr + 2 * pad_y) // stride_y + 1
    out_cols = (cols - fc + 2 * pad_x) // stride_x + 1
    xpad = np.pad(x, ((0, 0), (0, 0), (pad_y, pad_y), (pad_x, pad_x)))
    result = np.zeros((num, nf, out_rows, out_cols), dtype=float)
    for k in range(nf):
        kernel = w[k]
        for r in range(out_rows):
            for c in range(out_cols):
                r0 = r * stride_y
                c0 = c * stride_x
                region = xpad[:, :, r0:r0 + fr, c0:c0 + fc]
                result[:, k, r, c] = (region * kernel).sum(axis=(1, 2, 3))
        result[:, k] += b[k]
    return result
