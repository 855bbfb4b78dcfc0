"""The training curves' axes move in steps while a run grows, and still show every point.

Each move of an axis re-lays its tick labels out; the curves redraw ten times a second
while training, so an axis that followed every epoch took the GUI thread's time from the
cells. These tests feed the curves a run epoch by epoch, as training does, and check what
a user sees: every epoch and loss inside the axes, the axes ending on round values, and
the axes moving a few times per decade of epochs, not at every epoch.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.playground.page import CURVE_REFRESH_MAX_MS, CURVE_REFRESH_MS, curve_refresh_ms
from engine.training import TrainingHistory
from widgets.playground.curves import (
    LOSS_FLOOR,
    TrainingCurves,
    epoch_axis_end,
    stepped_range,
)


def test_the_epoch_axis_ends_on_a_round_value_a_little_past_the_last_epoch():
    epochs = np.concatenate([np.arange(0, 2000), np.geomspace(2000, 1e6, 500)])
    ends = np.array([epoch_axis_end(e) for e in epochs])
    assert np.all(ends >= np.maximum(epochs, 10.0))
    assert np.all(ends <= 4 / 3 * np.maximum(epochs, 10.0) + 1e-9)
    mantissas = ends / 10.0 ** np.floor(np.log10(ends) + 1e-12)
    assert set(np.round(mantissas, 6)) <= {1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0}
    # Ten ends per decade: 0..1999 epochs meet 10, 12, ..., 800, 1000, 1200, 1500, 2000.
    assert len(np.unique(ends[:2000])) == 24
    assert epoch_axis_end(0) == 10.0 and epoch_axis_end(120) == 120.0
    assert epoch_axis_end(121) == 150.0


@pytest.mark.parametrize("step", [0.1, 0.25, 0.5])
def test_a_stepped_range_holds_its_values_and_ends_on_multiples_of_the_step(step):
    rng = np.random.default_rng(3)
    for low, high in np.sort(rng.uniform(-5, 5, (200, 2)), axis=1):
        a, b = stepped_range(low, high, step)
        assert a <= low and b >= high
        assert low - a < step + 1e-9 and b - high < step + 1e-9
        assert abs(a / step - round(a / step)) < 1e-9 and abs(b / step - round(b / step)) < 1e-9
    assert stepped_range(-1.0, 0.5, 0.5) == (-1.0, 0.5)  # already on multiples: unchanged


def _run(n_epochs: int) -> TrainingHistory:
    """A plausible run: losses falling over two decades, accuracy rising."""
    epoch = np.arange(n_epochs + 1)
    train_loss = 0.7 * np.exp(-epoch / 40.0) + 0.004
    rng = np.random.default_rng(0)
    test_loss = train_loss * rng.uniform(1.0, 1.4, len(epoch))
    score = 1.0 - 0.5 * np.exp(-epoch / 30.0)
    return TrainingHistory(epoch, train_loss, test_loss, score, score * 0.97)


def test_curves_fed_epoch_by_epoch_move_their_axes_in_few_steps_and_show_every_point(qtbot):
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    curves.resize(320, 600)
    curves.show()
    qtbot.waitExposed(curves)
    history = _run(300)
    columns = ("epoch", "train_loss", "test_loss", "train_score", "test_score")
    loss_view = curves.loss_plot.getPlotItem().getViewBox()
    ranges_shown = set()
    for end in range(1, len(history) + 1):
        shown = TrainingHistory(*(getattr(history, name)[:end] for name in columns))
        curves.set_history(shown)
        cells = np.geomspace(30, 900, end)
        curves.set_cell_counts(shown.epoch.astype(float), cells, cells / 10, cells / 20)
        (x0, x1), (y0, y1) = loss_view.viewRange()
        ranges_shown.add((round(x1, 9), round(y0, 9), round(y1, 9)))
        # Every point drawn so far lies inside the axes the user sees.
        epochs, log_loss = curves.loss_curve_data()
        assert x0 <= epochs.min() and epochs.max() <= x1
        assert y0 <= log_loss.min() and log_loss.max() <= y1
        cells_view = curves.cells_plot.getPlotItem().getViewBox()
        _, (c0, c1) = cells_view.viewRange()
        _, log_cells = curves.cell_count_data("cells")
        assert c0 <= log_cells.min() and log_cells.max() <= c1
    # The same values as the run: the curve is the run itself, not a thinned copy.
    epochs, log_loss = curves.loss_curve_data()
    np.testing.assert_array_equal(epochs, history.epoch)
    np.testing.assert_allclose(10**log_loss, np.maximum(history.train_loss, LOSS_FLOOR))
    # 301 redraws, and the loss axes moved at only a few of them (ends 10, 12, ... 300
    # along x; two or three half decades down y as the loss fell).
    assert len(ranges_shown) <= 24, len(ranges_shown)
    assert loss_view.viewRange()[0][1] == pytest.approx(300 + 0.02 * 300)  # padding 2 %


def test_while_training_the_curves_redraw_no_more_often_than_the_cells():
    assert curve_refresh_ms(None) == CURVE_REFRESH_MS
    assert curve_refresh_ms(1000 / 45) == CURVE_REFRESH_MS  # 45 frames/s: ten curves a second
    assert curve_refresh_ms(1000 / 6) == 167  # 6 frames/s: six curves a second
    assert curve_refresh_ms(5000.0) == CURVE_REFRESH_MAX_MS  # a slow frame: the loss still moves
