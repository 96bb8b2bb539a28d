import numpy as np

def conv2d_forward(x, w, b, stride=1, padding=0):
    if type(stride) is int:
        stride = (stride, stride)
    if type(padding) is int:
        padding = (padding, padding)
    batch, channels, height, width = x.shape
    n_filters, _, kh, kw = w.shape
    height_out = 1 + (height + 2*padding[0] - kh) // stride[0]
    width_out = 1 + (width + 2*padding[1] - kw) // stride[1]
    big = np.zeros((batch, channels, height + 2*padding[0], width + 2*padding[1]))
    big[:, :, padding[0]:padding[0]+height, padding[1]:padding[1]+width] = x
    y = np.empty((batch, n_filters, height_out, width_out))
    for r in range(height_out):
        top = r * stride[0]
        for c in range(width_out):
            left = c * stride[1]
            patch = big[:, :, top:top+kh, left:left+kw]
            y[:, :, r, c] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    y += b[None, :, None, None]
    return y
