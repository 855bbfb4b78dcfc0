"""What the playground page keeps in a session, and how it comes back."""

from __future__ import annotations

from dataclasses import asdict, fields

import numpy as np
import torch

from app.playground.page import PlaygroundPage
from app.state.fields import number, whole
from engine.datasets import DATASETS, MAX_CLASSES, DatasetSpec
from engine.features import FEATURE_PLANE, FEATURE_TRANSFORMS, INPUT_PLANE
from engine.session_file import PageState, SessionFileError, check_finite
from engine.training import Architecture, TrainingConfig, TrainingHistory
from widgets.playground.controls import MAX_HIDDEN_LAYERS, MAX_WIDTH

#: Largest data set a session may ask the Playground to draw (the Points control's range).
MAX_SAMPLES = 4000

MAX_EPOCHS = 100_000

_HISTORY_COLUMNS = ("epoch", "train_loss", "test_loss", "train_score", "test_score")


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
    whole(dataset.get("n_samples"), "n_samples", 20, MAX_SAMPLES)
    whole(dataset.get("n_classes"), "n_classes", 2, MAX_CLASSES)
    number(dataset.get("noise"), "noise", 0.0, 1.0)
    number(dataset.get("test_fraction"), "test_fraction", 0.05, 0.95)
    whole(dataset.get("seed"), "seed", 0, 2**31)
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
    whole(asdict(config).get("epochs"), "epochs", 0, MAX_EPOCHS)
    whole(asdict(config).get("batch_size"), "batch_size", 1, 1 << 20)
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
    epoch = whole(settings.get("epoch"), "epoch", 0, 1e12)
    step = whole(settings.get("step"), "step", 0, 1e15)
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
