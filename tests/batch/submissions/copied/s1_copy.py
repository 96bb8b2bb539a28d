import numpy as np

# my own convolution implementation
def conv2d_forward(x, w, b, stride=1, padding=0):
    # strides
    step_r, step_c = (stride, stride) if isinstance(stride, int) else stride
    # paddings
    pad_r, pad_c = (padding, padding) if isinstance(padding, int) else padding
    batch, ch, height, width = x.shape
    nfilt, _, kr, kc = w.shape
    x_padded = np.pad(x, ((0, 0), (0, 0), (pad_r, pad_r), (pad_c, pad_c)), mode="constant")
    out_h = (height + 2 * pad_r - kr) // step_r + 1
    out_w = (width + 2 * pad_c - kc) // step_c + 1
    result = np.zeros((batch, nfilt, out_h, out_w))
    for img in range(batch):
        for k in range(nfilt):
            for r in range(out_h):
                for c in range(out_w):
                    patch = x_padded[img, :, r * step_r:r * step_r + kr,
                                     c * step_c:c * step_c + kc]
                    result[img, k, r, c] = np.sum(patch * w[k]) + b[k]
    return result
