"""Every animation records figures, as the stills do: no button, slider, progress bar or
other control is in any widget its frames are drawn from."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QWidget,
)

import app.export.targets as targets
from app.export.animation import AnimationRecorder
from app.export.catalogue import export_targets, page_readiness
from app.export.formats import ExportOptions, ImageSize
from app.export.ready import when_ready
from app.export.targets import ExportAnimation
from app.registry import PAGES

CONTROLS = (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QProgressBar,
)
RECORD_MS = 240_000


def controls_in(widget: QWidget) -> list[str]:
    """The controls shown inside ``widget`` (or ``widget`` itself), named for a message."""
    found = [w for w in widget.findChildren(QWidget) if isinstance(w, CONTROLS)]
    if isinstance(widget, CONTROLS):
        found.append(widget)
    return [
        f"{type(w).__name__} {w.objectName() or getattr(w, 'text', lambda: '')()!r}"
        for w in found
        if w is widget or w.isVisibleTo(widget)
    ]


def test_controls_in_sees_a_button(qtbot):
    holder = QWidget()
    QPushButton("Play", holder).setObjectName("play")
    assert controls_in(holder) == ["QPushButton 'play'"]


@pytest.mark.timeout(900)
def test_no_animation_frame_shows_a_control(main_window, qtbot, tmp_path, monkeypatch):
    window = main_window
    drawn: dict[str, list[QWidget]] = {}
    current = [""]
    draw = targets.render_widget

    def recording_draw(widget, *args, **kwargs):
        drawn.setdefault(current[0], []).append(widget)
        return draw(widget, *args, **kwargs)

    monkeypatch.setattr(targets, "render_widget", recording_draw)
    animations = []
    for spec in PAGES:
        page = window.page(spec.key)
        for target in export_targets(page, spec.key):
            if isinstance(target, ExportAnimation):
                animations.append((spec.key, target))
    assert len(animations) >= 6  # cells x2, cells3d x2, playground, volume

    for key, animation in animations:
        page = window.page(key)
        window.pages.setCurrentWidget(page)
        ready: list[bool] = []
        when_ready(page_readiness(page, key), lambda r=ready: r.append(True), print, window)
        qtbot.waitUntil(lambda r=ready: bool(r), timeout=RECORD_MS)
        if key == "playground":  # a short training run: two frames of it
            page.controller.set_config(replace(page.controller.config, epochs=4))
        current[0] = animation.name
        recorder = AnimationRecorder(
            animation,
            ExportOptions(tmp_path / f"{animation.name}.gif", ImageSize(0.3), frames=2),
            window,
        )
        with qtbot.waitSignal(recorder.finished, timeout=RECORD_MS, raising=True):
            recorder.start()
        for widget in drawn.get(animation.name, []):
            assert controls_in(widget) == [], (animation.name, controls_in(widget))
    # The widget-drawn animations were seen (cells-layers draws its exact figure instead).
    assert {"volume-scan", "playground-training", "cells3d-probe"} <= set(drawn)
