"""What the Volume page keeps in a session: its state object, as plain JSON values."""

from __future__ import annotations

from dataclasses import asdict

from app.state.fields import from_settings
from app.volume.page import VolumePage
from app.volume.state import VolumeState
from engine.session_file import PageState


def save_volume_state(page: VolumePage) -> PageState:
    """The dimension, distance dimension, scan position and Monte-Carlo sample count."""
    return PageState(asdict(page.controller.state))


def restore_volume_state(page: VolumePage, state: PageState) -> None:
    """Show saved settings; raises ValueError, changing nothing, for bad ones (missing ones
    keep their defaults)."""
    page.controller.set_state(from_settings(VolumeState, state.settings, "volume"))
