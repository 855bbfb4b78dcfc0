"""What the Extrapolation page keeps in a session: its state object, as plain JSON values."""

from __future__ import annotations

from dataclasses import asdict

from app.extrapolation.page import ExtrapolationPage
from app.extrapolation.state import ExtrapolationState
from app.state.fields import from_settings
from engine.session_file import PageState


def save_extrapolation_state(page: ExtrapolationPage) -> PageState:
    """The function, widths, degree, training range, seed, epochs and points."""
    settings = asdict(page.controller.state)
    settings["widths"] = list(settings["widths"])
    settings["points"] = [list(p) for p in settings["points"]]
    return PageState(settings)


def restore_extrapolation_state(page: ExtrapolationPage, state: PageState) -> None:
    """Show saved settings; raises ValueError, changing nothing, for bad ones (missing ones
    keep their defaults)."""
    page.controller.set_state(from_settings(ExtrapolationState, state.settings, "extrapolation"))
