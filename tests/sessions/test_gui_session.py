"""Sessions in the real window: save and open, bad files, recovery, import, limits, errors.

Every test points ``SPLINESCOPE_DATA_DIR`` at a temporary folder, so the autosave, the
marker, the error log and the settings (an INI file there) never touch the user's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton

from app.shell.user_files import DATA_DIR_VARIABLE, autosave_path, error_log_path
from engine.networks import random_mlp
from engine.session_file import FORMAT_VERSION, PageState, read_session, write_session

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_MS = 30_000


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path / "data"))


def _network_text(window) -> str:
    return window.page("cells").findChild(QLabel, "networkLabel").text()


def _weights(model) -> list[torch.Tensor]:
    return [t.detach().clone() for t in model.state_dict().values()]


def _problem_box(window) -> QMessageBox:
    box = window.findChild(QMessageBox, "sessionProblemBox")
    assert box is not None and box.isVisible(), "no message about the problem"
    return box


def _train_playground(window, qtbot, epochs: int = 3) -> None:
    playground = window.page("playground")
    window.pages.setCurrentWidget(playground)
    controller = playground.controller
    for _ in range(epochs):
        with qtbot.waitSignal(
            controller.training_changed, timeout=TIMEOUT_MS, check_params_cb=lambda r: not r
        ):
            controller.step()
    window.pages.setCurrentWidget(window.page("cells"))


def test_a_trained_session_comes_back_bit_identical(main_window, qtbot, tmp_path):
    window = main_window
    cells = window.page("cells")
    cells.set_network(random_mlp([8, 8], seed=11))
    qtbot.waitUntil(
        lambda: cells.controller.result is not None and cells.controller.result.n_layers == 2,
        timeout=TIMEOUT_MS,
    )
    cells.controller.set_layers(1)
    qtbot.waitUntil(lambda: cells.controller.result.layers == 1, timeout=TIMEOUT_MS)
    cells.probe.place_probe(0.25, -0.5)
    window.page("volume").controller.set_dimension(7)
    _train_playground(window, qtbot)
    snapshot = window.page("playground").controller.snapshot
    saved_weights = {k: v.clone() for k, v in snapshot.state.items()}
    saved_cells = _weights(cells.controller.model)
    path = tmp_path / "trained.splinescope"

    assert window.sessions.save_to(path)
    assert window.windowTitle() == "trained.splinescope — Splinescope"

    # Change everything, then open the file again.
    cells.set_network(random_mlp([5, 5, 5], seed=1))
    window.page("volume").controller.set_dimension(3)
    window.page("playground").controller.reset()
    assert window.sessions.open_path(path)

    qtbot.waitUntil(
        lambda: (
            cells.controller.result is not None
            and cells.controller.result.layers == 1
            and cells.controller.result.n_layers == 2
        ),
        timeout=TIMEOUT_MS,
    )
    qtbot.waitUntil(lambda: cells.probe.position == (0.25, -0.5), timeout=TIMEOUT_MS)
    assert _network_text(window) == "2 → 8 → 8 → 2 · ReLU"
    for a, b in zip(saved_cells, _weights(cells.controller.model), strict=True):
        assert a.dtype == b.dtype and torch.equal(a, b)
    assert window.page("volume").controller.dimension == 7
    restored = window.page("playground").controller.snapshot
    assert restored.epoch == snapshot.epoch == 3 and restored.step == snapshot.step
    assert restored.state.keys() == saved_weights.keys()
    for name, tensor in saved_weights.items():
        assert torch.equal(restored.state[name], tensor), name  # bit-identical
    np.testing.assert_array_equal(restored.history.test_loss, snapshot.history.test_loss)
    epoch_label = window.page("playground").controls.progress_label.text()
    assert epoch_label.startswith("epoch 3 /")
    assert str(path) in window.sessions.recent_files()
    assert window.sessions.recent_menu.actions()[0].data() == str(path)


def _corrupt(path: Path, member: str, edit) -> Path:
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members[member] = edit(members[member])
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _edit_document(change):
    def edit(data: bytes) -> bytes:
        document = json.loads(data)
        change(document)
        return json.dumps(document).encode()

    return edit


def _cells_settings(document) -> dict:
    return document["pages"]["cells"]["settings"]


BAD_FILES = {
    "truncated": (lambda p: p.write_bytes(p.read_bytes()[:300]) or p, "cut short"),
    "newer version": (
        lambda p: _corrupt(
            p, "session.json", _edit_document(lambda d: d.update(format_version=FORMAT_VERSION + 1))
        ),
        "newer Splinescope",
    ),
    "shapes disagree": (
        lambda p: _corrupt(
            p,
            "session.json",
            _edit_document(lambda d: _cells_settings(d)["network"][0].update(out_features=9)),
        ),
        "shape",
    ),
    "smooth activation": (
        lambda p: _corrupt(
            p,
            "session.json",
            _edit_document(lambda d: _cells_settings(d)["network"][1].update(kind="tanh")),
        ),
        "not piecewise linear",
    ),
    "convolution": (
        lambda p: _corrupt(
            p,
            "session.json",
            _edit_document(lambda d: _cells_settings(d)["network"][1].update(kind="conv2d")),
        ),
        "fully connected",
    ),
}


@pytest.mark.parametrize("fault", sorted(BAD_FILES))
def test_a_bad_session_is_explained_and_the_session_stays(main_window, tmp_path, fault):
    window = main_window
    path = tmp_path / "bad.splinescope"
    assert window.sessions.save_to(path)
    make_bad, expected = BAD_FILES[fault]
    make_bad(path)
    model = window.page("cells").controller.model
    shown = _network_text(window)

    assert not window.sessions.open_path(path)

    box = _problem_box(window)
    assert expected in box.text() and "bad.splinescope" in box.text()
    assert "unchanged" in box.text()
    assert window.page("cells").controller.model is model
    assert _network_text(window) == shown
    box.close()


def test_nan_weights_in_one_page_leave_every_page_as_it_was(main_window, tmp_path):
    """The Cells page is restored first; the Playground's NaN then puts it back."""
    window = main_window
    path = tmp_path / "nan.splinescope"
    window.page("playground")  # a page never built has no section to poison
    assert window.sessions.save_to(path)
    pages = read_session(path)
    other = random_mlp([3], seed=9)
    from engine.network_spec import network_spec, network_tensors

    pages["cells"] = PageState(
        {**pages["cells"].settings, "network": network_spec(other), "layers": 1},
        {f"network.{k}": v for k, v in network_tensors(other).items()},
    )
    poisoned = dict(pages["playground"].tensors)
    name = next(k for k in poisoned if k.startswith("weights."))
    poisoned[name] = torch.full_like(poisoned[name], float("nan"))
    pages["playground"] = PageState(pages["playground"].settings, poisoned)
    write_session(path, pages)
    before = _weights(window.page("cells").controller.model)

    assert not window.sessions.open_path(path)

    message = _problem_box(window).text()
    assert "NaN or infinite" in message and "The playground page" in message
    after = _weights(window.page("cells").controller.model)
    assert all(torch.equal(a, b) for a, b in zip(before, after, strict=True))
    assert _network_text(window) == "2 → 16 → 16 → 16 → 2 · ReLU"


