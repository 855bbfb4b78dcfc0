"""The shipped digits CNN: its weights load, reach the stated accuracy, and retrain reproducibly."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.digits_cnn import (
    SHIPPED_WEIGHTS,
    accuracy,
    digits_split,
    load_digits_cnn,
    retrain_shipped,
    save_digits_cnn,
)

#: The shipped file's test accuracy, as the README states it (351 of 359 test digits).
STATED_TEST_ACCURACY = 0.9777


def test_shipped_weights_reach_the_stated_test_accuracy():
    model = load_digits_cnn()
    _, test = digits_split()
    with torch.no_grad():
        logits = model(torch.from_numpy(test.images[:, None].astype(np.float32)))
    # Counted here from torch's logits, independently of engine.digits_cnn.accuracy.
    correct = int((logits.argmax(1).numpy() == test.labels).sum())
    assert len(test) == 359
    assert correct / len(test) == pytest.approx(STATED_TEST_ACCURACY, abs=5e-4)
    assert accuracy(model, test.images, test.labels) == correct / len(test)


def test_retraining_with_the_same_seed_is_bit_identical_and_as_good(tmp_path):
    # Training runs on one CPU thread, so two runs on this machine agree bit for bit. The
    # shipped file came from another CPU, whose kernels may round differently (as for
    # engine.shipped_digit_networks), so the shipped weights are matched on quality only.
    first = retrain_shipped(tmp_path / "first.safetensors", seed=0)
    second = retrain_shipped(tmp_path / "second.safetensors", seed=0)
    one = load_digits_cnn(first.path).state_dict()
    two = load_digits_cnn(second.path).state_dict()
    assert set(one) == set(two) == set(load_digits_cnn().state_dict())
    for key in one:
        assert torch.equal(one[key], two[key]), key
    assert first.test_accuracy == pytest.approx(STATED_TEST_ACCURACY, abs=0.01)


def test_save_load_round_trip_keeps_the_function(tmp_path):
    model = load_digits_cnn()
    path = save_digits_cnn(model, tmp_path / "copy.safetensors")
    copy = load_digits_cnn(path)
    x = torch.rand(16, 1, 8, 8)
    with torch.no_grad():
        assert torch.equal(model(x), copy(x))
    assert path.read_bytes()[:8] != b"PK\x03\x04"  # safetensors, not a pickled zip


@pytest.mark.parametrize(
    "content, message",
    [
        (b"not a safetensors file at all", "not a safetensors file"),
        (None, "does not hold the digits CNN"),
    ],
)
def test_damaged_weights_are_refused_in_one_sentence(tmp_path, content, message):
    path = tmp_path / "bad.safetensors"
    if content is None:
        from safetensors.torch import save_file

        save_file({"weight": torch.zeros(3)}, str(path))
    else:
        path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        load_digits_cnn(path)


def test_non_finite_weights_are_refused(tmp_path):
    model = load_digits_cnn()
    with torch.no_grad():
        model[0].weight[0, 0, 0, 0] = float("nan")
    path = save_digits_cnn(model, tmp_path / "nan.safetensors")
    with pytest.raises(ValueError, match="not finite"):
        load_digits_cnn(path)


def test_shipped_file_is_small():
    assert SHIPPED_WEIGHTS.stat().st_size < 200_000
