"""The Networks page's presets: the shipped digits CNN sliced through three test digits.

Settings: ``anchors`` (three different test-image indices, 0 to 358), ``colour_mode``
(``"class"`` or ``"pattern"``), ``margin`` (0 to 1), ``domain`` (``"triangle"`` or
``"rectangle"``), ``extent`` (0.005 to 1), ``layers`` (0 to the network's cutting steps).
Missing ones take their defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.networks.page import NetworksPage
from app.networks.state import N_TEST_IMAGES, SHIPPED_LAYERS, NetworksState
from app.state.fields import from_settings, only_fields

_FIELDS = {"anchors", "colour_mode", "margin", "domain", "extent", "layers"}


def _preset_state(
    settings: Mapping[str, Any], n_layers: int, n_images: int = N_TEST_IMAGES
) -> NetworksState:
    only_fields(settings, _FIELDS, "networks settings")
    values = dict(settings)
    values.setdefault("layers", n_layers)
    return from_settings(NetworksState, values, "networks", n_layers=n_layers, n_images=n_images)


def check_networks_preset(settings: Mapping[str, Any]) -> None:
    """Raise ValueError naming the first setting that is unknown or out of range."""
    _preset_state(settings, SHIPPED_LAYERS)


def apply_networks_preset(page: NetworksPage, settings: Mapping[str, Any]) -> None:
    """Show the preset's settings on the page's network."""
    current = page.controller.state
    page.controller.set_state(_preset_state(settings, current.n_layers, current.n_images))
    page.start()
