"""The framing checks see what issue 17's deck figure showed: a tick label cut by the top of
the picture, and an equal-axes plot whose data fills half its width; a plot framed to its
domain (widgets.canvas.plot_frame) passes both."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsRectItem

from tests.shell.clipped_text import clipped_axis_texts
from tests.shell.plot_fill import data_extent, fill_shares, framing_problems, underfilled_plots
from widgets.canvas.plot_frame import frame_to_domain
from widgets.common.axis_room import keep_axis_room

DOMAIN = (-1.75, 2.75, -2.0, 2.5)


def _square_of_data(qtbot, width: int, height: int) -> pg.PlotWidget:
    """An equal-axes plot of a filled square domain, its y range ending on a tick (2.5)."""
    plot = pg.PlotWidget(background="w")
    qtbot.addWidget(plot)
    plot.setAspectLocked(True)
    xmin, xmax, ymin, ymax = DOMAIN
    square = pg.PlotCurveItem(
        [xmin, xmax, xmax, xmin, xmin], [ymin, ymin, ymax, ymax, ymin], fillLevel=ymin
    )
    plot.addItem(square)
    plot.setLabel("left", "x2")
    plot.setLabel("bottom", "x1")
    keep_axis_room(plot.getPlotItem())
    plot.resize(width, height)
    plot.show()
    qtbot.waitExposed(plot)
    plot.setRange(xRange=DOMAIN[:2], yRange=DOMAIN[2:], padding=0.0)
    qtbot.wait(50)
    return plot


def test_the_checks_see_the_cut_top_label_and_the_empty_band_of_axis(qtbot):
    plot = _square_of_data(qtbot, 900, 450)
    cut = framing_problems(plot)
    assert any("x2" in p and "cut by the picture's edge" in p for p in cut), cut
    x_share, y_share = fill_shares(plot.getPlotItem())
    assert x_share < 0.6 and y_share > 0.99  # the x range is stretched to the wide view
    (problem,) = underfilled_plots(plot)
    assert "x range" in problem and f"{x_share:.0%}" in problem


def test_a_plot_framed_to_its_domain_passes_both_checks_at_any_shape(qtbot):
    plot = _square_of_data(qtbot, 900, 450)
    frame = frame_to_domain(plot.getPlotItem())
    frame.set_domain(DOMAIN)
    view = plot.getPlotItem().getViewBox()
    for width, height in ((900, 450), (400, 700), (640, 360)):
        plot.resize(width, height)
        qtbot.wait(100)  # the layout applies the frame's margins from the event loop
        plot.setRange(xRange=DOMAIN[:2], yRange=DOMAIN[2:], padding=0.0)
        qtbot.waitUntil(lambda: clipped_axis_texts(plot) == [] and framing_problems(plot) == [])
        size = view.size()
        assert abs(size.width() - size.height()) <= 1.0, (width, height, size)
        assert min(fill_shares(plot.getPlotItem())) > 0.99
        # The spare room is split evenly either side of the framed plot.
        left, top, right, _bottom = plot.getPlotItem().layout.getContentsMargins()
        if width > height:
            assert abs(left - right) < 1.0 and left > 50
        else:
            assert top > 50


def test_a_frame_rejects_an_empty_or_infinite_domain(qtbot):
    plot = _square_of_data(qtbot, 300, 300)
    frame = frame_to_domain(plot.getPlotItem())
    for bad in ((0.0, 0.0, 0.0, 1.0), (0.0, np.inf, 0.0, 1.0), (1.0, 0.0, 0.0, 1.0)):
        try:
            frame.set_domain(bad)
        except ValueError as error:
            assert "domain" in str(error)
        else:
            raise AssertionError(f"{bad} was accepted")
    assert frame.domain is None


def test_a_plain_qt_shape_is_measured_without_its_pen(qtbot):
    """A unit square outlined by a 1.5 px cosmetic pen is 0 to 1, not -0.75 to 1.75 (Qt
    adds the pen's width in data units): the Volume square's empty bands were missed so."""
    plot = pg.PlotWidget(background="w")
    qtbot.addWidget(plot)
    plot.setAspectLocked(True)
    square = QGraphicsRectItem(0.0, 0.0, 1.0, 1.0)
    square.setPen(pg.mkPen(0, 0, 0, width=1.5))
    plot.addItem(square)
    plot.resize(900, 450)
    plot.show()
    qtbot.waitExposed(plot)
    plot.setRange(xRange=(0.0, 1.0), yRange=(0.0, 1.0), padding=0.0)
    assert data_extent(plot.getPlotItem()) == [(0.0, 1.0), (0.0, 1.0)]
    (problem,) = underfilled_plots(plot)
    assert "x range" in problem
