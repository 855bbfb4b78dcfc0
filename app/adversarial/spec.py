"""The Adversarial page, as the window's registry knows it."""

from __future__ import annotations

from app.adversarial.export import adversarial_readiness, adversarial_targets
from app.adversarial.page import AdversarialPage
from app.adversarial.preset import apply_adversarial_preset, check_adversarial_preset
from app.adversarial.session import restore_adversarial_state, save_adversarial_state
from app.adversarial.state import AdversarialState
from app.page_spec import PageSpec

ADVERSARIAL = PageSpec(
    key="adversarial",
    title="Adversarial",
    session_key="adversarial",
    factory=AdversarialPage,
    save_state=save_adversarial_state,
    restore_state=restore_adversarial_state,
    check_preset=check_adversarial_preset,
    apply_preset=apply_adversarial_preset,
    export_targets=adversarial_targets,
    readiness=adversarial_readiness,
    state_type=AdversarialState,
)
