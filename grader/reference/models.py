"""The classic CNN architectures, written out from their papers (torchvision is not needed).

``build_model(name)`` returns a ``torch.nn.Module``; every model carries
``default_input_shape`` (C, H, W), the input its paper uses. Parameter counts equal
torchvision's for the architectures torchvision has (asserted in the tests).

- ``lenet5``: LeCun et al. 1998: scaled tanh, trainable subsampling, the C3 connection
  table, fixed RBF output; 60,000 trainable parameters.
- ``lenet5-d2l``: d2l.ai's modern LeNet: sigmoid, average pooling, dense layers (28x28).
- ``alexnet``: torchvision's single-tower AlexNet (Krizhevsky 2014 "one weird trick").
- ``alexnet-d2l``: d2l.ai's AlexNet for 1x224x224 Fashion-MNIST, 10 classes.
- ``alexnet-notes``, ``alexnet-2012-two-tower``: Krizhevsky et al. 2012 as the notes draw
  it (96-256-384-384-256, LRN), in one tower and in the paper's two (grouped convolutions).
- ``zfnet``, ``zfnet-notes``: Zeiler & Fergus 2014, Fig. 3; the notes' 512-1024-512 variant.
- ``nin``: Network in Network (Lin et al. 2014), ImageNet form (d2l.ai).
- ``vgg11`` ... ``vgg19``, ``*_bn``: Simonyan & Zisserman 2015 configurations A, B, D, E;
  ``_bn`` adds batch norm.
- ``googlenet``: Szegedy et al. 2015, Table 1 (with LRN, without the auxiliary classifiers).
- ``inception_v3``: Szegedy et al. 2016, torchvision's layout, 3x299x299, no auxiliary head.
- ``resnet18`` ... ``resnet152``: He et al. 2016, Table 1, stride on the 3x3 convolution
  (torchvision's "v1.5"); ``resnext*`` (Xie et al. 2017) and ``wide_resnet*`` (Zagoruyko &
  Komodakis 2016) widen and group its bottlenecks.
- ``resnet20-cifar`` ... ``resnet1202-cifar``: He et al. 2016, section 4.2 (3x32x32, option A).
- ``densenet121`` ... ``densenet201``: Huang et al. 2017, Table 1 (DenseNet-BC).
- ``squeezenet1_0``, ``squeezenet1_1``: Iandola et al. 2016, Table 1 (3x227x227).
- ``mobilenet_v1``, ``mobilenet_v2``, ``mobilenet_v3_small``, ``mobilenet_v3_large``: Howard
  et al. 2017, Sandler et al. 2018, Howard et al. 2019.
- ``efficientnet_b0``: Tan & Le 2019, Table 1.

The names live in :mod:`grader.reference.catalogue` (no torch needed to list them).

Build big models on the ``meta`` device when only their shape matters:
``build_model("resnet152", device="meta")`` allocates no weights.
"""

from __future__ import annotations

import difflib
import inspect
import math
from collections import OrderedDict
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from grader.errors import UserError
from grader.reference.blocks import (BasicBlock, Bottleneck, DenseBlock, DepthwiseSeparable,
                                     Fire, Inception, InceptionA, InceptionAux, InceptionB,
                                     InceptionC, InceptionD, InceptionE, InvertedResidual,
                                     MlpConv, Transition, VGGBlock, conv_bn_act)
from grader.reference.catalogue import MODEL_CATALOGUE, MODEL_NAMES, canonical_model_name

__all__ = [
    "MODEL_NAMES",
    "build_model",
    "canonical_model_name",
    "LeNet5",
    "ScaledTanh",
    "Subsampling",
    "ConnectionTableConv2d",
    "EuclideanRBF",
    "LENET5_C3_TABLE",
    "lenet5_d2l",
    "AlexNet",
    "alexnet_d2l",
    "VGG",
    "VGG_CONFIGS",
    "GoogLeNet",
    "GOOGLENET_INCEPTIONS",
    "AlexNet2012",
    "ZFNet",
    "NiN",
    "InceptionV3",
    "ResNet",
    "RESNET_CONFIGS",
    "CifarResNet",
    "DenseNet",
    "DENSENET_CONFIGS",
    "SqueezeNet",
    "SQUEEZENET_CONFIGS",
    "make_divisible",
    "MobileNetV1",
    "MOBILENET_V1_LAYERS",
    "MobileNetV2",
    "MOBILENET_V2_STAGES",
    "MobileNetV3",
    "MOBILENET_V3_BNECKS",
    "EfficientNetB0",
    "EFFICIENTNET_B0_STAGES",
]


# --- LeNet-5 (LeCun, Bottou, Bengio, Haffner 1998) ---------------------------------------

# Table I of the paper: which of S2's 6 maps each of C3's 16 maps reads. Six read three
# contiguous maps, six read four contiguous, three read four non-contiguous, one reads all.
LENET5_C3_TABLE: tuple[tuple[int, ...], ...] = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (4, 5, 0), (5, 0, 1),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (3, 4, 5, 0), (4, 5, 0, 1), (5, 0, 1, 2),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)


class ScaledTanh(nn.Module):
    """LeNet-5's squashing function ``A * tanh(S * a)`` with A = 1.7159, S = 2/3 (Appendix A)."""

    def __init__(self, amplitude: float = 1.7159, slope: float = 2 / 3):
        super().__init__()
        self.amplitude, self.slope = amplitude, slope

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.amplitude * torch.tanh(self.slope * x)

    def extra_repr(self) -> str:
        return f"amplitude={self.amplitude}, slope={self.slope:.4g}"


class Subsampling(nn.Module):
    """LeNet-5's S layers: the four inputs of a 2x2 window are added, multiplied by one
    trainable coefficient per map and shifted by one trainable bias per map (2 parameters
    per map; the squashing function follows as its own module)."""

    def __init__(self, channels: int):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        window_sum = 4 * F.avg_pool2d(x, 2)
        return window_sum * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


