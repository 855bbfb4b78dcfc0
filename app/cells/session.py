"""What the Cells page keeps in a session, and how it comes back.

Settings (as older files wrote them): ``network`` (its description; the weights are
tensors), ``bounds``, ``layers``, ``max_regions``, ``distance_disc``, ``disc_norm`` (the
page's state), ``plane`` (whether the
tensors hold a slicing plane), ``probe`` and ``path`` (where the probe and the path were).

Sessions hold torch tensors: torch is imported when one is saved or restored, not with
the page (whose first cells need none).
"""

from __future__ import annotations

from dataclasses import asdict, replace

import numpy as np

from app.cells.controller import cell_budget
from app.cells.page import CellsPage
from app.cells.state import CellsState
from app.state.fields import from_settings, point
from engine.memory_budget import MemoryBudgetError
from engine.networks import network_layers
from engine.session_file import PageState, SessionFileError, check_finite

#: The state's fields a session keeps; the others (the toggles, the panels) stay as they are.
SESSION_FIELDS = ("bounds", "layers", "max_regions", "distance_disc", "disc_norm")


def save_cells_state(page: CellsPage) -> PageState:
    import torch

    from engine.network_spec import network_spec, network_tensors

    c = page.controller
    state = c.state
    tensors = {f"network.{k}": v for k, v in network_tensors(c.model).items()}
    if c.plane is not None:
        for name, vector in zip(("origin", "u", "v"), c.plane, strict=True):
            tensors[f"plane.{name}"] = torch.from_numpy(np.array(vector, dtype=np.float64))
    probe = page.probe.position
    path = page.probe.path
    settings = {
        "network": network_spec(c.model),
        "bounds": list(state.bounds),
        "layers": state.layers,
        "max_regions": state.max_regions,
        "distance_disc": state.distance_disc,
        "disc_norm": state.disc_norm,
        "plane": c.plane is not None,
        "probe": list(probe) if probe is not None else None,
        "path": [list(map(float, path.a)), list(map(float, path.b))] if path else None,
    }
    return PageState(settings, tensors)


def _plane(settings: dict, tensors: dict) -> tuple[np.ndarray, ...] | None:
    if not settings.get("plane"):
        return None
    names = ("plane.origin", "plane.u", "plane.v")
    if any(n not in tensors for n in names):
        raise SessionFileError("the plane's origin and directions are missing.")
    check_finite({n: tensors[n] for n in names}, "The plane")
    import torch

    return tuple(tensors[n].to(torch.float64).numpy().copy() for n in names)


def _probe_and_path(settings: dict) -> tuple[tuple | None, tuple | None]:
    probe = settings.get("probe")
    if probe is not None:
        probe = point(probe, "The probe position")
    path = settings.get("path")
    if path is not None:
        if not isinstance(path, list) or len(path) != 2:
            raise SessionFileError(f"the path must be two points, got {path!r}.")
        path = (point(path[0], "The path's start"), point(path[1], "The path's end"))
    return probe, path


def restore_cells_state(page: CellsPage, state: PageState) -> None:
    """Show the saved network with its settings, probe and path; raises ValueError,
    changing nothing, for anything bad (missing settings keep their defaults, missing
    layers are all of them)."""
    from engine.network_spec import NetworkSpecError, build_network

    settings, tensors = state.settings, state.tensors
    prefix = "network."
    weights = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
    try:
        model = build_network(settings.get("network"), weights)
    except NetworkSpecError as error:
        raise SessionFileError(str(error)) from error
    plane = _plane(settings, tensors)
    n_layers = len(network_layers(model).hidden)
    c = page.controller
    kept = {k: v for k, v in asdict(c.state).items() if k not in SESSION_FIELDS}
    kept["n_layers"] = n_layers
    restored = from_settings(CellsState, {"layers": n_layers, **settings}, "cells", **kept)
    try:
        cell_budget(model, restored.max_regions)
    except MemoryBudgetError:
        # Keep the current limit: the saved one does not fit this machine's memory.
        restored = replace(restored, max_regions=c.state.max_regions)
    probe, path = _probe_and_path(settings)
    c.set_network(model, restored.bounds, plane=plane, state=restored)  # ValueError: unchanged
    page.place_probe_when_shown(probe, path)
