"""The hulls page's presets: the settings a preset may give, checked and applied."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtWidgets import QWidget

from app.hulls.controller import EXPERIMENTS
from app.state.fields import only_fields as _only


def check_hulls_preset(settings: Mapping[str, Any]) -> None:
    _only(settings, {"seed", "test_point", "experiment", "run"}, "hulls settings")
    keys = [spec.key for spec in EXPERIMENTS]
    if settings.get("experiment", keys[0]) not in keys:
        raise ValueError(f"experiment must be one of {', '.join(keys)}")
    point = settings.get("test_point", [0.35, 0.2])
    if (
        not isinstance(point, list)
        or len(point) != 2
        or not all(isinstance(v, (int, float)) for v in point)
    ):
        raise ValueError(f"test_point must be [x, y], got {point!r}")
    if not isinstance(settings.get("seed", 0), int):
        raise ValueError("seed must be an integer")
    if not isinstance(settings.get("run", False), bool):
        raise ValueError("run must be true or false")


def apply_hulls_preset(page: QWidget, settings: Mapping[str, Any]) -> None:
    page.start()  # the first scene, when the page has not been shown yet (idempotent)
    page.controller.new_scene(seed=int(settings.get("seed", 0)))
    page.canvas.move_test_point(*(float(v) for v in settings.get("test_point", [0.35, 0.2])))
    keys = [spec.key for spec in EXPERIMENTS]
    key = settings.get("experiment", keys[0])
    page.experiments.setCurrentIndex(keys.index(key))
    if settings.get("run", False) and not page.controller.is_running(key):
        page.controller.run_experiment(key)
