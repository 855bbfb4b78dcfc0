"""``export --view networks --layers k``: the figure of the slice cut by the first k
cutting steps of the shipped digits CNN, as the engine finds it; k beyond them exits 2."""

from __future__ import annotations

import numpy as np

from app.networks.state import DEFAULT_ANCHORS
from engine.digits_cnn import digits_split, load_digits_cnn
from engine.partition2d import partition_2d
from engine.slices import plane_through
from tests.export.test_cli_export import run_cli


def test_export_layers_draws_the_cells_of_the_first_layers(tmp_path):
    out = tmp_path / "networks.svg"
    result = run_cli("export", "--view", "networks", "--out", str(out), "--layers", "1")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # the slice --layers stopped is no error to print
    test = digits_split()[1]
    anchors = [test.images[i][None] for i in DEFAULT_ANCHORS]
    plane = plane_through(*anchors, margin=0.1, domain="triangle")
    model = load_digits_cnn().double()
    expected = partition_2d(model, None, plane=plane, layers=1)
    assert expected.n_regions < partition_2d(model, None, plane=plane, layers=2).n_regions
    assert f"{expected.n_regions:,} exact cells in the plane through A, B, C" in out.read_text()
    assert np.isfinite(expected.areas).all()


def test_export_layers_beyond_the_network_exits_2(tmp_path):
    out = tmp_path / "networks.png"
    result = run_cli("export", "--view", "networks", "--out", str(out), "--layers", "6")
    assert result.returncode == 2, result.stderr
    assert result.stderr.endswith(
        "splinescope export: --layers 6 is out of range: the Networks page's network has 5 "
        "hidden layers, so give 0 to 5.\n"
    )
    assert not out.exists()
