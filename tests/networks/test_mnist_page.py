"""MNIST on the Networks page: files picked, the CNN trained in a worker, 28x28 pictures
shown, bad files changing nothing, and sessions bringing the trained network back."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from torch import nn

from app.networks.page import NetworksPage
from app.networks.session import restore_networks_state, save_networks_state
from app.networks.state import DEFAULT_ANCHORS
from engine.digits_cnn import digits_split
from engine.mnist_cnn import digits_at_28, fit_mnist_files
from engine.partition2d import partition_2d
from engine.session_file import PageState, SessionFileError
from tests.cnn_case import small_cnn
from tests.mnist_files import write_mnist_files
from tests.shown_page import shown_page

TIMEOUT_MS = 240_000
#: A small share of the slice keeps the tests' cells few (the page starts at 3%).
TEST_EXTENT = 0.01


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_mnist_files(tmp_path_factory.mktemp("mnist"))


@pytest.fixture(scope="module")
def trained(files):
    return fit_mnist_files(*files, seed=0, epochs=2)


@pytest.fixture
def page(qtbot, monkeypatch):
    monkeypatch.setattr("app.networks.controller.MNIST_EXTENT", TEST_EXTENT)
    shown = NetworksPage()
    with qtbot.waitSignal(shown.controller.slice_ready, timeout=TIMEOUT_MS):
        shown.show_model(small_cnn(), (1, 8, 8), "small CNN")
    yield from shown_page(qtbot, shown, (1400, 850), timeout_ms=TIMEOUT_MS)


def _pick_files(monkeypatch, images, labels) -> None:
    answers = iter([(str(images), ""), (str(labels), "")])
    monkeypatch.setattr(
        "app.networks.mnist_panel.QFileDialog.getOpenFileName", lambda *a, **k: next(answers)
    )


def test_mnist_files_train_a_cnn_whose_28x28_slice_is_shown(qtbot, page, files, monkeypatch):
    _pick_files(monkeypatch, *files)
    with qtbot.waitSignal(page.controller.slice_ready, timeout=TIMEOUT_MS):
        qtbot.mouseClick(page.mnist.button, Qt.MouseButton.LeftButton)
    trained = page.controller.mnist
    assert trained is not None and trained.files == tuple(str(f) for f in files)
    assert page.mnist.line.text().startswith("MNIST CNN trained on 480 images, 2 epochs")
    assert page.title.text() == "MNIST CNN (trained here)"
    assert page.gallery.isVisible() and page.gallery_note.text() == ""
    # The gallery holds the held-out 28x28 images; the anchors are its first 0, 3, 8.
    state = page.controller.state
    labels = trained.test.labels[list(state.anchors)]
    assert labels.tolist() == [0, 3, 8] and state.n_images == len(trained.test) == 120
    shown = page.controller.shown_slice
    assert shown.network.images.images.shape[1:] == (28, 28)
    expected = partition_2d(copy.deepcopy(trained.model).double(), None, plane=shown.plane)
    assert page.canvas.partition.n_regions == expected.n_regions > 1
    assert page.status.text().startswith(
        f"{expected.n_regions:,} cells in 1% of the slice's triangle, about its centre"
    )
    # The probe starts at the new slice's centre, where its cell's filters are shown.
    centre = shown.plane.anchors.mean(axis=0)
    assert page.canvas.probe_position == pytest.approx(tuple(centre))
    assert page.prediction.text().startswith("Predicted class")
    # The probe's decoded input and its matched filters are 28x28 pictures.
    s, t = shown.plane.bounds[[0, 2]] + 0.5 * np.diff(shown.plane.bounds)[[0, 2]]
    with qtbot.waitSignal(page.controller.jacobian_ready, timeout=TIMEOUT_MS):
        page.canvas.probe_moved.emit(float(s), float(t))
    assert page.picture.image.shape == (28, 28)
    assert len(page.filters.images) == 10
    assert all(image.shape == (28, 28) for image in page.filters.images)
    x = torch.from_numpy(shown.plane.lift([[s, t]]))
    model = shown.network.model
    jacobian = torch.autograd.functional.jacobian(lambda z: model(z)[0], x).reshape(10, 784)
    shown_rows = np.stack([image.reshape(784) for image in page.filters.images])
    np.testing.assert_allclose(shown_rows, jacobian.numpy(), rtol=0, atol=1e-9)


def _mlp_784() -> nn.Sequential:
    """A small network of 784 inputs, as a user would import one."""
    torch.manual_seed(1)
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 6), nn.ReLU(), nn.Linear(6, 10)).eval()


def _slice_inputs(page) -> np.ndarray:
    """(3, 28, 28) the inputs at the shown slice's anchors A, B, C."""
    plane = page.controller.shown_slice.plane
    return plane.lift(plane.anchors).reshape(3, 28, 28)


