"""The architectures against torchvision itself, when it is installed (it is not a
dependency of cnngrade: without it every test here skips).

Totals and the multiset of parameter shapes on the meta device for every model torchvision
has; for the smaller ones, torchvision's weights copied into ours in order and both run on
the same input (float64, evaluation mode), which must give the same outputs."""

import pytest
import torch

from grader.reference.models import build_model

torchvision = pytest.importorskip("torchvision")

# our name -> torchvision's builder and options (inception_v3 without its auxiliary head,
# our default; googlenet is left out: ours keeps the paper's 5x5 convolutions and LRN).
TORCHVISION_MODELS = {
    "alexnet": ("alexnet", {}),
    **{f"vgg{d}{bn}": (f"vgg{d}{bn}", {}) for d in (11, 13, 16, 19) for bn in ("", "_bn")},
    "inception_v3": ("inception_v3", {"aux_logits": False, "init_weights": False}),
    **{f"resnet{d}": (f"resnet{d}", {}) for d in (18, 34, 50, 101, 152)},
    **{name: (name, {}) for name in (
        "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2",
        "wide_resnet101_2", "densenet121", "densenet161", "densenet169", "densenet201",
        "squeezenet1_0", "squeezenet1_1", "mobilenet_v2", "mobilenet_v3_small",
        "mobilenet_v3_large", "efficientnet_b0")},
}

# Small enough to build with real weights in a few seconds; (name, input height and width).
FORWARD_CHECKS = [("squeezenet1_1", 64), ("mobilenet_v3_small", 64), ("mobilenet_v2", 64),
                  ("efficientnet_b0", 64), ("densenet121", 64), ("resnext50_32x4d", 64),
                  ("inception_v3", 96)]


def torchvision_model(name, **device):
    builder, options = TORCHVISION_MODELS[name]
    with torch.device(device.get("device", "cpu")):
        return getattr(torchvision.models, builder)(weights=None, **options)


@pytest.mark.parametrize("name", sorted(TORCHVISION_MODELS))
def test_totals_and_parameter_shapes_equal_torchvision(name):
    theirs = torchvision_model(name, device="meta")
    ours = build_model(name, device="meta")
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())
    assert sorted(p.shape for p in ours.parameters()) == sorted(p.shape for p in theirs.parameters())
    assert sum(b.numel() for b in ours.buffers() if b.is_floating_point()) == \
        sum(b.numel() for b in theirs.buffers() if b.is_floating_point())


@pytest.mark.slow
@pytest.mark.parametrize("name, size", FORWARD_CHECKS)
def test_same_weights_give_torchvisions_outputs(name, size):
    torch.manual_seed(0)
    theirs = torchvision_model(name).double().eval()
    ours = build_model(name, device="cpu").double().eval()
    # Both register their tensors in the papers' order: copy torchvision's across by position.
    keys = list(ours.state_dict())
    assert [tuple(t.shape) for t in theirs.state_dict().values()] == \
        [tuple(ours.state_dict()[k].shape) for k in keys]
    with torch.no_grad():   # batch-norm statistics away from 0 and 1, so that they matter
        for m in theirs.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.1, 0.1)
    ours.load_state_dict(dict(zip(keys, theirs.state_dict().values())))
    x = torch.randn(2, 3, size, size, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), theirs(x), rtol=1e-10, atol=1e-12)
