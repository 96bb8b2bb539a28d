"""The torch reference engine: every number cnngrade gives comes from here.

Submodules (import the one you need; importing this package alone loads no torch):

- ``shapes``: output sizes of convolutions and pools in plain integers (no torch).
- ``device``: float64, determinism, and which device (CUDA when available, else CPU).
- ``functional``: the layers as functions with autograd gradients (``vjp``).
"""

__all__ = ["shapes", "device", "functional"]
