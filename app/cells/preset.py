"""The cells page's presets: the settings a preset may give, checked and applied."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtWidgets import QWidget

from app.cells.page import DEFAULT_BOUNDS
from app.state.fields import only_fields as _only
from engine.networks import ACTIVATIONS, random_mlp


def cells_network(settings: Mapping[str, Any]) -> object:
    """The network a ``cells`` preset describes (a seeded random MLP with 2 inputs)."""
    network = settings["network"]
    return random_mlp(
        [int(w) for w in network["widths"]],
        n_inputs=2,
        n_outputs=int(network.get("n_outputs", 2)),
        seed=int(network.get("seed", 0)),
        activation=str(network.get("activation", "relu")),
    )


def _bounds(settings: Mapping[str, Any]) -> tuple[float, float, float, float]:
    bounds = settings.get("bounds", list(DEFAULT_BOUNDS))
    if not isinstance(bounds, list) or len(bounds) != 4:
        raise ValueError(f"bounds must be [xmin, xmax, ymin, ymax], got {bounds!r}")
    return tuple(float(v) for v in bounds)


def check_cells_preset(settings: Mapping[str, Any]) -> None:
    _only(settings, {"network", "bounds", "layers"}, "cells settings")
    network = settings["network"]
    _only(network, {"widths", "seed", "activation", "n_outputs"}, "network")
    widths = network["widths"]
    if (
        not isinstance(widths, list)
        or not widths
        or any(not isinstance(w, int) or w < 1 for w in widths)
    ):
        raise ValueError(f"network widths must be a list of positive integers, got {widths!r}")
    if network.get("activation", "relu") not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}")
    bounds = _bounds(settings)
    if not (bounds[0] < bounds[1] and bounds[2] < bounds[3]):
        raise ValueError(f"bounds must be [xmin, xmax, ymin, ymax] with min < max, got {bounds}")
    layers = settings.get("layers", len(widths))
    if not isinstance(layers, int) or not 0 <= layers <= len(widths):
        raise ValueError(f"layers must be an integer from 0 to {len(widths)}, got {layers!r}")


def apply_cells_preset(page: QWidget, settings: Mapping[str, Any]) -> None:
    page.set_network(cells_network(settings), _bounds(settings))
    if "layers" in settings:
        page.controller.set_layers(int(settings["layers"]))
