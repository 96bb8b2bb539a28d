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
import torch.nn.functional as F
from torch import nn

from grader.errors import UserError

__all__ = [
    "conv_bn_act",
    "VGGBlock",
    "BasicBlock",
    "Bottleneck",
    "Inception",
    "DenseLayer",
    "DenseBlock",
    "Transition",
    "ZeroPadShortcut",
    "MlpConv",
    "Fire",
    "DepthwiseSeparable",
    "SqueezeExcitation",
    "InvertedResidual",
    "InceptionA",
    "InceptionB",
    "InceptionC",
    "InceptionD",
    "InceptionE",
    "InceptionAux",
]

_SHORTCUTS = ("auto", "identity", "projection", "zero-pad")


def conv_bn_act(
    in_channels: int,
    out_channels: int,
    *,
    kernel_size: int | tuple[int, int] = 3,
    stride: int = 1,
    padding: int | tuple[int, int] | None = None,
    groups: int = 1,
    batch_norm: bool = True,
    activation: type[nn.Module] | None = nn.ReLU,
    eps: float = 1e-5,
) -> nn.Sequential:
    """Convolution, optional batch norm, optional activation (the bias is dropped when BN
    follows): the unit every modern architecture repeats.

    - ``kernel_size``: an int, or (height, width) for factorised kernels such as 1x7.
    - ``padding``: ``None`` means "same" for odd kernels, ``kernel_size // 2`` per axis.
    - ``groups``: grouped convolution; ``groups = in_channels`` is a depthwise one.
    - ``activation``: a module class (``nn.ReLU``, ``nn.ReLU6``, ``nn.Hardswish``,
      ``nn.SiLU``...) built in place, or ``None`` for a linear unit.
    - ``eps``: batch norm's epsilon (Inception-v3 and MobileNet v3 use 1e-3).
    """
    kernel = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    padding = tuple(k // 2 for k in kernel) if padding is None else padding
    layers: list[nn.Module] = [
        nn.Conv2d(in_channels, out_channels, kernel, stride=stride, padding=padding,
                  groups=groups, bias=not batch_norm)
    ]
    if batch_norm:
        layers.append(nn.BatchNorm2d(out_channels, eps=eps))
    if activation is not None:
        layers.append(activation(inplace=True))
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


class ZeroPadShortcut(nn.Module):
    """He et al. 2016's option A shortcut (section 3.3, the CIFAR-10 nets of section 4.2):
    the identity, subsampled by ``stride`` and padded with zero channels up to
    ``out_channels``. It has no parameters."""

    def __init__(self, in_channels: int, out_channels: int, stride: int):
        super().__init__()
        if out_channels < in_channels:
            raise UserError(f"a zero-pad shortcut cannot shrink {in_channels} channels to "
                            f"{out_channels}; use a projection")
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # A 1x1 window of stride s keeps every s-th pixel (x[:, :, ::s, ::s]), written as a
        # pool so that the analysis follows the receptive field through it.
        x = F.avg_pool2d(x, kernel_size=1, stride=self.stride) if self.stride != 1 else x
        return F.pad(x, (0, 0, 0, 0, 0, self.out_channels - self.in_channels))

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, stride={self.stride}"


def _shortcut(in_channels: int, out_channels: int, stride: int, shortcut: str) -> nn.Module:
    """The residual path's shortcut: the identity, a 1x1 projection (conv + BN), or the
    zero-padded identity (``"zero-pad"``, He et al. 2016, option A).

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
    if shortcut == "zero-pad" and changes_shape:
        return ZeroPadShortcut(in_channels, out_channels, stride)
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
    - ``shortcut``: ``"identity"``, ``"projection"`` (1x1 conv + BN), ``"auto"`` (projection
      exactly when the channels or the size change) or ``"zero-pad"`` (option A: zero
      channels added, the size subsampled, exactly when they change).
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

    - ``width``: channels inside the bottleneck; the block outputs ``width * expansion``
      unless ``out_channels`` says otherwise.
    - ``groups``: groups of the 3x3 convolution: ResNeXt's cardinality (Xie et al. 2017,
      Fig. 3c: 32 groups of 4 channels in ResNeXt-50 32x4d's first stage, width 128).
    - ``out_channels``: channels out, for blocks whose width is not out / 4 (ResNeXt and
      Wide ResNet keep ResNet's 256-512-1024-2048 outputs with wider insides).
    - ``stride``, ``shortcut``: as for :class:`BasicBlock`.
    """

    def __init__(self, in_channels: int, width: int, *, stride: int = 1, expansion: int = 4,
                 groups: int = 1, out_channels: int | None = None, shortcut: str = "auto"):
        super().__init__()
        out_channels = width * expansion if out_channels is None else out_channels
        self.conv1 = nn.Conv2d(in_channels, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, groups=groups,
                               bias=False)
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
        self.branch1 = conv_bn_act(in_channels, c1, kernel_size=1, batch_norm=False)
        self.branch2 = nn.Sequential(
            conv_bn_act(in_channels, c3_reduce, kernel_size=1, batch_norm=False),
            conv_bn_act(c3_reduce, c3, kernel_size=3, batch_norm=False),
        )
        self.branch3 = nn.Sequential(
            conv_bn_act(in_channels, c5_reduce, kernel_size=1, batch_norm=False),
            conv_bn_act(c5_reduce, c5, kernel_size=5, batch_norm=False),
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1),
            conv_bn_act(in_channels, pool_proj, kernel_size=1, batch_norm=False),
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


class Transition(nn.Sequential):
    """DenseNet's transition layer between dense blocks (Huang et al. 2017, section 3):
    BN, ReLU, 1x1 convolution to ``out_channels`` (DenseNet-C halves the channels, the
    compression 0.5), then 2x2 average pooling of stride 2."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__(
            nn.BatchNorm2d(in_channels), nn.ReLU(inplace=True),
            nn.Conv2d(in_channels, out_channels, 1, bias=False),
            nn.AvgPool2d(2, stride=2),
        )
        self.out_channels = out_channels


class MlpConv(nn.Sequential):
    """Network in Network's mlpconv layer (Lin et al. 2014, section 3.1): a ``kernel_size``
    convolution followed by two 1x1 convolutions (the "micro network", a two-layer
    perceptron shared across positions), each with ReLU."""

    def __init__(self, in_channels: int, out_channels: int, *, kernel_size: int,
                 stride: int = 1, padding: int = 0):
        super().__init__(
            nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, 1), nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, 1), nn.ReLU(inplace=True),
        )
        self.out_channels = out_channels


class Fire(nn.Module):
    """SqueezeNet's Fire module (Iandola et al. 2016, Fig. 1): a 1x1 "squeeze" convolution
    to ``squeeze`` channels, then 1x1 and 3x3 "expand" convolutions side by side, outputs
    concatenated; every convolution has a bias and ReLU. Outputs ``expand1x1 + expand3x3``
    channels at the input's size."""

    def __init__(self, in_channels: int, *, squeeze: int, expand1x1: int, expand3x3: int):
        super().__init__()
        self.squeeze = conv_bn_act(in_channels, squeeze, kernel_size=1, batch_norm=False)
        self.expand1x1 = conv_bn_act(squeeze, expand1x1, kernel_size=1, batch_norm=False)
        self.expand3x3 = conv_bn_act(squeeze, expand3x3, kernel_size=3, batch_norm=False)
        self.out_channels = expand1x1 + expand3x3

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.squeeze(x)
        return torch.cat((self.expand1x1(x), self.expand3x3(x)), dim=1)


class DepthwiseSeparable(nn.Sequential):
    """MobileNet's depthwise separable convolution (Howard et al. 2017, Fig. 3): a 3x3
    depthwise convolution (one filter per channel, ``groups = in_channels``) with BN and
    ReLU, then a 1x1 pointwise convolution with BN and ReLU."""

    def __init__(self, in_channels: int, out_channels: int, *, stride: int = 1):
        super().__init__(
            conv_bn_act(in_channels, in_channels, stride=stride, groups=in_channels),
            conv_bn_act(in_channels, out_channels, kernel_size=1),
        )
        self.out_channels = out_channels


class SqueezeExcitation(nn.Module):
    """Squeeze-and-excitation (Hu et al. 2018, Fig. 1): global average pooling, a 1x1
    convolution down to ``squeeze_channels``, ``activation``, a 1x1 convolution back up,
    ``scale_activation``; the input's channels are multiplied by the result.

    - ``activation``: ReLU (MobileNet v3) or SiLU (EfficientNet).
    - ``scale_activation``: Sigmoid (the paper, EfficientNet) or Hardsigmoid (MobileNet v3).
    """

    def __init__(self, channels: int, squeeze_channels: int, *,
                 activation: type[nn.Module] = nn.ReLU,
                 scale_activation: type[nn.Module] = nn.Sigmoid):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze_channels, 1)
        self.activation = activation()
        self.fc2 = nn.Conv2d(squeeze_channels, channels, 1)
        self.scale_activation = scale_activation()
        self.out_channels = channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = self.fc2(self.activation(self.fc1(self.avgpool(x))))
        return x * self.scale_activation(scale)


