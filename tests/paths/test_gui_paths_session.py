"""Sessions keep the Paths page's trained networks: a saved session comes back without
training (the trainers are replaced by ones that fail), with the same networks bit for
bit and the same cells crossed by the same pair; a damaged network is refused and
nothing changes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch
from PySide6.QtWidgets import QMessageBox

import engine.digit_models as digit_models
from app.paths.controller import PathsSettings
from app.paths.page import PathsPage
from app.paths.session import restore_paths_state, save_paths_state
from app.shell.user_files import DATA_DIR_VARIABLE
from engine.session_file import PageState, read_session, write_session

TINY = PathsSettings(
    hidden=(24, 12), autoencoder_epochs=6, classifier_epochs=2, survey_pairs=20, strip_samples=9
)
TIMEOUT_MS = 60_000


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path / "data"))


@pytest.fixture
def trained_page(qtbot) -> Iterator[PathsPage]:
    """A Paths page with tiny models of latent dimensions 2 and 16, showing a pair in 16-D
    sliced through a third image; ``plane_cells`` is the cell count of its latent plane."""
    page = PathsPage(TINY)
    qtbot.addWidget(page)
    page.resize(1400, 860)
    with qtbot.waitSignal(page.pair_shown, timeout=TIMEOUT_MS):
        page.show()
    page.plane_cells = page.controller.models.view.partition.n_regions
    with qtbot.waitSignal(page.pair_shown, timeout=TIMEOUT_MS):
        page.controls.latent_combo.setCurrentIndex(page.controls.latent_combo.findData(16))
    shown = page.controls.gallery.shown_indices
    a, b, c = int(shown[1, 3]), int(shown[2, 8]), int(shown[0, 5])
    with qtbot.waitSignal(page.pair_shown, timeout=TIMEOUT_MS):
        page.controls.pick(a, "A")
        page.controls.pick(b, "B")
    with qtbot.waitSignal(page.pair_shown, timeout=TIMEOUT_MS):
        page.controls.pick(c, "C")
    yield page
    page.shutdown()
    page.close()


@pytest.fixture
def no_training(monkeypatch):
    """Training replaced by a failure: a restore that trains would show it."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("a restored session was trained again")

    # The page imports the training functions (and torch) when it trains.
    monkeypatch.setattr(digit_models, "train_classifier", refuse)
    monkeypatch.setattr(digit_models, "train_autoencoder", refuse)


def _parameters(model) -> list[torch.Tensor]:
    return [t.detach().clone() for t in model.state_dict().values()]


def _networks(page: PathsPage) -> dict[int, list[torch.Tensor]]:
    return {
        dim: [
            *_parameters(nets.autoencoder.encoder),
            *_parameters(nets.autoencoder.decoder),
            *_parameters(nets.classifier),
        ]
        for dim, nets in page.controller.trained_networks().items()
    }


def _assert_same(saved: dict, restored: dict) -> None:
    assert saved.keys() == restored.keys()
    for dim, tensors in saved.items():
        for a, b in zip(tensors, restored[dim], strict=True):
            assert a.dtype == b.dtype == torch.float64 and torch.equal(a, b), dim


def test_saved_models_come_back_without_training(qtbot, trained_page, no_training, tmp_path):
    saved_page = trained_page
    saved = _networks(saved_page)
    assert sorted(saved) == [2, 16]
    analysis = saved_page.controller.analysis
    path = tmp_path / "paths.splinescope"
    write_session(path, {"paths": save_paths_state(saved_page)})

    page = PathsPage()  # default settings: the session's own must replace them
    qtbot.addWidget(page)
    page.resize(1400, 860)
    restore_paths_state(page, read_session(path)["paths"])
    assert "saved models come back" in page.controls.stage_label.text()
    assert page.controller.has_networks  # so showing derives the cells, without training
    with qtbot.waitSignal(page.pair_shown, timeout=TIMEOUT_MS) as shown:
        page.show()

    restored = shown.args[0]
    assert page.controller.settings == TINY
    assert page.controller.latent_dim == 16 and page.controls.latent_combo.currentData() == 16
    _assert_same(saved, _networks(page))
    assert restored.request == analysis.request
    assert restored.path.n_cells == analysis.path.n_cells
    assert page.views.cells_label.text() == saved_page.views.cells_label.text()
    assert page.views.canvas_card.title.text() == saved_page.views.canvas_card.title.text()
    assert page.controls.gallery.marks() == saved_page.controls.gallery.marks()
    assert "trained on" in page.controls.stage_label.text()

    # The other latent dimension is rebuilt from its saved networks too, not trained.
    with qtbot.waitSignal(page.controller.models_ready, timeout=TIMEOUT_MS):
        page.controls.latent_combo.setCurrentIndex(page.controls.latent_combo.findData(2))
    models = page.controller.models
    assert models.latent_dim == 2
    assert models.view.partition.n_regions == saved_page.plane_cells
    page.shutdown()


