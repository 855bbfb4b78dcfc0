"""The Extrapolation page, as the window's registry knows it."""

from __future__ import annotations

from app.extrapolation.export import extrapolation_readiness, extrapolation_targets
from app.extrapolation.page import ExtrapolationPage
from app.extrapolation.preset import apply_extrapolation_preset, check_extrapolation_preset
from app.extrapolation.session import restore_extrapolation_state, save_extrapolation_state
from app.extrapolation.state import ExtrapolationState
from app.page_spec import PageSpec

EXTRAPOLATION = PageSpec(
    key="extrapolation",
    title="Extrapolation",
    session_key="extrapolation",
    factory=ExtrapolationPage,
    save_state=save_extrapolation_state,
    restore_state=restore_extrapolation_state,
    check_preset=check_extrapolation_preset,
    apply_preset=apply_extrapolation_preset,
    export_targets=extrapolation_targets,
    readiness=extrapolation_readiness,
    state_type=ExtrapolationState,
)
