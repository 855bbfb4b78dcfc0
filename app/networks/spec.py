"""The Networks page, as the window's registry knows it."""

from __future__ import annotations

from app.networks.export import networks_readiness, networks_targets
from app.networks.page import NetworksPage
from app.networks.preset import apply_networks_preset, check_networks_preset
from app.networks.session import restore_networks_state, save_networks_state
from app.networks.state import NetworksState
from app.page_spec import PageSpec

NETWORKS = PageSpec(
    key="networks",
    title="Networks",
    session_key="networks",
    factory=NetworksPage,
    save_state=save_networks_state,
    restore_state=restore_networks_state,
    check_preset=check_networks_preset,
    apply_preset=apply_networks_preset,
    export_targets=networks_targets,
    readiness=networks_readiness,
    state_type=NetworksState,
    set_layers=lambda page, layers: page.controller.update(layers=layers),
    layer_count=lambda page: page.controller.n_layers,
    status=lambda page: page.status_changed,
)