class ConnectionTableConv2d(nn.Module):
    """A convolution where output map ``j`` reads only the input maps ``table[j]``: only the
    connected kernels are parameters (LeNet-5's C3: 1,500 weights + 16 biases = 1,516).

    Computed as one ordinary convolution whose weight is zero outside the table.
    """

    def __init__(self, in_channels: int, table: tuple[tuple[int, ...], ...], kernel_size: int):
        super().__init__()
        self.in_channels, self.out_channels, self.kernel_size = in_channels, len(table), kernel_size
        self.table = table
        pairs = [(j, i) for j, inputs in enumerate(table) for i in inputs]
        self._out_index = [j for j, _ in pairs]
        self._in_index = [i for _, i in pairs]
        self.weight = nn.Parameter(torch.empty(len(pairs), kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.empty(len(table)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # The paper's rule: uniform in +-2.4 / F_i, F_i the unit's fan-in (Appendix A).
        with torch.no_grad():
            for j, inputs in enumerate(self.table):
                bound = 2.4 / (len(inputs) * self.kernel_size**2 + 1)
                rows = [k for k, out in enumerate(self._out_index) if out == j]
                self.weight[rows] = torch.empty_like(self.weight[rows]).uniform_(-bound, bound)
                self.bias[j] = torch.empty_like(self.bias[j]).uniform_(-bound, bound)

    def full_weight(self) -> torch.Tensor:
        """The dense (out, in, K, K) weight: the table's kernels, zeros elsewhere."""
        k = self.kernel_size
        full = self.weight.new_zeros(self.out_channels, self.in_channels, k, k)
        return full.index_put((torch.tensor(self._out_index, device=full.device),
                               torch.tensor(self._in_index, device=full.device)), self.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.full_weight(), self.bias)

    def count_macs(self, output_shape: tuple[int, ...]) -> int:
        """Multiply-accumulates for one input of output shape (C, H, W): only the
        connected kernels count (the zeros of the dense weight do not)."""
        spatial = math.prod(output_shape[1:])
        return spatial * len(self._out_index) * self.kernel_size**2

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"connections={len(self._out_index)}")


class EuclideanRBF(nn.Module):
    """LeNet-5's output layer: ``y_i = sum_j (x_j - w_ij)^2``, one unit per class, with
    parameters fixed (not trained). The paper drew each class's 84 targets as a 7x12 +-1
    bitmap of the character; here they are fixed +-1 codes from a hash of (i, j), so the
    layer has the paper's shape and 840 non-trainable parameters, not its bitmaps."""

    def __init__(self, in_features: int = 84, num_classes: int = 10):
        super().__init__()
        i = torch.arange(num_classes).view(-1, 1)
        j = torch.arange(in_features).view(1, -1)
        bits = ((i * 7919 + j * 104729) * 2654435761 % 2**32) >> 31   # Knuth's multiplicative hash
        self.centers = nn.Parameter((bits * 2 - 1).float(), requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ((x.unsqueeze(1) - self.centers) ** 2).sum(dim=-1)


class LeNet5(nn.Sequential):
    """LeNet-5 as in the 1998 paper (Section II.B), on 1x32x32 inputs.

    C1 156, S2 12, C3 1,516, S4 32, C5 48,120, F6 10,164 = 60,000 trainable parameters;
    the RBF output layer adds 840 fixed ones.
    """

    def __init__(self, num_classes: int = 10):
        super().__init__(OrderedDict([
            ("c1", nn.Conv2d(1, 6, 5)), ("tanh1", ScaledTanh()),
            ("s2", Subsampling(6)), ("tanh2", ScaledTanh()),
            ("c3", ConnectionTableConv2d(6, LENET5_C3_TABLE, 5)), ("tanh3", ScaledTanh()),
            ("s4", Subsampling(16)), ("tanh4", ScaledTanh()),
            ("c5", nn.Conv2d(16, 120, 5)), ("tanh5", ScaledTanh()),
            ("flatten", nn.Flatten()),
            ("f6", nn.Linear(120, 84)), ("tanh6", ScaledTanh()),
            ("output", EuclideanRBF(84, num_classes)),
        ]))
        self.default_input_shape = (1, 32, 32)


def lenet5_d2l(*, num_classes: int = 10) -> nn.Sequential:
    """d2l.ai's LeNet (section 7.6): sigmoid, 2x2 average pooling, padding 2 on 1x28x28."""
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.Sigmoid(), nn.AvgPool2d(2, stride=2),
        nn.Conv2d(6, 16, 5), nn.Sigmoid(), nn.AvgPool2d(2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, num_classes),
    )
    model.default_input_shape = (1, 28, 28)
    return model


# --- AlexNet -----------------------------------------------------------------------------


class AlexNet(nn.Module):
    """AlexNet in torchvision's single-tower form (64-192-384-256-256 channels, from
    Krizhevsky 2014), on 3x224x224: 61,100,840 parameters for 1000 classes."""

    def __init__(self, *, num_classes: int = 1000, dropout: float = 0.5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 11, stride=4, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2),
            nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2),
            nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
            nn.Dropout(dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )
        self.default_input_shape = (3, 224, 224)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


def alexnet_d2l(*, num_classes: int = 10, in_channels: int = 1) -> nn.Sequential:
    """d2l.ai's AlexNet (section 8.1): 96-256-384-384-256 channels, 1x224x224 input."""
    model = nn.Sequential(
        nn.Conv2d(in_channels, 96, 11, stride=4, padding=1), nn.ReLU(),
        nn.MaxPool2d(3, stride=2),
        nn.Conv2d(96, 256, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, stride=2),
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, stride=2),
        nn.Flatten(),
        nn.Linear(256 * 5 * 5, 4096), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(4096, num_classes),
    )
    model.default_input_shape = (in_channels, 224, 224)
    return model


def _alexnet_lrn() -> nn.LocalResponseNorm:
    """Krizhevsky et al.'s response normalisation: k = 2, n = 5, alpha = 1e-4, beta = 0.75.
    torch divides alpha by n; the paper's alpha multiplies the plain sum, hence 5 * 1e-4."""
    return nn.LocalResponseNorm(5, alpha=5 * 1e-4, beta=0.75, k=2.0)


