"""Some blocks of :mod:`grader.reference.blocks` as layer specs: their parameters, MACs and
shapes without torch.

``import torch`` alone takes 0.8 to 2.6 s depending on the machine, more than the 1.5 s a
paper kind has to write a class's sheets (issue 14), so the block-cost kind counts these
blocks from the same layers written as :mod:`grader.reference.spec` layer lists
(:attr:`LayerDef.params`, :attr:`LayerDef.macs`, integer shape rules). The modules stay the
oracle: ``tests/reference/test_block_specs.py`` compares every count, conv by conv, with the
analysis of the module built on the meta device, on random and on drawn blocks.

A block here is a :class:`BlockCount`: its plain layers in the order the module runs them
(a residual block's path, then its shortcut) and its output shape.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.reference.spec import LayerDef, load_spec

__all__ = ["BlockCount", "basic_block", "bottleneck", "inception", "dense_block"]


@dataclass(frozen=True)
class BlockCount:
    """What a block costs, from its layers."""

    layers: tuple[LayerDef, ...]
    """Every plain layer (no block layers), in the order the module runs them."""
    output_shape: tuple[int, ...]

    @property
    def params(self) -> int:
        return sum(layer.params for layer in self.layers)

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    @property
    def convs(self) -> list[LayerDef]:
        return [layer for layer in self.layers if layer.type == "conv"]

    @property
    def batchnorm_params(self) -> int:
        return sum(layer.params for layer in self.layers if layer.type == "batchnorm")


def _conv(filters: int, kernel: int, *, stride: int = 1, groups: int = 1, bias: bool = False) -> dict:
    return {"type": "conv", "filters": filters, "kernel": kernel, "stride": stride,
            "padding": kernel // 2, "groups": groups, "bias": bias}


_BN, _RELU = {"type": "batchnorm"}, {"type": "relu"}


def _plain(layers) -> tuple[LayerDef, ...]:
    """The plain layers of validated layers, blocks opened, in order."""
    out: list[LayerDef] = []
    for layer in layers:
        if layer.blocks:
            out += [inner for block in layer.blocks for inner in _plain(block)]
        else:
            out.append(layer)
    return tuple(out)


def _residual(shape: tuple[int, ...], path: list[dict], stride: int) -> BlockCount:
    """``path(x) + shortcut(x)``: the shortcut is blocks._shortcut's "auto", a 1x1
    convolution without bias and a batch norm exactly when the shape changes."""
    main = load_spec({"input": list(shape), "layers": path}).layers
    out = main[-1].output_shape
    layers = _plain(main)
    if stride != 1 or out[0] != shape[0]:
        layers += load_spec({"input": list(shape), "layers": [_conv(out[0], 1, stride=stride), _BN]}).layers
    return BlockCount(layers, out)


def basic_block(in_channels: int, out_channels: int, size: int, *, stride: int = 1) -> BlockCount:
    """:class:`blocks.BasicBlock` ``(in_channels, out_channels, stride=stride)`` on a
    ``size`` x ``size`` input."""
    return _residual((in_channels, size, size), [
        _conv(out_channels, 3, stride=stride), _BN, _RELU, _conv(out_channels, 3), _BN], stride)


def bottleneck(in_channels: int, width: int, size: int, *, stride: int = 1, expansion: int = 4) -> BlockCount:
    """:class:`blocks.Bottleneck` ``(in_channels, width, stride=stride, expansion=...)``
    (the stride on the 3x3, ResNet v1.5) on a ``size`` x ``size`` input."""
    return _residual((in_channels, size, size), [
        _conv(width, 1), _BN, _RELU, _conv(width, 3, stride=stride), _BN, _RELU,
        _conv(width * expansion, 1), _BN], stride)


def inception(in_channels: int, size: int, *, c1: int, c3_reduce: int, c3: int, c5_reduce: int,
              c5: int, pool_proj: int) -> BlockCount:
    """:class:`blocks.Inception` (GoogLeNet's module, every convolution with a bias and a
    ReLU) on a ``size`` x ``size`` input."""
    def unit(filters, kernel):
        return [_conv(filters, kernel, bias=True), _RELU]

    (block,) = load_spec({"input": [in_channels, size, size], "layers": [{"type": "inception", "branches": [
        unit(c1, 1), unit(c3_reduce, 1) + unit(c3, 3), unit(c5_reduce, 1) + unit(c5, 5),
        [{"type": "maxpool", "kernel": 3, "stride": 1, "padding": 1}, *unit(pool_proj, 1)],
    ]}]}).layers
    return BlockCount(_plain((block,)), block.output_shape)


def dense_block(in_channels: int, size: int, *, num_layers: int, growth_rate: int,
                bn_size: int | None = None) -> tuple[BlockCount, ...]:
    """:class:`blocks.DenseBlock`, one :class:`BlockCount` per dense layer: BN, ReLU, (a
    1x1 convolution to ``bn_size * growth_rate`` without bias, BN, ReLU,) a 3x3 convolution
    to ``growth_rate`` channels, concatenated to the layer's input."""
    out, channels = [], in_channels
    for _ in range(num_layers):
        neck = [_BN, _RELU, _conv(bn_size * growth_rate, 1)] if bn_size is not None else []
        layers = load_spec({"input": [channels, size, size],
                            "layers": [*neck, _BN, _RELU, _conv(growth_rate, 3, bias=bn_size is None)]}).layers
        channels += growth_rate
        out.append(BlockCount(layers, (channels, size, size)))
    return tuple(out)
