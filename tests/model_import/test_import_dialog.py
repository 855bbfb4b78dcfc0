"""The Import model… dialog, driven as a user would: type a path, press Import, read what
it says; the model comes back through model_imported, a bad file leaves nothing."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt, QThreadPool

from app.model_import import ImportModelDialog, parse_input_shape
from engine.model_files import ImportedModel, ModelFileError
from tests.engine.model_file_cases import (
    gemm_relu_graph,
    mlp,
    save_onnx,
    save_torchscript,
    seeded,
)

TIMEOUT_MS = 20_000


@pytest.fixture
def dialog(qtbot):
    shown = ImportModelDialog()
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    return shown


def _press_import(qtbot, dialog, path) -> None:
    dialog.path_edit.clear()
    qtbot.keyClicks(dialog.path_edit, str(path))
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)


def test_an_onnx_file_imported_through_the_dialog_is_handed_back(qtbot, dialog, tmp_path):
    path, expected = gemm_relu_graph(tmp_path / "net.onnx", seed=1)

    with qtbot.waitSignal(dialog.model_imported, timeout=TIMEOUT_MS) as imported:
        _press_import(qtbot, dialog, path)

    got = imported.args[0]
    assert isinstance(got, ImportedModel) and dialog.imported is got
    assert (got.kind, got.input_shape, got.name) == ("onnx", (2,), "net")
    x = np.random.default_rng(0).uniform(-1, 1, (16, 2))
    with torch.no_grad():
        y = got.module(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(y, expected(x), rtol=1e-12, atol=1e-15)
    assert dialog.result() == ImportModelDialog.DialogCode.Accepted and not dialog.isVisible()
    assert not dialog.shape_needed


def test_a_bad_file_shows_its_sentence_and_hands_back_nothing(qtbot, dialog, tmp_path):
    whole = save_onnx(seeded(mlp(), seed=2), tmp_path / "whole.onnx", (2,))
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(whole.read_bytes()[:100])
    received = []
    dialog.model_imported.connect(received.append)

    _press_import(qtbot, dialog, cut)

    qtbot.waitUntil(lambda: dialog.error_label.text() != "", timeout=TIMEOUT_MS)
    assert dialog.error_label.text().startswith("cut.onnx is not an ONNX model")
    assert received == [] and dialog.imported is None
    assert dialog.isVisible() and dialog.import_button.isEnabled()


def test_torchscript_asks_for_the_input_shape_and_checks_it(qtbot, dialog, tmp_path):
    path = save_torchscript(seeded(mlp(), seed=3), tmp_path / "net.pt", "trace", (2,))
    _press_import(qtbot, dialog, path)
    qtbot.waitUntil(lambda: dialog.shape_needed, timeout=TIMEOUT_MS)
    assert "does not store its input's shape" in dialog.error_label.text()
    assert dialog.imported is None

    qtbot.keyClicks(dialog.shape_edit, "2,,x")
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.error_label.text() == (
        "The input shape '2,,x' must be whole numbers separated by commas, for example 1, 28, 28."
    )
    assert not dialog.loader.is_busy

    dialog.shape_edit.clear()
    qtbot.keyClicks(dialog.shape_edit, "2")
    with qtbot.waitSignal(dialog.model_imported, timeout=TIMEOUT_MS) as imported:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert (imported.args[0].kind, imported.args[0].input_shape) == ("torchscript", (2,))


def test_cancel_stops_the_load_and_changes_nothing(qtbot, tmp_path):
    started = threading.Event()

    def slow_load(path, *, input_shape, progress):
        started.set()
        for step in range(2000):  # 20 s unless cancelled
            progress(step / 2000)
            time.sleep(0.01)
        raise AssertionError("the load was not cancelled")

    dialog = ImportModelDialog(load=slow_load)
    qtbot.addWidget(dialog)
    dialog.show()
    received = []
    dialog.model_imported.connect(received.append)
    _press_import(qtbot, dialog, tmp_path / "any.onnx")
    assert started.wait(5) and dialog.loader.is_busy and not dialog.import_button.isEnabled()
    qtbot.waitUntil(dialog.progress.isVisible, timeout=TIMEOUT_MS)

    qtbot.mouseClick(dialog.progress.cancel_button, Qt.MouseButton.LeftButton)

    assert dialog.error_label.text() == "Import cancelled: nothing was changed."
    assert not dialog.progress.isVisible() and dialog.import_button.isEnabled()
    assert QThreadPool.globalInstance().waitForDone(TIMEOUT_MS)
    qtbot.wait(50)  # the worker's answer, if any, arrives through the event loop
    assert received == [] and dialog.imported is None and dialog.isVisible()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1, 28, 28", (1, 28, 28)), ("3x32x32", (3, 32, 32)), (" 784 ", (784,))],
)
def test_input_shapes_are_read_from_text(text, expected):
    assert parse_input_shape(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "must be whole numbers"),
        ("1.5", "must be whole numbers"),
        ("-1, 2", "must be whole numbers"),
        ("0, 2", "1 to 4 positive sizes"),
        ("1, 2, 3, 4, 5", "1 to 4 positive sizes"),
        ("2048, 1024", "2,097,152 entries per sample"),
    ],
)
def test_bad_input_shapes_get_one_sentence(text, problem):
    with pytest.raises(ModelFileError, match=problem):
        parse_input_shape(text)
