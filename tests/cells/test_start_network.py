"""The Cells page opens on a network drawn in numpy (no torch for its first cells): the
same network as torch's ``random_mlp(seed=3)``, the same cells, and a torch model for
whoever asks for one, without computing the cells again."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from app.cells.page import DEFAULT_BOUNDS, CellsPage, default_model
from app.cells.session import save_cells_state
from engine.networks import NetworkLayers, identical_layers, network_layers, random_mlp
from engine.partition2d import partition_2d
from engine.session_file import PageState

TIMEOUT_MS = 30_000


def test_the_start_up_network_is_torchs_seeded_network_bit_for_bit():
    drawn = default_model()
    assert isinstance(drawn, NetworkLayers)
    torchs = network_layers(random_mlp([16, 16, 16], n_inputs=2, n_outputs=2, seed=3))
    assert identical_layers(drawn, torchs)


def test_the_start_up_cells_are_those_of_torchs_network():
    drawn = partition_2d(default_model(), DEFAULT_BOUNDS)
    torchs = partition_2d(random_mlp([16, 16, 16], seed=3), DEFAULT_BOUNDS)
    assert drawn.n_regions == torchs.n_regions > 100
    for name in ("vertices", "offsets", "indices", "patterns", "A", "c"):
        assert np.array_equal(getattr(drawn, name), getattr(torchs, name)), name
    # And they are the network's cells: the affine map of each reproduces the network at
    # points inside it (the mean of its polygon's corners).
    model = random_mlp([16, 16, 16], seed=3)
    centres = np.array([drawn.polygon(r).mean(axis=0) for r in range(drawn.n_regions)])
    with torch.no_grad():
        outputs = model(torch.from_numpy(centres)).numpy()
    regions = drawn.locate(centres)
    mapped = np.einsum("rij,rj->ri", drawn.A[regions], centres) + drawn.c[regions]
    np.testing.assert_allclose(mapped, outputs, rtol=1e-9, atol=1e-12)


def test_the_model_asked_for_is_a_torch_model_of_the_cells_shown(qtbot):
    page = CellsPage()
    qtbot.addWidget(page)
    page.show()
    c = page.controller
    assert isinstance(c.network, NetworkLayers)
    with qtbot.waitSignal(page.partition_shown, timeout=TIMEOUT_MS) as shown:
        page.start()
    result = shown.args[0]
    page.probe.place_probe(0.25, -0.4)
    probed = page.probe.state.readout.cell
    built: list = []
    c.model_built.connect(built.append)
    model = c.model
    assert isinstance(model, torch.nn.Sequential) and built == [model]
    assert c.model is model and c.network is model and built == [model]  # built once
    assert identical_layers(network_layers(model), default_model())
    # The same network: nothing computed again, the probe stays where it was.
    assert c.result is result and not c.is_busy
    assert page.probe.model is model and page.probe.state.readout.cell == probed
    saved = save_cells_state(page)
    assert isinstance(saved, PageState)
    assert torch.equal(saved.tensors["network.layer0.weight"], model[0].weight)
    page.shutdown()


def test_the_probe_refuses_another_network_as_its_own(qtbot):
    page = CellsPage()
    qtbot.addWidget(page)
    with pytest.raises(ValueError, match="not the network probed"):
        page.probe.adopt_model(random_mlp([16, 16, 16], seed=4))
    assert page.probe.model is page.controller.network
    page.shutdown()
