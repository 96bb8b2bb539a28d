"""Helpers of the blocks' formula checks (test_models.py, test_named_models.py): batch norm
in evaluation mode written from its definition, and modules made ready for such a check."""

import torch


def bn_eval(x, bn):
    """Batch norm in evaluation mode from its definition."""
    shape = (1, -1, 1, 1)
    return (x - bn.running_mean.view(shape)) / torch.sqrt(bn.running_var.view(shape) + bn.eps) \
        * bn.weight.view(shape) + bn.bias.view(shape)


def randomize(module):
    """Non-trivial BN statistics so that the formula check means something; float64, eval."""
    torch.manual_seed(1)
    for m in module.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.5, 2)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)
    return module.double().eval()
