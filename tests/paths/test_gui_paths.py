"""The Paths page, driven like a user: clicks in the gallery, the latent-dimension box,
a bad MNIST file, and Cancel; checked against the engine's own walk of the same models."""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.paths.controller import PathsSettings
from app.paths.page import PathsPage
from engine.networks import network_layers
from engine.segment_walk import segment_crossings
from tests.shown_page import shown_page

#: Tiny models: the page's behaviour, not the models' quality, is under test.
TINY = PathsSettings(
    hidden=(24, 12), autoencoder_epochs=6, classifier_epochs=2, survey_pairs=20, strip_samples=9
)
TIMEOUT_MS = 60_000


@pytest.fixture
def paths_page(qtbot) -> Iterator[PathsPage]:
    """The Paths page on its own, shown, with its models trained and a first pair drawn."""
    page = PathsPage(TINY)
    yield from shown_page(qtbot, page, (1400, 860), timeout_ms=TIMEOUT_MS, drawn=page.pair_shown)


def click_image(qtbot, page: PathsPage, index: int, modifier=Qt.KeyboardModifier.NoModifier):
    gallery = page.controls.gallery
    qtbot.mouseClick(
        gallery, Qt.MouseButton.LeftButton, modifier, gallery.image_position(index).toPoint()
    )


def pick_pair(qtbot, page: PathsPage, a: int, b: int):
    def is_pair(analysis) -> bool:
        return (analysis.request.index_a, analysis.request.index_b) == (a, b)

    with qtbot.waitSignal(page.pair_shown, timeout=TIMEOUT_MS, check_params_cb=is_pair) as blocker:
        click_image(qtbot, page, a)
        click_image(qtbot, page, b)
    return blocker.args[0]


def test_picking_two_digits_shows_their_strip_and_crossings(qtbot, paths_page):
    page = paths_page
    shown = page.controls.gallery.shown_indices
    a, b = int(shown[1, 2]), int(shown[2, 6])
    pick_pair(qtbot, page, a, b)
    assert page.controls.gallery.marks() == {"A": a, "B": b}

    # The engine, independently: encode the two images, walk the decoder.
    models = page.controller.models
    test = page.controller.source.test
    z_a, z_b = models.autoencoder.encode(test.flat[[a, b]])
    crossings = segment_crossings(models.autoencoder.decoder, z_a, z_b)
    n_cells = crossings.n_cells
    assert page.views.strip.n_thumbnails == min(2 * n_cells + 1, TINY.strip_samples)
    assert f"crosses {n_cells} cell" in page.views.cells_label.text()
    np.testing.assert_allclose(
        page.views.canvas.path_crossing_points, crossings.points(), atol=1e-9
    )
    np.testing.assert_allclose(
        np.array(page.views.canvas.path_ends), np.stack([z_a, z_b]), atol=1e-9
    )
    tags = page.views.strip.tags
    assert tags[0].startswith("t=0.00") and tags[-1].startswith("t=1.00")

    # Unreached cells: those whose pattern no training code has.
    codes = models.autoencoder.encode(page.controller.source.train.flat)
    patterns = network_layers(models.autoencoder.decoder).activation_pattern(codes)
    seen = {row.tobytes() for row in patterns}
    partition = page.views.canvas.partition
    expected = sum(row.tobytes() not in seen for row in partition.patterns)
    assert page.views.canvas.n_unreached_shaded == expected
    assert (
        f"{expected:,} cells that no training code reaches" in page.views.canvas_card.title.text()
    )

    walk = segment_crossings(models.classifier, test.flat[a], test.flat[b])
    assert page.views.classifier_plot.n_cells == walk.n_cells
    assert re.search(r"Predicted class along the path: \d", page.views.class_label.text())


def test_a_larger_latent_space_is_shown_as_a_slice_through_the_path(qtbot, paths_page):
    page = paths_page
    index = page.controls.latent_combo.findData(16)
    with qtbot.waitSignal(page.pair_shown, timeout=TIMEOUT_MS):
        page.controls.latent_combo.setCurrentIndex(index)
    models = page.controller.models
    assert models.latent_dim == 16
    assert "2-D slice of the 16-D latent space" in page.views.canvas_card.title.text()
    analysis = page.controller.analysis
    test = page.controller.source.test
    z_a, z_b = models.autoencoder.encode(
        test.flat[[analysis.request.index_a, analysis.request.index_b]]
    )
    crossings = segment_crossings(models.autoencoder.decoder, z_a, z_b)
    length = np.linalg.norm(z_b - z_a)
    # In the slice the path runs along the first axis from 0 to its latent length.
    expected = np.column_stack([crossings.t * length, np.zeros(crossings.n_crossings)])
    np.testing.assert_allclose(page.views.canvas.path_crossing_points, expected, atol=1e-9)
    assert page.views.canvas.partition.plane is not None
    assert f"crosses {crossings.n_cells} cell" in page.views.cells_label.text()

    # Ctrl+click picks a third image: the slice turns to contain its code.
    third = int(page.controls.gallery.shown_indices[0, 0])
    with qtbot.waitSignal(page.pair_shown, timeout=TIMEOUT_MS):
        click_image(qtbot, page, third, Qt.KeyboardModifier.ControlModifier)
    assert "and image C" in page.views.canvas_card.title.text()
    origin, u, v = page.views.canvas.partition.plane
    z_c = models.autoencoder.encode(test.flat[third : third + 1])[0]
    s, t = (z_c - origin) @ u, (z_c - origin) @ v
    np.testing.assert_allclose(origin + s * u + t * v, z_c, atol=1e-9)


