"""A small seeded CNN on 8x8 inputs for the Networks page and unit-name tests:
Conv 1->3 (3x3, padding 1), ReLU, 2x2 max-pooling, Linear 48->10, in float64."""

from __future__ import annotations

import torch
from torch import nn


def small_cnn(seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(48, 10),
    ).double().eval()  # fmt: skip
