"""What the cells page keeps in a session, and how it comes back."""

from __future__ import annotations

import math

import numpy as np
import torch

from app.cells.page import CellsPage
from app.state.fields import point, whole
from engine.network_spec import NetworkSpecError, build_network, network_spec, network_tensors
from engine.networks import network_layers
from engine.session_file import PageState, SessionFileError, check_finite


def save_cells_state(page: CellsPage) -> PageState:
    c = page.controller
    tensors = {f"network.{k}": v for k, v in network_tensors(c.model).items()}
    if c.plane is not None:
        for name, vector in zip(("origin", "u", "v"), c.plane, strict=True):
            tensors[f"plane.{name}"] = torch.from_numpy(np.array(vector, dtype=np.float64))
    probe = page.probe.position
    path = page.probe.path
    settings = {
        "network": network_spec(c.model),
        "bounds": list(c.bounds),
        "layers": c.layers,
        "max_regions": c.max_regions,
        "plane": c.plane is not None,
        "probe": list(probe) if probe is not None else None,
        "path": [list(map(float, path.a)), list(map(float, path.b))] if path else None,
    }
    return PageState(settings, tensors)


def restore_cells_state(page: CellsPage, state: PageState) -> None:
    settings, tensors = state.settings, state.tensors
    prefix = "network."
    weights = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
    try:
        model = build_network(settings.get("network"), weights)
    except NetworkSpecError as error:
        raise SessionFileError(str(error)) from error
    bounds = settings.get("bounds")
    if (
        not isinstance(bounds, list)
        or len(bounds) != 4
        or not all(isinstance(v, int | float) and math.isfinite(v) for v in bounds)
        or not (bounds[0] < bounds[1] and bounds[2] < bounds[3])
    ):
        raise SessionFileError(f"the bounds {bounds!r} are not a rectangle xmin<xmax, ymin<ymax.")
    plane = None
    if settings.get("plane"):
        names = ("plane.origin", "plane.u", "plane.v")
        if any(n not in tensors for n in names):
            raise SessionFileError("the plane's origin and directions are missing.")
        check_finite({n: tensors[n] for n in names}, "The plane")
        plane = tuple(tensors[n].to(torch.float64).numpy().copy() for n in names)
    layers = whole(settings.get("layers"), "layers", 0, len(network_layers(model).hidden))
    max_regions = whole(settings.get("max_regions"), "max_regions", 1, 1e12)
    probe = settings.get("probe")
    if probe is not None:
        probe = point(probe, "The probe position")
    path = settings.get("path")
    if path is not None:
        if not isinstance(path, list) or len(path) != 2:
            raise SessionFileError(f"the path must be two points, got {path!r}.")
        path = (point(path[0], "The path's start"), point(path[1], "The path's end"))
    page.set_network(model, tuple(bounds), plane=plane)  # raises ValueError, changing nothing
    c = page.controller
    try:
        c.set_max_regions(max_regions)
    except MemoryError:
        pass  # keep the current limit: the saved one does not fit this machine's memory
    c.set_layers(layers)
    page.place_probe_when_shown(probe, path)
