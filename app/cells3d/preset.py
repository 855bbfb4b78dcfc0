"""The Cells 3D page's presets.

Settings: ``dataset`` (a 3-D data set to train the page's network on, default
``xor_3d``), ``seed`` (of the data set and the training, default 0), ``colour_by``
(``pattern`` or ``class``, default ``pattern``). Applying one trains a fresh network;
the page's other settings are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.cells3d.page import Cells3DPage
from app.cells3d.state import Cells3DState
from app.state.fields import only_fields

_FIELDS = ("dataset", "seed", "colour_by")
#: What a preset that does not say trains on and shows.
_DEFAULTS = {"dataset": "xor_3d", "seed": 0, "colour_by": "pattern"}


def _preset_changes(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The state fields ``settings`` set, checked by the state (ValueError naming the
    first that is unknown or out of range)."""
    only_fields(settings, _FIELDS, "cells3d settings")
    changes = {name: settings.get(name, _DEFAULTS[name]) for name in _FIELDS}
    checked = Cells3DState(**changes)
    return {name: getattr(checked, name) for name in _FIELDS}


def check_cells3d_preset(settings: Mapping[str, Any]) -> None:
    """Raise ValueError naming the first setting that is unknown or out of range."""
    _preset_changes(settings)


def apply_cells3d_preset(page: Cells3DPage, settings: Mapping[str, Any]) -> None:
    """Show the preset's colours and train on its data set with its seed."""
    changes = _preset_changes(settings)
    page.start()  # idempotent; else the first show would train the default data set
    page.controller.update(**changes)
    page.controller.train_chosen()