class InvertedResidual(nn.Module):
    """The inverted residual block of MobileNet v2 (Sandler et al. 2018, Table 1), also
    MobileNet v3's bneck (Howard et al. 2019, Fig. 4) and EfficientNet's MBConv (Tan & Le
    2019): a 1x1 expansion to ``expanded`` channels (left out when ``expanded ==
    in_channels``), a ``kernel_size`` depthwise convolution with ``stride``, an optional
    squeeze-and-excitation, and a linear 1x1 projection to ``out_channels`` (BN, no
    activation). The input is added back when the shape allows (stride 1, same channels).

    - ``activation``: of the expansion and depthwise units (ReLU6 in v2; ReLU or Hardswish
      in v3; SiLU in EfficientNet).
    - ``se_channels``: the squeeze width of an SE block after the depthwise convolution, or
      ``None`` for none; ``se_activation``, ``se_scale``: its activations.
    - ``eps``: batch norm's epsilon (1e-3 in MobileNet v3).
    """

    def __init__(self, in_channels: int, out_channels: int, *, expanded: int,
                 kernel_size: int = 3, stride: int = 1,
                 activation: type[nn.Module] = nn.ReLU6, se_channels: int | None = None,
                 se_activation: type[nn.Module] = nn.ReLU,
                 se_scale: type[nn.Module] = nn.Sigmoid, eps: float = 1e-5):
        super().__init__()
        if expanded != in_channels:
            self.expand = conv_bn_act(in_channels, expanded, kernel_size=1,
                                      activation=activation, eps=eps)
        self.depthwise = conv_bn_act(expanded, expanded, kernel_size=kernel_size,
                                     stride=stride, groups=expanded, activation=activation,
                                     eps=eps)
        if se_channels is not None:
            self.se = SqueezeExcitation(expanded, se_channels, activation=se_activation,
                                        scale_activation=se_scale)
        self.project = conv_bn_act(expanded, out_channels, kernel_size=1, activation=None,
                                   eps=eps)
        self.use_residual = stride == 1 and in_channels == out_channels
        self.out_channels = out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.expand(x) if hasattr(self, "expand") else x
        out = self.depthwise(out)
        out = self.se(out) if hasattr(self, "se") else out
        out = self.project(out)
        return out + x if self.use_residual else out


