"""What the Cells, Playground, Volume and Hulls pages keep in a session, and how it comes
back.

Each ``save_*_state(page)`` returns a :class:`engine.session_file.PageState`; each
``restore_*_state(page, state)`` checks the whole state first (types, ranges, weight
shapes, NaN) and raises :class:`engine.session_file.SessionFileError` with a message for
the user before touching the page. The pages' ``save_state``/``restore_state`` call these
(see :mod:`app.session_state` for the protocol).
"""

from __future__ import annotations

import math
from dataclasses import asdict, fields
from typing import TYPE_CHECKING

import numpy as np
import torch

from app.hulls_controller import EXPERIMENTS
from app.volume_controller import D_MAX, DISTANCE_DIMENSIONS, MONTE_CARLO_SAMPLES
from engine.datasets import DATASETS, MAX_CLASSES, DatasetSpec
from engine.features import FEATURE_PLANE, FEATURE_TRANSFORMS, INPUT_PLANE
from engine.network_spec import NetworkSpecError, build_network, network_spec, network_tensors
from engine.networks import network_layers
from engine.session_file import PageState, SessionFileError, check_finite
from engine.training import Architecture, TrainingConfig, TrainingHistory
from widgets.playground_controls import MAX_HIDDEN_LAYERS, MAX_WIDTH

if TYPE_CHECKING:
    from app.cells_page import CellsPage
    from app.hulls_page import HullsPage
    from app.playground_page import PlaygroundPage
    from app.volume_page import VolumePage

#: Largest data set a session may ask the Playground to draw (the Points control's range).
MAX_SAMPLES = 4000
MAX_EPOCHS = 100_000
_HISTORY_COLUMNS = ("epoch", "train_loss", "test_loss", "train_score", "test_score")


def _number(settings: dict, key: str, low: float, high: float, *, whole: bool = False):
    value = settings.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SessionFileError(f"{key} must be a number, got {value!r}.")
    if whole and value != int(value):
        raise SessionFileError(f"{key} must be a whole number, got {value!r}.")
    if not (math.isfinite(value) and low <= value <= high):
        raise SessionFileError(f"{key} = {value!r} is outside {low:g}…{high:g}.")
    return int(value) if whole else float(value)


def _point(value: object, what: str) -> tuple[float, float] | None:
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int | float) and math.isfinite(v) for v in value)
    ):
        raise SessionFileError(f"{what} must be two finite numbers, got {value!r}.")
    return float(value[0]), float(value[1])


# -- Cells ----------------------------------------------------------------------------------


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
    layers = _number(settings, "layers", 0, len(network_layers(model).hidden), whole=True)
    max_regions = _number(settings, "max_regions", 1, 1e12, whole=True)
    probe = _point(settings.get("probe"), "The probe position")
    path = settings.get("path")
    if path is not None:
        if not isinstance(path, list) or len(path) != 2:
            raise SessionFileError(f"the path must be two points, got {path!r}.")
        path = (_point(path[0], "The path's start"), _point(path[1], "The path's end"))
    page.set_network(model, tuple(bounds), plane=plane)  # raises ValueError, changing nothing
    c = page.controller
    try:
        c.set_max_regions(max_regions)
    except MemoryError:
        pass  # keep the current limit: the saved one does not fit this machine's memory
    c.set_layers(layers)
    page.place_probe_when_shown(probe, path)


# -- Playground -----------------------------------------------------------------------------


def save_playground_state(page: PlaygroundPage) -> PageState:
    c = page.controller
    snapshot = c.snapshot
    tensors = {f"weights.{k}": v.detach().clone() for k, v in snapshot.state.items()}
    tensors.update({f"initial.{k}": v.detach().clone() for k, v in c.initial_state.items()})
    for column in _HISTORY_COLUMNS:
        tensors[f"history.{column}"] = torch.from_numpy(np.array(getattr(snapshot.history, column)))
    architecture = c.architecture
    settings = {
        "dataset": asdict(c.dataset_spec),
        "transform": c.transform.name,
        "view": c.view,
        "architecture": {
            "widths": list(architecture.widths),
            "activation": architecture.activation,
        },
        "config": asdict(c.config),
        "epoch": snapshot.epoch,
        "step": snapshot.step,
        "colour_by": page.controls.colour_combo.currentData(),
        "test_points": page.controls.test_check.isChecked(),
    }
    return PageState(settings, tensors)


def _dataclass_from(kind: type, values: object, what: str):
    if not isinstance(values, dict):
        raise SessionFileError(f"the {what} settings are missing.")
    known = {f.name for f in fields(kind)}
    try:
        return kind(**{k: v for k, v in values.items() if k in known})
    except (TypeError, ValueError) as error:
        raise SessionFileError(f"the {what} settings are invalid: {error}") from error


