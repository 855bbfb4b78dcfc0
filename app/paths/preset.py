"""The Paths page's presets.

Settings: ``latent_dim`` (one of the page's latent dimensions) and ``classes`` (two digit
classes ``[a, b]``: the path runs from the first held-out image of ``a`` to the first of
``b``, the first two for one class twice; they also become Random pair's classes).
Missing ones take their defaults; the page's data, training settings, gallery and third
point are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from app.paths.page import PathsPage
from app.paths.state import CLASSES, LATENT_DIMS, PathsState
from app.state.fields import SettingError, only_fields, whole

_FIELDS = {"latent_dim", "classes"}
_DEFAULT_CLASSES = [4, 7]


def _preset_changes(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The state's fields a preset sets (checked against the state's limits)."""
    only_fields(settings, _FIELDS, "paths settings")
    classes = settings.get("classes", _DEFAULT_CLASSES)
    if not isinstance(classes, list) or len(classes) != 2:
        raise SettingError(f"classes must be two digits [a, b] from 0 to 9, got {classes!r}")
    changes = {
        "latent_dim": settings.get("latent_dim", LATENT_DIMS[0]),
        "random_classes": tuple(whole(c, "classes", CLASSES[0], CLASSES[-1]) for c in classes),
    }
    PathsState(**changes)  # raises for anything out of range
    return changes


def check_paths_preset(settings: Mapping[str, Any]) -> None:
    """Raise ValueError naming the first setting that is unknown or out of range."""
    _preset_changes(settings)


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


def apply_paths_preset(page: PathsPage, settings: Mapping[str, Any]) -> None:
    """Show the preset's latent dimension and the pair of its classes (training the
    models if needed). The pair is chosen among the held-out images, so the data is read
    first if the page has not read it yet."""
    changes = _preset_changes(settings)
    controller = page.controller
    source = controller.source or controller.read_source_now()
    a, b = paths_pair(source.test.labels, list(changes["random_classes"]))
    controller.set_state(replace(controller.state, **changes, image_a=a, image_b=b))