# --- Inception-v3 (Szegedy et al. 2016, "Rethinking the Inception Architecture") ---------
# The modules of torchvision's Inception3, named after the paper's figures. Every unit is a
# bias-free convolution, batch norm (epsilon 1e-3) and ReLU.


def _v3_unit(in_channels: int, out_channels: int, kernel_size=1, *, stride: int = 1,
             padding=None) -> nn.Sequential:
    return conv_bn_act(in_channels, out_channels, kernel_size=kernel_size, stride=stride,
                       padding=padding, eps=1e-3)


class InceptionA(nn.Module):
    """Inception-v3's 35x35 module (paper Fig. 5: the 5x5 factored into two 3x3): branches
    1x1 (64); 1x1 (48) then 5x5 (64, as torchvision's weights have it); 1x1 (64), 3x3 (96),
    3x3 (96); 3x3 average pool then 1x1 (``pool_features``). Outputs 224 + pool_features."""

    def __init__(self, in_channels: int, *, pool_features: int):
        super().__init__()
        self.branch1x1 = _v3_unit(in_channels, 64)
        self.branch5x5 = nn.Sequential(_v3_unit(in_channels, 48), _v3_unit(48, 64, 5))
        self.branch3x3dbl = nn.Sequential(_v3_unit(in_channels, 64), _v3_unit(64, 96, 3),
                                          _v3_unit(96, 96, 3))
        self.branch_pool = nn.Sequential(nn.AvgPool2d(3, stride=1, padding=1),
                                         _v3_unit(in_channels, pool_features))
        self.out_channels = 64 + 64 + 96 + pool_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat((self.branch1x1(x), self.branch5x5(x), self.branch3x3dbl(x),
                          self.branch_pool(x)), dim=1)


class InceptionB(nn.Module):
    """Inception-v3's grid reduction 35x35 -> 17x17 (paper Fig. 10): a 3x3/2 convolution
    (384), 1x1 (64) then 3x3 (96) then 3x3/2 (96), and a 3x3/2 max pool, side by side.
    Outputs 480 + in_channels."""

    def __init__(self, in_channels: int):
        super().__init__()
        self.branch3x3 = _v3_unit(in_channels, 384, 3, stride=2, padding=0)
        self.branch3x3dbl = nn.Sequential(_v3_unit(in_channels, 64), _v3_unit(64, 96, 3),
                                          _v3_unit(96, 96, 3, stride=2, padding=0))
        self.branch_pool = nn.MaxPool2d(3, stride=2)
        self.out_channels = 384 + 96 + in_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat((self.branch3x3(x), self.branch3x3dbl(x), self.branch_pool(x)), dim=1)


