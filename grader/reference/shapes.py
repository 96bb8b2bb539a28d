"""Output sizes of convolutions and pools, in plain Python integers (no torch import).

One axis at a time: the exercise generators and the model analysis call these many
thousands of times, so they stay small, exact and cheap. The rules are PyTorch's:

    H_out = floor((H_in + pad_before + pad_after - dilation * (K - 1) - 1) / stride) + 1

``ceil_mode`` (pooling) rounds the division up instead, but a window may never *start* in
the right-hand padding (PyTorch drops such a last window). A transposed convolution
inverts the formula:

    H_out = (H_in - 1) * stride - pad_before - pad_after + dilation * (K - 1) + output_padding + 1

Every bad geometry raises :class:`grader.errors.UserError` with one sentence naming it.

>>> conv_output_size(100, 9)                      # the course's 100x100x3 -> conv 9x9
92
>>> conv_output_size(92, 5, stride=2)
44
>>> conv_output_size(5, 2, stride=2, ceil_mode=True)
3
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

from grader.errors import UserError

__all__ = [
    "Field",
    "conv_output_size",
    "conv_transpose_output_size",
    "same_padding",
    "padding_pair",
]


def conv_output_size(
    size: int,
    kernel: int,
    *,
    stride: int = 1,
    padding: int | tuple[int, int] = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
    axis: str | None = None,
) -> int:
    """Length of a convolution's or pool's output along one axis.

    - ``size``: input length (H_in), a positive integer.
    - ``kernel``: kernel length K (before dilation), a positive integer.
    - ``stride``, ``dilation``: positive integers.
    - ``padding``: zeros added on each side (an int), or ``(before, after)``.
    - ``ceil_mode``: round up as PyTorch's pools do with ``ceil_mode=True``.
    - ``axis``: a name ("height", "width"...) used only in error messages.

    Raises ``UserError`` when a size is not positive or the kernel does not fit.
    """
    size = _positive("input size", size)
    kernel = _positive("kernel size", kernel)
    stride = _positive("stride", stride)
    dilation = _positive("dilation", dilation)
    before, after = padding_pair(padding)

    # Step 1: the span the dilated kernel covers, and the length after zero padding.
    span = dilation * (kernel - 1) + 1
    padded = size + before + after
    # Step 2: count window positions; floor division, or ceiling division in ceil mode.
    reach = padded - span
    if ceil_mode:
        out = -(-reach // stride) + 1
        # Step 3 (ceil mode): the last window must start inside the input or the left padding.
        if (out - 1) * stride >= size + before:
            out -= 1
    else:
        out = reach // stride + 1
    if out < 1:
        raise UserError(_does_not_fit(span, kernel, dilation, padded, size, before, after, axis))
    return out


def conv_transpose_output_size(
    size: int,
    kernel: int,
    *,
    stride: int = 1,
    padding: int | tuple[int, int] = 0,
    output_padding: int = 0,
    dilation: int = 1,
    axis: str | None = None,
) -> int:
    """Length of a transposed convolution's output along one axis.

    Arguments as for :func:`conv_output_size`, plus ``output_padding``: extra rows added on
    the far side only, smaller than the stride or the dilation (PyTorch's rule), used to pick
    one of the input sizes a strided convolution maps onto the same output size.
    """
    size = _positive("input size", size)
    kernel = _positive("kernel size", kernel)
    stride = _positive("stride", stride)
    dilation = _positive("dilation", dilation)
    before, after = padding_pair(padding)
    output_padding = _non_negative("output_padding", output_padding)
    along = f" along {axis}" if axis else ""
    if output_padding >= stride and output_padding >= dilation:
        raise UserError(
            f"output_padding {output_padding} must be smaller than the stride ({stride}) "
            f"or the dilation ({dilation}){along}"
        )
    out = (size - 1) * stride - before - after + dilation * (kernel - 1) + output_padding + 1
    if out < 1:
        raise UserError(
            f"the transposed convolution's output size would be {out}{along} (input {size}, "
            f"kernel {kernel}, stride {stride}, padding {before} + {after}); reduce the padding"
        )
    return out


def same_padding(kernel: int, *, dilation: int = 1) -> tuple[int, int]:
    """``(before, after)`` zero padding that keeps the size at stride 1 ('same' padding).

    The dilated kernel spans ``dilation * (K - 1) + 1``; the ``dilation * (K - 1)`` extra
    rows are split evenly, the odd one going *after* (as PyTorch and TensorFlow do).
    """
    kernel = _positive("kernel size", kernel)
    dilation = _positive("dilation", dilation)
    total = dilation * (kernel - 1)
    return total // 2, total - total // 2


def padding_pair(padding: int | tuple[int, int]) -> tuple[int, int]:
    """One axis's padding as ``(before, after)``: an int means the same on both sides."""
    if isinstance(padding, (tuple, list)):
        if len(padding) != 2:
            raise UserError(
                f"padding for one axis must be an int or a (before, after) pair, got {padding!r}"
            )
        return _non_negative("padding", padding[0]), _non_negative("padding", padding[1])
    p = _non_negative("padding", padding)
    return p, p


# --- validation helpers ------------------------------------------------------------------


def _integer(name: str, value) -> int:
    # bool is an int in Python, but `stride=True` is always a mistake.
    if isinstance(value, bool):
        raise UserError(f"{name} must be an integer, got {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise UserError(f"{name} must be an integer, got {value!r}") from None


def _positive(name: str, value) -> int:
    v = _integer(name, value)
    if v < 1:
        raise UserError(f"{name} must be a positive integer, got {v}")
    return v


def _non_negative(name: str, value) -> int:
    v = _integer(name, value)
    if v < 0:
        raise UserError(f"{name} must be a non-negative integer, got {v}")
    return v


def _does_not_fit(span, kernel, dilation, padded, size, before, after, axis) -> str:
    along = f" along {axis}" if axis else ""
    dilated = f" (kernel {kernel}, dilation {dilation})" if dilation > 1 else ""
    padded_how = f" (input {size} + padding {before} + {after})" if before or after else ""
    return (
        f"kernel size {span}{dilated} is larger than the padded input size "
        f"{padded}{padded_how}{along}"
    )


# --- receptive fields (the model analysis and the layer spec share them) -------------------


@dataclass(frozen=True)
class Field:
    """Receptive field of a tensor's units along (height, width), in input pixels.

    ``start`` is the centre of the first unit's field (pixel centres are 0, 1, 2...); a
    ``flat`` field is the union over every unit of the spatial tensor it came from.
    """

    size: tuple[float, float]
    jump: tuple[float, float]
    start: tuple[float, float]
    flat: bool = False

    def through(self, kernel, stride, pad_before, dilation) -> Field:
        """The field after a convolution or pool window."""
        size, jump, start = [], [], []
        for r, j, c, k, s, p, d in zip(self.size, self.jump, self.start, kernel, stride,
                                       pad_before, dilation):
            span = d * (k - 1)
            size.append(r + span * j)
            jump.append(j * s)
            start.append(c + (span / 2 - p) * j)
        return Field(tuple(size), tuple(jump), tuple(start))

    def through_adaptive(self, spatial: tuple[int, ...], output_size: tuple[int | None, ...]) -> Field:
        """The field after adaptive pooling of a map of size ``spatial`` to ``output_size``
        (the widest window; its first centre expressed as a padding)."""
        windows = [_adaptive_window(n, m) for n, m in zip(spatial, output_size)]
        return self.through([k for k, _, _ in windows], [s for _, s, _ in windows],
                            [k / 2 - 0.5 - off for k, _, off in windows], (1,) * len(windows))

    def as_row(self, spatial: tuple[int, ...], *, spatial_output: bool) -> tuple[tuple, tuple | None]:
        """``(receptive_field, jump)`` as a table row shows them (integers where they are,
        else 2 decimals): for a flat field or a flat output, the union over the map of size
        ``spatial`` and no jump."""
        if self.flat or not spatial_output:
            return tuple(map(_tidy, self.flattened(spatial).size)), None
        return tuple(map(_tidy, self.size)), tuple(map(_tidy, self.jump))

    def flattened(self, spatial: tuple[int, int]) -> Field:
        """The union over all ``spatial`` units: what a flat output depends on."""
        if self.flat:
            return self
        lo, hi = self._bounds()
        hi = tuple(h + (n - 1) * j for h, n, j in zip(hi, spatial, self.jump))
        return Field.from_bounds(lo, hi, self.jump, flat=True)

    def _bounds(self):
        lo = tuple(c - (r - 1) / 2 for c, r in zip(self.start, self.size))
        hi = tuple(c + (r - 1) / 2 for c, r in zip(self.start, self.size))
        return lo, hi

    @staticmethod
    def from_bounds(lo, hi, jump, *, flat=False) -> Field:
        size = tuple(high - low + 1 for low, high in zip(lo, hi))
        start = tuple((low + high) / 2 for low, high in zip(lo, hi))
        return Field(size, tuple(jump), start, flat)

    @staticmethod
    def union(fields: list[Field]) -> Field:
        if len(fields) == 1:
            return fields[0]
        bounds = [f._bounds() for f in fields]
        axes = range(len(fields[0].size))
        lo = tuple(min(b[0][a] for b in bounds) for a in axes)
        hi = tuple(max(b[1][a] for b in bounds) for a in axes)
        jump = tuple(max(f.jump[a] for f in fields) for a in axes)
        return Field.from_bounds(lo, hi, jump, flat=any(f.flat for f in fields))


def _adaptive_window(n: int, m: int | None) -> tuple[int, float, float]:
    """(kernel, stride, offset of the first window's centre) of adaptive pooling n -> m."""
    m = n if m is None else m
    if n % m == 0:
        k = n // m
        return k, k, (k - 1) / 2
    # PyTorch's windows: [floor(i n / m), ceil((i + 1) n / m)); take the widest.
    k = max(-(-(i + 1) * n // m) - (i * n // m) for i in range(m))
    return k, n / m, (-(-n // m) - 1) / 2


def _tidy(v: float):
    return int(round(v)) if abs(v - round(v)) < 1e-9 else round(v, 2)