def _fc678(in_features: int, num_classes: int, dropout: float) -> nn.Sequential:
    """AlexNet's and ZFNet's dense layers: dropout, 4096, dropout, 4096, the classes."""
    return nn.Sequential(OrderedDict([
        ("flatten", nn.Flatten()),
        ("dropout6", nn.Dropout(dropout)), ("fc6", nn.Linear(in_features, 4096)),
        ("relu6", nn.ReLU(inplace=True)),
        ("dropout7", nn.Dropout(dropout)), ("fc7", nn.Linear(4096, 4096)),
        ("relu7", nn.ReLU(inplace=True)),
        ("fc8", nn.Linear(4096, num_classes)),
    ]))


class AlexNet2012(nn.Module):
    """AlexNet as Krizhevsky, Sutskever & Hinton (2012) built it and the course notes draw
    it: 96-256-384-384-256 filters (11x11/4, 5x5, 3x3, 3x3, 3x3), ReLU, local response
    normalisation after conv1 and conv2 (k = 2, n = 5, alpha = 1e-4, beta = 0.75, section
    3.3), overlapping 3x3/2 max pools, dense layers of 4096, 4096 and 1000 units with dropout
    0.5 before the first two (section 4.2), on 3x224x224 (conv1 pads by 2, so that it gives
    the paper's 55x55x96, as 227x227 would without padding).

    - ``towers=1`` (``alexnet-notes``): one tower, every filter sees every input channel:
      62,378,344 parameters, the "62M" of the course notes.
    - ``towers=2`` (``alexnet-2012-two-tower``): the paper's Fig. 2, split over two GPUs:
      conv2, conv4 and conv5 see only the maps of their own GPU (grouped convolutions, 2
      groups), conv3 and the dense layers see both: 60,965,224 parameters, the paper's
      "60 million".

    Order as the paper's section 3.5: each normalisation follows its ReLU and precedes its
    pool (the notes' slide lists pool1 before norm1; since the normalisation works across
    channels, shapes, parameters and receptive fields are the same either way).
    """

    def __init__(self, *, towers: int = 1, num_classes: int = 1000, dropout: float = 0.5):
        super().__init__()
        if towers not in (1, 2):
            raise UserError(f"AlexNet has 1 or 2 towers, got {towers!r}")

        self.towers = towers
        self.features = nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(3, 96, 11, stride=4, padding=2)), ("relu1", nn.ReLU(inplace=True)),
            ("norm1", _alexnet_lrn()), ("pool1", nn.MaxPool2d(3, stride=2)),
            ("conv2", nn.Conv2d(96, 256, 5, padding=2, groups=towers)),
            ("relu2", nn.ReLU(inplace=True)), ("norm2", _alexnet_lrn()), ("pool2", nn.MaxPool2d(3, stride=2)),
            ("conv3", nn.Conv2d(256, 384, 3, padding=1)), ("relu3", nn.ReLU(inplace=True)),
            ("conv4", nn.Conv2d(384, 384, 3, padding=1, groups=towers)),
            ("relu4", nn.ReLU(inplace=True)),
            ("conv5", nn.Conv2d(384, 256, 3, padding=1, groups=towers)),
            ("relu5", nn.ReLU(inplace=True)), ("pool5", nn.MaxPool2d(3, stride=2)),
        ]))
        self.classifier = _fc678(256 * 6 * 6, num_classes, dropout)
        self.default_input_shape = (3, 224, 224)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class ZFNet(nn.Module):
    """ZFNet (Zeiler & Fergus 2014, Fig. 3) on 3x224x224: AlexNet's layout with a 7x7/2
    first layer (110x110x96) and a 5x5/2 second one (26x26x256), each followed by a 3x3/2
    max pool and contrast normalisation (local response normalisation here, AlexNet's
    settings); pools round up, as in the authors' Caffe-era code, giving 55, 13 and 6.

    - ``conv345``: filters of conv3-conv5: (384, 384, 256) in Fig. 3 (``zfnet``,
      62,357,608 parameters); the notes' (512, 1024, 512), the paper's Table 2 variant
      (``zfnet-notes``).
    """

    def __init__(self, *, conv345: tuple[int, int, int] = (384, 384, 256),
                 num_classes: int = 1000, dropout: float = 0.5):
        super().__init__()
        c3, c4, c5 = conv345

        def pool() -> nn.MaxPool2d:
            return nn.MaxPool2d(3, stride=2, ceil_mode=True)

        self.features = nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(3, 96, 7, stride=2, padding=1)), ("relu1", nn.ReLU(inplace=True)),
            ("pool1", pool()), ("norm1", _alexnet_lrn()),
            ("conv2", nn.Conv2d(96, 256, 5, stride=2)), ("relu2", nn.ReLU(inplace=True)),
            ("pool2", pool()), ("norm2", _alexnet_lrn()),
            ("conv3", nn.Conv2d(256, c3, 3, padding=1)), ("relu3", nn.ReLU(inplace=True)),
            ("conv4", nn.Conv2d(c3, c4, 3, padding=1)), ("relu4", nn.ReLU(inplace=True)),
            ("conv5", nn.Conv2d(c4, c5, 3, padding=1)), ("relu5", nn.ReLU(inplace=True)),
            ("pool5", pool()),
        ]))
        self.classifier = _fc678(c5 * 6 * 6, num_classes, dropout)
        self.default_input_shape = (3, 224, 224)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


# --- Network in Network (Lin, Chen, Yan 2014) --------------------------------------------


