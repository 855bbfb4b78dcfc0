"""The network the page opens on is built in numpy (torch's draws): a torch build whose
draws differ gets torch's network shown, and what needs a torch model gets one."""

from __future__ import annotations

import numpy as np
import torch

from app.cells3d import controller as cells3d_controller
from app.cells3d.page import Cells3DPage
from app.cells3d.session import parse_cells3d_state, save_cells3d_state
from engine.networks import HiddenLayer, NetworkLayers, network_layers
from tests.cells3d.test_gui_cells3d import TIMEOUT_MS, trained_and_drawn
from tests.shown_page import shown_page


def _arrays(model) -> list[np.ndarray]:
    layers = network_layers(model)
    pairs = [(h.weight, h.bias) for h in layers.hidden] + [(layers.out_weight, layers.out_bias)]
    return [array for pair in pairs for array in pair]


def _nudged(layers: NetworkLayers) -> NetworkLayers:
    """``layers`` with one bias one ulp off: what another torch build could draw."""
    first = layers.hidden[0]
    bias = first.bias.copy()
    bias[0] = np.nextafter(bias[0], np.inf)
    nudged = HiddenLayer(first.weight, bias, first.activation, first.negative_slope)
    return NetworkLayers(
        (nudged, *layers.hidden[1:]), layers.out_weight, layers.out_bias, layers.n_inputs
    )


def test_a_starting_network_unlike_torchs_is_replaced_by_torchs(qtbot, monkeypatch):
    real = cells3d_controller.starting_network
    monkeypatch.setattr(cells3d_controller, "starting_network", lambda *args: _nudged(real(*args)))
    page = Cells3DPage()
    c = page.controller
    shown: list = []
    page.partition_shown.connect(shown.append)
    for _ in shown_page(
        qtbot,
        page,
        (1000, 700),
        timeout_ms=TIMEOUT_MS,
        drawn=page.partition_shown,
        ready=lambda: trained_and_drawn(page),
    ):
        assert isinstance(shown[0].model, NetworkLayers)  # the numpy one, first
        assert isinstance(shown[1].model, torch.nn.Sequential)  # then torch's own
        start = real(c.dataset, c.state.seed)
        for got, want in zip(_arrays(shown[1].model), _arrays(start), strict=True):
            np.testing.assert_array_equal(got, want)
        assert shown[-1].model is c.model  # and the trained one at the end


def test_the_starting_network_is_kept_when_torch_draws_the_same(qtbot):
    page = Cells3DPage()
    shown: list = []
    page.partition_shown.connect(shown.append)
    for _ in shown_page(
        qtbot,
        page,
        (1000, 700),
        timeout_ms=TIMEOUT_MS,
        drawn=page.partition_shown,
        ready=lambda: trained_and_drawn(page),
    ):
        # Drawn twice: the starting network, then the trained one (no redraw between).
        assert len(shown) == 2 and isinstance(shown[0].model, NetworkLayers)
        assert shown[1].model is page.controller.model


def test_a_numpy_network_is_saved_and_sliced_as_a_torch_model(qtbot):
    page = Cells3DPage()  # not shown: its random network, built in numpy
    qtbot.addWidget(page)
    c = page.controller
    assert isinstance(c.model, NetworkLayers)
    saved = parse_cells3d_state(save_cells3d_state(page))
    assert isinstance(saved.model, torch.nn.Sequential)
    for got, want in zip(_arrays(saved.model), _arrays(c.model), strict=True):
        np.testing.assert_array_equal(got, want)
    with qtbot.waitSignal(page.slice_requested) as sliced:
        page.slice_button.setEnabled(True)
        page.request_slice()
    model = sliced.args[0]
    assert isinstance(model, torch.nn.Sequential)
    for got, want in zip(_arrays(model), _arrays(c.model), strict=True):
        np.testing.assert_array_equal(got, want)
    page.shutdown()
