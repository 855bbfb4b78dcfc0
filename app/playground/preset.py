"""The Playground page's presets: the settings a preset may give, checked and applied.

Settings: ``dataset`` (:class:`engine.datasets.DatasetSpec` fields), ``features``
(``transform``, ``view``: ``"feature"`` unless given), ``architecture`` (``widths``,
``activation``), ``training`` (:class:`engine.training.TrainingConfig` fields),
``colour_by`` (``"class"`` unless given) and ``play`` (start training). Missing fields
take their defaults; whether test points are shown is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.playground.page import PlaygroundPage
from app.playground.state import (
    CONFIG_FIELDS,
    DATASET_FIELDS,
    PlaygroundState,
    config_fields,
    dataset_fields,
)
from app.state.fields import flag, only_fields
from engine.datasets import DatasetSpec
from engine.training_settings import Architecture, TrainingConfig

_FIELDS = {"dataset", "features", "architecture", "training", "colour_by", "play"}


def _section(settings: Mapping[str, Any], key: str, allowed: object) -> Mapping[str, Any]:
    return only_fields(settings.get(key, {}), allowed, key)


def playground_preset_state(
    settings: Mapping[str, Any], test_points: bool = True
) -> PlaygroundState:
    """The state a preset's settings describe; raises ValueError naming a bad one."""
    only_fields(settings, _FIELDS, "playground settings")
    flag(settings.get("play", False), "play")
    features = _section(settings, "features", {"transform", "view"})
    network = _section(settings, "architecture", {"widths", "activation"})
    return PlaygroundState(
        **dataset_fields(_section(settings, "dataset", DATASET_FIELDS.values())),
        transform=features.get("transform", "raw"),
        view=features.get("view", "feature"),
        widths=network.get("widths", (8, 8)),
        activation=network.get("activation", "relu"),
        **config_fields(_section(settings, "training", CONFIG_FIELDS)),
        colour_by=settings.get("colour_by", "class"),
        test_points=test_points,
    )


def playground_settings(
    settings: Mapping[str, Any],
) -> tuple[DatasetSpec, str, str, Architecture, TrainingConfig]:
    """The data set, transform, view, architecture and training of a playground preset."""
    state = playground_preset_state(settings)
    return state.dataset_spec, state.transform, state.view, state.architecture, state.config


def check_playground_preset(settings: Mapping[str, Any]) -> None:
    """Raise ValueError naming the first setting that is unknown or out of range."""
    playground_preset_state(settings)


def apply_playground_preset(page: PlaygroundPage, settings: Mapping[str, Any]) -> None:
    """Pause, show the preset's settings (a fresh network), then train if it says so."""
    controller = page.controller
    state = playground_preset_state(settings, controller.state.test_points)
    controller.pause()
    controller.set_state(state)
    if settings.get("play", False):
        controller.play()
