"""What the Networks page keeps in a session: its state object, as plain JSON values.

The network itself is not saved: a session shows its settings on the network the page
shows (the shipped digits CNN unless another was imported).
"""

from __future__ import annotations

from dataclasses import asdict

from app.networks.page import NetworksPage
from app.networks.state import NetworksState
from app.state.fields import from_settings
from engine.session_file import PageState


def save_networks_state(page: NetworksPage) -> PageState:
    """The anchors, colour mode, margin, domain and layers."""
    settings = asdict(page.controller.state)
    settings["anchors"] = list(settings["anchors"])
    return PageState(settings)


def restore_networks_state(page: NetworksPage, state: PageState) -> None:
    """Show saved settings; raises ValueError, changing nothing, for bad ones (missing ones
    keep their defaults; the layer count is the shown network's)."""
    current = page.controller.state
    page.controller.set_state(
        from_settings(NetworksState, state.settings, "networks", n_layers=current.n_layers)
    )
