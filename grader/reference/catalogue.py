"""The names of the course's architectures, without torch.

:data:`MODEL_CATALOGUE` maps every name :func:`grader.reference.models.build_model` knows to
the architecture in :mod:`grader.reference.models` that builds it and that architecture's
fixed options. It is the one list of names: the models module builds from it, and
``cnngrade inspect --help`` prints it without loading torch.
"""

from __future__ import annotations

__all__ = ["MODEL_CATALOGUE", "MODEL_NAMES", "canonical_model_name"]

_VGG_DEPTHS = (11, 13, 16, 19)

# name -> (architecture in grader.reference.models, its fixed options)
MODEL_CATALOGUE: dict[str, tuple[str, dict]] = {
    "lenet5": ("LeNet5", {}),
    "lenet5-d2l": ("lenet5_d2l", {}),
    "alexnet": ("AlexNet", {}),
    "alexnet-d2l": ("alexnet_d2l", {}),
    "alexnet-notes": ("AlexNet2012", {"towers": 1}),
    "alexnet-2012-two-tower": ("AlexNet2012", {"towers": 2}),
    "zfnet": ("ZFNet", {}),
    "zfnet-notes": ("ZFNet", {"conv345": (512, 1024, 512)}),
    "nin": ("NiN", {}),
    **{f"vgg{d}": ("VGG", {"depth": d}) for d in _VGG_DEPTHS},
    **{f"vgg{d}_bn": ("VGG", {"depth": d, "batch_norm": True}) for d in _VGG_DEPTHS},
    "googlenet": ("GoogLeNet", {}),
    "inception_v3": ("InceptionV3", {}),
    **{f"resnet{d}": ("ResNet", {"depth": d}) for d in (18, 34, 50, 101, 152)},
    "resnext50_32x4d": ("ResNet", {"depth": 50, "groups": 32, "width_per_group": 4}),
    "resnext101_32x8d": ("ResNet", {"depth": 101, "groups": 32, "width_per_group": 8}),
    "resnext101_64x4d": ("ResNet", {"depth": 101, "groups": 64, "width_per_group": 4}),
    "wide_resnet50_2": ("ResNet", {"depth": 50, "width_per_group": 128}),
    "wide_resnet101_2": ("ResNet", {"depth": 101, "width_per_group": 128}),
    **{f"resnet{d}-cifar": ("CifarResNet", {"depth": d}) for d in (20, 32, 44, 56, 110, 1202)},
    **{f"densenet{d}": ("DenseNet", {"depth": d}) for d in (121, 161, 169, 201)},
    "squeezenet1_0": ("SqueezeNet", {"version": "1_0"}),
    "squeezenet1_1": ("SqueezeNet", {"version": "1_1"}),
    "mobilenet_v1": ("MobileNetV1", {}),
    "mobilenet_v2": ("MobileNetV2", {}),
    "mobilenet_v3_small": ("MobileNetV3", {"size": "small"}),
    "mobilenet_v3_large": ("MobileNetV3", {"size": "large"}),
    "efficientnet_b0": ("EfficientNetB0", {}),
}

MODEL_NAMES: tuple[str, ...] = tuple(MODEL_CATALOGUE)
"""Every name :func:`~grader.reference.models.build_model` knows, family by family."""


def canonical_model_name(name) -> str | None:
    """The catalogue's spelling of ``name`` (case, ``-`` and ``_`` ignored), or ``None``."""
    def fold(text: str) -> str:
        return text.strip().lower().replace("-", "_")

    return next((known for known in MODEL_NAMES if fold(known) == fold(str(name))), None)
