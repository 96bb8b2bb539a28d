"""The building blocks of the classic architectures, as plain ``torch.nn`` modules.

Each block is small, keeps its layers as named attributes (so an analysis table reads
``layer2.0.conv1``, ``inception3a.branch2.1``...) and documents the paper it follows.
Every block gives its output channel count as ``out_channels``.

>>> import torch
>>> BasicBlock(64, 128, stride=2)(torch.zeros(1, 64, 56, 56)).shape
torch.Size([1, 128, 28, 28])
"""

from __future__ import annotations

import torch
from torch import nn

from grader.errors import UserError

__all__ = [
    "conv_bn_relu",
    "VGGBlock",
    "BasicBlock",
    "Bottleneck",
    "Inception",
    "DenseLayer",
    "DenseBlock",
]

_SHORTCUTS = ("auto", "identity", "projection")


def conv_bn_relu(
    in_channels: int,
    out_channels: int,
    *,
    kernel_size: int = 3,
    stride: int = 1,
    padding: int | None = None,
    batch_norm: bool = True,
) -> nn.Sequential:
    """Convolution, optional batch norm, ReLU (the bias is dropped when BN follows).

    - ``padding``: ``None`` means "same" for odd kernels, ``kernel_size // 2``.
    """
    padding = kernel_size // 2 if padding is None else padding
    layers: list[nn.Module] = [
        nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                  bias=not batch_norm)
    ]
    if batch_norm:
        layers.append(nn.BatchNorm2d(out_channels))
    layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class VGGBlock(nn.Sequential):
    """``num_convs`` 3x3 convolutions (padding 1, ReLU, optional batch norm), then a 2x2 max
    pool of stride 2 (Simonyan & Zisserman 2015, Table 1). Halves the height and width.

    - ``in_channels``, ``out_channels``: channels before and after the block.
    - ``num_convs``: how many convolutions (1 to 4 in VGG-11...19).
    - ``batch_norm``: insert BatchNorm2d after every convolution (torchvision's ``vgg*_bn``;
      the convolutions keep their bias, as torchvision's do).
    """

    def __init__(self, in_channels: int, out_channels: int, *, num_convs: int,
                 batch_norm: bool = False):
        layers: list[nn.Module] = []
        for i in range(num_convs):
            layers.append(nn.Conv2d(in_channels if i == 0 else out_channels, out_channels,
                                    kernel_size=3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(out_channels))
            layers.append(nn.ReLU(inplace=True))
        layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        super().__init__(*layers)
        self.out_channels = out_channels


def _shortcut(in_channels: int, out_channels: int, stride: int, shortcut: str) -> nn.Module:
    """The residual path's shortcut: the identity, or a 1x1 projection (conv + BN).

    ``"auto"`` projects exactly when the shape changes (He et al. 2016, option B).
    """
    if shortcut not in _SHORTCUTS:
        raise UserError(f"shortcut must be one of {', '.join(_SHORTCUTS)}, got {shortcut!r}")
    changes_shape = stride != 1 or in_channels != out_channels
    if shortcut == "identity" and changes_shape:
        raise UserError(
            f"an identity shortcut needs the same shape in and out, but this block maps "
            f"{in_channels} to {out_channels} channels with stride {stride}; use a projection"
        )
    if shortcut == "projection" or (shortcut == "auto" and changes_shape):
        return nn.Sequential(
            nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False),
            nn.BatchNorm2d(out_channels),
        )
    return nn.Identity()


class BasicBlock(nn.Module):
    """Residual basic block (He et al. 2016, Fig. 2 left; ResNet-18/34):
    ``relu(bn(conv3x3(relu(bn(conv3x3(x, stride))))) + shortcut(x))``.

    - ``stride``: of the first 3x3 convolution and of the projection.
    - ``shortcut``: ``"identity"``, ``"projection"`` (1x1 conv + BN) or ``"auto"`` (projection
      exactly when the channels or the size change).
    """

    expansion = 1

    def __init__(self, in_channels: int, out_channels: int, *, stride: int = 1,
                 shortcut: str = "auto"):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut = _shortcut(in_channels, out_channels, stride, shortcut)
        self.relu2 = nn.ReLU(inplace=True)
        self.out_channels = out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu2(out + self.shortcut(x))


