"""The Paths page, as the window's registry knows it."""

from __future__ import annotations

from app.page_spec import PageSpec
from app.paths.export import paths_readiness, paths_targets
from app.paths.page import PathsPage
from app.paths.preset import apply_paths_preset, check_paths_preset
from app.paths.session import restore_paths_state, save_paths_state
from app.paths.state import PathsState

PATHS = PageSpec(
    key="paths",
    title="Paths",
    session_key="paths",
    factory=PathsPage,
    save_state=save_paths_state,
    restore_state=restore_paths_state,
    check_preset=check_paths_preset,
    apply_preset=apply_paths_preset,
    export_targets=paths_targets,
    readiness=paths_readiness,
    state_type=PathsState,
)
