"""The paths page's presets: the settings a preset may give, checked and applied."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from PySide6.QtWidgets import QWidget

from app.paths.controller import LATENT_DIMS
from app.state.fields import only_fields as _only


def check_paths_preset(settings: Mapping[str, Any]) -> None:
    _only(settings, {"latent_dim", "classes"}, "paths settings")
    latent = settings.get("latent_dim", LATENT_DIMS[0])
    if latent not in LATENT_DIMS:
        raise ValueError(f"latent_dim must be one of {', '.join(map(str, LATENT_DIMS))}")
    classes = settings.get("classes", [4, 7])
    if (
        not isinstance(classes, list)
        or len(classes) != 2
        or any(not isinstance(c, int) or not 0 <= c <= 9 for c in classes)
    ):
        raise ValueError(f"classes must be two digits [a, b] from 0 to 9, got {classes!r}")


def paths_pair(labels: Any, classes: list[int]) -> tuple[int, int]:
    """Test-image indices of a paths preset's ends: the first of each class (or the first
    two, for one class twice), given the (N,) test labels."""
    first = np.flatnonzero(np.asarray(labels) == classes[0])
    second = np.flatnonzero(np.asarray(labels) == classes[1])
    if len(first) == 0 or len(second) < (2 if classes[0] == classes[1] else 1):
        raise ValueError(f"the test images hold too few of classes {classes}")
    a = int(first[0])
    b = int(second[1] if classes[0] == classes[1] else second[0])
    return a, b


def apply_paths_preset(page: QWidget, settings: Mapping[str, Any]) -> None:
    controller = page.controller
    if controller.source is None:
        page.start()  # loads the digits (the page does so on first show)
    latent = int(settings.get("latent_dim", LATENT_DIMS[0]))
    page.latent_combo.setCurrentIndex(page.latent_combo.findData(latent))  # trains if needed
    classes = [int(c) for c in settings.get("classes", [4, 7])]
    for combo, label in zip(page.class_combos, classes, strict=True):
        combo.setCurrentIndex(combo.findData(label))
    a, b = paths_pair(controller.source.test.labels, classes)
    page.pick(a, "A")
    page.pick(b, "B")
