"""The Cells page's presets: the settings a preset may give, checked and applied.

Settings: ``network`` (``widths``, and optionally ``seed``, ``activation``, ``n_outputs``:
a seeded random MLP with 2 inputs), ``bounds`` (default the square [-1, 1]²),
``layers`` (default all), ``distance_disc`` and ``disc_norm`` (default off, L2) and
``probe`` (``[x, y]``, where the probe goes). The page's other settings (cell limit,
toggles, panels) stay.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from app.cells.page import CellsPage
from app.cells.state import CellsState
from app.state.fields import from_settings, point
from app.state.fields import only_fields as _only
from engine.networks import ACTIVATIONS

#: The state's fields a preset gives; the others keep the page's.
PRESET_FIELDS = ("bounds", "layers", "distance_disc", "disc_norm")


def cells_network(settings: Mapping[str, Any]) -> object:
    """The network a ``cells`` preset describes (a seeded random MLP with 2 inputs)."""
    from engine.torch_networks import random_mlp  # torch, once a preset is applied

    network = settings["network"]
    return random_mlp(
        [int(w) for w in network["widths"]],
        n_inputs=2,
        n_outputs=int(network.get("n_outputs", 2)),
        seed=int(network.get("seed", 0)),
        activation=str(network.get("activation", "relu")),
    )


def _check_network(settings: Mapping[str, Any]) -> int:
    """The preset network's hidden layers, once its description is checked."""
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
    return len(widths)


def _preset_state(settings: Mapping[str, Any], base: CellsState) -> CellsState:
    """The state a preset gives, the fields it does not give taken from ``base``."""
    _only(settings, {"network", *PRESET_FIELDS, "probe"}, "cells settings")
    n_layers = _check_network(settings)
    kept = {k: v for k, v in asdict(base).items() if k not in PRESET_FIELDS}
    kept["n_layers"] = n_layers
    given = {k: v for k, v in settings.items() if k != "probe"}
    defaults = {"layers": n_layers, "distance_disc": False, "disc_norm": "l2"}
    return from_settings(CellsState, {**defaults, **given}, "cells", **kept)


def _probe(settings: Mapping[str, Any]) -> tuple[float, float] | None:
    probe = settings.get("probe")
    return None if probe is None else point(probe, "The preset's probe")


def check_cells_preset(settings: Mapping[str, Any]) -> None:
    """Raise ValueError naming the first setting that is unknown or out of range."""
    _preset_state(settings, CellsState())
    _probe(settings)


def apply_cells_preset(page: CellsPage, settings: Mapping[str, Any]) -> None:
    """Show the preset's network with its rectangle and layers."""
    controller = page.controller
    state = _preset_state(settings, controller.state)
    probe = _probe(settings)
    controller.set_network(cells_network(settings), state.bounds, state=state)
    if probe is not None:
        page.place_probe_when_shown(probe, None)
