"""A figure drawn from its widget does not depend on whether the plots' scheduled axis
refits have run: the export settles them itself (the deck wrote a plot's legend and data
box in two places in two runs, as the refit came before or after the export), nor on
what the export before it left pending in the layout."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from app.export.formats import ImageSize
from app.export.raster import image_to_rgb, render_widget
from tests.export.headless_run import HEADLESS_RUNNER, exited_cleanly, run_headless
from widgets.common.axis_room import keep_axis_room


def test_an_export_right_after_a_range_change_equals_one_after_the_refit(qtbot):
    plot = pg.PlotWidget(background="w")
    qtbot.addWidget(plot)
    item = plot.getPlotItem()
    keep_axis_room(item)
    item.setLabel("left", "a quantity")
    item.addLegend(offset=(10, 10)).addItem(item.plot([0, 1], [0, 1], name="line"), "line")
    item.setYRange(0, 1, padding=0)
    plot.resize(480, 320)
    plot.show()
    qtbot.waitExposed(plot)
    qtbot.wait(100)  # settled at the small range
    item.setYRange(0, 123456789, padding=0)  # wider tick labels: a refit is now scheduled
    early = image_to_rgb(render_widget(plot, ImageSize(1.0)))
    qtbot.wait(200)  # the scheduled refit runs
    late = image_to_rgb(render_widget(plot, ImageSize(1.0)))
    assert np.array_equal(early, late)


#: Writes the Volume page's square scan at 1920x1080, at 3840x2160, and at 1920x1080
#: again, one right after the other (as the export runner writes a page's figures).
SQUARE_THREE_TIMES = (
    HEADLESS_RUNNER
    + """
square = "volume-square"
for stem, pixels in (("first", (1920, 1080)), ("larger", (3840, 2160)), ("again", (1920, 1080))):
    runner.jobs.append(Job(square, out / f"{stem}.png", size=ImageSize(pixels=pixels)))
sys.exit(runner.run(app))
"""
)


def test_a_figure_written_right_after_a_larger_one_is_the_same_file(tmp_path):
    """The runner writes a page's next figure at once. A sized export hands the page back
    unsettled: the square scan's view, laid out 1453 px wide for the larger figure, came
    back 841 px wide (its axis keeper had asked for that much) and took several
    event-loop turns to get back to its 328 px. A figure written before then was laid
    out at another aspect; the runner settles the layout first."""
    result = run_headless(SQUARE_THREE_TIMES, str(tmp_path), timeout=600)
    exited_cleanly(result)
    first, again = (tmp_path / "first.png").read_bytes(), (tmp_path / "again.png").read_bytes()
    assert first == again
