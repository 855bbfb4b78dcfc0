"""The cells3d page's presets: the settings a preset may give, checked and applied."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QWidget

from app.state.fields import only_fields as _only
from engine.datasets import DATASETS_3D


def check_cells3d_preset(settings: Mapping[str, Any]) -> None:
    _only(settings, {"dataset", "seed", "colour_by"}, "cells3d settings")
    if settings.get("dataset", "xor_3d") not in DATASETS_3D:
        raise ValueError(f"dataset must be one of {', '.join(DATASETS_3D)}")
    if not isinstance(settings.get("seed", 0), int):
        raise ValueError("seed must be an integer")
    if settings.get("colour_by", "pattern") not in ("pattern", "class"):
        raise ValueError("colour_by must be 'pattern' or 'class'")


def apply_cells3d_preset(page: QWidget, settings: Mapping[str, Any]) -> None:
    page.start()  # idempotent; else the first show would train the default data set
    dataset = str(settings.get("dataset", "xor_3d"))
    with QSignalBlocker(page.dataset_combo):
        page.dataset_combo.setCurrentIndex(page.dataset_combo.findData(dataset))
    page.colour_combo.setCurrentIndex(
        page.colour_combo.findData(str(settings.get("colour_by", "pattern")))
    )
    page.controller.train(dataset, seed=int(settings.get("seed", 0)))
