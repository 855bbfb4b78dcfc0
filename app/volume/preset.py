"""The Volume page's presets.

Settings: ``dimension`` (1 to 30), ``distance_dimension`` (one of the page's buttons),
``scan_position`` (0 to 1), ``play_scan`` (start the scan animation). Missing ones take
their defaults; the page's Monte-Carlo sample count is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from app.state.fields import flag, from_settings, only_fields
from app.volume.page import VolumePage
from app.volume.state import VolumeState

_FIELDS = {"dimension", "distance_dimension", "scan_position", "play_scan"}


def _preset_state(settings: Mapping[str, Any]) -> VolumeState:
    only_fields(settings, _FIELDS, "volume settings")
    flag(settings.get("play_scan", False), "play_scan")
    return from_settings(VolumeState, settings, "volume")


def check_volume_preset(settings: Mapping[str, Any]) -> None:
    """Raise ValueError naming the first setting that is unknown or out of range."""
    _preset_state(settings)


def apply_volume_preset(page: VolumePage, settings: Mapping[str, Any]) -> None:
    """Show the preset's settings, then start or stop the scan as it says."""
    controller = page.controller
    state = _preset_state(settings)
    controller.set_state(replace(state, monte_carlo_samples=controller.state.monte_carlo_samples))
    controller.set_playing(bool(settings.get("play_scan", False)))
