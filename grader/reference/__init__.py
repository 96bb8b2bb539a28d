"""The torch reference engine: every number cnngrade gives comes from here.

Submodules (import the one you need; importing this package alone loads no torch):

- ``shapes``: output sizes of convolutions and pools in plain integers (no torch).
- ``device``: float64, determinism, and which device (CUDA when available, else CPU).
- ``functional``: the layers as functions with autograd gradients (``vjp``).
- ``blocks``: VGG, residual (basic, bottleneck), inception and dense blocks.
- ``models``: the course's architectures by name (``build_model("resnet18")``).
- ``spec``: layer-spec files (YAML or JSON) describing a model, as course exercises do.
- ``analysis``: per-layer shapes, parameters, MACs and receptive fields (``analyze``),
  computed on the meta device without real activations.
"""

__all__ = ["shapes", "device", "functional", "blocks", "models", "spec", "analysis"]
