"""The playground page's presets: the settings a preset may give, checked and applied."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtWidgets import QWidget

from app.state.fields import only_fields as _only
from engine.datasets import DATASETS, DatasetSpec
from engine.features import FEATURE_TRANSFORMS
from engine.training import Architecture, TrainingConfig


def playground_settings(
    settings: Mapping[str, Any],
) -> tuple[DatasetSpec, str, str, Architecture, TrainingConfig]:
    """The data set, transform, view, architecture and training of a playground preset."""
    spec = DatasetSpec(**settings.get("dataset", {}))
    features = settings.get("features", {})
    transform = str(features.get("transform", "raw"))
    view = str(features.get("view", "feature"))
    network = settings.get("architecture", {})
    architecture = Architecture(
        tuple(int(w) for w in network.get("widths", (8, 8))),
        activation=str(network.get("activation", "relu")),
    )
    config = TrainingConfig(**settings.get("training", {}))
    return spec, transform, view, architecture, config


def check_playground_preset(settings: Mapping[str, Any]) -> None:
    _only(
        settings,
        {"dataset", "features", "architecture", "training", "colour_by", "play"},
        "playground settings",
    )
    spec, transform, view, _architecture, _config = playground_settings(settings)
    if spec.name not in DATASETS:
        raise ValueError(f"unknown data set {spec.name!r}; choose one of {', '.join(DATASETS)}")
    if transform not in FEATURE_TRANSFORMS:
        raise ValueError(
            f"unknown transform {transform!r}; choose one of {', '.join(FEATURE_TRANSFORMS)}"
        )
    if view not in ("feature", "input"):
        raise ValueError(f"view must be 'feature' or 'input', got {view!r}")
    _only(settings.get("architecture", {}), {"widths", "activation"}, "architecture")
    _only(settings.get("features", {}), {"transform", "view"}, "features")
    if settings.get("colour_by", "class") not in ("class", "pattern"):
        raise ValueError("colour_by must be 'class' or 'pattern'")
    if not isinstance(settings.get("play", False), bool):
        raise ValueError("play must be true or false")


def apply_playground_preset(page: QWidget, settings: Mapping[str, Any]) -> None:
    spec, transform, view, architecture, config = playground_settings(settings)
    controller = page.controller
    controller.pause()
    controller.set_dataset(spec)
    controller.set_features(transform, view)
    controller.set_architecture(architecture)
    controller.set_config(config)
    page.controls.show_session(
        controller.dataset_spec,
        controller.transform.name,
        controller.view,
        controller.architecture,
        controller.config,
    )
    page.controls.set_colour_by(str(settings.get("colour_by", "class")))
    if settings.get("play", False):
        controller.play()
