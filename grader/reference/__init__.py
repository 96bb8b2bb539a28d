"""The torch reference engine: every number cnngrade gives comes from here.

Submodules (import the one you need; importing this package alone loads no torch):

- ``shapes``: output sizes of convolutions and pools in plain integers (no torch).
- ``device``: float64, determinism, and which device (CUDA when available, else CPU).
- ``functional``: the layers as functions with autograd gradients (``vjp``).
- ``blocks``: VGG, residual (basic, bottleneck, grouped), inception (v1, v3), dense,
  fire, depthwise-separable, inverted-residual and squeeze-excitation blocks.
- ``catalogue``: the names of the course's architectures (no torch).
- ``models``: the course's architectures by name (``build_model("resnet18")``).
- ``spec``: layer-spec files (YAML or JSON) describing a model, as course exercises do;
  ``spec_modules`` holds the residual and inception modules a spec builds.
- ``landscape``: loss landscapes on a filter-normalised 2-D slice (``loss_landscape``).
- ``analysis``: per-layer shapes, parameters, MACs and receptive fields (``analyze``),
  computed on the meta device without real activations; ``analysis_cache``: the disk cache
  of analyses behind ``cnngrade inspect`` (no torch on a hit).
"""

__all__ = ["shapes", "device", "functional", "blocks", "catalogue", "models", "spec", "spec_modules",
           "analysis", "analysis_cache", "landscape"]
