"""The Volume page, as the window's registry knows it."""

from __future__ import annotations

from app.export.ready import Readiness
from app.page_spec import PageSpec
from app.volume.export import volume_readiness, volume_targets
from app.volume.page import VolumePage
from app.volume.preset import apply_volume_preset, check_volume_preset
from app.volume.session import restore_volume_state, save_volume_state
from app.volume.state import VolumeState


def volume_first_result(page: VolumePage) -> Readiness:
    """What a user sees first: the first distance histogram and the Monte-Carlo run's
    first look at every dimension (the run goes on refining; ``readiness`` waits for it)."""
    return Readiness(
        (page.first_look_shown,), lambda: page.first_look_on_screen, (page.controller.failed,)
    )


VOLUME = PageSpec(
    key="volume",
    title="Volume",
    session_key="volume",
    factory=VolumePage,
    save_state=save_volume_state,
    restore_state=restore_volume_state,
    check_preset=check_volume_preset,
    apply_preset=apply_volume_preset,
    export_targets=volume_targets,
    readiness=volume_readiness,
    state_type=VolumeState,
    first_result=volume_first_result,
)
