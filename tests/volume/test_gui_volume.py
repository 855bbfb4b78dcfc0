"""The Volume page, driven like a user: real drags, keys, clicks, and VTK pixels."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt, QThreadPool
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QPushButton, QSlider, QTabWidget

from app.volume.page import VolumePage
from engine.volumes import ball_volume_fraction
from tests.shown_page import shown_page
from widgets.common.plot_style import COVERED, OUTSIDE
from widgets.vtk.pipeline import BACKGROUND_RGB

ROOT = Path(__file__).resolve().parents[2]
WORKER_TIMEOUT_MS = 60_000


def plain(label: QLabel) -> str:
    """What a user reads on a rich-text label."""
    return re.sub(r"<[^>]+>", "", label.text()).replace("&nbsp;", " ")


def shown_coverage(page: VolumePage, which: str = "square") -> float:
    text = plain(page.findChild(QLabel, f"{which}Readout"))
    match = re.search(r"covered\s+([0-9.]+)", text)
    assert match, text
    return float(match.group(1))


@pytest.fixture
def volume_page(qtbot) -> Iterator[VolumePage]:
    """The Volume page on its own, shown, with its first samples drawn."""
    page = VolumePage()
    page.samples_box.setCurrentIndex(0)  # 10^5 points per d: the first run is quick
    yield from shown_page(
        qtbot, page, (1400, 850), timeout_ms=WORKER_TIMEOUT_MS, drawn=page.results_shown
    )


def drag(qtbot, view, start: QPointF, end: QPointF, steps: int = 8) -> None:
    """Press at ``start``, move in steps to ``end`` and release, on ``view``'s viewport.

    The steps are 20 ms apart, as a hand would make them: pyqtgraph drops mouse moves
    that come faster than its rate limit (100 per second).
    """
    viewport = view.viewport()
    a = QPoint(round(start.x()), round(start.y()))
    b = QPoint(round(end.x()), round(end.y()))
    qtbot.mouseMove(viewport, a)
    qtbot.wait(20)  # the hover that picks the item to drag
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=a)
    for i in range(1, steps + 1):
        t = i / steps
        qtbot.wait(20)
        qtbot.mouseMove(viewport, QPoint(round(a.x() + t * (b.x() - a.x())), a.y()))
    qtbot.wait(20)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=b)


def test_dragging_the_scan_line_covers_the_whole_line_in_the_middle(volume_page, qtbot):
    view = volume_page.square_view
    s = volume_page.controller.scan_position
    assert 0.0 < s < 0.45  # the line starts off-centre, partly covered
    assert 0.0 < shown_coverage(volume_page) < 1.0

    drag(qtbot, view, view.widget_position((s, 0.25)), view.widget_position((0.5, 0.25)))

    assert volume_page.controller.scan_position == pytest.approx(0.5, abs=0.01)
    assert shown_coverage(volume_page) == 1.0
    assert "x₁ = 0.50" in volume_page.square_view._position_label.textItem.toPlainText()


def test_dragging_the_scan_line_past_the_edge_covers_nothing(volume_page, qtbot):
    view = volume_page.square_view
    s = volume_page.controller.scan_position

    drag(qtbot, view, view.widget_position((s, 0.25)), view.widget_position((1.04, 0.25)))

    assert volume_page.controller.scan_position == 1.0
    assert shown_coverage(volume_page) == 0.0
    # At the far edge the whole disc has been swept: the running integral is pi/4.
    assert f"swept {math.pi / 4:.3f} of π/4" in plain(volume_page.square_readout)
    assert f"swept {math.pi / 6:.3f} of π/6" in plain(volume_page.cube_readout)

    drag(qtbot, view, view.widget_position((1.0, 0.25)), view.widget_position((-0.04, 0.25)))
    assert volume_page.controller.scan_position == 0.0
    assert shown_coverage(volume_page) == 0.0


def test_dragging_on_the_coverage_curve_moves_both_scans(volume_page, qtbot):
    plot = volume_page.cube_coverage
    s = volume_page.controller.scan_position
    vb = plot.getPlotItem().getViewBox()

    def at(x: float, y: float) -> QPointF:
        return QPointF(plot.mapFromScene(vb.mapViewToScene(QPointF(x, y))))

    drag(qtbot, plot, at(s, 0.2), at(0.5, 0.2))

    assert volume_page.controller.scan_position == pytest.approx(0.5, abs=0.01)
    assert shown_coverage(volume_page, "cube") == pytest.approx(math.pi / 4, abs=1e-3)
    assert volume_page.square_view.scan_line.value() == pytest.approx(0.5, abs=0.01)


def test_the_d_slider_reads_out_the_fraction(volume_page, qtbot):
    slider = volume_page.findChild(QSlider, "dimensionSlider")
    readout = volume_page.findChild(QLabel, "dimensionReadout")
    slider.setFocus()

    qtbot.keyClick(slider, Qt.Key.Key_Home)
    assert readout.text() == "d = 1: 100%"
    qtbot.keyClick(slider, Qt.Key.Key_Right)
    assert readout.text() == "d = 2: 78.5%"
    qtbot.keyClick(slider, Qt.Key.Key_Right)
    assert readout.text() == "d = 3: 52.4%"
    for _ in range(7):
        qtbot.keyClick(slider, Qt.Key.Key_Right)

    assert readout.text() == "d = 10: 0.249%"
    assert volume_page.controller.dimension == 10
    assert "1 random point in 402" in volume_page.odds_label.text()
    marker_x, marker_y = volume_page.fraction_plot._chosen_point.getData()
    assert marker_x[0] == 10 and marker_y[0] == pytest.approx(math.log10(0.00249039), abs=1e-5)

    qtbot.keyClick(slider, Qt.Key.Key_End)
    # pi^15 / 15! / 2^30 = 2.04e-14, i.e. 2.04e-12 percent.
    assert readout.text() == "d = 30: 2.04 × 10⁻¹²%"


def test_the_log_plot_labels_d_2_and_d_3_and_the_asymptotic_rate(volume_page):
    plot = volume_page.fraction_plot
    texts = {k: label.textItem.toPlainText() for k, label in plot.value_labels.items()}
    assert texts == {2: "d = 2: 78.5%", 3: "d = 3: 52.4%"}
    assert "asymptotic" in plot.bound_labels["kabatiansky"].textItem.toPlainText()
    assert "Minkowski" in plot.bound_labels["minkowski"].textItem.toPlainText()


def _vtk_pixels(page: VolumePage) -> np.ndarray:
    return page.cube_view.image().astype(np.int64)


def _near(pixels: np.ndarray, rgb: tuple[int, int, int], tolerance: int = 40) -> np.ndarray:
    return np.abs(pixels - np.array(rgb)).max(axis=2) <= tolerance


def test_the_vtk_panel_renders_the_scene_and_follows_the_scan(volume_page, qtbot):
    view = volume_page.square_view
    s = volume_page.controller.scan_position
    before = _vtk_pixels(volume_page)
    background = np.array(BACKGROUND_RGB) * 255

    drawn = np.abs(before - background).max(axis=2) > 10
    assert drawn.mean() > 0.05, "the VTK panel is blank"
    assert _near(before, COVERED).sum() > 500, "no covered disc on the plane"
    darts_before = _near(before, OUTSIDE)
    assert darts_before.sum() > 200, "no corner darts on the plane"

    drag(qtbot, view, view.widget_position((s, 0.25)), view.widget_position((0.8, 0.25)))
    after = _vtk_pixels(volume_page)

    assert np.abs(after - before).max(axis=2).astype(bool).mean() > 0.02
    # The section (amber darts) moved right with the plane.
    columns_before = np.nonzero(darts_before)[1].mean()
    columns_after = np.nonzero(_near(after, OUTSIDE))[1].mean()
    assert columns_after > columns_before + 20


def test_play_animates_the_scan_and_pause_stops_it(volume_page, qtbot):
    button = volume_page.findChild(QPushButton, "playScanButton")
    start = volume_page.controller.scan_position

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: volume_page.controller.scan_position > start + 0.02, timeout=5000)
    assert "Pause" in button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    stopped = volume_page.controller.scan_position
    qtbot.wait(150)
    assert volume_page.controller.scan_position == stopped
    assert "Play" in button.text()
    assert shown_coverage(volume_page) == pytest.approx(
        2 * math.sqrt(0.25 - (stopped - 0.5) ** 2), abs=1e-3
    )


def test_monte_carlo_points_arrive_from_a_worker_and_agree_with_the_exact_curve(volume_page, qtbot):
    volume_page.samples_box.setCurrentIndex(0)  # 10^5 points per d
    with qtbot.waitSignal(volume_page.controller.monte_carlo_finished, timeout=WORKER_TIMEOUT_MS):
        qtbot.mouseClick(volume_page.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not volume_page.controller.is_sampling, timeout=WORKER_TIMEOUT_MS)

    estimates = volume_page.fraction_plot.monte_carlo
    assert [e.d for e in estimates] == list(range(1, 17))
    assert all(e.n_samples == 100_000 for e in estimates)
    for e in estimates[1:8]:
        exact = ball_volume_fraction(e.d)
        assert abs(e.fraction - exact) < 4 * math.sqrt(exact * (1 - exact) / e.n_samples)
    assert volume_page.monte_carlo_status.text() == "d = 1…16 done"
    assert volume_page.progress.value() == volume_page.progress.maximum()


def test_a_long_monte_carlo_run_reports_progress_and_can_be_cancelled(volume_page, qtbot):
    volume_page.samples_box.setCurrentIndex(2)  # 10^7 points per d: many seconds
    qtbot.mouseClick(volume_page.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: volume_page.progress.value() > 0, timeout=WORKER_TIMEOUT_MS)
    assert volume_page.cancel_button.isEnabled()

    with qtbot.waitSignal(volume_page.controller.monte_carlo_finished, timeout=WORKER_TIMEOUT_MS):
        qtbot.mouseClick(volume_page.cancel_button, Qt.MouseButton.LeftButton)

    assert volume_page.monte_carlo_status.text() == "cancelled"
    assert volume_page.progress.value() < volume_page.progress.maximum()
    assert not volume_page.cancel_button.isEnabled()
    qtbot.waitUntil(
        lambda: QThreadPool.globalInstance().activeThreadCount() == 0, timeout=WORKER_TIMEOUT_MS
    )


def test_distances_concentrate_when_the_dimension_grows(volume_page, qtbot):
    plot = volume_page.histogram_plot
    qtbot.waitUntil(lambda: plot.histogram is not None, timeout=WORKER_TIMEOUT_MS)
    button = volume_page.findChild(QPushButton, "distanceDimension2")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: plot.histogram.d == 2, timeout=WORKER_TIMEOUT_MS)
    low = plot.histogram
    inside = int(plain(volume_page.distance_readout).split(" of ")[0])
    assert inside / low.n_points == pytest.approx(math.pi / 4, abs=0.05)

    button = volume_page.findChild(QPushButton, "distanceDimension1000")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: plot.histogram.d == 1000, timeout=WORKER_TIMEOUT_MS)
    high = plot.histogram

    assert plain(volume_page.distance_readout).startswith("0 of 1,500 random points in the ball")
    assert high.spread_pairwise < low.spread_pairwise / 10
    assert high.edges[-1] > 10 * low.edges[-1]  # the axis runs from 0 to the farthest pair


def test_the_volume_tab_lives_in_the_main_window_and_releases_vtk_on_close(main_window, qtbot):
    tabs = main_window.findChild(QTabWidget, "pages")
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    assert "Volume" in titles
    # The page is built on its first show and starts sampling then.
    tabs.setCurrentIndex(titles.index("Volume"))
    qtbot.waitUntil(
        lambda: isinstance(tabs.widget(titles.index("Volume")), VolumePage),
        timeout=WORKER_TIMEOUT_MS,
    )
    page = tabs.widget(titles.index("Volume"))
    qtbot.waitUntil(lambda: page.first_results_shown, timeout=WORKER_TIMEOUT_MS)
    assert page.cube_view.isVisible()
    assert page.findChild(QLabel, "dimensionReadout").text() == "d = 10: 0.249%"

    main_window.close()

    assert page.cube_view.is_finalized
    qtbot.waitUntil(
        lambda: QThreadPool.globalInstance().activeThreadCount() == 0, timeout=WORKER_TIMEOUT_MS
    )


def test_the_command_line_saves_a_screenshot_of_the_volume_page(tmp_path):
    target = tmp_path / "volume.png"
    result = subprocess.run(
        [sys.executable, "main.py", "--page", "volume", "--screenshot", str(target)],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    image = QImage(str(target))
    assert (image.width(), image.height()) == (1400, 900)
    # Somewhere in the cube panel (top right) the VTK scene's blue disc was painted in.
    blue = 0
    for x in range(720, 1000, 4):
        for y in range(80, 380, 4):
            pixel = image.pixelColor(x, y)
            rgb = np.array([pixel.red(), pixel.green(), pixel.blue()])
            blue += int(np.abs(rgb - np.array(COVERED)).max() <= 40)
    assert blue > 100, "the VTK scene is missing from the screenshot"


def test_the_same_scene_renders_off_screen_for_export():
    from vtkmodules.vtkRenderingCore import vtkRenderWindow

    from engine.volumes import ball_slice
    from widgets.volume.scene import BallInCubeScene
    from widgets.vtk.pipeline import make_renderer, window_image

    scene = BallInCubeScene(ball_slice(0.3, 3))
    renderer = make_renderer()
    scene.add_to(renderer)
    window = vtkRenderWindow()
    window.SetOffScreenRendering(True)
    window.SetMultiSamples(0)
    window.AddRenderer(renderer)
    window.SetSize(320, 240)
    try:
        window.Render()
        image = window_image(window, scale=2)
    finally:
        window.Finalize()

    assert image.shape == (480, 640, 3)
    assert _near(image.astype(np.int64), COVERED).sum() > 1000
    assert _near(image.astype(np.int64), OUTSIDE).sum() > 500


def test_the_animation_stops_behind_another_tab(main_window, qtbot):
    tabs = main_window.findChild(QTabWidget, "pages")
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    page = main_window.show_page("volume")
    qtbot.waitUntil(lambda: page.first_results_shown, timeout=WORKER_TIMEOUT_MS)
    qtbot.mouseClick(page.play_button, Qt.MouseButton.LeftButton)
    assert page.controller.is_playing

    tabs.setCurrentIndex(titles.index("Cells"))

    assert not page.controller.is_playing
    assert "Play" in page.play_button.text()


def test_the_cube_figures_axis_name_grows_with_the_export_scale(volume_page):
    """VTK drew the arrow's name x1 at 20 pixels whatever the scale (a speck in a 2x
    figure); exports hide it and paint it as text at their own scale."""
    from app.export.formats import ImageSize
    from app.export.raster import image_to_rgb, render_widget
    from widgets.common.plot_style import INK
    from widgets.vtk.labels import label_positions

    view = volume_page.cube_view
    (label,) = view.scene_labels()
    assert label.text == "x₁"
    with view.labels_hidden():
        assert not view.scene.axis_label.GetVisibility()
    assert view.scene.axis_label.GetVisibility()
    with view.framed():  # where the export's camera (the whole scene in view) shows it
        ((_, x, y),) = label_positions(view.renderer, (label,), view.width(), view.height())
    inked = []
    for scale in (1, 3):
        pixels = image_to_rgb(render_widget(view, ImageSize(float(scale)))).astype(np.int64)
        r = 14 * scale
        box = pixels[
            round(scale * y) - r : round(scale * y) + r, round(scale * x) - r : round(scale * x) + r
        ]
        inked.append(int(_near(box, INK, 60).sum()))
    assert inked[0] > 10
    assert inked[1] > 5 * inked[0]  # nine times the area, give or take hinting
