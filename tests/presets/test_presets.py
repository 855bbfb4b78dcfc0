"""Presets: every shipped file loads, and applying one shows its page with its settings."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from app.cells.preset import cells_network
from app.playground.preset import playground_settings
from app.presets.files import PRESETS_DIR, apply_preset, load_preset, preset_names
from app.registry import page_keys
from engine.partition2d import partition_2d

FRAME_TIMEOUT_MS = 60_000
#: The issue's named scenarios, by key; each must ship once its page exists.
NAMED = {
    "xor-4": "playground",
    "spirals-deep": "playground",
    "circle-ring-features": "playground",
    "ball-in-cube": "volume",
}


def test_every_preset_file_loads_and_names_a_page():
    files = sorted(PRESETS_DIR.glob("*.json"))
    assert [f.stem for f in files] == preset_names()
    for path in files:
        preset = load_preset(path.stem)
        assert preset.key == path.stem
        assert preset.title and preset.description
        assert preset.page in page_keys()
        assert json.loads(path.read_text())["format_version"] == 1
    for key, page in NAMED.items():
        assert load_preset(key).page == page


def test_an_unknown_name_lists_the_valid_names():
    with pytest.raises(ValueError) as raised:
        load_preset("no-such-preset")
    message = str(raised.value)
    assert "no-such-preset" in message
    for name in preset_names():
        assert name in message


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "not readable JSON"),
        ('{"format_version": 1, "title": "t", "page": "cells"}', "missing field(s) settings"),
        ('{"format_version": 2, "title": "t", "page": "cells", "settings": {}}', "format_version"),
        ('{"format_version": 1, "title": "t", "page": "nowhere", "settings": {}}', "cells, volume"),
        (
            '{"format_version": 1, "title": "t", "page": "cells", '
            '"settings": {"network": {"widths": [4, -1]}}}',
            "positive integers",
        ),
        (
            '{"format_version": 1, "title": "t", "page": "playground", '
            '"settings": {"dataset": {"name": "nope"}}}',
            "unknown data set 'nope'",
        ),
        (
            '{"format_version": 1, "title": "t", "page": "volume", '
            '"settings": {"dimension": 10, "colour": "red"}}',
            "unknown volume settings field(s) colour",
        ),
    ],
)
def test_a_malformed_file_gives_a_clear_error(tmp_path, content, says):
    path = tmp_path / "broken.json"
    path.write_text(content)
    with pytest.raises(ValueError) as raised:
        load_preset(str(path))
    assert "broken.json" in str(raised.value)
    assert says in str(raised.value)


def test_a_cells_preset_shows_the_cells_of_its_network(main_window, qtbot):
    preset = load_preset("cells-layer-by-layer")
    page = apply_preset(main_window, preset)
    assert page is main_window.page("cells")
    assert main_window.pages.currentWidget() is page
    qtbot.waitUntil(
        lambda: (
            page.controller.result is not None
            and page.controller.result.layers == preset.settings["layers"]
            and not page.controller.is_busy
        ),
        timeout=FRAME_TIMEOUT_MS,
    )
    expected = partition_2d(
        cells_network(preset.settings), tuple(preset.settings["bounds"]), layers=1
    )
    assert page.canvas.partition.n_regions == expected.n_regions
    assert page.layer_slider.value == 1
    assert page.layer_slider.maximum == len(preset.settings["network"]["widths"])
    assert page.findChild(object, "cellCountLabel").text() == str(expected.n_regions)


@pytest.mark.parametrize("name", ["xor-4", "circle-ring-features", "spirals-deep"])
def test_a_playground_preset_sets_data_features_network_and_training(main_window, qtbot, name):
    preset = load_preset(name)
    # Training is left off here (its start is checked below): the cells are those of the
    # initial network, which the test rebuilds on its own.
    still = replace(preset, settings={**preset.settings, "play": False})
    page = apply_preset(main_window, still)
    assert page is main_window.page("playground")
    assert main_window.pages.currentWidget() is page
    spec, transform, _view, architecture, config = playground_settings(preset.settings)
    controller = page.controller
    assert controller.dataset_spec == spec
    assert controller.transform.name == transform
    assert controller.architecture.widths == architecture.widths
    assert controller.config == config
    controls = page.controls
    assert controls.dataset_combo.currentData() == spec.name
    assert controls.transform_combo.currentData() == transform
    assert controls.widths_edit.text() == ",".join(map(str, architecture.widths))
    assert controls.epochs_spin.value() == config.epochs
    qtbot.waitUntil(
        lambda: (
            controller.frame is not None
            and controller.frame.run_id == controller.run_id
            and not controller.is_busy
        ),
        timeout=FRAME_TIMEOUT_MS,
    )
    frame = controller.frame
    assert frame.exact
    expected = partition_2d(controller.snapshot.model(), tuple(frame.bounds))
    assert frame.partition.n_regions == expected.n_regions
    assert page.cells.partition.n_regions == expected.n_regions


def test_a_playground_preset_that_plays_starts_training(main_window, qtbot):
    page = apply_preset(main_window, load_preset("xor-4"))
    assert page.controller.is_training
    qtbot.waitUntil(lambda: page.controller.snapshot.epoch >= 1, timeout=FRAME_TIMEOUT_MS)
    page.controller.pause()
    qtbot.waitUntil(lambda: not page.controller.is_busy, timeout=FRAME_TIMEOUT_MS)


def test_the_volume_preset_sets_the_dimensions_and_the_scan(main_window, qtbot):
    preset = load_preset("ball-in-cube")
    page = apply_preset(main_window, preset)
    assert page is main_window.page("volume")
    assert main_window.pages.currentWidget() is page
    settings = preset.settings
    assert page.controller.dimension == settings["dimension"]
    assert page.dimension_slider.value() == settings["dimension"]
    assert page.controller.distance_dimension == settings["distance_dimension"]
    assert page.distance_buttons.checkedId() == settings["distance_dimension"]
    assert page.controller.scan_position == pytest.approx(settings["scan_position"])
    # The histogram drawn is that of the preset's dimension (sampled on a worker).
    qtbot.waitUntil(
        lambda: (
            page.histogram_plot._histogram is not None
            and page.histogram_plot._histogram.d == settings["distance_dimension"]
        ),
        timeout=FRAME_TIMEOUT_MS,
    )
    page.shutdown()


def test_file_open_preset_lists_the_presets_and_opens_the_chosen_one(main_window, qtbot):
    main_window.findChild(object, "openPresetAction").trigger()
    dialog = main_window.preset_opener.dialog
    qtbot.waitExposed(dialog)
    titles = [dialog.list.item(row).text() for row in range(dialog.list.count())]
    assert len(titles) == len(preset_names())
    for name in preset_names():
        assert any(load_preset(name).title in title for title in titles)
    dialog.select("ball-in-cube")
    assert dialog.description.text() == load_preset("ball-in-cube").description
    dialog.accept()
    assert main_window.pages.currentWidget() is main_window.page("volume")
    assert main_window.page("volume").controller.distance_dimension == 100
    main_window.page("volume").shutdown()


def test_the_command_line_rejects_an_unknown_preset_with_the_names():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "main.py", "--preset", "no-such-preset"],
        cwd=PRESETS_DIR.parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "no-such-preset" in result.stderr
    for name in preset_names():
        assert name in result.stderr


def test_the_digits_preset_walks_between_the_first_images_of_its_classes(main_window, qtbot):
    import numpy as np

    preset = load_preset("digits-decoder-path")
    page = apply_preset(main_window, preset)
    assert page is main_window.pages.currentWidget()
    assert main_window.pages.tabText(main_window.pages.currentIndex()) == "Paths"
    controller = page.controller
    assert controller.latent_dim == preset.settings["latent_dim"]
    labels = controller.source.test.labels
    a, b = preset.settings["classes"]
    pair = controller.pair
    assert (pair.index_a, pair.index_b) == (
        int(np.argmax(labels == a)),
        int(np.argmax(labels == b)),
    )
    assert [combo.currentData() for combo in page.controls.class_combos] == [a, b]
    page.shutdown()


def test_the_hull_preset_shows_and_runs_its_experiment(main_window, qtbot):
    preset = load_preset("hull-vs-dimension")
    page = apply_preset(main_window, preset)
    assert main_window.pages.tabText(main_window.pages.currentIndex()) == "Hulls"
    settings = preset.settings
    key = settings["experiment"]
    assert page.panels[key] is page.experiments.currentWidget()
    assert page.controller.is_running(key)
    assert page.controller.seed == settings["seed"]
    qtbot.waitUntil(
        lambda: (
            page.controller.scene is not None
            and page.controller.test_point == pytest.approx(tuple(settings["test_point"]))
        ),
        timeout=FRAME_TIMEOUT_MS,
    )
    page.shutdown()


def test_the_octants_preset_trains_on_3d_xor_and_shows_its_exact_cells(main_window, qtbot):
    from engine.partition3d import partition_3d

    preset = load_preset("octants-3d")
    shown = []
    main_window.page("cells3d").partition_shown.connect(shown.append)
    page = apply_preset(main_window, preset)
    assert page is main_window.page("cells3d")
    assert main_window.pages.tabText(main_window.pages.currentIndex()) == "Cells 3D"
    assert page.dataset_combo.currentData() == "xor_3d"
    assert page.colour_combo.currentData() == "class"
    controller = page.controller
    assert controller.is_training
    # Training ends with the trained network partitioned and drawn.
    qtbot.waitUntil(
        lambda: (
            not controller.is_busy
            and controller.dataset is not None
            and bool(shown)
            and shown[-1].model is controller.model
        ),
        timeout=2 * FRAME_TIMEOUT_MS,
    )
    assert controller.dataset.name == "xor_3d"
    expected = partition_3d(controller.model, controller.bounds)
    assert shown[-1].partition.n_regions == expected.n_regions
    page.shutdown()