class NiN(nn.Sequential):
    """Network in Network in its ImageNet form (d2l.ai section 8.3, after the authors'
    ImageNet model; the paper's experiments are on CIFAR) on 3x224x224: four
    :class:`MlpConv` layers (11x11/4 96, 5x5 256, 3x3 384, 3x3 ``num_classes``) with 3x3/2
    max pools between the first three, dropout 0.5 before the last, and global average
    pooling instead of dense layers (section 3.2): 7,439,608 parameters for 1000 classes.
    """

    def __init__(self, *, num_classes: int = 1000, dropout: float = 0.5):
        super().__init__(OrderedDict([
            ("mlpconv1", MlpConv(3, 96, kernel_size=11, stride=4)),
            ("pool1", nn.MaxPool2d(3, stride=2)),
            ("mlpconv2", MlpConv(96, 256, kernel_size=5, padding=2)),
            ("pool2", nn.MaxPool2d(3, stride=2)),
            ("mlpconv3", MlpConv(256, 384, kernel_size=3, padding=1)),
            ("pool3", nn.MaxPool2d(3, stride=2)),
            ("dropout", nn.Dropout(dropout)),
            ("mlpconv4", MlpConv(384, num_classes, kernel_size=3, padding=1)),
            ("avgpool", nn.AdaptiveAvgPool2d((1, 1))),
            ("flatten", nn.Flatten()),
        ]))
        self.default_input_shape = (3, 224, 224)


# --- VGG (Simonyan & Zisserman 2015) -----------------------------------------------------

# (out_channels, num_convs) per block: configurations A, B, D, E of the paper's Table 1.
VGG_CONFIGS: dict[int, tuple[tuple[int, int], ...]] = {
    11: ((64, 1), (128, 1), (256, 2), (512, 2), (512, 2)),
    13: ((64, 2), (128, 2), (256, 2), (512, 2), (512, 2)),
    16: ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)),
    19: ((64, 2), (128, 2), (256, 4), (512, 4), (512, 4)),
}


class VGG(nn.Module):
    """VGG-``depth`` on 3x224x224: five :class:`VGGBlock` s, a 7x7 adaptive average pool
    (torchvision's), and three dense layers with dropout."""

    def __init__(self, depth: int = 16, *, batch_norm: bool = False, num_classes: int = 1000,
                 dropout: float = 0.5):
        super().__init__()
        if depth not in VGG_CONFIGS:
            raise UserError(f"VGG depth must be one of {sorted(VGG_CONFIGS)}, got {depth!r}")
        blocks, channels = [], 3
        for out_channels, num_convs in VGG_CONFIGS[depth]:
            blocks.append(VGGBlock(channels, out_channels, num_convs=num_convs,
                                   batch_norm=batch_norm))
            channels = out_channels
        self.features = nn.Sequential(*blocks)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(4096, num_classes),
        )
        self.default_input_shape = (3, 224, 224)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


# --- GoogLeNet (Szegedy et al. 2015) -----------------------------------------------------

# Table 1 of the paper: name -> (#1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj).
GOOGLENET_INCEPTIONS: dict[str, tuple[int, int, int, int, int, int]] = {
    "3a": (64, 96, 128, 16, 32, 32),
    "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64),
    "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64),
    "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}


class GoogLeNet(nn.Module):
    """GoogLeNet as in Table 1 of Szegedy et al. (2015) on 3x224x224: convolutions with
    biases and ReLU, local response normalisation after the first two convolutional stages
    (size 5, as in the reference Caffe model), max pools of 3x3/2 rounding up, nine
    :class:`Inception` modules, global average pooling, 40% dropout, one dense layer. The
    two auxiliary classifiers (used only in training) are left out."""

    def __init__(self, *, num_classes: int = 1000, dropout: float = 0.4):
        super().__init__()

        def inception(in_channels: int, name: str) -> Inception:
            c1, c3r, c3, c5r, c5, pool = GOOGLENET_INCEPTIONS[name]
            return Inception(in_channels, c1=c1, c3_reduce=c3r, c3=c3, c5_reduce=c5r, c5=c5,
                             pool_proj=pool)

        def pool() -> nn.MaxPool2d:
            return nn.MaxPool2d(3, stride=2, ceil_mode=True)

        self.conv1 = nn.Sequential(nn.Conv2d(3, 64, 7, stride=2, padding=3), nn.ReLU(inplace=True))
        self.pool1 = pool()
        self.lrn1 = nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75)
        self.conv2 = nn.Sequential(
            nn.Conv2d(64, 64, 1), nn.ReLU(inplace=True),
            nn.Conv2d(64, 192, 3, padding=1), nn.ReLU(inplace=True),
        )
        self.lrn2 = nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75)
        self.pool2 = pool()
        self.inception3a = inception(192, "3a")
        self.inception3b = inception(self.inception3a.out_channels, "3b")
        self.pool3 = pool()
        self.inception4a = inception(self.inception3b.out_channels, "4a")
        self.inception4b = inception(self.inception4a.out_channels, "4b")
        self.inception4c = inception(self.inception4b.out_channels, "4c")
        self.inception4d = inception(self.inception4c.out_channels, "4d")
        self.inception4e = inception(self.inception4d.out_channels, "4e")
        self.pool4 = pool()
        self.inception5a = inception(self.inception4e.out_channels, "5a")
        self.inception5b = inception(self.inception5a.out_channels, "5b")
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(dropout)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(self.inception5b.out_channels, num_classes)
        self.default_input_shape = (3, 224, 224)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.lrn1(self.pool1(self.conv1(x)))
        x = self.pool2(self.lrn2(self.conv2(x)))
        x = self.pool3(self.inception3b(self.inception3a(x)))
        for block in (self.inception4a, self.inception4b, self.inception4c, self.inception4d,
                      self.inception4e):
            x = block(x)
        x = self.inception5b(self.inception5a(self.pool4(x)))
        return self.fc(self.flatten(self.dropout(self.avgpool(x))))


# --- Inception-v3 (Szegedy, Vanhoucke, Ioffe, Shlens, Wojna 2016) ------------------------


