"""The Playground page, as the window's registry knows it."""

from __future__ import annotations

from app.page_spec import PageSpec, ScreenshotDemo
from app.playground.export import (
    playground_first_result,
    playground_readiness,
    playground_targets,
)
from app.playground.page import PlaygroundPage
from app.playground.preset import apply_playground_preset, check_playground_preset
from app.playground.session import restore_playground_state, save_playground_state
from app.playground.state import PlaygroundState

PLAYGROUND = PageSpec(
    key="playground",
    title="Playground",
    session_key="playground",
    factory=PlaygroundPage,
    save_state=save_playground_state,
    restore_state=restore_playground_state,
    check_preset=check_playground_preset,
    apply_preset=apply_playground_preset,
    export_targets=playground_targets,
    readiness=playground_readiness,
    first_result=playground_first_result,
    state_type=PlaygroundState,
    demo=ScreenshotDemo("training", lambda page: page.controller.play(), wait_again=True),
)
