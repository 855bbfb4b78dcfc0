"""The Jigsaw page, as the window's registry knows it."""

from __future__ import annotations

from app.jigsaw.export import jigsaw_readiness, jigsaw_targets, stage_hover_demo
from app.jigsaw.page import JigsawPage
from app.jigsaw.preset import apply_jigsaw_preset, check_jigsaw_preset
from app.jigsaw.session import restore_jigsaw_state, save_jigsaw_state
from app.jigsaw.state import JigsawState
from app.page_spec import PageSpec, ScreenshotDemo

JIGSAW = PageSpec(
    key="jigsaw",
    title="Jigsaw",
    session_key="jigsaw",
    factory=JigsawPage,
    save_state=save_jigsaw_state,
    restore_state=restore_jigsaw_state,
    check_preset=check_jigsaw_preset,
    apply_preset=apply_jigsaw_preset,
    export_targets=jigsaw_targets,
    readiness=jigsaw_readiness,
    state_type=JigsawState,
    demo=ScreenshotDemo("hover", stage_hover_demo),
)
