"""What the Jigsaw page keeps in a session: its state object, as plain JSON values."""

from __future__ import annotations

from dataclasses import asdict

from app.jigsaw.page import JigsawPage
from app.jigsaw.state import JigsawState
from app.state.fields import from_settings
from engine.session_file import PageState


def save_jigsaw_state(page: JigsawPage) -> PageState:
    """The data set, network, training, layer and projection settings."""
    return PageState(asdict(page.controller.state))


def restore_jigsaw_state(page: JigsawPage, state: PageState) -> None:
    """Show saved settings; raises ValueError, changing nothing, for bad ones (missing ones
    keep their defaults)."""
    page.controller.set_state(from_settings(JigsawState, state.settings, "jigsaw"))
