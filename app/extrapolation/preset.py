"""The Extrapolation page's presets.

Settings: any field of :class:`app.extrapolation.state.ExtrapolationState`
(``function``, ``widths``, ``degree``, ``train_low``, ``train_high``, ``seed``,
``epochs``, ``points``). Missing ones take their defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from app.extrapolation.page import ExtrapolationPage
from app.extrapolation.state import ExtrapolationState
from app.state.fields import from_settings, only_fields

_FIELDS = {f.name for f in fields(ExtrapolationState)}


def _preset_state(settings: Mapping[str, Any]) -> ExtrapolationState:
    only_fields(settings, _FIELDS, "extrapolation settings")
    return from_settings(ExtrapolationState, settings, "extrapolation")


def check_extrapolation_preset(settings: Mapping[str, Any]) -> None:
    """Raise ValueError naming the first setting that is unknown or out of range."""
    _preset_state(settings)


def apply_extrapolation_preset(page: ExtrapolationPage, settings: Mapping[str, Any]) -> None:
    """Show the preset's settings (the fits start at once)."""
    page.controller.set_state(_preset_state(settings))