def _poison(state: PageState, kind: str) -> PageState:
    tensors = dict(state.tensors)
    name = next(k for k in tensors if k.startswith("models.16.decoder.") and "weight" in k)
    if kind == "nan":
        tensors[name] = torch.full_like(tensors[name], float("nan"))
    else:
        tensors[name] = tensors[name][:, :-1].contiguous()
    return PageState(state.settings, tensors)


@pytest.mark.parametrize(("kind", "expected"), [("nan", "NaN or infinite"), ("shape", "shape")])
def test_a_damaged_model_is_refused_and_the_window_keeps_its_session(
    qtbot, trained_page, main_window, tmp_path, kind, expected
):
    window = main_window
    good = tmp_path / "good.splinescope"
    assert window.sessions.save_to(good)
    pages = read_session(good)
    pages["paths"] = save_paths_state(trained_page)
    write_session(good, pages)
    assert window.sessions.open_path(good)  # the Paths page, not yet shown, holds the models
    held = _networks(window.page("paths"))
    assert sorted(held) == [2, 16]
    cells_weights = _parameters(window.page("cells").controller.model)

    bad = tmp_path / "bad.splinescope"
    pages["paths"] = _poison(pages["paths"], kind)
    write_session(bad, pages)
    assert not window.sessions.open_path(bad)

    box = window.findChild(QMessageBox, "sessionProblemBox")
    assert box is not None and box.isVisible()
    text = box.text()
    assert "The paths page" in text and "latent-16 model's decoder" in text
    assert expected in text and "unchanged" in text
    _assert_same(held, _networks(window.page("paths")))
    after = _parameters(window.page("cells").controller.model)
    assert all(torch.equal(a, b) for a, b in zip(cells_weights, after, strict=True))
    assert window.sessions.path == good.absolute()
    box.close()


def test_mnist_models_name_their_files_and_refuse_moved_or_changed_ones(tmp_path):
    """A session trained on MNIST files reads them again; files that are gone or hold other
    images are refused with a message naming them (the networks would not match)."""
    import numpy as np

    from app.paths.controller import TrainedNetworks, load_source
    from app.paths.session import parse_paths_state, paths_page_state
    from engine.digit_models import Autoencoder
    from engine.digits import save_idx
    from engine.networks import random_mlp
    from engine.session_file import SessionFileError

    rng = np.random.default_rng(0)
    images, labels = tmp_path / "images-idx3-ubyte", tmp_path / "labels-idx1-ubyte"
    save_idx(images, rng.integers(0, 256, (60, 6, 6), dtype=np.uint8))
    save_idx(labels, np.arange(60, dtype=np.uint8) % 10)
    source = load_source(str(images), str(labels))
    nets = TrainedNetworks(
        Autoencoder(random_mlp([5], n_inputs=36, n_outputs=2), random_mlp([5], n_outputs=36)),
        random_mlp([4], n_inputs=36, n_outputs=10),
    )
    state = paths_page_state(source, 2, TINY, {2: nets})
    assert state.settings["data"]["files"] == [str(images), str(labels)]

    session = parse_paths_state(state)
    assert session.source.files == source.files and len(session.source.test) == 12
    assert torch.equal(
        session.networks[2].autoencoder.decoder[0].weight, nets.autoencoder.decoder[0].weight
    )

    save_idx(images, rng.integers(0, 256, (60, 6, 6), dtype=np.uint8))
    with pytest.raises(SessionFileError, match="differ from those the session was saved with"):
        parse_paths_state(state)
    images.unlink()
    with pytest.raises(SessionFileError, match="cannot be read") as refused:
        parse_paths_state(state)
    assert str(images) in str(refused.value)
