"""The Hulls page, as the window's registry knows it."""

from __future__ import annotations

from app.hulls.export import hulls_first_result, hulls_readiness, hulls_targets
from app.hulls.page import HullsPage
from app.hulls.preset import apply_hulls_preset, check_hulls_preset
from app.hulls.session import restore_hulls_state, save_hulls_state
from app.hulls.state import HullsState
from app.page_spec import PageSpec

HULLS = PageSpec(
    key="hulls",
    title="Hulls",
    session_key="hulls",
    factory=HullsPage,
    save_state=save_hulls_state,
    restore_state=restore_hulls_state,
    check_preset=check_hulls_preset,
    apply_preset=apply_hulls_preset,
    export_targets=hulls_targets,
    readiness=hulls_readiness,
    first_result=hulls_first_result,
    state_type=HullsState,
)
