"""The network the page opens on is built in numpy (torch's draws): a torch build whose
draws differ gets torch's network shown, and what needs a torch model gets one."""

from __future__ import annotations

import numpy as np
import torch

from app.cells3d import controller as cells3d_controller
from app.cells3d.page import Cells3DPage
from app.cells3d.session import parse_cells3d_state, save_cells3d_state
from engine.networks import HiddenLayer, NetworkLayers, identical_layers, network_layers
from tests.cells3d.test_gui_cells3d import shown_trained


def _same_weights(a, b) -> bool:
    """Whether two networks (torch or numpy) have the same layers, bit for bit."""
    return identical_layers(network_layers(a), network_layers(b))


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
    for _ in shown_trained(qtbot, page):
        assert isinstance(shown[0].model, NetworkLayers)  # the numpy one, first
        assert isinstance(shown[1].model, torch.nn.Sequential)  # then torch's own
        start = real(c.dataset, c.state.seed)
        assert _same_weights(shown[1].model, start)
        assert shown[-1].model is c.model  # and the trained one at the end


def test_the_starting_network_is_kept_when_torch_draws_the_same(qtbot):
    page = Cells3DPage()
    shown: list = []
    page.partition_shown.connect(shown.append)
    for _ in shown_trained(qtbot, page):
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
    assert _same_weights(saved.model, c.model)
    with qtbot.waitSignal(page.slice_requested) as sliced:
        page.slice_button.setEnabled(True)
        page.request_slice()
    model = sliced.args[0]
    assert isinstance(model, torch.nn.Sequential)
    assert _same_weights(model, c.model)
    page.shutdown()
