"""The Playground's first run drawn without torch: its untrained network's cells are shown
first, the trainer built afterwards takes its place without a redraw (the same weights),
Play before it is there trains once it is, and a trainer whose network differs has its
own cells drawn."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from app.playground import starting_run
from app.playground.controller import PlaygroundController
from app.playground.page import PlaygroundPage
from app.playground.starting_run import DrawnSnapshot
from engine.datasets import DATA_BOUNDS
from engine.partition2d import partition_2d
from tests.cells3d.test_starting_network import _nudged
from tests.playground.shown_playground import TIMEOUT_MS
from tests.shown_page import shown_page


def _drawn_page(qtbot):
    page = PlaygroundPage(PlaygroundController(draw_first=True))
    frames: list = []
    page.frame_shown.connect(frames.append)
    snapshots: list = []
    page.controller.snapshot_received.connect(snapshots.append)
    ready = lambda: len(frames) > 0  # noqa: E731
    shown = shown_page(qtbot, page, (1300, 850), timeout_ms=TIMEOUT_MS, ready=ready)
    return page, frames, snapshots, shown


def test_the_first_cells_are_drawn_then_the_trainer_takes_their_place(qtbot):
    page, frames, snapshots, shown = _drawn_page(qtbot)
    c = page.controller
    first = c.snapshot
    assert isinstance(first, DrawnSnapshot) and len(first.history) == 1
    assert not c.has_trainer
    for _ in shown:
        drawn = frames[0]
        assert drawn.step == 0 and drawn.partition.n_regions > 1
        qtbot.waitUntil(lambda: c.has_trainer and not c.is_busy, timeout=TIMEOUT_MS)
        snapshot = c.snapshot
        assert not isinstance(snapshot, DrawnSnapshot) and snapshot.epoch == 0
        # The same network: one frame, the trainer's epoch-0 scores shown after it.
        assert len(frames) == 1 and c.frame is drawn and snapshots == [snapshot]
        model = snapshot.model()
        expected = partition_2d(model, DATA_BOUNDS)
        assert drawn.partition.n_regions == expected.n_regions > 1
        assert np.array_equal(drawn.partition.vertices, expected.vertices)
        assert np.array_equal(drawn.partition.patterns, expected.patterns)
        assert all(torch.equal(c.initial_state[k], v) for k, v in snapshot.state.items())
        label = page.controls.progress_label.text()
        assert label.startswith("epoch 0 / ") and f"{snapshot.history.test_score[-1]:.1%}" in label


def test_play_before_the_trainer_is_built_trains_once_it_is(qtbot):
    page = PlaygroundPage(PlaygroundController(draw_first=True))
    qtbot.addWidget(page)
    c = page.controller
    assert not c.has_trainer and isinstance(c.snapshot, DrawnSnapshot)
    drawn = c.snapshot
    c.set_config(replace(c.config, epochs=2))
    with qtbot.waitSignal(c.training_changed, timeout=TIMEOUT_MS) as started:
        c.play()
    assert started.args == [True] and c.is_training
    qtbot.waitUntil(lambda: c.snapshot.epoch == 2 and not c.is_training, timeout=TIMEOUT_MS)
    # It trained from the network drawn.
    assert all(torch.equal(drawn.state[k], v) for k, v in c.initial_state.items())
    page.shutdown()


def test_a_trainer_unlike_the_drawn_network_has_its_own_cells_drawn(qtbot, monkeypatch):
    real = starting_run.starting_layers
    monkeypatch.setattr(starting_run, "starting_layers", lambda *args: _nudged(real(*args)))
    page, frames, _, shown = _drawn_page(qtbot)
    c = page.controller
    for _ in shown:
        qtbot.waitUntil(lambda: len(frames) >= 2 and not c.is_busy, timeout=TIMEOUT_MS)
        assert frames[-1].run_id == c.run_id > frames[0].run_id
        expected = partition_2d(c.snapshot.model(), DATA_BOUNDS)
        assert np.array_equal(frames[-1].partition.vertices, expected.vertices)


@pytest.mark.parametrize("draw_first", [True, False])
def test_reset_goes_back_to_the_first_weights(qtbot, draw_first):
    c = PlaygroundController(draw_first=draw_first)
    first = {k: v.clone() for k, v in c.initial_state.items()}
    c.reset()
    assert c.has_trainer
    assert all(torch.equal(first[k], v) for k, v in c.snapshot.state.items())
    assert all(torch.equal(first[k], v) for k, v in c.initial_state.items())
    c.shutdown()
