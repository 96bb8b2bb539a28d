import numpy as np

# Convolution layer, forward pass (assignment 2)
def conv2d_forward(x, w, b, stride=1, padding=0):
    """Cross-correlate every filter with every image of the batch."""
    # one stride and one padding per axis
    step_y, step_x = (stride, stride) if isinstance(stride, int) else stride
    pad_y, pad_x = (padding, padding) if isinstance(padding, int) else padding
    (batch, chans, rows, cols), (nf, kh, kw) = x.shape, (len(w), w.shape[-2], w.shape[-1])
    padded = x
    if pad_y or pad_x:
        # zero rows above and below, then zero columns left and right
        padded = np.concatenate([np.zeros(x.shape[:2] + (pad_y, cols)), x,
                                 np.zeros(x.shape[:2] + (pad_y, cols))], axis=2)
        padded = np.concatenate([np.zeros(padded.shape[:3] + (pad_x,)), padded,
                                 np.zeros(padded.shape[:3] + (pad_x,))], axis=3)
    out_rows, out_cols = [(n - k) // s + 1
                          for n, k, s in zip(padded.shape[2:], (kh, kw), (step_y, step_x))]
    result = np.full((batch, nf, out_rows, out_cols), 0.0)
    for r in range(out_rows):
        for c in range(out_cols):
            for img in range(batch):
                for k in range(nf):
                    patch = padded[img, :, r * step_y:r * step_y + kh, c * step_x:c * step_x + kw]
                    result[img, k, r, c] = np.sum(patch * w[k]) + b[k]
    return result
