"""The Cells 3D page opens on the exact cells of the network its training starts from,
then trains (training waits for those cells) and shows the trained network's cells."""

from __future__ import annotations

import numpy as np
import torch

from app.cells3d.page import Cells3DPage
from app.cells3d.spec import cells3d_first_result
from app.cells3d.training import TRAINING, page_dataset, train_on
from engine.networks import NetworkLayers, network_layers
from engine.partition3d import partition_3d
from tests.cells3d.test_gui_cells3d import TIMEOUT_MS, shown_trained, trained_and_drawn
from tests.shown_page import shown_page


def _weights(model: torch.nn.Module | NetworkLayers) -> list[np.ndarray]:
    """Every weight and bias, input side first, in float64."""
    layers = network_layers(model)
    pairs = [(h.weight, h.bias) for h in layers.hidden] + [(layers.out_weight, layers.out_bias)]
    return [array for pair in pairs for array in pair]


def _trained_alone(dataset_name: str, seed: int) -> tuple[torch.nn.Module, torch.nn.Module]:
    """The starting and the trained networks of the page's training, run here directly."""
    run = train_on(page_dataset(dataset_name, seed), seed)
    start = next(run)
    final = None
    while final is None:
        try:
            next(run)
        except StopIteration as stop:
            final = stop.value
    return start.model(), final.model()


def test_the_starting_network_is_drawn_first_then_the_trained_one(qtbot):
    page = Cells3DPage()
    rule = cells3d_first_result(page)
    c = page.controller
    first: list = []
    page.partition_shown.connect(first.append)
    epochs_when_drawn: list[int] = []
    page.partition_shown.connect(
        lambda _result: epochs_when_drawn.append(c._snapshot.epoch if c._snapshot else -1)
    )
    for _ in shown_page(
        qtbot, page, (1300, 850), timeout_ms=TIMEOUT_MS, drawn=page.partition_shown
    ):
        assert rule.is_ready()
        shown = first[0]
        # Training waits for these cells: they are drawn before it even builds its
        # network (the one drawn is built in numpy, with torch's draws).
        assert epochs_when_drawn[0] == -1 and isinstance(shown.model, NetworkLayers)
        assert c.dataset is not None and c.dataset.name == c.state.dataset
        start, trained = _trained_alone(c.state.dataset, c.state.seed)
        for got, want in zip(_weights(shown.model), _weights(start), strict=True):
            np.testing.assert_array_equal(got, want)
        expected = partition_3d(start, c.bounds)  # torch's starting network
        for name in ("vertices", "face_offsets", "face_indices", "face_neuron", "patterns", "A"):
            np.testing.assert_array_equal(getattr(shown.partition, name), getattr(expected, name))

        qtbot.waitUntil(lambda: trained_and_drawn(page), timeout=TIMEOUT_MS)
        # The same training as without the first look: the trained weights are the same.
        for got, want in zip(_weights(c.model), _weights(trained), strict=True):
            np.testing.assert_array_equal(got, want)
        assert first[-1].model is c.model and c.model is not shown.model
        assert page.count_label.text() == f"{partition_3d(c.model, c.bounds).n_regions:,}"
        assert f"epoch {TRAINING.epochs}/{TRAINING.epochs}" in page.training_label.text()


def test_closing_the_page_while_training_waits_for_its_first_cells_stops_at_once(qtbot):
    page = Cells3DPage()
    qtbot.addWidget(page)
    page.start()  # not shown: the first cells are asked for, training waits for them
    assert page.controller.is_training
    page.shutdown()  # lets the waiting training go, which then stops: no 30 s wait
    assert not page.controller.is_training


def test_a_new_partition_is_drawn_in_one_render(qtbot):
    """Each step of showing a partition (scene, bounds, slice, probe, caption) asks for a
    draw; the view draws once (a draw of the translucent cells is slow in software GL)."""
    page = Cells3DPage()
    renders: list[int] = []
    for _ in shown_trained(qtbot, page):
        page.view.render_window.AddObserver("StartEvent", lambda *_: renders.append(1))
        with qtbot.waitSignal(page.partition_shown, timeout=TIMEOUT_MS):
            page.controller.set_layers(1)
        assert len(renders) == 1
        assert page.count_label.text() == (
            f"{partition_3d(page.controller.model, page.controller.bounds, layers=1).n_regions:,}"
        )
