"""The shipped digits networks read as numpy layers (no torch) are the torch models' layers
bit for bit, run to the same outputs, and a damaged file is one clear error."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from engine.digit_networks import Autoencoder, hidden_widths, network_outputs, torch_network
from engine.networks import identical_layers, network_layers
from engine.shipped_digit_layers import SHIPPED_FILE, load_digit_layers, training_digest
from engine.shipped_digit_networks import digits_split, load_digit_networks


def test_the_layers_are_the_torch_models_layers_bit_for_bit():
    layers, models = load_digit_layers(), load_digit_networks()
    assert layers.recipe == models.recipe and layers.data_digest == models.data_digest
    assert layers.data_digest == training_digest(digits_split()[0])
    pairs = (
        (layers.encoder, models.autoencoder.encoder),
        (layers.decoder, models.autoencoder.decoder),
        (layers.classifier, models.classifier),
    )
    for numpy_layers, torch_model in pairs:
        assert identical_layers(numpy_layers, network_layers(torch_model))
        # and back: the torch model of the layers (what a session saves) is the same model
        rebuilt = torch_network(numpy_layers)
        assert identical_layers(network_layers(rebuilt), network_layers(torch_model))
        assert hidden_widths(numpy_layers) == hidden_widths(torch_model)


def test_numpy_runs_them_as_torch_does_up_to_rounding():
    layers, models = load_digit_layers(), load_digit_networks()
    train, test = digits_split()
    numpy_auto = Autoencoder(layers.encoder, layers.decoder)
    torch_auto = models.autoencoder
    assert (numpy_auto.n_pixels, numpy_auto.latent_dim) == (torch_auto.n_pixels, 2)
    codes = numpy_auto.encode(train.flat)
    np.testing.assert_allclose(codes, torch_auto.encode(train.flat), rtol=0, atol=1e-13)
    np.testing.assert_allclose(
        numpy_auto.decode(codes), torch_auto.decode(codes), rtol=0, atol=1e-13
    )
    scores = network_outputs(layers.classifier, test.flat)
    with torch.no_grad():
        expected = models.classifier(torch.as_tensor(test.flat)).numpy()
    np.testing.assert_allclose(scores, expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(scores.argmax(axis=1), expected.argmax(axis=1))


def _with_layers(tmp_path, edit) -> object:
    """A copy of the shipped file whose layer lists ``edit`` changed."""
    data = SHIPPED_FILE.read_bytes()
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + size])
    layers = json.loads(header["__metadata__"]["layers"])
    edit(layers)
    header["__metadata__"]["layers"] = json.dumps(layers)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    path = tmp_path / "edited.safetensors"
    path.write_bytes(len(text).to_bytes(8, "little") + text + data[8 + size :])
    return path


def test_a_damaged_or_unexpected_file_is_one_clear_error(tmp_path):
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(SHIPPED_FILE.read_bytes()[:1000])
    with pytest.raises(ValueError, match="not a readable safetensors file"):
        load_digit_layers(cut)
    with pytest.raises(OSError):
        load_digit_layers(tmp_path / "missing.safetensors")

    def misfit(layers):
        layers["decoder"][0]["in_features"] = 3

    with pytest.raises(ValueError, match=r"the decoder: layer 0's tensors are not \(32, 3\)"):
        load_digit_layers(_with_layers(tmp_path, misfit))

    def leaky(layers):
        layers["classifier"][1] = {"kind": "leaky_relu", "negative_slope": 0.1}

    with pytest.raises(ValueError, match="the classifier: layer 1 is 'leaky_relu'"):
        load_digit_layers(_with_layers(tmp_path, leaky))
