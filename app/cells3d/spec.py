"""The Cells 3D page, as the window's registry knows it."""

from __future__ import annotations

from app.cells3d.export import cells3d_readiness, cells3d_targets
from app.cells3d.page import Cells3DPage
from app.cells3d.preset import apply_cells3d_preset, check_cells3d_preset
from app.cells3d.session import restore_cells3d_state, save_cells3d_state
from app.cells3d.state import Cells3DState
from app.export.ready import Readiness, after_signal
from app.page_spec import PageSpec


def cells3d_first_result(page: Cells3DPage) -> Readiness:
    """What a user sees first: exact 3-D cells drawn, those of the network that training
    starts from (the training goes on; ``readiness`` waits for its cells)."""
    rule = after_signal(page.partition_shown)
    rule.failures = (page.controller.partition_failed,)
    return rule


CELLS_3D = PageSpec(
    key="cells3d",
    title="Cells 3D",
    session_key="cells_3d",
    factory=Cells3DPage,
    save_state=save_cells3d_state,
    restore_state=restore_cells3d_state,
    check_preset=check_cells3d_preset,
    apply_preset=apply_cells3d_preset,
    export_targets=cells3d_targets,
    readiness=cells3d_readiness,
    set_layers=lambda page, layers: page.controller.set_layers(layers),
    network_requests=lambda page: page.slice_requested,
    state_type=Cells3DState,
    first_result=cells3d_first_result,
)
