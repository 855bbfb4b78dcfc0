"""Cutting steps named as a person reads a model: after the module path it was written
with, or its family and rank for an nn.Sequential index; the engine's ids stay as fx has
them."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from engine.digits_cnn import INPUT_SHAPE, load_digits_cnn
from engine.pl_graph import trace_piecewise_linear
from engine.unit_names import step_labels


def _labels(model: nn.Module, shape=(1, 8, 8)) -> tuple[str, ...]:
    return step_labels(trace_piecewise_linear(model.double().eval(), shape))


def test_the_shipped_cnns_steps_are_its_convolutions_pools_and_hidden_linear_layer():
    model = load_digits_cnn().double().eval()
    graph = trace_piecewise_linear(model, INPUT_SHAPE)
    assert step_labels(graph) == (
        "conv1 (Conv2d)",
        "pool1 (MaxPool2d)",
        "conv2 (Conv2d)",
        "pool2 (MaxPool2d)",
        "fc1 (Linear)",
    )
    # The engine's own identifiers are untouched: torch.fx's module targets.
    assert [s.op for s in graph.cutting_steps][:2] == [
        "call_module ReLU '2'",
        "call_module MaxPool2d '3'",
    ]


class _Named(nn.Module):
    """Attribute names, functional ReLUs and clamps, a residual sum."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(1, 2, 3, padding=1)
        self.down = nn.MaxPool2d(2)
        self.head = nn.Linear(32, 4)
        self.out = nn.Linear(4, 3)

    def forward(self, x):
        x = F.relu(self.stem(x))
        x = self.down(x)
        x = torch.flatten(x, 1)
        h = torch.clamp(self.head(x), 0.0, 1.0)
        return self.out(F.relu(h + h))  # a ReLU after a sum: no layer of its own to name


def test_named_modules_keep_their_names_and_an_unnamed_step_falls_back_to_its_rank():
    assert _labels(_Named()) == (
        "stem (Conv2d)",
        "down (MaxPool2d)",
        "head (Linear)",
        "layer 4 (relu)",
    )


def test_nested_sequential_indices_are_ranked_within_their_family():
    model = nn.Sequential(
        nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)),
        nn.Flatten(),
        nn.Linear(32, 6),
        nn.LeakyReLU(0.1),
        nn.Linear(6, 5),
        nn.ReLU(),
        nn.Linear(5, 2),
    )
    assert _labels(model) == (
        "conv1 (Conv2d)",
        "pool1 (MaxPool2d)",
        "fc1 (Linear)",
        "fc2 (Linear)",
    )


def test_two_steps_on_one_layer_fall_back_to_their_rank():
    class Twice(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x):
            y = self.fc(x)
            return F.relu(y) + torch.clamp(y, -1.0, 1.0)

    assert _labels(Twice(), (4,)) == ("layer 1 (relu)", "layer 2 (clamp)")
