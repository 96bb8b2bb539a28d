"""Grading-process side of the wire format: encode call arguments, validate replies.

A reply header is JSON (parsed, never evaluated); every array it announces is checked for a
real numeric dtype from a fixed list, a sane shape and a byte size under the cap *before*
a single payload byte is read. Nothing here unpickles or imports anything from the child.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

__all__ = ["Rng", "ProtocolError", "encode_call", "frame", "ArraySpec", "parse_reply", "payload_bytes",
           "build_value", "clean_text"]

#: The only dtypes a reply may carry: booleans, integers, unsigned integers and floats,
#: little- or big-endian. Object, complex, structured, datetime, strings: refused.
_ALLOWED_DTYPES = frozenset(
    [np.dtype(t).str for t in (np.bool_, np.int8, np.uint8)]
    + [f"{order}{kind}{size}" for order in "<>" for kind in "iu" for size in (2, 4, 8)]
    + [f"{order}f{size}" for order in "<>" for size in (2, 4, 8)]
)
MAX_NDIM = 32
MAX_ITEMS = 64
MAX_HEADER_BYTES = 1 << 20
MAX_MESSAGE_CHARS = 2000


@dataclass(frozen=True)
class Rng:
    """A call argument that the child turns into ``numpy.random.default_rng(seed)``."""

    seed: int


class ProtocolError(Exception):
    """The child sent something that is not a well-formed reply."""


def _encode_arg(value: Any, buffers: list) -> dict:
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf" or value.dtype.fields:
            raise TypeError(f"cannot send an array of dtype {value.dtype} to the sandbox")
        arr = np.asarray(value, order="C")  # (ascontiguousarray would turn 0-d into 1-d)
        buffers.append(arr.tobytes())
        return {"t": "a", "d": arr.dtype.str, "s": list(arr.shape)}
    if value is None:
        return {"t": "n"}
    if isinstance(value, (bool, np.bool_)):
        return {"t": "b", "v": bool(value)}
    if isinstance(value, Integral):
        return {"t": "i", "v": int(value)}
    if isinstance(value, Real):
        return {"t": "f", "v": float(value)}
    if isinstance(value, str):
        return {"t": "s", "v": value}
    if isinstance(value, Rng):
        return {"t": "r", "v": int(value.seed)}
    if isinstance(value, tuple):
        return {"t": "T", "v": [_encode_arg(v, buffers) for v in value]}
    if isinstance(value, list):
        return {"t": "L", "v": [_encode_arg(v, buffers) for v in value]}
    raise TypeError(f"cannot send a {type(value).__name__} to the sandbox")


def encode_call(name: str, args: tuple, kwargs: dict) -> tuple[dict, list[bytes]]:
    """The request header and payload buffers for calling ``name(*args, **kwargs)``."""
    buffers: list[bytes] = []
    header = {
        "name": name,
        "args": [_encode_arg(a, buffers) for a in args],
        "kwargs": {str(k): _encode_arg(v, buffers) for k, v in kwargs.items()},
    }
    header["sizes"] = [len(b) for b in buffers]
    return header, buffers


def frame(header: dict, buffers: list[bytes]) -> bytes:
    """One request as the child reads it: the JSON header's length (4 bytes, big-endian),
    the header, then the payload buffers it lists."""
    data = json.dumps(header).encode()
    return b"".join([struct.pack(">I", len(data)), data, *buffers])


@dataclass(frozen=True)
class ArraySpec:
    dtype: np.dtype
    shape: tuple[int, ...]
    nbytes: int


def _array_spec(spec: Any) -> ArraySpec:
    dt = spec.get("d")
    if not isinstance(dt, str) or dt not in _ALLOWED_DTYPES:
        raise ProtocolError(f"returned an array of dtype {str(dt)[:40]!r}, not real numbers")
    shape = spec.get("s")
    if (not isinstance(shape, list) or len(shape) > MAX_NDIM
            or not all(type(s) is int and 0 <= s < 1 << 40 for s in shape)):
        raise ProtocolError("returned an array with an invalid shape")
    dtype = np.dtype(dt)
    return ArraySpec(dtype, tuple(shape), math.prod(shape) * dtype.itemsize)


def parse_reply(header: Any, *, max_bytes: int) -> list[ArraySpec | None] | None:
    """Validate an ``ok`` reply's value spec; return the array layout (None = no value).

    The result is None for a plain ``None`` return, else a list with one entry per
    returned item (an :class:`ArraySpec`, or None for an item that is None);
    :func:`build_value` tells a tuple from a single array by the header.
    """
    value = header.get("v") if isinstance(header, dict) else None
    if not isinstance(value, dict):
        raise ProtocolError("sent a reply without a value")
    t = value.get("t")
    if t == "n":
        return None
    if t == "a":
        specs: list[ArraySpec | None] = [_array_spec(value)]
    elif t == "T":
        items = value.get("v")
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise ProtocolError("returned a tuple that is too long")
        specs = []
        for item in items:
            if not isinstance(item, dict) or item.get("t") not in ("a", "n"):
                raise ProtocolError("returned a tuple holding something other than arrays")
            specs.append(_array_spec(item) if item["t"] == "a" else None)
    else:
        raise ProtocolError("returned a value of an unknown kind")
    total = payload_bytes(specs)
    if total > max_bytes:
        raise ProtocolError(
            f"returned {total / 2**20:.0f} MiB of data, over the {max_bytes / 2**20:.0f} MiB limit")
    return specs


def payload_bytes(specs: list[ArraySpec | None] | None) -> int:
    """Bytes of payload that follow a reply header with this layout."""
    return sum(s.nbytes for s in specs or () if s is not None)


def build_value(header: dict, specs: list[ArraySpec | None] | None, payload: bytearray):
    """Arrays viewing the (already size-checked) payload, shaped as the reply announced."""
    if specs is None:
        return None
    out, offset = [], 0
    for spec in specs:
        if spec is None:
            out.append(None)
            continue
        count = spec.nbytes // spec.dtype.itemsize
        arr = np.frombuffer(payload, dtype=spec.dtype, count=count, offset=offset)
        out.append(arr.reshape(spec.shape))
        offset += spec.nbytes
    return out[0] if header["v"]["t"] == "a" else tuple(out)


def clean_text(value: Any) -> str:
    """A message from the child, as bounded plain text."""
    text = value if isinstance(value, str) else repr(value)
    return text[:MAX_MESSAGE_CHARS]