class InceptionC(nn.Module):
    """Inception-v3's 17x17 module (paper Fig. 6: n x n factored into 1 x n and n x 1,
    n = 7): branches 1x1 (192); 1x1, 1x7, 7x1 (``channels_7x7``, then 192); 1x1, 7x1, 1x7,
    7x1, 1x7; 3x3 average pool then 1x1 (192). Outputs 768."""

    def __init__(self, in_channels: int, *, channels_7x7: int):
        super().__init__()
        c7 = channels_7x7
        self.branch1x1 = _v3_unit(in_channels, 192)
        self.branch7x7 = nn.Sequential(_v3_unit(in_channels, c7), _v3_unit(c7, c7, (1, 7)),
                                       _v3_unit(c7, 192, (7, 1)))
        self.branch7x7dbl = nn.Sequential(
            _v3_unit(in_channels, c7), _v3_unit(c7, c7, (7, 1)), _v3_unit(c7, c7, (1, 7)),
            _v3_unit(c7, c7, (7, 1)), _v3_unit(c7, 192, (1, 7)))
        self.branch_pool = nn.Sequential(nn.AvgPool2d(3, stride=1, padding=1),
                                         _v3_unit(in_channels, 192))
        self.out_channels = 4 * 192

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat((self.branch1x1(x), self.branch7x7(x), self.branch7x7dbl(x),
                          self.branch_pool(x)), dim=1)


class InceptionD(nn.Module):
    """Inception-v3's grid reduction 17x17 -> 8x8: 1x1 (192) then 3x3/2 (320); 1x1, 1x7,
    7x1 (192) then 3x3/2 (192); a 3x3/2 max pool. Outputs 512 + in_channels."""

    def __init__(self, in_channels: int):
        super().__init__()
        self.branch3x3 = nn.Sequential(_v3_unit(in_channels, 192),
                                       _v3_unit(192, 320, 3, stride=2, padding=0))
        self.branch7x7x3 = nn.Sequential(
            _v3_unit(in_channels, 192), _v3_unit(192, 192, (1, 7)), _v3_unit(192, 192, (7, 1)),
            _v3_unit(192, 192, 3, stride=2, padding=0))
        self.branch_pool = nn.MaxPool2d(3, stride=2)
        self.out_channels = 320 + 192 + in_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat((self.branch3x3(x), self.branch7x7x3(x), self.branch_pool(x)), dim=1)


class InceptionE(nn.Module):
    """Inception-v3's 8x8 module (paper Fig. 7: the filter bank widened, 3x3 split into
    1x3 and 3x1 side by side): branches 1x1 (320); 1x1 (384) then 1x3 and 3x1 (384 each);
    1x1 (448), 3x3 (384), then 1x3 and 3x1 (384 each); 3x3 average pool then 1x1 (192).
    Outputs 2048."""

    def __init__(self, in_channels: int):
        super().__init__()
        self.branch1x1 = _v3_unit(in_channels, 320)
        self.branch3x3 = _v3_unit(in_channels, 384)
        self.branch3x3_a = _v3_unit(384, 384, (1, 3))
        self.branch3x3_b = _v3_unit(384, 384, (3, 1))
        self.branch3x3dbl = nn.Sequential(_v3_unit(in_channels, 448), _v3_unit(448, 384, 3))
        self.branch3x3dbl_a = _v3_unit(384, 384, (1, 3))
        self.branch3x3dbl_b = _v3_unit(384, 384, (3, 1))
        self.branch_pool = nn.Sequential(nn.AvgPool2d(3, stride=1, padding=1),
                                         _v3_unit(in_channels, 192))
        self.out_channels = 320 + 2 * 384 + 2 * 384 + 192

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b3 = self.branch3x3(x)
        b3dbl = self.branch3x3dbl(x)
        return torch.cat((self.branch1x1(x), self.branch3x3_a(b3), self.branch3x3_b(b3),
                          self.branch3x3dbl_a(b3dbl), self.branch3x3dbl_b(b3dbl),
                          self.branch_pool(x)), dim=1)


class InceptionAux(nn.Module):
    """Inception-v3's auxiliary classifier on the 17x17 grid (paper section 4, used only in
    training): 5x5/3 average pool, 1x1 (128), 5x5 (768), global pool, dense layer."""

    def __init__(self, in_channels: int, *, num_classes: int):
        super().__init__()
        self.pool = nn.AvgPool2d(5, stride=3)
        self.conv0 = _v3_unit(in_channels, 128)
        self.conv1 = _v3_unit(128, 768, 5, padding=0)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(768, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.avgpool(self.conv1(self.conv0(self.pool(x))))
        return self.fc(torch.flatten(x, 1))