def _playground_settings(settings: dict):
    spec = _dataclass_from(DatasetSpec, settings.get("dataset"), "data set")
    if spec.name not in DATASETS:
        raise SessionFileError(f"unknown data set {spec.name!r}.")
    dataset = asdict(spec)
    _number(dataset, "n_samples", 20, MAX_SAMPLES, whole=True)
    _number(dataset, "n_classes", 2, MAX_CLASSES, whole=True)
    _number(dataset, "noise", 0.0, 1.0)
    _number(dataset, "test_fraction", 0.05, 0.95)
    _number(dataset, "seed", 0, 2**31, whole=True)
    transform = settings.get("transform")
    if transform not in FEATURE_TRANSFORMS:
        raise SessionFileError(f"unknown feature transform {transform!r}.")
    raw = settings.get("architecture")
    if not isinstance(raw, dict) or not isinstance(raw.get("widths"), list):
        raise SessionFileError("the architecture (hidden widths) is missing.")
    widths = raw["widths"]
    if not 1 <= len(widths) <= MAX_HIDDEN_LAYERS or not all(
        isinstance(w, int) and not isinstance(w, bool) and 1 <= w <= MAX_WIDTH for w in widths
    ):
        raise SessionFileError(
            f"the hidden widths {widths!r} are not 1 to {MAX_HIDDEN_LAYERS} whole numbers "
            f"between 1 and {MAX_WIDTH}."
        )
    try:
        architecture = Architecture(tuple(widths), raw.get("activation", "relu"))
    except ValueError as error:
        raise SessionFileError(f"the architecture is invalid: {error}") from error
    config = _dataclass_from(TrainingConfig, settings.get("config"), "training")
    _number(asdict(config), "epochs", 0, MAX_EPOCHS, whole=True)
    _number(asdict(config), "batch_size", 1, 1 << 20, whole=True)
    return spec, transform, architecture, config


def _prefixed(tensors: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}


def restore_playground_state(page: PlaygroundPage, state: PageState) -> None:
    settings, tensors = state.settings, state.tensors
    spec, transform, architecture, config = _playground_settings(settings)
    view = settings.get("view")
    if view not in (FEATURE_PLANE, INPUT_PLANE):
        raise SessionFileError(f"unknown view {view!r} of the cells.")
    weights, initial = _prefixed(tensors, "weights."), _prefixed(tensors, "initial.")
    check_finite(weights, "The trained weights")
    check_finite(initial, "The initial weights")
    columns = []
    for column in _HISTORY_COLUMNS:
        tensor = tensors.get(f"history.{column}")
        if tensor is None or tensor.dim() != 1:
            raise SessionFileError(f"the training history's {column} is missing.")
        columns.append(tensor.numpy().copy())
    if len({len(c) for c in columns}) != 1 or len(columns[0]) == 0:
        raise SessionFileError("the training history's columns differ in length.")
    history = TrainingHistory(
        columns[0].astype(np.int64), *(c.astype(np.float64) for c in columns[1:])
    )
    epoch = _number(settings, "epoch", 0, 1e12, whole=True)
    step = _number(settings, "step", 0, 1e15, whole=True)
    try:
        page.controller.restore_run(
            spec,
            transform,
            view,
            architecture,
            config,
            initial_state=initial,
            state=weights,
            epoch=epoch,
            step=step,
            history=history,
        )
    except (RuntimeError, KeyError, ValueError) as error:
        if isinstance(error, SessionFileError):
            raise
        raise SessionFileError(
            f"the saved weights do not fit the saved architecture ({str(error).splitlines()[0]})."
        ) from error
    page.show_restored_settings(
        colour_by=settings.get("colour_by"), test_points=settings.get("test_points")
    )


# -- Volume ---------------------------------------------------------------------------------


def save_volume_state(page: VolumePage) -> PageState:
    c = page.controller
    return PageState(
        {
            "dimension": c.dimension,
            "distance_dimension": c.distance_dimension,
            "scan_position": c.scan_position,
            "monte_carlo_samples": int(page.samples_box.currentData()),
        }
    )


def restore_volume_state(page: VolumePage, state: PageState) -> None:
    settings = state.settings
    dimension = _number(settings, "dimension", 1, D_MAX, whole=True)
    scan = _number(settings, "scan_position", 0.0, 1.0)
    distance = settings.get("distance_dimension")
    if distance not in DISTANCE_DIMENSIONS:
        raise SessionFileError(f"distance_dimension must be one of {DISTANCE_DIMENSIONS}.")
    samples = settings.get("monte_carlo_samples")
    if samples not in MONTE_CARLO_SAMPLES:
        raise SessionFileError(f"monte_carlo_samples must be one of {MONTE_CARLO_SAMPLES}.")
    c = page.controller
    c.set_dimension(dimension)
    c.set_scan_position(scan)
    c.set_distance_dimension(distance)
    page.samples_box.setCurrentIndex(page.samples_box.findData(samples))


# -- Hulls ----------------------------------------------------------------------------------


def save_hulls_state(page: HullsPage) -> PageState:
    seed, point = page.first_scene
    return PageState(
        {"seed": seed, "test_point": [float(v) for v in point], "experiment": page.experiment}
    )


def restore_hulls_state(page: HullsPage, state: PageState) -> None:
    """The training set's seed, the test point and the experiment tab (experiments rerun
    in seconds: their results are not kept)."""
    settings = state.settings
    seed = _number(settings, "seed", 0, 2**31 - 1, whole=True)
    point = _point(settings.get("test_point"), "The test point")
    if point is None or max(abs(v) for v in point) > 1e6:
        raise SessionFileError(f"the test point {point!r} is missing or far off the plot.")
    keys = [spec.key for spec in EXPERIMENTS]
    experiment = settings.get("experiment", keys[0])
    if experiment not in keys:
        raise SessionFileError(f"unknown experiment {experiment!r}; expected one of {keys}.")
    page.show_session(seed, point, experiment)