def test_recovery_is_offered_after_an_unclean_exit(qtbot, tmp_path):
    from app.shell.main_window import MainWindow

    saved = random_mlp([6, 6], seed=21)
    first = MainWindow()
    qtbot.addWidget(first)
    first.page("cells").set_network(saved)
    first.sessions.begin()
    assert first.sessions.autosave_now() == autosave_path()
    markers = list(autosave_path().parent.glob("running-*.marker"))
    assert len(markers) == 1
    # The process dies: its marker stays, named after a process that no longer exists.
    markers[0].rename(markers[0].with_name("running-999999999.marker"))
    first.page("cells").shutdown()

    window = MainWindow()
    qtbot.addWidget(window)
    box = window.sessions.begin()
    assert box is not None and box.isVisible()
    assert "did not close properly" in box.text()
    with qtbot.waitSignal(window.sessions.session_loaded, timeout=10_000):
        box.findChild(QPushButton, "restoreButton").click()
        assert window.sessions.reader.is_busy  # read in a worker, not on the GUI thread

    assert _network_text(window) == "2 → 6 → 6 → 2 · ReLU"
    assert window.sessions.path is None  # recovered, not yet saved anywhere
    window.close()
    assert not autosave_path().exists()  # a clean exit leaves nothing to recover
    assert not list(autosave_path().parent.glob("running-*.marker"))
    settings_file = autosave_path().parent / "settings.ini"
    assert "geometry" in settings_file.read_text()


