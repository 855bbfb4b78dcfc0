"""The Extrapolation page, driven like a user: clicks on the plot, drags of points and of
the training range's edge, and a session saved and restored."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from app.extrapolation.controller import ExtrapolationController
from app.extrapolation.page import ExtrapolationPage
from app.extrapolation.session import restore_extrapolation_state, save_extrapolation_state
from app.extrapolation.state import VIEW_X, ExtrapolationState
from engine.session_file import PageState
from tests.shown_page import shown_page

TIMEOUT_MS = 60_000
QUICK = ExtrapolationState(function="abs", widths=(8,), degree=4, epochs=150)


@pytest.fixture
def page(qtbot) -> Iterator[ExtrapolationPage]:
    page = ExtrapolationPage(ExtrapolationController(VIEW_X, QUICK))
    yield from shown_page(qtbot, page, (1300, 800), timeout_ms=TIMEOUT_MS, drawn=page.results_shown)


def shown_points(page) -> np.ndarray:
    x, y = page.plot.point_marks.getData()
    return np.c_[x, y]


def click(qtbot, page, where: tuple[float, float], button=Qt.MouseButton.LeftButton) -> None:
    p = page.plot.widget_position(where)
    qtbot.mouseClick(page.plot.viewport(), button, pos=QPoint(round(p.x()), round(p.y())))


def drag(qtbot, widget, start: QPointF, end: QPointF, steps: int = 8) -> None:
    a = QPoint(round(start.x()), round(start.y()))
    b = QPoint(round(end.x()), round(end.y()))
    qtbot.mouseMove(widget, a)
    qtbot.wait(20)
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=a)
    for i in range(1, steps + 1):
        t = i / steps
        qtbot.wait(20)
        qtbot.mouseMove(
            widget, QPoint(round(a.x() + t * (b.x() - a.x())), round(a.y() + t * (b.y() - a.y())))
        )
    qtbot.wait(20)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=b)


def test_clicking_adds_a_point_and_the_fit_follows_it(page, qtbot):
    assert len(shown_points(page)) == 0
    with qtbot.waitSignal(page.results_shown, timeout=TIMEOUT_MS):
        click(qtbot, page, (1.0, 4.0))
    points = shown_points(page)
    # The curve's nine samples became points, then the click added one at (1, 4).
    assert len(points) == 10
    assert points[-1] == pytest.approx((1.0, 4.0), abs=0.05)
    assert page.function_box.currentText() == "my points"
    # The network left |x| (1 at x = 1) to bend towards the new point at y = 4.
    network = page.controller.network.pieces
    assert abs(network(np.array([1.0]))[0] - 1.0) > 0.3


def test_right_click_removes_and_drag_moves_a_point(page, qtbot):
    page.controller.update(function="points", points=((-1.0, 1.0), (0.0, 0.0), (1.0, 1.0)))
    click(qtbot, page, (0.0, 0.0), Qt.MouseButton.RightButton)
    assert shown_points(page).tolist() == [[-1.0, 1.0], [1.0, 1.0]]
    # Each edit refits; the drag starts once the refit is drawn and the axes are still.
    qtbot.waitUntil(lambda: not page.controller.is_training, timeout=TIMEOUT_MS)
    qtbot.wait(100)
    view = page.plot.viewport()
    drag(qtbot, view, page.plot.widget_position((1.0, 1.0)), page.plot.widget_position((1.5, 3.0)))
    assert shown_points(page)[1] == pytest.approx((1.5, 3.0), abs=0.05)


def test_dragging_the_range_edge_refits_on_the_new_range(page, qtbot):
    plot = page.plot
    y = 0.5 * sum(plot.y_range())
    with qtbot.waitSignal(page.results_shown, timeout=TIMEOUT_MS):
        drag(qtbot, plot.viewport(), plot.widget_position((2.0, y)), plot.widget_position((4.0, y)))
    low, high = page.controller.state.training_range
    assert low == -2.0
    assert high == pytest.approx(4.0, abs=0.05)
    training_x, _ = plot.training_marks.getData()
    assert training_x.max() == pytest.approx(high)
    # The polynomial readout reports the new fit: x^4-ish fits of |x| on -2..4.
    assert "polynomial of degree 4" in page.readout.text()
    knots_inside = int(re.search(r"(\d+) knots inside the range", page.readout.text()).group(1))
    pieces = page.controller.network.pieces
    assert knots_inside == np.count_nonzero((pieces.knots >= low) & (pieces.knots <= high))


def test_a_too_narrow_range_is_refused_and_the_band_goes_back(page, qtbot):
    page.controller.set_training_range(1.0, 1.1)
    assert "at least 0.5 wide" in page.message.text()
    assert page.plot.band.getRegion() == pytest.approx((-2.0, 2.0))
    assert page.controller.state.training_range == (-2.0, 2.0)


def test_a_bad_widths_entry_is_explained_and_changes_nothing(page, qtbot):
    page.widths_edit.setText("8, x")
    page.widths_edit.editingFinished.emit()
    assert "not a whole number" in page.message.text()
    assert page.controller.state.widths == (8,)


def test_a_session_round_trip_restores_what_the_user_sees(page, qtbot):
    page.controller.update(
        function="points", points=((-1.0, 2.0), (0.5, -1.0)), degree=1, seed=12, widths=(5, 3)
    )
    saved = json.loads(json.dumps(save_extrapolation_state(page).settings))
    other = ExtrapolationPage(ExtrapolationController(VIEW_X, QUICK))
    qtbot.addWidget(other)
    try:
        restore_extrapolation_state(other, PageState(saved))
        assert other.controller.state == page.controller.state
        assert other.widths_edit.text() == "5, 3"
        assert other.seed_box.value() == 12
        assert shown_points(other).tolist() == [[-1.0, 2.0], [0.5, -1.0]]
        with pytest.raises(ValueError, match="seed"):
            restore_extrapolation_state(other, PageState({**saved, "seed": 2**40}))
        assert other.controller.state.seed == 12
    finally:
        other.shutdown()


def test_outside_the_range_the_drawn_network_is_a_straight_line(page):
    x, y = page.plot.network_curve.getData()
    knots = page.controller.network.pieces.knots
    assert knots.max() < VIEW_X[1]
    right = x >= knots.max()
    assert right.sum() == 2  # the last knot and the view's edge: one straight piece
    slope = page.controller.network.pieces.slopes[-1]
    assert (y[-1] - y[-2]) / (x[-1] - x[-2]) == pytest.approx(slope, rel=1e-9)


def test_cancel_stops_a_long_run_and_keeps_its_last_fit(page, qtbot):
    with qtbot.waitSignal(page.controller.network_progress, timeout=TIMEOUT_MS):
        page.controller.update(epochs=20_000)
    assert page.cancel_button.isEnabled()
    with qtbot.waitSignal(page.controller.training_finished, timeout=TIMEOUT_MS) as finished:
        qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    assert finished.args == ["cancelled"]
    assert not page.cancel_button.isEnabled()
    assert 0 < page.progress.value() < page.progress.maximum() == 20_000
    shown_epoch = int(re.search(r"epoch (\d+)/20000", page.readout.text()).group(1))
    assert shown_epoch == page.progress.value()
    assert len(page.plot.network_curve.getData()[0]) >= 2  # the last fit stays drawn


def test_the_polynomial_is_cut_at_the_plots_height_and_follows_a_zoom(page) -> None:
    """A vector export does not clip to the plot: the curve itself must stay in view."""
    x = np.linspace(-6.0, 6.0, 1201)
    y = x**8 - 3.0
    page.plot.show_polynomial(x, y)
    for low, high in ((-2.0, 8.0), (-1.0, 3.0)):
        page.plot.set_y_range(low, high)
        shown_x, shown_y = page.plot.polynomial_curve.getData()
        drawn = np.isfinite(shown_y)
        margin = 0.02 * (high - low)
        assert shown_y[drawn].min() >= low - margin - 1e-12
        assert shown_y[drawn].max() <= high + margin + 1e-12
        # What is drawn is the curve given: its own points, and crossings on its segments.
        np.testing.assert_allclose(shown_y[drawn], np.interp(shown_x[drawn], x, y), atol=1e-9)
        inside = (y >= low - margin) & (y <= high + margin)
        assert np.isin(x[inside], shown_x[drawn]).all()
