"""What the Hulls page keeps in a session: the training set's seed, the test point and the
experiment tab (experiments rerun in seconds: their results are not kept)."""

from __future__ import annotations

from dataclasses import asdict

from app.hulls.page import HullsPage
from app.hulls.state import HullsState
from app.state.fields import from_settings
from engine.session_file import PageState


def save_hulls_state(page: HullsPage) -> PageState:
    """The page's state as plain JSON values (the test point as a list)."""
    settings = asdict(page.controller.state)
    settings["test_point"] = list(settings["test_point"])
    return PageState(settings)


def restore_hulls_state(page: HullsPage, state: PageState) -> None:
    """Show saved settings; raises ValueError, changing nothing, for bad ones (missing ones
    keep their defaults)."""
    page.controller.set_state(from_settings(HullsState, state.settings, "hulls"))
