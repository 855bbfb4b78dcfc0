"""The Adversarial page's presets.

Settings: ``digit`` (a test digit, 0 to 358), ``norm`` (``"l2"`` or ``"linf"``),
``max_cells`` (one of the page's budgets). Missing ones take their defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.adversarial.page import AdversarialPage
from app.adversarial.state import AdversarialState
from app.state.fields import from_settings, only_fields

_FIELDS = {"digit", "norm", "max_cells"}


def _preset_state(settings: Mapping[str, Any]) -> AdversarialState:
    only_fields(settings, _FIELDS, "adversarial settings")
    return from_settings(AdversarialState, settings, "adversarial")


def check_adversarial_preset(settings: Mapping[str, Any]) -> None:
    """Raise ValueError naming the first setting that is unknown or out of range."""
    _preset_state(settings)


def apply_adversarial_preset(page: AdversarialPage, settings: Mapping[str, Any]) -> None:
    """Show the preset's digit, norm and budget (which starts their search)."""
    page.controller.set_state(_preset_state(settings))
