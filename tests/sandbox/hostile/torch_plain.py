"""Imports torch plainly. Expected: load verdict "forbidden" naming torch."""
import torch


def f(x):
    return torch.relu(torch.as_tensor(x)).numpy()
