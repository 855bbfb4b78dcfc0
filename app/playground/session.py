"""What the Playground page keeps in a session, and how it comes back.

The settings are the page's :class:`PlaygroundState`, written under the keys older
files use (``dataset``, ``transform``, ``view``, ``architecture``, ``config``,
``colour_by``, ``test_points``; newer ones add ``distance_disc`` and ``disc_norm``) beside
the run's ``epoch`` and ``step``; the tensors are the weights, the initial weights (what
Reset goes back to) and the training history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import numpy as np

from app.playground.page import PlaygroundPage
from app.playground.state import PlaygroundState, config_fields, dataset_fields
from app.state.fields import whole
from engine.session_file import PageState, SessionFileError, check_finite
from engine.training_settings import TrainingHistory

if TYPE_CHECKING:
    import torch

_HISTORY_COLUMNS = ("epoch", "train_loss", "test_loss", "train_score", "test_score")


def save_playground_state(page: PlaygroundPage) -> PageState:
    """The page's settings, its run's epoch and step, weights and history."""
    import torch  # sessions hold tensors; the page's first cells need no torch

    c = page.controller
    state, snapshot = c.state, c.snapshot
    tensors = {f"weights.{k}": v.detach().clone() for k, v in snapshot.state.items()}
    tensors.update({f"initial.{k}": v.detach().clone() for k, v in c.initial_state.items()})
    for column in _HISTORY_COLUMNS:
        tensors[f"history.{column}"] = torch.from_numpy(np.array(getattr(snapshot.history, column)))
    settings = {
        "dataset": asdict(state.dataset_spec),
        "transform": state.transform,
        "view": state.view,
        "architecture": {"widths": list(state.widths), "activation": state.activation},
        "config": asdict(state.config),
        "epoch": snapshot.epoch,
        "step": snapshot.step,
        "colour_by": state.colour_by,
        "test_points": state.test_points,
        "distance_disc": state.distance_disc,
        "disc_norm": state.disc_norm,
    }
    return PageState(settings, tensors)


def _section(settings: Mapping[str, Any], key: str, what: str) -> Mapping[str, Any]:
    section = settings.get(key)
    if not isinstance(section, dict):
        raise SessionFileError(f"the {what} settings are missing.")
    return section


def playground_session_state(
    settings: Mapping[str, Any], current: PlaygroundState
) -> PlaygroundState:
    """The state a session's settings describe; raises ValueError naming a bad one.

    Fields a data set or training object lacks take their defaults (unknown ones, a
    newer version's, are ignored); a session without ``colour_by``, ``test_points`` or the
    disc's settings keeps ``current``'s.
    """
    architecture = settings.get("architecture")
    if not isinstance(architecture, dict) or "widths" not in architecture:
        raise SessionFileError("the architecture (hidden widths) is missing.")
    display = {
        k: settings.get(k, getattr(current, k))
        for k in ("colour_by", "test_points", "distance_disc", "disc_norm")
    }
    return PlaygroundState(
        **dataset_fields(_section(settings, "dataset", "data set")),
        transform=settings.get("transform"),
        view=settings.get("view"),
        widths=architecture["widths"],
        activation=architecture.get("activation", "relu"),
        **config_fields(_section(settings, "config", "training")),
        **display,
    )


def _prefixed(tensors: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}


def _history(tensors: dict[str, torch.Tensor]) -> TrainingHistory:
    columns = []
    for column in _HISTORY_COLUMNS:
        tensor = tensors.get(f"history.{column}")
        if tensor is None or tensor.dim() != 1:
            raise SessionFileError(f"the training history's {column} is missing.")
        columns.append(tensor.numpy().copy())
    if len({len(c) for c in columns}) != 1 or len(columns[0]) == 0:
        raise SessionFileError("the training history's columns differ in length.")
    return TrainingHistory(
        columns[0].astype(np.int64), *(c.astype(np.float64) for c in columns[1:])
    )


def restore_playground_state(page: PlaygroundPage, state: PageState) -> None:
    """Show a saved run; raises ValueError, changing nothing, for bad settings or weights."""
    settings, tensors = state.settings, state.tensors
    controller = page.controller
    chosen = playground_session_state(settings, controller.state)
    weights, initial = _prefixed(tensors, "weights."), _prefixed(tensors, "initial.")
    check_finite(weights, "The trained weights")
    check_finite(initial, "The initial weights")
    history = _history(tensors)
    epoch = whole(settings.get("epoch"), "epoch", 0, 1e12)
    step = whole(settings.get("step"), "step", 0, 1e15)
    try:
        controller.restore_run(
            chosen,
            initial_weights=initial,
            weights=weights,
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
