"""What the Adversarial page keeps in a session: its state object, as plain JSON values."""

from __future__ import annotations

from dataclasses import asdict

from app.adversarial.page import AdversarialPage
from app.adversarial.state import AdversarialState
from app.state.fields import from_settings
from engine.session_file import PageState


def save_adversarial_state(page: AdversarialPage) -> PageState:
    """The test digit, the norm and the cell budget."""
    return PageState(asdict(page.controller.state))


def restore_adversarial_state(page: AdversarialPage, state: PageState) -> None:
    """Show saved settings; raises ValueError, changing nothing, for bad ones."""
    page.controller.set_state(from_settings(AdversarialState, state.settings, "adversarial"))
