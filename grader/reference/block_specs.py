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

__all__ = ["BlockCount", "conv", "basic_block", "bottleneck", "inception", "naive_inception", "dense_block"]


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


def conv(in_channels: int, size: int, filters: int, kernel: int, *, stride: int = 1, groups: int = 1,
         bias: bool = True) -> BlockCount:
    """One convolution with padding ``kernel // 2`` on a ``size`` x ``size`` input, as a
    block of one layer."""
    (layer,) = load_spec({"input": [in_channels, size, size],
                          "layers": [_conv(filters, kernel, stride=stride, groups=groups, bias=bias)]}).layers
    return BlockCount((layer,), layer.output_shape)


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


def _inception(in_channels: int, size: int, branches: list[list[dict]]) -> BlockCount:
    (block,) = load_spec({"input": [in_channels, size, size],
                          "layers": [{"type": "inception", "branches": branches}]}).layers
    return BlockCount(_plain((block,)), block.output_shape)


def _unit(filters: int, kernel: int) -> list[dict]:
    return [_conv(filters, kernel, bias=True), _RELU]


_POOL = {"type": "maxpool", "kernel": 3, "stride": 1, "padding": 1}


def inception(in_channels: int, size: int, *, c1: int, c3_reduce: int, c3: int, c5_reduce: int,
              c5: int, pool_proj: int) -> BlockCount:
    """:class:`blocks.Inception` (GoogLeNet's module, Szegedy et al. 2015, Fig. 2b: every
    convolution with a bias and a ReLU) on a ``size`` x ``size`` input."""
    return _inception(in_channels, size, [
        _unit(c1, 1), _unit(c3_reduce, 1) + _unit(c3, 3), _unit(c5_reduce, 1) + _unit(c5, 5),
        [_POOL, *_unit(pool_proj, 1)]])


def naive_inception(in_channels: int, size: int, *, c1: int, c3: int, c5: int) -> BlockCount:
    """The naive inception module (Fig. 2a): a 1x1, a 3x3 and a 5x5 convolution with bias
    and ReLU and a 3x3 max pool (stride 1, padding 1), side by side, concatenated. No module
    of :mod:`grader.reference.blocks` has it; the tests build one in torch."""
    return _inception(in_channels, size, [_unit(c1, 1), _unit(c3, 3), _unit(c5, 5), [_POOL]])


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
