"""The MNIST CNN: trained seeded on IDX files, refused in one sentence for bad ones, and
its 28x28 slices cut exactly (torch's forward reproduces every cell's affine map)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from engine.digits import DigitImages, save_idx
from engine.mnist_cnn import (
    digits_at_28,
    fit_mnist_files,
    mnist_cnn_from_tensors,
    mnist_cnn_tensors,
    mnist_split,
    read_mnist_files,
)
from engine.partition2d import partition_2d
from engine.slices import plane_through, shrunk_about_centre
from tests.mnist_files import write_mnist_files


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_mnist_files(tmp_path_factory.mktemp("mnist"))


@pytest.fixture(scope="module")
def trained(files):
    return fit_mnist_files(*files, seed=0, epochs=2)


def test_training_is_seeded_and_learns_the_digits(files, trained):
    again = fit_mnist_files(*files, seed=0, epochs=2)
    for key, tensor in trained.model.state_dict().items():
        assert torch.equal(tensor, again.model.state_dict()[key]), key
    other = fit_mnist_files(*files, seed=1, epochs=2)
    assert not torch.equal(other.model[0].weight, trained.model[0].weight)
    assert (len(trained.train), len(trained.test)) == (480, 120)
    # Counted from torch's logits on the held-out images, not from the module's accuracy.
    with torch.no_grad():
        x = torch.from_numpy(trained.test.images[:, None].astype(np.float32))
        correct = (trained.model(x).argmax(1).numpy() == trained.test.labels).mean()
    assert correct == pytest.approx(trained.test_accuracy)
    assert correct > 0.6  # ten classes: chance is 0.1
    assert trained.summary.startswith("trained on 480 images, 2 epochs, test accuracy")


def test_progress_rises_to_one_and_a_raise_in_it_stops_training(files):
    seen = []
    fit_mnist_files(*files, epochs=1, progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == pytest.approx(1.0)
    assert np.all(np.diff(seen) >= 0)

    class Stop(Exception):
        pass

    def stop_at_half(fraction: float) -> None:
        if fraction > 0.5:
            raise Stop

    with pytest.raises(Stop):
        fit_mnist_files(*files, epochs=1, progress=stop_at_half)


def test_files_that_are_not_28x28_digits_are_refused_in_one_sentence(tmp_path, files):
    small = tmp_path / "small-images-idx3-ubyte"
    save_idx(small, np.zeros((40, 8, 8), np.uint8))
    labels = tmp_path / "small-labels-idx1-ubyte"
    save_idx(labels, np.zeros(40, np.uint8))
    with pytest.raises(ValueError, match="are 8x8 images; the MNIST CNN takes 28x28"):
        fit_mnist_files(small, labels)
    with pytest.raises(ValueError, match="not an IDX image file"):
        fit_mnist_files(files[1], files[1])
    few = tmp_path / "few-images-idx3-ubyte"
    save_idx(few, np.zeros((5, 28, 28), np.uint8))
    few_labels = tmp_path / "few-labels-idx1-ubyte"
    save_idx(few_labels, np.zeros(5, np.uint8))
    with pytest.raises(ValueError, match="5 images; at least 20"):
        fit_mnist_files(few, few_labels)


def test_weights_round_trip_and_damaged_tensors_are_refused(trained):
    tensors = mnist_cnn_tensors(trained.model)
    copy = mnist_cnn_from_tensors(tensors, "copy")
    x = torch.rand(4, 1, 28, 28)
    with torch.no_grad():
        assert torch.equal(copy(x), trained.model(x))
    tensors["0.weight"] = tensors["0.weight"].clone()
    tensors["0.weight"][0, 0, 0, 0] = float("inf")
    with pytest.raises(ValueError, match="not finite"):
        mnist_cnn_from_tensors(tensors, "copy")


def test_a_28x28_slice_is_exact_where_torch_evaluates_it(files, trained):
    digits, _ = read_mnist_files(*files)
    _, test = mnist_split(digits)
    model = copy.deepcopy(trained.model).double()
    anchors = [int(np.flatnonzero(test.labels == k)[0]) for k in (0, 3, 8)]
    plane = plane_through(*(test.images[i][None] for i in anchors), margin=0.1, domain="triangle")
    small = shrunk_about_centre(plane, 0.01)
    partition = partition_2d(model, None, plane=small)
    assert partition.n_regions > 10
    # The cells tile the shrunk triangle: their areas sum to its area.
    x, y = small.polygon.T
    area = 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))
    assert partition.areas.sum() == pytest.approx(area, rel=1e-9)
    rng = np.random.default_rng(0)
    low, high = small.bounds[[0, 2]], small.bounds[[1, 3]]
    points = rng.uniform(low, high, size=(400, 2))
    cells = partition.locate(points)
    inside = cells >= 0
    assert inside.sum() > 100
    points, cells = points[inside], cells[inside]
    with torch.no_grad():
        torch_out = model(torch.from_numpy(small.lift(points))).numpy()
    affine = np.einsum("rij,rj->ri", partition.A[cells], points) + partition.c[cells]
    scale = np.abs(torch_out).max()
    np.testing.assert_allclose(affine, torch_out, rtol=0, atol=1e-9 * scale)


def test_digits_at_28_draw_each_pixel_as_a_3x3_block_in_mnists_frame():
    digits = DigitImages(np.random.default_rng(0).random((4, 8, 8)), np.arange(4))
    big = digits_at_28(digits)
    assert big.images.shape == (4, 28, 28) and big.labels.tolist() == [0, 1, 2, 3]
    inner = big.images[:, 2:26, 2:26].reshape(4, 8, 3, 8, 3)
    np.testing.assert_array_equal(inner.min(axis=(2, 4)), digits.images)
    np.testing.assert_array_equal(inner.max(axis=(2, 4)), digits.images)
    frame = big.images.copy()
    frame[:, 2:26, 2:26] = 0.0
    assert not frame.any()
    with pytest.raises(ValueError, match="need 8x8 digits"):
        digits_at_28(big)
