"""Every plot keeps room for its axis text (widgets.common.axis_room), and the check of
tests.shell.clipped_text sees each way an axis's text can be cut."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.shell.theme import apply_theme
from tests.shell.clipped_text import clipped_axis_texts
from widgets.common.axis_room import AxisRoom, refit_axes_now, share_axis_room, tick_label_rects
from widgets.common.theme import follow_plot_theme


@pytest.fixture
def back_to_default():
    yield
    apply_theme("default")


def _kept_plot(qtbot, width: int, height: int, left: str) -> pg.PlotWidget:
    """A plot kept in the theme (and so given a keeper), shown at ``width x height``."""
    plot = pg.PlotWidget(background="w")
    qtbot.addWidget(plot)
    plot.setLabel("left", left)
    plot.setLabel("bottom", "x")
    follow_plot_theme(plot, tick_pt=11, label_pt=13)
    plot.resize(width, height)
    plot.show()
    qtbot.waitExposed(plot)
    return plot


def test_a_long_label_wraps_and_the_plot_asks_for_its_length(qtbot):
    plot = _kept_plot(qtbot, 400, 200, "the covered part of the square")
    axis = plot.getAxis("left")
    qtbot.waitUntil(lambda: clipped_axis_texts(plot) == [])
    assert "\n" in axis.label.toPlainText()  # two lines, broken at a space
    # The widget asks for at least the wrapped label's length along its axis.
    assert plot.minimumHeight() > axis.label.boundingRect().width() * 0.7
    plot.resize(400, 900)
    qtbot.waitUntil(lambda: "\n" not in axis.label.toPlainText())
    assert clipped_axis_texts(plot) == []


def test_wider_tick_numbers_widen_the_axis_and_talk_type_too(qtbot, back_to_default):
    plot = _kept_plot(qtbot, 500, 400, "y")
    axis = plot.getAxis("left")
    qtbot.waitUntil(lambda: clipped_axis_texts(plot) == [])
    narrow = axis.width()
    plot.setYRange(-1_234_500.0, 1_234_500.0, padding=0)
    qtbot.waitUntil(lambda: axis.width() > narrow + 20)
    qtbot.waitUntil(lambda: clipped_axis_texts(plot) == [])
    plot.setYRange(0.0, 1.0, padding=0)
    apply_theme("talk")
    qtbot.waitUntil(lambda: clipped_axis_texts(plot) == [] and axis.width() > narrow)
    talk = axis.width()
    apply_theme("default")
    qtbot.waitUntil(lambda: axis.width() < talk)
    qtbot.waitUntil(lambda: clipped_axis_texts(plot) == [])


def test_a_short_axis_labels_fewer_ticks_instead_of_overlapping_them(qtbot, back_to_default):
    apply_theme("talk")
    plot = _kept_plot(qtbot, 400, 110, "out")
    qtbot.waitUntil(lambda: clipped_axis_texts(plot) == [])
    assert len(tick_label_rects(plot.getAxis("left"))) >= 1


def test_an_export_size_is_fitted_before_the_event_loop_runs(qtbot, back_to_default):
    apply_theme("talk")
    plot = _kept_plot(qtbot, 600, 500, "a label of some length")
    qtbot.waitUntil(lambda: clipped_axis_texts(plot) == [])
    plot.resize(260, 150)  # what an export does, drawing at once
    refit_axes_now(plot)
    assert clipped_axis_texts(plot) == []


def test_the_check_sees_tick_labels_on_one_another(qtbot):
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    big = QFont()
    big.setPointSize(30)
    plot.getAxis("left").setTickFont(big)  # a raw plot: no keeper thins its ticks
    plot.setYRange(0, 1, padding=0)
    plot.resize(500, 90)
    plot.show()
    qtbot.waitExposed(plot)
    qtbot.wait(50)
    assert any("run into each other" in p for p in clipped_axis_texts(plot))


def test_the_check_sees_a_plot_squeezed_under_its_neighbour(qtbot):
    panel = QWidget()
    qtbot.addWidget(panel)
    plot = pg.PlotWidget(panel)
    plot.setObjectName("squeezed")
    plot.setMinimumHeight(300)
    below = QLabel("a caption under the plot", panel)
    layout = QVBoxLayout(panel)
    layout.addWidget(plot)
    layout.addWidget(below)
    panel.show()
    qtbot.waitExposed(panel)
    panel.setFixedHeight(150)  # a panel that ignores its plot's minimum
    qtbot.wait(50)
    problems = clipped_axis_texts(panel)
    assert any("'squeezed'" in p for p in problems), problems
    panel.setFixedHeight(400)
    qtbot.wait(50)
    assert clipped_axis_texts(panel) == []


def test_stacked_plots_changed_together_refit_as_one_and_stay_aligned(qtbot, monkeypatch):
    panel = QWidget()
    qtbot.addWidget(panel)
    layout = QVBoxLayout(panel)
    plots = []
    for name in ("loss", "cells", "accuracy"):
        plot = pg.PlotWidget(panel, background="w")
        plot.setLabel("left", name)
        follow_plot_theme(plot, tick_pt=11, label_pt=13)
        layout.addWidget(plot)
        plots.append(plot)
    share_axis_room([plot.getPlotItem() for plot in plots])
    panel.resize(320, 600)
    panel.show()
    qtbot.waitExposed(panel)
    axes = [plot.getAxis("left") for plot in plots]
    qtbot.waitUntil(lambda: len({axis.width() for axis in axes}) == 1)
    narrow = axes[0].width()
    qtbot.wait(100)  # refits still due (a theme restored by an earlier test) run first

    passes: list[tuple[int, dict]] = []  # (rooms refitted, measurements per axis)
    refit, measure = AxisRoom._refit, AxisRoom.needed_across

    def counted_refit(self, rooms):
        passes.append((len(rooms), {}))
        refit(self, rooms)

    def counted_measure(self, side):
        if passes:
            counts = passes[-1][1]
            counts[(id(self), side)] = counts.get((id(self), side), 0) + 1
        return measure(self, side)

    monkeypatch.setattr(AxisRoom, "_refit", counted_refit)
    monkeypatch.setattr(AxisRoom, "needed_across", counted_measure)
    # One change to all three (the epoch axis of training curves), one needing wide labels.
    for k, plot in enumerate(plots):
        plot.setXRange(0, 120, padding=0)
        plot.setYRange(0, 1_234_500.0 if k == 1 else 1.0, padding=0)
    qtbot.waitUntil(lambda: len({axis.width() for axis in axes}) == 1 and axes[0].width() > narrow)
    qtbot.waitUntil(lambda: clipped_axis_texts(panel) == [])
    assert any(rooms == 3 for rooms, _counts in passes)  # the three changes, refitted together
    assert all(n == 1 for _rooms, counts in passes for n in counts.values())  # each axis once
