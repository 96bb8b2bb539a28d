# cnngrade exercise: conv2d-forward
import numpy as np

# convolution, my own work
def conv2d_forward(x, w, b, stride=1, padding=0):
    # how far the window moves
    step_r, step_c = (stride, stride) if isinstance(stride, int) else stride
    pad_r, pad_c = (padding, padding) if isinstance(padding, int) else padding
    batch, chans, rows, cols = x.shape
    nfilt, _, krows, kcols = w.shape
    out_rows = (rows + 2 * pad_r - krows) // step_r + 1
    out_cols = (cols + 2 * pad_c - kcols) // step_c + 1
    padded = np.pad(x, ((0, 0), (0, 0), (pad_r, pad_r), (pad_c, pad_c)))
    result = np.zeros((batch, nfilt, out_rows, out_cols))
    for img in range(batch):
        for k in range(nfilt):
            for r in range(out_rows):
                for c in range(out_cols):
                    patch = padded[img, :, r * step_r:r * step_r + krows,
                                   c * step_c:c * step_c + kcols]
                    result[img, k, r, c] = np.sum(patch * w[k]) + b[k]
    return result