def test_an_imported_28x28_network_is_sliced_through_test_images(qtbot, page, trained):
    # Before any MNIST files: the shipped test digits drawn at 28x28, in the gallery.
    with qtbot.waitSignal(page.controller.slice_ready, timeout=TIMEOUT_MS):
        page.show_model(_mlp_784(), (784,), "mlp 784")
    state = page.controller.state
    digits = digits_at_28(digits_split()[1])
    assert state.anchors == DEFAULT_ANCHORS and state.extent == TEST_EXTENT
    np.testing.assert_allclose(
        _slice_inputs(page), digits.images[list(state.anchors)], rtol=0, atol=1e-12
    )
    assert page.gallery.isVisible() and page.gallery.marks() == dict(
        zip("ABC", state.anchors, strict=True)
    )
    assert "8×8 test digits drawn at 28×28" in page.gallery_note.text()
    assert page.picture.image.shape == (28, 28)

    # MNIST files loaded here: an imported 1x28x28 network goes through MNIST's held-out
    # images, the first 0, 3 and 8, which the gallery shows.
    with qtbot.waitSignal(page.controller.slice_ready, timeout=TIMEOUT_MS):
        page.controller.show_mnist(trained)
    with qtbot.waitSignal(page.controller.slice_ready, timeout=TIMEOUT_MS):
        page.show_model(_mlp_784(), (1, 28, 28), "mlp 1x28x28")
    state = page.controller.state
    assert page.title.text() == "mlp 1x28x28" and page.controller.mnist is None
    assert trained.test.labels[list(state.anchors)].tolist() == [0, 3, 8]
    assert state.n_images == len(trained.test) and state.extent == TEST_EXTENT
    np.testing.assert_allclose(
        _slice_inputs(page), trained.test.images[list(state.anchors)], rtol=0, atol=1e-12
    )
    assert page.gallery.isVisible() and page.gallery_note.isHidden()
    in_gallery = page.gallery.shown_indices.ravel().tolist()
    assert set(state.anchors) <= set(in_gallery)
    shown = page.controller.shown_slice
    expected = partition_2d(_mlp_784().double(), None, plane=shown.plane)
    assert page.canvas.partition.n_regions == expected.n_regions
    # Clicking a held-out image makes it the next anchor: the slice goes through it.
    other = next(i for i in in_gallery if i >= 0 and i not in state.anchors)
    where = page.gallery.image_position(other).toPoint()
    with qtbot.waitSignal(page.controller.slice_ready, timeout=TIMEOUT_MS):
        qtbot.mouseClick(page.gallery, Qt.MouseButton.LeftButton, pos=where)
    np.testing.assert_allclose(_slice_inputs(page)[0], trained.test.images[other], atol=1e-12)


def test_a_bad_mnist_file_changes_nothing_on_the_page(qtbot, page, files, tmp_path, monkeypatch):
    bad = tmp_path / "bad-images-idx3-ubyte"
    bad.write_bytes(b"this is not an IDX file")
    before = (page.controller.state, page.controller.shown_slice, page.canvas.partition)
    _pick_files(monkeypatch, bad, files[1])
    with qtbot.waitSignal(page.controller.mnist_failed, timeout=TIMEOUT_MS) as failed:
        page.mnist_action.trigger()
    message = failed.args[0]
    assert message.startswith("Could not use the MNIST files: bad-images-idx3-ubyte:")
    assert message.count(". ") == 0 and page.mnist.line.text() == message
    assert (page.controller.state, page.controller.shown_slice, page.canvas.partition) == before
    assert page.title.text() == "small CNN" and page.controller.mnist is None
    assert page.mnist.button.isEnabled() and not page.controller.is_training


def test_a_session_brings_the_trained_mnist_cnn_back(qtbot, page, trained, files, tmp_path):
    with qtbot.waitSignal(page.controller.slice_ready, timeout=TIMEOUT_MS):
        page.controller.show_mnist(trained)
    with qtbot.waitSignal(page.controller.slice_ready, timeout=TIMEOUT_MS):
        page.controller.update(anchors=(5, 6, 7), extent=0.008, colour_mode="pattern")
    saved = save_networks_state(page)
    section = PageState(json.loads(json.dumps(saved.settings)), saved.tensors)
    assert section.settings["mnist"]["files"] == [str(f) for f in files]
    wanted = page.controller.state

    with qtbot.waitSignal(page.controller.slice_ready, timeout=TIMEOUT_MS):
        page.show_model(small_cnn(), (1, 8, 8), "small CNN")
    assert page.controller.mnist is None and page.controller.state.n_images == 359
    with qtbot.waitSignal(page.controller.slice_ready, timeout=TIMEOUT_MS):
        restore_networks_state(page, section)
    assert page.controller.state == wanted
    restored = page.controller.mnist
    for key, tensor in trained.model.state_dict().items():
        assert torch.equal(restored.model.state_dict()[key], tensor), key
    assert page.title.text() == "MNIST CNN (trained here)"
    assert page.extent_box.value() == pytest.approx(0.8)

    # The files gone: one sentence naming them, and the page as it was.
    moved = tmp_path / "elsewhere.gz"
    files[0].rename(moved)
    try:
        before = (page.controller.state, page.controller.shown_slice)
        with pytest.raises(SessionFileError, match=r"Put .* back, or open another session"):
            restore_networks_state(page, section)
        assert (page.controller.state, page.controller.shown_slice) == before
    finally:
        moved.rename(files[0])
