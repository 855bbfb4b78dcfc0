"""engine.networks: which models are accepted, and the float64 layers they turn into."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch
from torch import nn

from engine.networks import Abs, network_layers, random_mlp, reusing_layers


def _linear(n_in: int, n_out: int, seed: int = 0) -> nn.Linear:
    torch.manual_seed(seed)
    return nn.Linear(n_in, n_out, dtype=torch.float64)


@pytest.mark.parametrize(
    "activation",
    [nn.ReLU(), nn.LeakyReLU(0.2), Abs()],
    ids=["relu", "leaky_relu", "abs"],
)
def test_accepts_linear_and_piecewise_linear_activations(activation):
    model = nn.Sequential(_linear(2, 5), activation, _linear(5, 4, 1), activation, _linear(4, 3, 2))
    net = network_layers(model)
    assert net.n_inputs == 2
    assert net.widths == (5, 4)
    assert net.n_outputs == 3
    for layer in net.hidden:
        assert layer.weight.dtype == np.float64
        assert layer.bias.dtype == np.float64
    expected_slope = {nn.ReLU: 0.0, nn.LeakyReLU: 0.2, Abs: -1.0}[type(activation)]
    assert all(layer.negative_slope == pytest.approx(expected_slope) for layer in net.hidden)
    np.testing.assert_array_equal(net.layer_of_neuron(), [0] * 5 + [1] * 4)


def test_accepts_flatten_first():
    model = nn.Sequential(nn.Flatten(), _linear(2, 3), nn.ReLU(), _linear(3, 2))
    net = network_layers(model)
    assert net.widths == (3,)
    assert net.n_inputs == 2


def test_mixed_activations_are_accepted():
    model = nn.Sequential(_linear(2, 3), nn.ReLU(), _linear(3, 3), Abs(), _linear(3, 1))
    net = network_layers(model)
    assert [layer.activation for layer in net.hidden] == ["relu", "abs"]


def _assert_rejects(model, *words):
    with pytest.raises(ValueError) as info:
        network_layers(model)
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not named in {message!r}"


def test_rejects_tanh_and_names_it():
    model = nn.Sequential(_linear(2, 3), nn.Tanh(), _linear(3, 2))
    _assert_rejects(model, "Tanh")


def test_rejects_conv2d_and_names_it():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), _linear(8, 2))
    _assert_rejects(model, "Conv2d")


def test_rejects_a_module_that_is_not_sequential():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            return torch.relu(self.fc(x))

    _assert_rejects(Net(), "Net")


@pytest.mark.parametrize("where", ["weight", "bias"])
def test_rejects_nan_weights_and_names_the_layer(where):
    bad = _linear(3, 2, 1)
    with torch.no_grad():
        getattr(bad, where)[0] = float("nan")
    model = nn.Sequential(_linear(2, 3), nn.ReLU(), bad)
    with pytest.raises(ValueError, match=r"(?i)nan") as info:
        network_layers(model)
    assert "Linear" in str(info.value)


def test_rejects_infinite_weights():
    bad = _linear(2, 3)
    with torch.no_grad():
        bad.weight[1, 1] = float("inf")
    _assert_rejects(nn.Sequential(bad, nn.ReLU(), _linear(3, 2)), "Linear")


def test_rejects_an_activation_first():
    model = nn.Sequential(nn.ReLU(), _linear(2, 3), nn.ReLU(), _linear(3, 2))
    _assert_rejects(model, "ReLU")


def test_random_mlp_is_deterministic_for_a_seed():
    a = random_mlp([8, 8], seed=3)
    b = random_mlp([8, 8], seed=3)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)


def test_random_mlp_differs_across_seeds():
    a = random_mlp([8, 8], seed=3)
    b = random_mlp([8, 8], seed=4)
    assert any(
        not torch.equal(pa, pb) for pa, pb in zip(a.parameters(), b.parameters(), strict=True)
    )


def test_random_mlp_shapes_and_dtype():
    model = random_mlp([5, 7], n_inputs=4, n_outputs=3, activation="leaky_relu")
    net = network_layers(model)
    assert net.n_inputs == 4
    assert net.widths == (5, 7)
    assert net.n_outputs == 3
    assert all(p.dtype == torch.float64 for p in model.parameters())
    assert isinstance(model[1], nn.LeakyReLU)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "abs"])
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_forward_matches_torch_in_float64(activation, n_outputs):
    model = random_mlp([6, 9, 4], n_inputs=3, n_outputs=n_outputs, seed=7, activation=activation)
    net = network_layers(model)
    x = np.random.default_rng(0).uniform(-2, 2, size=(500, 3))
    out, pre = net.forward(x)
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    assert pre.shape == (500, net.n_neurons)

    # Pre-activations of the first layer, straight from torch.
    with torch.no_grad():
        first = model[0](torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(pre[:, :6], first, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(net.activation_pattern(x), pre > 0)


def test_forward_of_a_model_ending_with_an_activation():
    model = nn.Sequential(_linear(2, 3), nn.ReLU())
    net = network_layers(model)
    x = np.random.default_rng(1).normal(size=(50, 2))
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(net.forward(x)[0], expected, rtol=1e-12, atol=1e-12)


def test_a_network_read_by_a_check_is_lent_to_the_computation_it_guards():
    model = random_mlp([4, 4], seed=1)
    read = network_layers(model)
    with reusing_layers(model, read):
        assert network_layers(model) is read  # not converted a second time
        assert network_layers(random_mlp([4, 4], seed=1)) is not read  # another model
        seen_by_another_thread = []
        thread = threading.Thread(
            target=lambda: seen_by_another_thread.append(network_layers(model))
        )
        thread.start()
        thread.join()
        assert seen_by_another_thread[0] is not read  # lent on this thread only
    assert network_layers(model) is not read
    np.testing.assert_array_equal(network_layers(model).out_weight, read.out_weight)
