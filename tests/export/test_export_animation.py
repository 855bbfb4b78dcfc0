"""Animations drive the page, write the asked number of frames, and put the page back."""

from __future__ import annotations

from dataclasses import replace

import imageio.v2 as imageio
import imageio.v3 as iio
import numpy as np

from app.export.animation import AnimationRecorder
from app.export.catalogue import export_targets
from app.export.figure_frame import FIGURE_MIN_WIDTH
from app.export.formats import ExportOptions, ImageSize
from app.export.targets import ExportAnimation

RECORD_MS = 120_000


def _animation(window, key: str, name: str) -> ExportAnimation:
    page = window.page(key)
    return next(t for t in export_targets(page, key) if t.name == name)


def _record(qtbot, window, animation, options) -> AnimationRecorder:
    recorder = AnimationRecorder(animation, options, window)
    with qtbot.waitSignal(recorder.finished, timeout=RECORD_MS, raising=True):
        recorder.start()
    return recorder


def test_cells_animations_gif_and_mp4_have_the_asked_frames(main_window, qtbot, tmp_path):
    window = main_window
    page = window.page("cells")
    probe_before = page.probe.position
    layers_before = page.controller.layers

    sweep = _animation(window, "cells", "cells-probe")
    gif = tmp_path / "probe.gif"
    _record(qtbot, window, sweep, ExportOptions(gif, ImageSize(0.5), frames=5))
    frames = iio.imread(gif, index=None)
    canvas = page.canvas
    assert frames.shape[0] == 5  # one size for all: the canvas below its caption
    assert frames.shape[2] == round(max(canvas.width(), FIGURE_MIN_WIDTH) * 0.5)
    assert not np.array_equal(frames[0], frames[-1])  # the probe moved
    assert page.probe.position == probe_before  # and is back where it was
    assert page.canvas.path_ends is None

    mp4 = tmp_path / "probe.mp4"
    _record(qtbot, window, sweep, ExportOptions(mp4, ImageSize(pixels=(320, 240)), frames=4))
    reader = imageio.get_reader(mp4)
    assert reader.count_frames() == 4
    assert reader.get_data(0).shape == (240, 320, 3)
    reader.close()

    _cancelled_recording_leaves_no_file(window, qtbot, tmp_path)

    reveal = _animation(window, "cells", "cells-layers")
    layers_gif = tmp_path / "layers.gif"
    _record(qtbot, window, reveal, ExportOptions(layers_gif, ImageSize(0.4), frames=6))
    assert len(iio.imread(layers_gif, index=None)) == 6
    qtbot.waitUntil(lambda: page.controller.result.layers == layers_before, timeout=RECORD_MS)


def _cancelled_recording_leaves_no_file(main_window, qtbot, tmp_path):
    window = main_window
    sweep = _animation(window, "cells", "cells-probe")
    target = tmp_path / "cancelled.gif"
    recorder = AnimationRecorder(sweep, ExportOptions(target, ImageSize(0.3), frames=40), window)
    recorder.progress.connect(lambda done, total: done == 2 and recorder.cancel())
    with qtbot.waitSignal(recorder.cancelled, timeout=RECORD_MS):
        recorder.start()
    assert not target.exists()
    assert window.page("cells").canvas.path_ends is None


def test_volume_scan_and_training_run(main_window, qtbot, tmp_path):
    window = main_window
    window.pages.setCurrentWidget(window.page("volume"))
    qtbot.waitUntil(
        lambda: window.page("volume").cube_view.interactor.isVisible(), timeout=RECORD_MS
    )
    scan = _animation(window, "volume", "volume-scan")
    mp4 = tmp_path / "scan.mp4"
    _record(qtbot, window, scan, ExportOptions(mp4, ImageSize(0.5), frames=3))
    reader = imageio.get_reader(mp4)
    assert reader.count_frames() == 3
    first, last = reader.get_data(0), reader.get_data(2)
    reader.close()
    assert np.abs(first.astype(int) - last.astype(int)).mean() > 1.0  # the plane moved

    page = window.page("playground")
    window.pages.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.controller.frame is not None, timeout=RECORD_MS)
    config = page.controller.config
    page.controller.set_config(replace(config, epochs=4))
    training = _animation(window, "playground", "playground-training")
    gif = tmp_path / "training.gif"
    _record(qtbot, window, training, ExportOptions(gif, ImageSize(0.4), frames=3))
    frames = iio.imread(gif, index=None)
    assert len(frames) == 3
    # Each frame is captioned with its epoch (0, 2, 4): the caption's band differs.
    band = frames.shape[1] // 12
    assert np.any(frames[0][:band] != frames[-1][:band])
    assert page.controller.snapshot.epoch == 4  # trained to the budget, in two parts
    assert page.controller.config.epochs == 4  # the budget is as it was
