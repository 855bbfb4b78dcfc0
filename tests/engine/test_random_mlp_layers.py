"""Networks built in numpy with torch's draws are torch's networks, bit for bit, and so
are their exact 3-D cells; the engine takes them without importing torch."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.networks import NetworkLayers, network_layers, random_mlp, random_mlp_layers
from engine.partition3d import Partition3D, partition_3d
from engine.torch_networks import torch_model
from engine.training import Architecture, build_model, copy_state, model_from_state

ROOT = Path(__file__).resolve().parents[2]
BOX = (-1.25, 1.25, -1.25, 1.25, -1.25, 1.25)


def _arrays(layers: NetworkLayers) -> list[np.ndarray]:
    pairs = [(h.weight, h.bias) for h in layers.hidden] + [(layers.out_weight, layers.out_bias)]
    return [array for pair in pairs for array in pair]


def _assert_same(ours: NetworkLayers, theirs: NetworkLayers) -> None:
    assert ours.n_inputs == theirs.n_inputs and ours.widths == theirs.widths
    assert [h.negative_slope for h in ours.hidden] == [h.negative_slope for h in theirs.hidden]
    for got, want in zip(_arrays(ours), _arrays(theirs), strict=True):
        assert got.dtype == np.float64 and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    ("widths", "n_inputs", "n_outputs", "seed", "activation"),
    [
        ((12, 12), 3, 2, 0, "relu"),
        ((12, 12), 3, 2, 4, "relu"),
        ((5,), 2, 1, 11, "abs"),
        ((16, 7, 33), 3, 3, 123, "leaky_relu"),
        ((40, 40), 784, 10, -2, "relu"),
    ],
)
def test_the_layers_are_random_mlps_in_both_precisions(
    widths, n_inputs, n_outputs, seed, activation
):
    kwargs = dict(n_inputs=n_inputs, n_outputs=n_outputs, seed=seed, activation=activation)
    for single, dtype in ((False, torch.float64), (True, torch.float32)):
        theirs = network_layers(random_mlp(widths, dtype=dtype, **kwargs))
        _assert_same(random_mlp_layers(widths, single=single, **kwargs), theirs)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_the_starting_network_of_a_training_is_built_without_torch(seed):
    """What the Cells 3D page trains from: float32 weights, read back in float64."""
    architecture = Architecture(widths=(12, 12), n_inputs=3, n_outputs=2)
    trained_from = model_from_state(architecture, copy_state(build_model(architecture, seed)))
    ours = random_mlp_layers((12, 12), n_inputs=3, n_outputs=2, seed=seed, single=True)
    _assert_same(ours, network_layers(trained_from))
    _assert_same(network_layers(torch_model(ours)), ours)  # and back to torch unchanged


@pytest.mark.parametrize("seed", [0, 4])
def test_the_partition_of_the_numpy_network_is_the_torch_one(seed):
    model = random_mlp((12, 12), n_inputs=3, n_outputs=2, seed=seed, dtype=torch.float32)
    ours = partition_3d(
        random_mlp_layers((12, 12), n_inputs=3, n_outputs=2, seed=seed, single=True), BOX
    )
    theirs = partition_3d(model, BOX)
    assert ours.n_regions == theirs.n_regions > 20
    for field in fields(Partition3D):
        got, want = getattr(ours, field.name), getattr(theirs, field.name)
        if isinstance(want, np.ndarray):
            np.testing.assert_array_equal(got, want, err_msg=field.name)
        else:
            assert got == want, field.name


def test_bad_arguments_are_refused_with_a_message():
    with pytest.raises(ValueError, match="positive integers"):
        random_mlp_layers((4, 0))
    with pytest.raises(ValueError, match="unknown activation 'tanh'"):
        random_mlp_layers((4,), activation="tanh")
    with pytest.raises(ValueError, match=r"expected a torch\.nn\.Sequential"):
        network_layers("not a network")


def test_the_partition_of_a_numpy_network_does_not_import_torch():
    code = (
        "import sys\n"
        "from engine.networks import random_mlp_layers\n"
        "from engine.partition3d import partition_3d\n"
        "from engine.decision3d import decision_surface\n"
        "layers = random_mlp_layers((12, 12), n_inputs=3, n_outputs=2, seed=0, single=True)\n"
        f"partition = partition_3d(layers, {BOX!r})\n"
        "decision_surface(partition)\n"
        "print(partition.n_regions, 'torch' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    regions, imported = done.stdout.split()
    assert int(regions) > 20 and imported == "False"
