"""The Jigsaw page's presets.

Settings: every field of :class:`app.jigsaw.state.JigsawState` (``dataset``, ``depth``,
``width``, ``activation``, ``epochs``, ``seed``, ``layer``, ``projection``, ``unit_x``,
``unit_y``, ``unit_z``, ``show_folds``, ``dimensions``). Missing ones take their defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from app.jigsaw.page import JigsawPage
from app.jigsaw.state import JigsawState
from app.state.fields import from_settings, only_fields

_FIELDS = {f.name for f in fields(JigsawState)}


def _preset_state(settings: Mapping[str, Any]) -> JigsawState:
    only_fields(settings, _FIELDS, "jigsaw settings")
    return from_settings(JigsawState, settings, "jigsaw")


def check_jigsaw_preset(settings: Mapping[str, Any]) -> None:
    """Raise ValueError naming the first setting that is unknown or out of range."""
    _preset_state(settings)


def apply_jigsaw_preset(page: JigsawPage, settings: Mapping[str, Any]) -> None:
    """Show the preset's settings (training the network they name)."""
    page.controller.set_state(_preset_state(settings))
