"""The Networks canvas keeps its room for the cells: on a canvas taller than wide its
legend goes below the plot (beside it on a wide one), and the letters A, B, C of the
anchors stay inside the plot area whatever its size, checked where Qt draws them."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from engine.networks import random_mlp
from engine.partition2d import partition_2d
from tests.networks.small_page import small_cnn_page
from widgets.canvas.cell_canvas import CellCanvas
from widgets.networks.anchor_marks import LABEL_PLACES, AnchorMarks

TIMEOUT_MS = 60_000
#: A domain whose top and right edges are close to two anchors, as a slice's triangle
#: grown by a small margin puts its apex C and its corner B.
DOMAIN = (-0.2, 3.45, -0.1, 2.4)
ANCHORS = np.array([[0.0, 0.0], [3.4, 0.0], [1.7, 2.33]])


class _Boundary:
    segments = np.array([[[1.0, -0.1], [1.5, 2.4]]])


@pytest.fixture
def canvas(qtbot):
    shown = CellCanvas()
    qtbot.addWidget(shown)
    marks = AnchorMarks(shown.getPlotItem())
    shown.set_partition(partition_2d(random_mlp([6, 6], seed=4), DOMAIN), _Boundary())
    marks.set_points(ANCHORS)
    shown.marks = marks
    shown.resize(560, 650)
    shown.show()
    qtbot.waitExposed(shown)
    return shown


def _drawn_letters(marks: AnchorMarks) -> list:
    """Where Qt draws each letter (scene pixels), from the items themselves."""
    return [label.mapRectToScene(label.boundingRect()) for label in marks._labels]


def _letters_inside(canvas: CellCanvas) -> bool:
    view = canvas.getPlotItem().getViewBox().sceneBoundingRect()
    return all(view.contains(rect) for rect in _drawn_letters(canvas.marks))


def _settled(qtbot, canvas: CellCanvas) -> None:
    """Let the layout apply the frame's margins and the legend's room (event loop)."""
    qtbot.wait(150)
    qtbot.waitUntil(lambda: _letters_inside(canvas), timeout=5000)


#: Canvas sizes, and whether the legend goes below: on a tall canvas, and on a square
#: one too (a column beside would cost the wide domain more than a row below it).
SIZES = [((560, 650), True), ((300, 340), True), ((900, 500), False), ((420, 420), True)]


@pytest.mark.parametrize(("size", "below"), SIZES)
def test_the_letters_stay_in_the_plot_area_and_the_legend_off_the_cells(qtbot, canvas, size, below):
    canvas.resize(*size)
    _settled(qtbot, canvas)
    assert canvas._legend.below == below
    plot = canvas.getPlotItem()
    view = plot.getViewBox().sceneBoundingRect()
    legend = canvas._legend.item.sceneBoundingRect()
    assert canvas.legend_labels()[-1] == "decision boundary"
    assert not legend.intersects(view)
    assert canvas.rect().contains(canvas.mapFromScene(legend).boundingRect())
    if canvas._legend.below:
        assert legend.top() >= plot.getAxis("bottom").sceneBoundingRect().bottom()
        assert legend.center().x() == pytest.approx(view.center().x(), abs=2.0)
    else:
        assert legend.left() >= view.right()
    # The letters drawn are where the marks computed them, each beside its own dot.
    for letter, computed, point in zip(
        _drawn_letters(canvas.marks), canvas.marks.label_rects(), ANCHORS, strict=True
    ):
        assert letter.adjusted(-1, -1, 1, 1).contains(computed), (letter, computed)
        dot = plot.getViewBox().mapViewToScene(QPointF(*point))
        near = letter.adjusted(-8.0, -4.0, 8.0, 4.0)
        assert near.contains(dot), (letter, dot)


def test_the_top_letter_moves_below_its_dot_when_the_top_is_tight(qtbot, canvas):
    _settled(qtbot, canvas)
    view = canvas.getPlotItem().getViewBox()
    top_room = view.mapViewToScene(QPointF(*ANCHORS[2])).y() - view.sceneBoundingRect().top()
    c_label = canvas.marks._labels[2]
    assert top_room < 1.1 * c_label.textItem.boundingRect().height()  # up-right won't fit
    assert tuple(c_label.anchor) != LABEL_PLACES[0]
    assert tuple(canvas.marks._labels[0].anchor) == LABEL_PLACES[0]  # A keeps its place


def test_a_tall_canvas_gives_the_plot_its_width(qtbot, canvas):
    """Below the plot, the legend leaves the data the canvas's width (less the t axis);
    beside it, it took a column of the same canvas."""
    _settled(qtbot, canvas)
    plot = canvas.getPlotItem()
    axis = plot.getAxis("left").width()
    tall_width = plot.getViewBox().width()
    assert tall_width >= canvas.width() - axis - 30
    canvas._legend.arrange()  # stays below while the canvas is tall
    assert canvas._legend.below


@pytest.fixture
def page(qtbot):
    yield from small_cnn_page(qtbot, (1280, 690))


def test_the_page_at_1280x720_puts_the_legend_below_and_keeps_the_letters_in(qtbot, page):
    canvas = page.canvas
    canvas.marks = page.anchor_marks
    qtbot.waitUntil(lambda: canvas.height() > canvas.width() and canvas._legend.below)
    _settled(qtbot, canvas)
    view = canvas.getPlotItem().getViewBox().sceneBoundingRect()
    assert not canvas._legend.item.sceneBoundingRect().intersects(view)
    assert len(page.anchor_marks.label_rects()) == 3