class InceptionV3(nn.Module):
    """Inception-v3 as torchvision builds it (the paper's Table 1, whose grid sizes it
    follows, on 3x299x299): a stem of five convolutions and two 3x3/2 max pools (35x35x192),
    three :class:`InceptionA` (35x35x288), the :class:`InceptionB` reduction, four
    :class:`InceptionC` (17x17x768), the :class:`InceptionD` reduction, two
    :class:`InceptionE` (8x8x2048), global average pooling, dropout 0.5, one dense layer.

    - ``aux_logits``: add the :class:`InceptionAux` classifier on the 17x17 grid (run only
      in training, returned as a second output). Off by default, as GoogLeNet's here:
      23,834,568 parameters, torchvision's ``inception_v3(aux_logits=False)``; with it
      27,161,264, torchvision's default and its weights table.
    """

    def __init__(self, *, num_classes: int = 1000, aux_logits: bool = False,
                 dropout: float = 0.5):
        super().__init__()
        self.conv1a = conv_bn_act(3, 32, stride=2, padding=0, eps=1e-3)
        self.conv2a = conv_bn_act(32, 32, padding=0, eps=1e-3)
        self.conv2b = conv_bn_act(32, 64, eps=1e-3)
        self.maxpool1 = nn.MaxPool2d(3, stride=2)
        self.conv3b = conv_bn_act(64, 80, kernel_size=1, eps=1e-3)
        self.conv4a = conv_bn_act(80, 192, padding=0, eps=1e-3)
        self.maxpool2 = nn.MaxPool2d(3, stride=2)
        self.mixed5b = InceptionA(192, pool_features=32)
        self.mixed5c = InceptionA(256, pool_features=64)
        self.mixed5d = InceptionA(288, pool_features=64)
        self.mixed6a = InceptionB(288)
        self.mixed6b = InceptionC(768, channels_7x7=128)
        self.mixed6c = InceptionC(768, channels_7x7=160)
        self.mixed6d = InceptionC(768, channels_7x7=160)
        self.mixed6e = InceptionC(768, channels_7x7=192)
        self.aux = InceptionAux(768, num_classes=num_classes) if aux_logits else None
        self.mixed7a = InceptionD(768)
        self.mixed7b = InceptionE(1280)
        self.mixed7c = InceptionE(2048)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(2048, num_classes)
        self.default_input_shape = (3, 299, 299)

    def forward(self, x: torch.Tensor):
        x = self.maxpool1(self.conv2b(self.conv2a(self.conv1a(x))))
        x = self.maxpool2(self.conv4a(self.conv3b(x)))
        for block in (self.mixed5b, self.mixed5c, self.mixed5d, self.mixed6a, self.mixed6b,
                      self.mixed6c, self.mixed6d, self.mixed6e):
            x = block(x)
        aux = self.aux(x) if self.aux is not None and self.training else None
        x = self.mixed7c(self.mixed7b(self.mixed7a(x)))
        logits = self.fc(torch.flatten(self.dropout(self.avgpool(x)), 1))
        return logits if aux is None else (logits, aux)


# --- ResNet (He, Zhang, Ren, Sun 2016) ---------------------------------------------------

# depth -> (block type, blocks per stage): Table 1 of the paper.
RESNET_CONFIGS: dict[int, tuple[type[nn.Module], tuple[int, int, int, int]]] = {
    18: (BasicBlock, (2, 2, 2, 2)),
    34: (BasicBlock, (3, 4, 6, 3)),
    50: (Bottleneck, (3, 4, 6, 3)),
    101: (Bottleneck, (3, 4, 23, 3)),
    152: (Bottleneck, (3, 8, 36, 3)),
}


