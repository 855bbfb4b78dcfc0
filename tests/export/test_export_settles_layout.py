"""A figure drawn from its widget does not depend on whether the plots' scheduled axis
refits have run: the export settles them itself (the deck wrote a plot's legend and data
box in two places in two runs, as the refit came before or after the export)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from app.export.formats import ImageSize
from app.export.raster import image_to_rgb, render_widget
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
