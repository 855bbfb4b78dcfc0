"""The Hulls page's presets.

Settings: ``seed`` (the planar training set), ``test_point`` ``[x, y]``, ``experiment``
(the key of the experiment tab to show), ``run`` (start it at once). Missing ones take
their defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.hulls.page import HullsPage
from app.hulls.state import HullsState
from app.state.fields import flag, from_settings, only_fields

_FIELDS = {"seed", "test_point", "experiment", "run"}


def _preset_state(settings: Mapping[str, Any]) -> HullsState:
    only_fields(settings, _FIELDS, "hulls settings")
    flag(settings.get("run", False), "run")
    return from_settings(HullsState, settings, "hulls")


def check_hulls_preset(settings: Mapping[str, Any]) -> None:
    """Raise ValueError naming the first setting that is unknown or out of range."""
    _preset_state(settings)


def apply_hulls_preset(page: HullsPage, settings: Mapping[str, Any]) -> None:
    """Show the preset's training set, test point and tab; run the experiment if asked."""
    state = _preset_state(settings)
    page.controller.set_state(state)
    page.start()  # the first scene, when the page has not been shown yet (idempotent)
    if settings.get("run", False) and not page.controller.is_running(state.experiment):
        page.controller.run_experiment(state.experiment)