class ResNet(nn.Module):
    """ResNet-``depth`` on 3x224x224: a 7x7/2 stem and 3x3/2 max pool, four stages of
    residual blocks (64, 128, 256, 512 base widths; the first block of stages 2-4 has stride
    2 and a 1x1 projection shortcut), global average pooling and one dense layer.

    ``groups`` and ``width_per_group`` widen the bottleneck's 3x3 convolution to
    ``base * width_per_group / 64 * groups`` channels in ``groups`` groups, keeping the
    outputs (torchvision's parametrisation):

    - ResNeXt (Xie et al. 2017, Table 1): ``resnext50_32x4d`` is 32 groups of 4 channels
      (width 128 in the first stage), 25.0M parameters and 4.2 GFLOPs (multiply-adds);
      ``resnext101_32x8d``, ``resnext101_64x4d`` as torchvision has them.
    - Wide ResNet (Zagoruyko & Komodakis 2016, the ImageNet bottleneck nets of section 4):
      ``wide_resnet50_2`` doubles every bottleneck's width (``width_per_group=128``).
    """

    def __init__(self, depth: int = 50, *, num_classes: int = 1000, groups: int = 1,
                 width_per_group: int = 64):
        super().__init__()
        if depth not in RESNET_CONFIGS:
            raise UserError(f"ResNet depth must be one of {sorted(RESNET_CONFIGS)}, got {depth!r}")
        block, counts = RESNET_CONFIGS[depth]
        if block is BasicBlock and (groups, width_per_group) != (1, 64):
            raise UserError(f"ResNet-{depth} has basic blocks, which take no groups or width; "
                            "use depth 50, 101 or 152")
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        channels = 64
        for stage, (width, count) in enumerate(zip((64, 128, 256, 512), counts), start=1):
            blocks = []
            for i in range(count):
                stride = 2 if stage > 1 and i == 0 else 1
                if block is BasicBlock:
                    blocks.append(BasicBlock(channels, width, stride=stride))
                else:
                    blocks.append(Bottleneck(channels, width * width_per_group // 64 * groups,
                                             stride=stride, groups=groups,
                                             out_channels=width * 4))
                channels = blocks[-1].out_channels
            self.add_module(f"layer{stage}", nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(channels, num_classes)
        self.default_input_shape = (3, 224, 224)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class CifarResNet(nn.Module):
    """The CIFAR-10 ResNets of He et al. 2016 (section 4.2) on 3x32x32: a 3x3 convolution
    to 16 maps, three stages of ``n`` :class:`BasicBlock` s on 32x32x16, 16x16x32 and 8x8x64
    (depth ``6n + 2``; stride 2 opens stages 2 and 3), global average pooling and a
    10-way dense layer. Option A shortcuts by default: the identity, zero-padded where the
    channels double, so the shortcuts add no parameters. The paper's Table 6: ResNet-20
    0.27M, 32 0.46M, 44 0.66M, 56 0.85M, 110 1.7M, 1202 19.4M parameters.

    - ``shortcut``: ``"zero-pad"`` (option A) or ``"auto"`` (option B, 1x1 projections).
    """

    def __init__(self, depth: int = 20, *, num_classes: int = 10, shortcut: str = "zero-pad"):
        super().__init__()
        if not isinstance(depth, int) or depth < 8 or (depth - 2) % 6:
            raise UserError(f"a CIFAR ResNet has depth 6n + 2 (20, 32, 44, 56, 110, ...), "
                            f"got {depth!r}")
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        channels = 16
        for stage, width in enumerate((16, 32, 64), start=1):
            blocks = []
            for i in range(n):
                stride = 2 if stage > 1 and i == 0 else 1
                blocks.append(BasicBlock(channels, width, stride=stride, shortcut=shortcut))
                channels = width
            self.add_module(f"layer{stage}", nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(channels, num_classes)
        self.default_input_shape = (3, 32, 32)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layer3(self.layer2(self.layer1(self.relu(self.bn1(self.conv1(x))))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


# --- DenseNet (Huang, Liu, van der Maaten, Weinberger 2017) ------------------------------

# depth -> (growth rate k, layers per dense block, channels of the stem): Table 1.
DENSENET_CONFIGS: dict[int, tuple[int, tuple[int, int, int, int], int]] = {
    121: (32, (6, 12, 24, 16), 64),
    161: (48, (6, 12, 36, 24), 96),
    169: (32, (6, 12, 32, 32), 64),
    201: (32, (6, 12, 48, 32), 64),
}


class DenseNet(nn.Module):
    """DenseNet-BC-``depth`` (Huang et al. 2017, Table 1) on 3x224x224: a 7x7/2
    convolution and a 3x3/2 max pool (56x56), four :class:`DenseBlock` s of bottleneck layers
    (1x1 to 4k channels, then 3x3 to k) separated by :class:`Transition` s that halve the
    channels and the size (56, 28, 14, 7), a final batch norm and ReLU, global average
    pooling and one dense layer. ``depth`` is 121, 161, 169 or 201.
    """

    def __init__(self, depth: int = 121, *, num_classes: int = 1000):
        super().__init__()
        if depth not in DENSENET_CONFIGS:
            raise UserError(f"DenseNet depth must be one of {sorted(DENSENET_CONFIGS)}, "
                            f"got {depth!r}")
        growth_rate, layers, channels = DENSENET_CONFIGS[depth]
        self.conv0 = nn.Conv2d(3, channels, 7, stride=2, padding=3, bias=False)
        self.norm0 = nn.BatchNorm2d(channels)
        self.relu0 = nn.ReLU(inplace=True)
        self.pool0 = nn.MaxPool2d(3, stride=2, padding=1)
        for i, num_layers in enumerate(layers, start=1):
            block = DenseBlock(channels, num_layers=num_layers, growth_rate=growth_rate,
                               bn_size=4)
            self.add_module(f"denseblock{i}", block)
            channels = block.out_channels
            if i < len(layers):
                self.add_module(f"transition{i}", Transition(channels, channels // 2))
                channels //= 2
        self.norm5 = nn.BatchNorm2d(channels)
        self.relu5 = nn.ReLU(inplace=True)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(channels, num_classes)
        self.default_input_shape = (3, 224, 224)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Children run in the order they were added; the dense layer is the last.
        for module in list(self.children())[:-1]:
            x = module(x)
        return self.fc(torch.flatten(x, 1))


# --- SqueezeNet (Iandola et al. 2016) ----------------------------------------------------

# version -> (conv1 filters, conv1 kernel, Fire modules (squeeze, expand 1x1 = expand 3x3),
# the Fire modules after which a 3x3/2 max pool comes).
SQUEEZENET_CONFIGS: dict[str, tuple[int, int, tuple[tuple[int, int], ...], tuple[int, ...]]] = {
    "1_0": (96, 7, ((16, 64), (16, 64), (32, 128), (32, 128), (48, 192), (48, 192),
                    (64, 256), (64, 256)), (4, 8)),
    "1_1": (64, 3, ((16, 64), (16, 64), (32, 128), (32, 128), (48, 192), (48, 192),
                    (64, 256), (64, 256)), (3, 5)),
}


class SqueezeNet(nn.Sequential):
    """SqueezeNet (Iandola et al. 2016, Table 1) on 3x227x227: conv1 (96 7x7/2), max pools of
    3x3/2 rounding up after conv1, fire4 and fire8, eight :class:`Fire` modules (fire2 to
    fire9), dropout 0.5, conv10 (1x1 to the classes, ReLU) and global average pooling:
    1,248,424 parameters, Table 1's total. ``version="1_1"`` is SqueezeNet 1.1 (64 3x3/2
    filters in conv1, pools after fire3 and fire5: 2.4x less computation, torchvision's)."""

    def __init__(self, version: str = "1_0", *, num_classes: int = 1000, dropout: float = 0.5):
        if version not in SQUEEZENET_CONFIGS:
            raise UserError(f"SqueezeNet version must be one of {sorted(SQUEEZENET_CONFIGS)}, "
                            f"got {version!r}")
        filters, kernel, fires, pools_after = SQUEEZENET_CONFIGS[version]
        layers: list[tuple[str, nn.Module]] = [
            ("conv1", nn.Conv2d(3, filters, kernel, stride=2)), ("relu1", nn.ReLU(inplace=True)),
            ("maxpool1", nn.MaxPool2d(3, stride=2, ceil_mode=True)),
        ]
        channels = filters
        for number, (squeeze, expand) in enumerate(fires, start=2):
            fire = Fire(channels, squeeze=squeeze, expand1x1=expand, expand3x3=expand)
            layers.append((f"fire{number}", fire))
            channels = fire.out_channels
            if number in pools_after:
                layers.append((f"maxpool{number}", nn.MaxPool2d(3, stride=2, ceil_mode=True)))
        layers += [
            ("dropout", nn.Dropout(dropout)),
            ("conv10", nn.Conv2d(channels, num_classes, 1)), ("relu10", nn.ReLU(inplace=True)),
            ("avgpool10", nn.AdaptiveAvgPool2d((1, 1))), ("flatten", nn.Flatten()),
        ]
        super().__init__(OrderedDict(layers))
        self.default_input_shape = (3, 227, 227)


# --- MobileNets (Howard et al. 2017, Sandler et al. 2018, Howard et al. 2019) -------------


def make_divisible(value: float, divisor: int = 8) -> int:
    """``value`` rounded to the nearest multiple of ``divisor`` (at least ``divisor``),
    never more than 10% below it: the channel rounding of the MobileNet v2/v3 and
    EfficientNet reference code (and torchvision's)."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


# Table 1 of Howard et al. 2017 after the first convolution: (output channels, stride) of
# the 13 depthwise separable convolutions (the last one keeps 7x7: stride 1, Table 1's s2
# there is a typo).
MOBILENET_V1_LAYERS: tuple[tuple[int, int], ...] = (
    (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
    (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1),
)


class MobileNetV1(nn.Sequential):
    """MobileNet v1 (Howard et al. 2017, Table 1) on 3x224x224: a 3x3/2 convolution to 32
    channels, 13 :class:`DepthwiseSeparable` convolutions (every unit with BN and ReLU),
    global average pooling and one dense layer: 4.2M parameters and 569M multiply-adds
    (Table 8, 1.0 MobileNet-224)."""

    def __init__(self, *, num_classes: int = 1000):
        layers: list[tuple[str, nn.Module]] = [("conv1", conv_bn_act(3, 32, stride=2))]
        channels = 32
        for i, (out_channels, stride) in enumerate(MOBILENET_V1_LAYERS, start=1):
            layers.append((f"separable{i}", DepthwiseSeparable(channels, out_channels,
                                                                stride=stride)))
            channels = out_channels
        layers += [("avgpool", nn.AdaptiveAvgPool2d((1, 1))), ("flatten", nn.Flatten()),
                   ("fc", nn.Linear(channels, num_classes))]
        super().__init__(OrderedDict(layers))
        self.default_input_shape = (3, 224, 224)


# Table 2 of Sandler et al. 2018: expansion t, output channels c, repeats n, first stride s.
MOBILENET_V2_STAGES: tuple[tuple[int, int, int, int], ...] = (
    (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
    (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
)


class MobileNetV2(nn.Sequential):
    """MobileNet v2 (Sandler et al. 2018, Table 2) on 3x224x224: a 3x3/2 convolution to 32
    channels, seven stages of :class:`InvertedResidual` blocks (ReLU6, linear projections;
    one stage per row of Table 2), a 1x1 convolution to 1280, global average pooling,
    dropout 0.2 and one dense layer: 3,504,872 parameters (torchvision's count)."""

    def __init__(self, *, num_classes: int = 1000, dropout: float = 0.2):
        layers: list[tuple[str, nn.Module]] = [
            ("conv1", conv_bn_act(3, 32, stride=2, activation=nn.ReLU6))]
        channels = 32
        for i, (t, c, n, s) in enumerate(MOBILENET_V2_STAGES, start=1):
            blocks = []
            for j in range(n):
                blocks.append(InvertedResidual(channels, c, expanded=channels * t,
                                               stride=s if j == 0 else 1))
                channels = c
            layers.append((f"stage{i}", nn.Sequential(*blocks)))
        layers += [
            ("conv_last", conv_bn_act(channels, 1280, kernel_size=1, activation=nn.ReLU6)),
            ("avgpool", nn.AdaptiveAvgPool2d((1, 1))), ("flatten", nn.Flatten()),
            ("dropout", nn.Dropout(dropout)), ("fc", nn.Linear(1280, num_classes)),
        ]
        super().__init__(OrderedDict(layers))
        self.default_input_shape = (3, 224, 224)


# Tables 1 and 2 of Howard et al. 2019, one row per bneck: kernel, expansion size, output
# channels, squeeze-and-excitation, activation (RE ReLU, HS hard swish), stride.
MOBILENET_V3_BNECKS: dict[str, tuple[tuple[int, int, int, bool, str, int], ...]] = {
    "large": (
        (3, 16, 16, False, "RE", 1), (3, 64, 24, False, "RE", 2), (3, 72, 24, False, "RE", 1),
        (5, 72, 40, True, "RE", 2), (5, 120, 40, True, "RE", 1), (5, 120, 40, True, "RE", 1),
        (3, 240, 80, False, "HS", 2), (3, 200, 80, False, "HS", 1),
        (3, 184, 80, False, "HS", 1), (3, 184, 80, False, "HS", 1),
        (3, 480, 112, True, "HS", 1), (3, 672, 112, True, "HS", 1),
        (5, 672, 160, True, "HS", 2), (5, 960, 160, True, "HS", 1), (5, 960, 160, True, "HS", 1),
    ),
    "small": (
        (3, 16, 16, True, "RE", 2), (3, 72, 24, False, "RE", 2), (3, 88, 24, False, "RE", 1),
        (5, 96, 40, True, "HS", 2), (5, 240, 40, True, "HS", 1), (5, 240, 40, True, "HS", 1),
        (5, 120, 48, True, "HS", 1), (5, 144, 48, True, "HS", 1),
        (5, 288, 96, True, "HS", 2), (5, 576, 96, True, "HS", 1), (5, 576, 96, True, "HS", 1),
    ),
}
_MOBILENET_V3_HEAD = {"large": (960, 1280), "small": (576, 1024)}


class MobileNetV3(nn.Sequential):
    """MobileNet v3 (Howard et al. 2019, Table 1 ``size="large"``, Table 2 ``"small"``) on
    3x224x224: a 3x3/2 convolution to 16 (hard swish), one :class:`InvertedResidual` per
    bneck row (SE blocks squeeze to a quarter of the expansion, rounded to a multiple of 8,
    with a hard sigmoid), a 1x1 convolution (960 or 576, hard swish), global average
    pooling, a dense layer to 1280 or 1024 without batch norm (hard swish, dropout 0.2) and
    the classifier: 5,483,032 and 2,542,856 parameters (torchvision's counts). Batch norm
    epsilon 1e-3, as the reference code's."""

    def __init__(self, size: str = "large", *, num_classes: int = 1000, dropout: float = 0.2):
        if size not in MOBILENET_V3_BNECKS:
            raise UserError(f"MobileNet v3 size must be 'large' or 'small', got {size!r}")
        activations = {"RE": nn.ReLU, "HS": nn.Hardswish}
        layers: list[tuple[str, nn.Module]] = [
            ("conv1", conv_bn_act(3, 16, stride=2, activation=nn.Hardswish, eps=1e-3))]
        channels = 16
        for i, (kernel, expanded, out, se, act, stride) in enumerate(MOBILENET_V3_BNECKS[size],
                                                                      start=1):
            layers.append((f"bneck{i}", InvertedResidual(
                channels, out, expanded=expanded, kernel_size=kernel, stride=stride,
                activation=activations[act], se_channels=make_divisible(expanded // 4) if se
                else None, se_scale=nn.Hardsigmoid, eps=1e-3)))
            channels = out
        last_conv, hidden = _MOBILENET_V3_HEAD[size]
        layers += [
            ("conv_last", conv_bn_act(channels, last_conv, kernel_size=1,
                                      activation=nn.Hardswish, eps=1e-3)),
            ("avgpool", nn.AdaptiveAvgPool2d((1, 1))), ("flatten", nn.Flatten()),
            ("fc1", nn.Linear(last_conv, hidden)), ("hardswish", nn.Hardswish(inplace=True)),
            ("dropout", nn.Dropout(dropout)), ("fc2", nn.Linear(hidden, num_classes)),
        ]
        super().__init__(OrderedDict(layers))
        self.default_input_shape = (3, 224, 224)


# --- EfficientNet (Tan & Le 2019) --------------------------------------------------------

# Table 1 of the paper, stages 2-8: expansion, kernel, stride, output channels, layers.
EFFICIENTNET_B0_STAGES: tuple[tuple[int, int, int, int, int], ...] = (
    (1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3),
    (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1),
)


class EfficientNetB0(nn.Sequential):
    """EfficientNet-B0 (Tan & Le 2019, Table 1) on 3x224x224: a 3x3/2 convolution to 32,
    seven stages of MBConv blocks (:class:`InvertedResidual` with SiLU ("swish") and a
    squeeze-and-excitation to a quarter of the block's input channels), a 1x1 convolution
    to 1280, global average pooling, dropout 0.2 and one dense layer: 5,288,548 parameters
    (torchvision's count). Stochastic depth, a training-time device without parameters,
    is left out."""

    def __init__(self, *, num_classes: int = 1000, dropout: float = 0.2):
        layers: list[tuple[str, nn.Module]] = [
            ("conv1", conv_bn_act(3, 32, stride=2, activation=nn.SiLU))]
        channels = 32
        for i, (expand, kernel, stride, out, repeats) in enumerate(EFFICIENTNET_B0_STAGES,
                                                                    start=1):
            blocks = []
            for j in range(repeats):
                blocks.append(InvertedResidual(
                    channels, out, expanded=make_divisible(channels * expand),
                    kernel_size=kernel, stride=stride if j == 0 else 1, activation=nn.SiLU,
                    se_channels=max(1, channels // 4), se_activation=nn.SiLU))
                channels = out
            layers.append((f"stage{i}", nn.Sequential(*blocks)))
        layers += [
            ("conv_last", conv_bn_act(channels, 1280, kernel_size=1, activation=nn.SiLU)),
            ("avgpool", nn.AdaptiveAvgPool2d((1, 1))), ("flatten", nn.Flatten()),
            ("dropout", nn.Dropout(dropout)), ("fc", nn.Linear(1280, num_classes)),
        ]
        super().__init__(OrderedDict(layers))
        self.default_input_shape = (3, 224, 224)


# --- the catalogue -----------------------------------------------------------------------

# name -> (architecture, its fixed options), from the torch-free list of names.
_BUILDERS: dict[str, tuple[Callable[..., nn.Module], dict]] = {
    name: (globals()[architecture], fixed)
    for name, (architecture, fixed) in MODEL_CATALOGUE.items()
}


def build_model(name: str, *, device: str | torch.device | None = None, **kwargs) -> nn.Module:
    """A fresh, randomly initialised model by name.

    - ``name``: one of :data:`MODEL_NAMES` (case, ``-`` and ``_`` do not matter:
      ``VGG16-BN`` = ``vgg16_bn``, ``lenet5_d2l`` = ``lenet5-d2l``).
    - ``device``: where parameters live; ``"meta"`` allocates nothing (for shape analysis).
    - ``kwargs``: passed to the architecture, e.g. ``num_classes=10``.

    Raises ``UserError`` for an unknown name or option.

    >>> sum(p.numel() for p in build_model("resnet18", device="meta").parameters())
    11689512
    """
    key = canonical_model_name(name)
    if key is None:
        key = str(name).strip().lower()
        close = difflib.get_close_matches(key, MODEL_NAMES, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise UserError(f"unknown model {name!r}{hint}; known models: {', '.join(MODEL_NAMES)}")
    architecture, fixed = _BUILDERS[key]
    # Check the options before building, so a typo is a UserError, not a TypeError.
    try:
        inspect.signature(architecture).bind(**fixed, **kwargs)
    except TypeError as exc:
        raise UserError(f"model {key!r} does not accept these options: {exc}") from None
    with torch.device(device if device is not None else torch.get_default_device()):
        return architecture(**fixed, **kwargs)
