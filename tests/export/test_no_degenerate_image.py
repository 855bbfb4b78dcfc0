"""No export writes a degenerate image (a side of 10 pixels or less): a view that is not
laid out is refused with one sentence, and nothing is written."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PIL import Image
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.export.animation import FrameWriter
from app.export.formats import ExportOptions, ImageSize
from app.export.raster import DEGENERATE_SIDE, write_png
from app.export.targets import ExportView, export_view
from tests.export.headless_run import HEADLESS_RUNNER, ROOT, headless_env


@pytest.mark.parametrize("size", [(300, 1), (1, 300), (10, 500), (0, 0)])
def test_a_degenerate_png_is_refused_and_not_written(tmp_path, size):
    image = QImage(*size, QImage.Format.Format_ARGB32)
    path = tmp_path / "flat.png"
    with pytest.raises(ValueError, match="pixels: it is not laid out"):
        write_png(image, path)
    assert not path.exists()


def test_the_smallest_image_that_is_not_degenerate_is_written(tmp_path):
    side = DEGENERATE_SIDE + 1
    image = QImage(side, side, QImage.Format.Format_ARGB32)
    image.fill(0xFF336699)
    write_png(image, tmp_path / "small.png")
    assert QImage(str(tmp_path / "small.png")).size() == image.size()


def test_a_flat_frame_ends_an_animation_before_anything_is_written(tmp_path):
    writer = FrameWriter(tmp_path / "flat.gif", "gif")
    with pytest.raises(ValueError, match="frame 1 is only 200×3 pixels"):
        writer.append(QImage(200, 3, QImage.Format.Format_ARGB32))
    writer.discard()
    assert not (tmp_path / "flat.gif").exists()


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
def test_a_view_whose_widget_is_one_pixel_high_is_refused_in_every_format(qtbot, tmp_path, suffix):
    holder = QWidget()
    qtbot.addWidget(holder)
    layout = QVBoxLayout(holder)
    plot = QLabel("a plot")
    layout.addWidget(plot)
    holder.resize(400, 300)
    holder.show()
    qtbot.waitExposed(holder)
    plot.setFixedHeight(1)  # as a plot in a tab that was never laid out
    view = ExportView("flat-plot", "a flat plot", lambda: plot)
    path = tmp_path / f"flat.{suffix}"
    with pytest.raises(ValueError, match=r"flat-plot is only 400×1 pixels|flat-plot is only \d+×1"):
        export_view(view, ExportOptions(path, ImageSize(2.0)))
    assert not path.exists()
    plot.setMinimumHeight(0)
    plot.setMaximumHeight(16777215)
    qtbot.waitUntil(lambda: plot.height() > 100)
    export_view(view, ExportOptions(path, ImageSize(1.0)))  # laid out again: written
    assert path.stat().st_size > 0


HULLS_JOBS = (
    HEADLESS_RUNNER
    + """
runner.jobs.append(Job("hulls-split", out / "split.png", size=ImageSize(1.0)))
runner.jobs.append(Job("hulls-split", out / "split.svg", size=ImageSize(1.0)))
runner.jobs.append(Job("hulls-split", out / "split.tsv"))
sys.exit(runner.run(app))
"""
)


@pytest.mark.timeout(600)
def test_an_experiment_view_on_a_fresh_start_runs_its_experiment_first(tmp_path):
    """An experiment in a tab not shown and never run was exported as an empty strip with
    "not run yet"; the export now shows its tab, runs it and waits for it."""
    out = tmp_path / "figures"
    env = headless_env()
    env["SPLINESCOPE_CACHE_DIR"] = str(tmp_path / "cache")  # nothing run before
    result = subprocess.run(
        [sys.executable, "-c", HULLS_JOBS, str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert result.returncode == 0, result.stderr
    with Image.open(out / "split.png") as image:
        assert min(image.size) > 300, image.size
    svg = (out / "split.svg").read_text(encoding="utf-8")
    assert "not run yet" not in svg
    assert "Accuracy split" in svg
    rows = (out / "split.tsv").read_text(encoding="utf-8").splitlines()
    assert len(rows) > 2  # a header and the experiment's rows
