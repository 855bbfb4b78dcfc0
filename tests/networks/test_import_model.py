"""File > Import model…: a saved TorchScript CNN shows on the Networks page; a damaged
file is refused in the dialog and nothing else on screen changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PySide6.QtCore import Qt
from safetensors.torch import save_file
from torch import nn

from engine.digits_cnn import digits_split
from engine.partition2d import partition_2d
from engine.slices import plane_through
from tests.cnn_case import small_cnn
from tests.engine.model_file_cases import save_onnx, save_torchscript

TIMEOUT_MS = 60_000


def _import(qtbot, window, path, shape: str | None = None):
    action = window.import_model_action
    assert action.isEnabled() and "Import &model" in action.text()
    action.trigger()
    dialog = window.import_model_dialog
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.path_edit, str(path))
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    if shape is not None:
        qtbot.waitUntil(lambda: dialog.shape_needed, timeout=TIMEOUT_MS)
        qtbot.keyClicks(dialog.shape_edit, shape)
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    return dialog


def test_an_imported_torchscript_cnn_is_shown_on_the_networks_page(qtbot, main_window, tmp_path):
    path = save_torchscript(small_cnn(3).float(), tmp_path / "tiny_cnn.pt", "trace", (1, 8, 8))
    page = main_window.page("networks")
    with qtbot.waitSignal(page.controller.slice_ready, timeout=TIMEOUT_MS):
        _import(qtbot, main_window, path, shape="1, 8, 8")
    assert main_window.current_key() == "networks"
    assert page.title.text() == "tiny_cnn"
    state = page.controller.state
    test = digits_split()[1]
    plane = plane_through(*(test.images[i][None] for i in state.anchors), margin=state.margin,
                          domain=state.domain)  # fmt: skip
    expected = partition_2d(small_cnn(3).float().double(), None, plane=plane)
    assert page.canvas.partition.n_regions == expected.n_regions
    # The page slices the imported model itself: its outputs at the probe are torch's.
    s, t = plane.anchors.mean(axis=0)
    readout = page.controller.set_probe(float(s), float(t))
    with torch.no_grad():
        reference = small_cnn(3).float().double()(torch.from_numpy(plane.lift([[s, t]])))[0]
    np.testing.assert_allclose(readout.output, reference.numpy(), rtol=1e-9, atol=1e-9)


def test_a_damaged_model_file_changes_nothing_on_the_page(qtbot, main_window, tmp_path):
    whole = save_torchscript(small_cnn(4).float(), tmp_path / "whole.pt", "trace", (1, 8, 8))
    damaged = tmp_path / "damaged.pt"
    damaged.write_bytes(whole.read_bytes()[:300])
    page = main_window.page("networks")
    before = (page.controller.state, page.title.text(), page.controller.shown_slice)
    key_before = main_window.current_key()

    dialog = _import(qtbot, main_window, damaged)
    qtbot.waitUntil(lambda: dialog.error_label.text() != "", timeout=TIMEOUT_MS)
    assert dialog.error_label.text().startswith("damaged.pt")
    assert dialog.isVisible()
    assert (page.controller.state, page.title.text(), page.controller.shown_slice) == before
    assert main_window.current_key() == key_before and not page.controller.is_busy
    dialog.reject()


def _hostile_files(tmp_path) -> list[tuple[Path, str | None, str]]:
    """(file, input shape to type, what its one sentence says) of three files a user
    might pick: an ONNX file cut short, a TorchScript net with tanh, weights with a NaN."""
    whole = save_onnx(small_cnn(5).float(), tmp_path / "whole.onnx", (1, 8, 8))
    truncated = tmp_path / "truncated.onnx"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    squashing = nn.Sequential(nn.Flatten(), nn.Linear(64, 5), nn.Tanh(), nn.Linear(5, 10))
    tanh = save_torchscript(squashing.eval(), tmp_path / "tanh.pt", "script", (1, 8, 8))
    weights = {k: v.clone() for k, v in nn.Linear(64, 10).state_dict().items()}
    weights["weight"][3, 7] = float("nan")
    nan = tmp_path / "nan.safetensors"
    save_file(weights, nan)
    return [
        (truncated, None, "truncated.onnx is not an ONNX model, or it is cut short"),
        (tanh, "1, 8, 8", "(aten::tanh) is not piecewise linear"),
        (nan, None, "nan.safetensors cannot be shown: its weights 'weight' hold NaN"),
    ]


def _on_screen(page) -> tuple:
    """What the Networks page shows: its settings, title, status line, slice and cells."""
    controller = page.controller
    return (
        controller.state,
        page.title.text(),
        page.status.text(),
        controller.shown_slice,
        page.canvas.partition,
    )


def test_hostile_model_files_are_one_sentence_and_change_nothing(qtbot, main_window, tmp_path):
    page = main_window.page("networks")
    with qtbot.waitSignal(page.controller.slice_ready, timeout=TIMEOUT_MS):
        page.show_model(small_cnn(6), (1, 8, 8), "small CNN")  # a few cells, quickly
    main_window.show_page("networks")
    before = _on_screen(page)
    assert before[1] == "small CNN" and before[3] is not None
    for path, shape, said in _hostile_files(tmp_path):
        dialog = _import(qtbot, main_window, path, shape=shape)
        qtbot.waitUntil(lambda d=dialog: d.error_label.text() != "", timeout=TIMEOUT_MS)
        message = dialog.error_label.text()
        assert said in message, message
        # One sentence: a single full stop, at its end.
        assert message.endswith(".") and message.count(". ") == 0, message
        assert dialog.isVisible() and not dialog.loader.is_busy
        dialog.reject()
        qtbot.waitUntil(lambda d=dialog: not d.isVisible())
        assert _on_screen(page) == before and main_window.current_key() == "networks"
        assert not page.controller.is_busy
