"""The digits networks shipped in resources/models: they load, they are good, and the
seeded script makes networks of the same quality again.

Reproducibility contract (the module docstring's): the same recipe gives networks of the
same quality, within 2 % of the shipped test reconstruction error and 1 point of test
accuracy. On the machine and torch build that wrote the file the weights come out equal
too; other CPUs may round differently, so that is not asserted.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from engine.shipped_digit_networks import (
    SHIPPED_FILE,
    SHIPPED_RECIPE,
    digits_split,
    load_digit_networks,
    main,
    max_weight_difference,
    network_quality,
    networks_bytes,
    training_digest,
)


@pytest.fixture(scope="module")
def split():
    return digits_split()


def test_the_shipped_file_loads_and_its_networks_work(split):
    train, test = split
    networks = load_digit_networks(SHIPPED_FILE)
    assert SHIPPED_FILE.stat().st_size < 1 << 20  # small enough to ship
    assert networks.recipe == dict(SHIPPED_RECIPE)
    assert networks.data_digest == training_digest(train)
    auto = networks.autoencoder
    assert (auto.n_pixels, auto.latent_dim) == (64, 2)
    assert all(p.dtype == torch.float64 for p in networks.classifier.parameters())
    mse, accuracy = network_quality(networks, test)
    # Independent evidence of a trained model: far better than guessing (10 %) and than
    # decoding every image as the mean image.
    mean_image_mse = float(np.mean((test.flat - train.flat.mean(axis=0)) ** 2))
    assert accuracy > 0.9
    assert mse < 0.6 * mean_image_mse


def test_the_seeded_script_trains_networks_of_the_same_quality(split, tmp_path):
    _, test = split
    out = tmp_path / "again.safetensors"
    assert main(["--out", str(out)]) == 0
    shipped = network_quality(load_digit_networks(SHIPPED_FILE), test)
    again = network_quality(load_digit_networks(out), test)
    assert again[0] == pytest.approx(shipped[0], rel=0.02)
    assert again[1] == pytest.approx(shipped[1], abs=0.01)


def test_a_damaged_or_tampered_file_is_one_clear_error(tmp_path):
    data = SHIPPED_FILE.read_bytes()
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a readable safetensors file"):
        load_digit_networks(cut)
    with pytest.raises(OSError):
        load_digit_networks(tmp_path / "missing.safetensors")

    networks = load_digit_networks(SHIPPED_FILE)
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + size])
    layers = json.loads(header["__metadata__"]["layers"])
    layers["decoder"][0]["in_features"] = 3  # no longer fits the stored weights
    header["__metadata__"]["layers"] = json.dumps(layers)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    tampered = tmp_path / "tampered.safetensors"
    tampered.write_bytes(len(text).to_bytes(8, "little") + text + data[8 + size :])
    with pytest.raises(ValueError, match="the decoder"):
        load_digit_networks(tampered)
    rewritten = tmp_path / "rewritten.safetensors"
    rewritten.write_bytes(networks_bytes(networks))
    assert max_weight_difference(load_digit_networks(rewritten), networks) == 0.0
