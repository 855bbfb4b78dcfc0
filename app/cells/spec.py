"""The Cells page, as the window's registry knows it."""

from __future__ import annotations

from app.cells.demo import stage_probe_demo
from app.cells.export import cells_readiness, cells_targets
from app.cells.page import DEFAULT_BOUNDS, CellsPage
from app.cells.preset import apply_cells_preset, check_cells_preset
from app.cells.session import restore_cells_state, save_cells_state
from app.cells.state import CellsState
from app.page_spec import PageSpec, ScreenshotDemo


def show_network(page: CellsPage, model, bounds, plane) -> None:
    """Show ``model``'s cells in ``bounds`` (None: the default square) on ``plane``."""
    page.set_network(model, DEFAULT_BOUNDS if bounds is None else bounds, plane=plane)


CELLS = PageSpec(
    key="cells",
    title="Cells",
    session_key="cells",
    factory=CellsPage,
    save_state=save_cells_state,
    restore_state=restore_cells_state,
    check_preset=check_cells_preset,
    apply_preset=apply_cells_preset,
    export_targets=cells_targets,
    readiness=cells_readiness,
    set_layers=lambda page, layers: page.controller.set_layers(layers),
    layer_count=lambda page: page.controller.n_layers,
    view_actions=lambda page: page.view_actions(),
    status=lambda page: page.status_changed,
    show_network=show_network,
    state_type=CellsState,
    demo=ScreenshotDemo("probe", stage_probe_demo),
)
