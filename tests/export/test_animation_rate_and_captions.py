"""Animations play at the asked frame rate (GIF delays, MP4 rate as written in the file),
and every frame carries a caption saying where the animation is, at one frame size."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import imageio.v2 as imageio
import numpy as np
import pytest
from PIL import Image
from PySide6.QtGui import QImage

from app.export.animation import FrameWriter, gif_delays
from app.export.figure_frame import FIGURE_MIN_WIDTH, FigureHeading, layout_heading
from app.export.formats import ExportOptions, ImageSize
from app.export.headless import run_export
from tests.export.test_export_animation import _animation, _record


def _frame(value: int, size=(48, 64)) -> QImage:
    image = QImage(size[1], size[0], QImage.Format.Format_RGB888)
    image.fill(value * 0x010101)
    return image


def gif_durations(path: Path) -> list[int]:
    """The display time in ms of each frame as stored in the GIF."""
    durations = []
    with Image.open(path) as gif:
        for i in range(gif.n_frames):
            gif.seek(i)
            durations.append(gif.info["duration"])
    return durations


@pytest.mark.parametrize("fps", [10, 24, 30])
def test_a_gif_keeps_the_frame_rate_within_one_hundredth(tmp_path, fps):
    path = tmp_path / "rate.gif"
    writer = FrameWriter(path, "gif", fps)
    n = 12
    for i in range(n):
        writer.append(_frame(20 * i))
    writer.close()
    durations = gif_durations(path)
    assert len(durations) == n
    assert all(d % 10 == 0 for d in durations)  # GIF counts hundredths of a second
    assert all(abs(d - 1000 / fps) < 10 for d in durations)
    starts = np.cumsum([0, *durations])
    # every frame starts at i / fps, to the nearest hundredth of a second
    assert np.all(np.abs(starts - 1000 * np.arange(n + 1) / fps) <= 5)


def test_gif_delays_add_up_to_the_running_time():
    for fps in range(10, 31):
        delays = gif_delays(3 * fps, fps)
        assert sum(delays) == 3000  # three seconds, whatever the rate


@pytest.mark.parametrize("fps", [10, 25, 30])
def test_an_mp4_is_written_at_the_asked_rate(tmp_path, fps):
    path = tmp_path / "rate.mp4"
    writer = FrameWriter(path, "mp4", fps)
    for i in range(5):
        writer.append(_frame(40 * i))
    writer.close()
    reader = imageio.get_reader(path)
    try:
        assert reader.get_meta_data()["fps"] == pytest.approx(fps)
        assert reader.count_frames() == 5
    finally:
        reader.close()


@pytest.mark.parametrize("fps", [9, 31, 0, -10])
def test_a_rate_out_of_range_exits_2_at_once(tmp_path, capsys, fps):
    out = tmp_path / "layers.gif"
    code = run_export(["--view", "cells-layers", "--out", str(out), "--fps", str(fps)])
    assert code == 2
    err = capsys.readouterr().err
    assert err == (
        f"splinescope export: --fps {fps} is out of range: an animation plays 10 to 30 "
        "frames per second.\n"
    )
    assert not out.exists()


def test_options_refuse_a_rate_out_of_range(tmp_path):
    for fps in (9, 31, 12.5, True):
        with pytest.raises(ValueError, match="frames per second"):
            ExportOptions(tmp_path / "x.gif", fps=fps)
    assert ExportOptions(tmp_path / "x.gif", fps=30).fps == 30


def _caption_changes(frames: np.ndarray, band: int) -> list[bool]:
    """For each pair of successive frames, whether their top ``band`` rows differ."""
    return [not np.array_equal(a[:band], b[:band]) for a, b in pairwise(frames)]


def _heading_rows(heading: FigureHeading, view_width: int, frame_width: int) -> int:
    """The pixel rows a heading takes above a figure view ``view_width`` wide on screen in
    a frame ``frame_width`` wide (the view is laid out at least 960 wide, then scaled)."""
    logical = max(view_width, FIGURE_MIN_WIDTH)
    return int(layout_heading(heading, logical).height * frame_width / logical) - 1


def test_probe_sweep_and_scan_frames_are_captioned(main_window, qtbot, tmp_path):
    window = main_window
    sweep = _animation(window, "cells", "cells-probe")
    gif = tmp_path / "probe.gif"
    _record(qtbot, window, sweep, ExportOptions(gif, ImageSize(0.5), frames=4, fps=25))
    frames = imageio.mimread(gif)
    assert len(frames) == 4
    assert len({f.shape for f in frames}) == 1  # one frame size
    assert gif_durations(gif) == [40] * 4
    canvas = window.page("cells").canvas.width()
    assert frames[0].shape[1] == round(max(canvas, FIGURE_MIN_WIDTH) / 2)
    band = _heading_rows(
        FigureHeading("Probe sweep", "from here to there"), canvas, frames[0].shape[1]
    )
    assert all(_caption_changes(np.asarray(frames), band))

    window.pages.setCurrentWidget(window.page("volume"))
    qtbot.waitUntil(lambda: window.page("volume").cube_view.interactor.isVisible(), timeout=60_000)
    scan = _animation(window, "volume", "volume-scan")
    mp4 = tmp_path / "scan.mp4"
    _record(qtbot, window, scan, ExportOptions(mp4, ImageSize(0.5), frames=3, fps=20))
    reader = imageio.get_reader(mp4)
    try:
        assert reader.get_meta_data()["fps"] == pytest.approx(20)
        frames = np.asarray([reader.get_data(i) for i in range(3)])
    finally:
        reader.close()
    panel = window.page("volume").cube_view.parentWidget().width()
    band = _heading_rows(FigureHeading("Scan position"), panel, frames.shape[2])
    assert all(_caption_changes(frames, band))


def test_the_dialog_offers_a_frame_rate_for_animations_only(qtbot, tmp_path):
    from widgets.dialogs.export_dialog import ExportDialog, ExportItem

    items = [ExportItem("cells", "the cells"), ExportItem("cells-probe", "sweep", animation=True)]
    dialog = ExportDialog(items, tmp_path, "splinescope", (800, 600), fps=10, fps_range=(10, 30))
    qtbot.addWidget(dialog)
    assert not dialog.fps_box.isEnabled()
    dialog.select("cells-probe")
    assert dialog.fps_box.isEnabled() and dialog.fps_box.value() == 10
    assert (dialog.fps_box.minimum(), dialog.fps_box.maximum()) == (10, 30)
    assert "per second" in dialog.fps_box.toolTip()
    dialog.fps_box.setValue(24)
    assert dialog.choice().fps == 24
    dialog.fps_box.setValue(99)  # clamped by the box
    assert dialog.choice().fps == 30
    from app.export.gui import ExportActions

    assert ExportActions._options(dialog.choice()).fps == 30  # the recording gets it
