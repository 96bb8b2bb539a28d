"""The classic CNN architectures, written out from their papers (torchvision is not needed).

``build_model(name)`` returns a ``torch.nn.Module``; every model carries
``default_input_shape`` (C, H, W), the input its paper uses. Parameter counts equal
torchvision's for the architectures torchvision has (asserted in the tests).

- ``lenet5``: LeCun et al. 1998: scaled tanh, trainable subsampling, the C3 connection
  table, fixed RBF output; 60,000 trainable parameters.
- ``lenet5-d2l``: d2l.ai's modern LeNet: sigmoid, average pooling, dense layers (28x28).
- ``alexnet``: torchvision's single-tower AlexNet (Krizhevsky 2014 "one weird trick").
- ``alexnet-d2l``: d2l.ai's AlexNet for 1x224x224 Fashion-MNIST, 10 classes.
- ``vgg11`` ... ``vgg19``, ``*_bn``: Simonyan & Zisserman 2015 configurations A, B, D, E;
  ``_bn`` adds batch norm.
- ``googlenet``: Szegedy et al. 2015, Table 1 (with LRN, without the auxiliary classifiers).
- ``resnet18`` ... ``resnet152``: He et al. 2016, Table 1, stride on the 3x3 convolution
  (torchvision's "v1.5").

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
from grader.reference.blocks import BasicBlock, Bottleneck, Inception, VGGBlock

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
    "ResNet",
    "RESNET_CONFIGS",
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
    2 and a 1x1 projection shortcut), global average pooling and one dense layer."""

    def __init__(self, depth: int = 50, *, num_classes: int = 1000):
        super().__init__()
        if depth not in RESNET_CONFIGS:
            raise UserError(f"ResNet depth must be one of {sorted(RESNET_CONFIGS)}, got {depth!r}")
        block, counts = RESNET_CONFIGS[depth]
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        channels = 64
        for stage, (width, count) in enumerate(zip((64, 128, 256, 512), counts), start=1):
            blocks = []
            for i in range(count):
                stride = 2 if stage > 1 and i == 0 else 1
                blocks.append(block(channels, width, stride=stride))
                channels = blocks[-1].out_channels
            self.add_module(f"layer{stage}", nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(channels, num_classes)
        self.default_input_shape = (3, 224, 224)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


# --- the catalogue -----------------------------------------------------------------------

# name -> (architecture, its fixed options)
_BUILDERS: dict[str, tuple[Callable[..., nn.Module], dict]] = {
    "lenet5": (LeNet5, {}),
    "lenet5-d2l": (lenet5_d2l, {}),
    "alexnet": (AlexNet, {}),
    "alexnet-d2l": (alexnet_d2l, {}),
    **{f"vgg{d}": (VGG, {"depth": d}) for d in VGG_CONFIGS},
    **{f"vgg{d}_bn": (VGG, {"depth": d, "batch_norm": True}) for d in VGG_CONFIGS},
    "googlenet": (GoogLeNet, {}),
    **{f"resnet{d}": (ResNet, {"depth": d}) for d in RESNET_CONFIGS},
}

MODEL_NAMES: tuple[str, ...] = tuple(_BUILDERS)
"""Every name :func:`build_model` knows."""


def canonical_model_name(name) -> str | None:
    """The catalogue's spelling of ``name`` (case, ``-`` and ``_`` ignored), or ``None``."""
    def fold(text: str) -> str:
        return text.strip().lower().replace("-", "_")

    return next((known for known in MODEL_NAMES if fold(known) == fold(str(name))), None)


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
