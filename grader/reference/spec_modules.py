"""The two block modules of layer specs (``residual`` and ``inception``, see
:mod:`grader.reference.spec`), kept apart so that validating a spec imports no torch."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["Residual", "Inception"]


class Residual(nn.Module):
    """``path(x) + shortcut(x)``; the shortcut is the identity when ``None`` (so it makes no
    row of its own in an analysis), else a 1x1 projection convolution."""

    def __init__(self, path: nn.Module, shortcut: nn.Module | None = None):
        super().__init__()
        self.path = path
        self.shortcut = shortcut

    def forward(self, x):
        return self.path(x) + (x if self.shortcut is None else self.shortcut(x))


class Inception(nn.Module):
    """Branches ``branch1``, ``branch2``... applied to the same input, concatenated along the
    channels."""

    def __init__(self, branches: list[nn.Module]):
        super().__init__()
        for i, branch in enumerate(branches, start=1):
            self.add_module(f"branch{i}", branch)

    def forward(self, x):
        return torch.cat([branch(x) for branch in self.children()], dim=1)