def test_import_weights_with_a_width_spec(main_window, qtbot, tmp_path):
    from app.model_import.weights_dialog import ImportWeightsDialog

    trained = torch.nn.Sequential(
        torch.nn.Linear(2, 8),
        torch.nn.ReLU(),
        torch.nn.Linear(8, 8),
        torch.nn.ReLU(),
        torch.nn.Linear(8, 3),
    )
    torch.save(trained.state_dict(), tmp_path / "mlp.pt")
    dialog = ImportWeightsDialog(main_window)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    with qtbot.waitSignal(dialog.reading.returned, timeout=10_000):
        dialog.set_path(tmp_path / "mlp.pt")
        assert dialog.reading.is_busy and not ok.isEnabled()  # read in a worker
    assert dialog.widths_edit.text() == "8,8" and dialog.outputs_spin.value() == 3
    assert ok.isEnabled()

    dialog.widths_edit.clear()
    qtbot.keyClicks(dialog.widths_edit, "8,,x")
    assert not ok.isEnabled()
    assert "Item 2 is empty; item 3 ('x') is not a whole number" in dialog.error_label.text()
    dialog.widths_edit.setText("8,4")
    assert "the widths say 8 to 4" in dialog.error_label.text()
    dialog.widths_edit.setText("8,8")
    assert ok.isEnabled()

    main_window.sessions.show_imported(dialog.model)
    cells = main_window.page("cells")
    assert _network_text(main_window) == "2 → 8 → 8 → 3 · ReLU"
    x = torch.tensor([[0.3, -0.2]])
    assert torch.allclose(cells.controller.model(x.double()), trained(x).double(), atol=1e-6)


def test_too_many_cells_offers_to_raise_the_limit(main_window, qtbot):
    cells = main_window.page("cells")
    count = cells.controller.result.partition.n_regions
    limit = count // 4 + 1
    cells.controller.set_max_regions(limit)

    qtbot.waitUntil(
        lambda: cells.findChild(QMessageBox, "partitionErrorBox") is not None, timeout=TIMEOUT_MS
    )
    box = cells.findChild(QMessageBox, "partitionErrorBox")
    assert f"limit of {limit:,}" in box.text() and "raise the limit" in box.text()
    assert cells.findChild(QPushButton, "fewerLayersButton") is not None
    assert cells.findChild(QPushButton, "zoomInButton") is not None
    raise_button = cells.findChild(QPushButton, "raiseLimitButton")
    assert raise_button.text() == f"Raise limit to {4 * limit:,}"

    raise_button.click()

    qtbot.waitUntil(
        lambda: (
            cells.controller.result is not None
            and cells.findChild(QLabel, "cellCountLabel").text() == str(count)
            and cells.controller.limit_error is None
        ),
        timeout=TIMEOUT_MS,
    )
    assert cells.controller.max_regions == 4 * limit


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_or_thread_is_shown_and_logged(main_window, qtbot):
    from app.shell.error_reporting import install_exception_hooks

    reporter = install_exception_hooks()
    try:
        with qtbot.waitSignal(reporter.reported, timeout=TIMEOUT_MS) as shown:
            QTimer.singleShot(0, lambda: 1 / 0)
        assert "ZeroDivisionError" in shown.args[0] and "still running" in shown.args[0]
        box = reporter.box
        assert box.objectName() == "unexpectedErrorBox"
        assert box.isVisible()

        def worker():
            raise RuntimeError("a worker thread died")

        with qtbot.waitSignal(reporter.reported, timeout=TIMEOUT_MS) as shown:
            thread = threading.Thread(target=worker, name="doomed")
            thread.start()
            thread.join()
        assert "a worker thread died" in box.text()
        log = error_log_path().read_text()
        assert (
            "ZeroDivisionError" in log and "thread doomed" in log and "a worker thread died" in log
        )
        # The app still works: the layer slider still partitions.
        main_window.page("cells").controller.set_layers(1)
        qtbot.waitUntil(
            lambda: main_window.page("cells").controller.result.layers == 1, timeout=TIMEOUT_MS
        )
    finally:
        reporter.uninstall()


def test_the_command_line_names_a_bad_session_in_one_line(tmp_path):
    bad = tmp_path / "broken.splinescope"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    env = {**os.environ, DATA_DIR_VARIABLE: str(tmp_path / "data")}
    run = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), str(bad)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("splinescope: Cannot open broken.splinescope:")