class Bottleneck(nn.Module):
    """Residual bottleneck block (He et al. 2016, Fig. 5 right; ResNet-50/101/152):
    1x1 conv down to ``width``, 3x3 conv, 1x1 conv up to ``width * expansion``, each with BN,
    plus the shortcut, then ReLU. The stride sits on the 3x3 convolution, as in torchvision
    ("ResNet v1.5"); the paper put it on the first 1x1.

    - ``width``: channels inside the bottleneck; the block outputs ``width * expansion``.
    - ``stride``, ``shortcut``: as for :class:`BasicBlock`.
    """

    def __init__(self, in_channels: int, width: int, *, stride: int = 1, expansion: int = 4,
                 shortcut: str = "auto"):
        super().__init__()
        out_channels = width * expansion
        self.conv1 = nn.Conv2d(in_channels, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv3 = nn.Conv2d(width, out_channels, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.shortcut = _shortcut(in_channels, out_channels, stride, shortcut)
        self.relu3 = nn.ReLU(inplace=True)
        self.out_channels = out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.relu2(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu3(out + self.shortcut(x))


class Inception(nn.Module):
    """Inception module of GoogLeNet (Szegedy et al. 2015, Fig. 2b): four branches on the
    same input, concatenated along channels; every convolution is followed by ReLU.

    - ``c1``: 1x1 convolutions ("#1x1").
    - ``c3_reduce``, ``c3``: 1x1 reduction then 3x3 (padding 1).
    - ``c5_reduce``, ``c5``: 1x1 reduction then 5x5 (padding 2), the paper's 5x5 (torchvision
      uses 3x3 here by mistake).
    - ``pool_proj``: 3x3 max pool (stride 1, padding 1) then 1x1 projection.

    Outputs ``c1 + c3 + c5 + pool_proj`` channels at the input's height and width.
    """

    def __init__(self, in_channels: int, *, c1: int, c3_reduce: int, c3: int, c5_reduce: int,
                 c5: int, pool_proj: int):
        super().__init__()
        self.branch1 = conv_bn_relu(in_channels, c1, kernel_size=1, batch_norm=False)
        self.branch2 = nn.Sequential(
            conv_bn_relu(in_channels, c3_reduce, kernel_size=1, batch_norm=False),
            conv_bn_relu(c3_reduce, c3, kernel_size=3, batch_norm=False),
        )
        self.branch3 = nn.Sequential(
            conv_bn_relu(in_channels, c5_reduce, kernel_size=1, batch_norm=False),
            conv_bn_relu(c5_reduce, c5, kernel_size=5, batch_norm=False),
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1),
            conv_bn_relu(in_channels, pool_proj, kernel_size=1, batch_norm=False),
        )
        self.out_channels = c1 + c3 + c5 + pool_proj

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = (self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x))
        return torch.cat(branches, dim=1)


class DenseLayer(nn.Module):
    """One layer of a dense block: BN, ReLU, 3x3 conv to ``growth_rate`` channels, whose
    output is concatenated to its input (Huang et al. 2017, "H_l").

    - ``bn_size``: when set, a bottleneck BN-ReLU-1x1 conv to ``bn_size * growth_rate``
      channels comes first (DenseNet-B); ``None`` is the plain layer (as in d2l).
    """

    def __init__(self, in_channels: int, *, growth_rate: int, bn_size: int | None = None):
        super().__init__()
        layers: list[nn.Module] = []
        channels = in_channels
        if bn_size is not None:
            layers += [nn.BatchNorm2d(channels), nn.ReLU(inplace=True),
                       nn.Conv2d(channels, bn_size * growth_rate, 1, bias=False)]
            channels = bn_size * growth_rate
        layers += [nn.BatchNorm2d(channels), nn.ReLU(inplace=True),
                   nn.Conv2d(channels, growth_rate, 3, padding=1, bias=bn_size is None)]
        self.layers = nn.Sequential(*layers)
        self.out_channels = in_channels + growth_rate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat((x, self.layers(x)), dim=1)


class DenseBlock(nn.Sequential):
    """``num_layers`` dense layers, each seeing every earlier feature map (Huang et al.
    2017). Outputs ``in_channels + num_layers * growth_rate`` channels, same height and width.

    - ``growth_rate``: channels each layer adds.
    - ``bn_size``: see :class:`DenseLayer`.
    """

    def __init__(self, in_channels: int, *, num_layers: int, growth_rate: int,
                 bn_size: int | None = None):
        layers = []
        channels = in_channels
        for _ in range(num_layers):
            layer = DenseLayer(channels, growth_rate=growth_rate, bn_size=bn_size)
            layers.append(layer)
            channels = layer.out_channels
        super().__init__(*layers)
        self.out_channels = channels