def test_a_wrong_mnist_file_is_reported_in_a_message_box(qtbot, paths_page, tmp_path):
    images = tmp_path / "train-images-idx3-ubyte"
    images.write_bytes(b"\x00\x00\x08\x01" + (3).to_bytes(4, "big") + b"\x01\x02\x03")
    paths_page.controller.load_mnist(str(images), str(images))

    def error_box() -> QMessageBox | None:
        return paths_page.findChild(QMessageBox, "pathsErrorBox")

    # The files are read in a worker: the box comes when it is done.
    qtbot.waitUntil(lambda: error_box() is not None and error_box().isVisible(), timeout=5000)
    box = error_box()
    assert "not an IDX image file" in box.text() and "train-images-idx3-ubyte" in box.text()
    box.close()


def test_training_can_be_cancelled(qtbot):
    page = PathsPage(PathsSettings(autoencoder_epochs=5000, classifier_epochs=5000))
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.controller.training_progress, timeout=TIMEOUT_MS):
        page.show()
    assert page.controls.cancel_button.isEnabled()
    with qtbot.waitSignal(page.controller.training_finished, timeout=TIMEOUT_MS) as blocker:
        qtbot.mouseClick(page.controls.cancel_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["cancelled"]
    assert (
        "cancelled" in page.controls.stage_label.text() and page.controls.retrain_button.isEnabled()
    )
    assert page.controller.models is None and page.views.strip.n_thumbnails == 0
    page.shutdown()


def test_the_strip_tags_take_the_colour_blind_safe_palette(qtbot, paths_page):
    import app.shell.theme as app_theme
    from widgets.common.palettes import CELL_PALETTE, CVD_CELL_PALETTE

    page = paths_page

    def colours_in(palette) -> bool:
        allowed = {tuple(int(v) for v in rgb) for rgb in palette}
        return bool(page.views.strip.tag_colours) and set(page.views.strip.tag_colours) <= allowed

    assert colours_in(CELL_PALETTE)
    try:
        app_theme.set_colour_blind_safe(True)
        qtbot.waitUntil(lambda: colours_in(CVD_CELL_PALETTE), timeout=TIMEOUT_MS)
    finally:
        app_theme.apply_theme("default", colour_blind_safe=False)
    qtbot.waitUntil(lambda: colours_in(CELL_PALETTE), timeout=TIMEOUT_MS)


def test_a_fresh_page_shows_the_shipped_models_latent_plane_without_training(qtbot):
    from engine.shipped_digit_networks import SHIPPED_FILE, load_digit_networks

    page = PathsPage()  # the page's defaults: the shipped recipe
    stages: list[str] = []
    page.controller.training_progress.connect(lambda stage: stages.append(stage.stage))
    qtbot.addWidget(page)
    page.resize(1400, 860)
    with qtbot.waitSignal(page.pair_shown, timeout=TIMEOUT_MS):
        page.show()
    assert stages and not any(stage.startswith("Training") for stage in stages)
    assert "shipped with Splinescope" in page.controls.stage_label.text()
    # The latent plane shows the training digits where the file's own encoder puts them.
    shipped = load_digit_networks(SHIPPED_FILE)
    codes = shipped.autoencoder.encode(page.controller.source.train.flat)
    np.testing.assert_allclose(page.views.canvas.code_points, codes, atol=1e-12)
    assert page.views.canvas.partition.n_regions > 1

    # Retraining stays one click away: it trains (and Cancel stops it).
    button = page.controls.retrain_button
    assert button.isEnabled() and button.text() == "Retrain"
    with qtbot.waitSignal(page.controller.training_progress, timeout=TIMEOUT_MS):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.controls.stage_label.text().startswith("Training the"))
    with qtbot.waitSignal(page.controller.training_finished, timeout=TIMEOUT_MS):
        qtbot.mouseClick(page.controls.cancel_button, Qt.MouseButton.LeftButton)
    assert button.isEnabled() and button.text() == "Train"
    page.shutdown()