def test_the_cells3d_network_its_data_and_view_come_back(main_window, qtbot, tmp_path):
    from engine.partition3d import partition_3d

    window = main_window
    page = window.page("cells3d")
    c = page.controller
    window.pages.setCurrentWidget(page)  # trains the default preset
    qtbot.waitUntil(
        lambda: page._result is not None and not c.is_training and c.dataset is not None,
        timeout=60_000,
    )
    trained = _weights(c.model)
    c.set_layers(1)
    qtbot.waitUntil(lambda: page._result.layers == 1, timeout=TIMEOUT_MS)
    page.opacity_slider.setValue(40)
    page.decision_check.setChecked(False)
    page.probe.place_probe(np.array([0.3, -0.2, 0.1]))
    page.slice_check.setChecked(True)
    tilted = np.array([1.0, 1.0, 0.5]) / 1.5
    page.view.set_slice_plane([0.2, 0.1, -0.3], tilted)
    path = tmp_path / "cells3d.splinescope"
    assert window.sessions.save_to(path)
    assert "cells_3d" in read_session(path)

    c.set_network(random_mlp([5, 5], n_inputs=3, seed=2))
    page.opacity_slider.setValue(10)
    page.decision_check.setChecked(True)
    page.slice_check.setChecked(False)
    page.view.set_slice_plane([0.0, 0.0, 0.0], [0.0, 0.0, 1.0])
    assert window.sessions.open_path(path)

    qtbot.waitUntil(
        lambda: (
            page._result is not None
            and page._result.layers == 1
            and page._result.n_layers == 2
            and page._result.model is c.model
        ),
        timeout=TIMEOUT_MS,
    )
    for a, b in zip(trained, _weights(c.model), strict=True):
        assert a.dtype == b.dtype and torch.equal(a, b)  # bit-identical, not retrained
    assert not c.is_training
    assert c.dataset is not None and c.dataset.name == "ball_in_shell"
    expected = partition_3d(c.model, c.bounds, layers=1).n_regions
    assert page.count_label.text() == f"{expected:,}"
    assert page.opacity_slider.value() == 40 and not page.decision_check.isChecked()
    origin, normal = page.view.slice_plane()
    assert page.slice_check.isChecked() and page.view.slice_enabled
    np.testing.assert_allclose(origin, [0.2, 0.1, -0.3], atol=1e-12)
    np.testing.assert_allclose(normal, tilted, atol=1e-12)
    qtbot.waitUntil(
        lambda: (
            page.probe.position is not None and np.allclose(page.probe.position, [0.3, -0.2, 0.1])
        ),
        timeout=TIMEOUT_MS,
    )

    # A poisoned Cells 3D entry is refused and the page keeps what it shows.
    pages = read_session(path)
    tensors = dict(pages["cells_3d"].tensors)
    name = next(iter(tensors))
    tensors[name] = torch.full_like(tensors[name], float("inf"))
    pages["cells_3d"] = PageState(pages["cells_3d"].settings, tensors)
    write_session(path, pages)
    assert not window.sessions.open_path(path)
    assert "NaN or infinite" in _problem_box(window).text()
    for a, b in zip(trained, _weights(c.model), strict=True):
        assert torch.equal(a, b)


def test_the_hulls_training_set_test_point_and_tab_come_back(main_window, qtbot, tmp_path):
    from engine.hull_scene import make_scene

    window = main_window
    page = window.page("hulls")
    c = page.controller
    with qtbot.waitSignal(c.scene_changed, timeout=TIMEOUT_MS):
        window.pages.setCurrentWidget(page)
    ring = make_scene(2).hull_ring
    c.new_scene()
    c.new_scene()
    qtbot.waitUntil(lambda: np.array_equal(c.scene.hull_ring, ring), timeout=TIMEOUT_MS)
    page.canvas.move_test_point(-0.4, 0.65)
    page.experiments.setCurrentIndex(1)
    path = tmp_path / "hulls.splinescope"
    assert window.sessions.save_to(path)
    assert read_session(path)["hulls"].settings["seed"] == 2

    with qtbot.waitSignal(c.scene_changed, timeout=TIMEOUT_MS):
        c.new_scene()
    page.canvas.move_test_point(0.0, 0.0)
    page.experiments.setCurrentIndex(0)
    assert not np.array_equal(c.scene.hull_ring, ring)
    assert window.sessions.open_path(path)

    qtbot.waitUntil(lambda: np.array_equal(c.scene.hull_ring, ring), timeout=TIMEOUT_MS)
    assert c.seed == 2
    assert page.canvas.test_point_position() == pytest.approx((-0.4, 0.65))
    assert c.test_point == pytest.approx((-0.4, 0.65))
    assert page.experiments.currentIndex() == 1


def test_a_session_saved_before_paths_hulls_and_the_slice_were_kept_still_opens(
    main_window, tmp_path
):
    """Format 1 files written before these sections existed: the pages they do not name
    keep what they show, and a Cells 3D entry without a slicing plane opens."""
    window = main_window
    path = tmp_path / "older.splinescope"
    for key in ("paths", "hulls", "cells3d"):  # a session names the pages built
        window.page(key)
    assert window.sessions.save_to(path)
    pages = read_session(path)
    del pages["paths"], pages["hulls"]
    cells3d = pages["cells_3d"]
    older = {k: v for k, v in cells3d.settings.items() if k != "slice"}
    pages["cells_3d"] = PageState(older, cells3d.tensors)
    write_session(path, pages)
    paths_controller = window.page("paths").controller
    source = paths_controller.source

    assert window.sessions.open_path(path)
    assert paths_controller.source is source and window.page("hulls").controller.seed == 0
    assert not window.page("cells3d").slice_check.isChecked()
