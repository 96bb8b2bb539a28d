import numpy as np

# written by me
def conv2d_forward(x, w, b, stride=1, padding=0):
    strides = stride if isinstance(stride, tuple) else (stride, stride)
    pads = padding if isinstance(padding, tuple) else (padding, padding)
    N, C, H, W = x.shape
    F, C2, KH, KW = w.shape
    OUT_H = (H + 2 * pads[0] - KH) // strides[0] + 1
    OUT_W = (W + 2 * pads[1] - KW) // strides[1] + 1
    out = np.zeros((N, F, OUT_H, OUT_W))
    for n in range(N):
        for f in range(F):
            for row in range(OUT_H):
                for col in range(OUT_W):
                    total = b[f]
                    for c in range(C):
                        for dy in range(KH):
                            y_in = row * strides[0] + dy - pads[0]
                            if y_in < 0 or y_in >= H:
                                continue
                            for dx in range(KW):
                                x_in = col * strides[1] + dx - pads[1]
                                if 0 <= x_in < W:
                                    total += x[n, c, y_in, x_in] * w[f, c, dy, dx]
                    out[n, f, row, col] = total
    return out
