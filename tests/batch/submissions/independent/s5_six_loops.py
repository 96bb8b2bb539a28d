import numpy as np

# straight from the definition, every multiply-add written out
def conv2d_forward(x, w, b, stride=1, padding=0):
    st = stride if isinstance(stride, tuple) else (stride, stride)
    pd = padding if isinstance(padding, tuple) else (padding, padding)
    N, C, H, W = x.shape
    F, C2, KH, KW = w.shape
    Ho = (H + 2 * pd[0] - KH) // st[0] + 1
    Wo = (W + 2 * pd[1] - KW) // st[1] + 1
    out = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            for oy in range(Ho):
                for ox in range(Wo):
                    acc = b[f]
                    for c in range(C):
                        for ky in range(KH):
                            iy = oy * st[0] + ky - pd[0]
                            if iy < 0 or iy >= H:
                                continue
                            for kx in range(KW):
                                ix = ox * st[1] + kx - pd[1]
                                if 0 <= ix < W:
                                    acc += x[n, c, iy, ix] * w[f, c, ky, kx]
                    out[n, f, oy, ox] = acc
    return out
