"""The Playground's side panel reads in talk type: whole numbers in the statistics table,
labelled ticks that do not touch, and one column of labels in the controls."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel

import app.shell.theme as app_theme
from engine.region_bounds import region_bounds
from widgets.playground.stats import CellStatisticsPanel, fit_column_widths


@pytest.fixture(autouse=True)
def _default_look_around() -> Iterator[None]:
    app_theme.apply_theme("default", colour_blind_safe=False)
    yield
    app_theme.apply_theme("default", colour_blind_safe=False)


def test_columns_keep_their_numbers_whole_and_give_headers_what_is_left():
    content, header = [20, 50, 40, 60], [15, 45, 90, 70]
    # Room for everything: every header whole, the rest shared.
    widths, fits = fit_column_widths(content, header, 300)
    assert fits and sum(widths) == 300
    assert all(w >= max(c, h) for w, c, h in zip(widths, content, header, strict=True))
    # Room for the numbers and the short shortfalls only: the long header is elided.
    widths, fits = fit_column_widths(content, header, 190)
    assert fits and sum(widths) == 190
    assert widths[3] >= 70 and 40 <= widths[2] < 90
    # Not even room for the numbers: they stay whole, and the table scrolls.
    assert fit_column_widths(content, header, 100) == (content, False)


def test_the_statistics_table_shows_whole_numbers_in_talk_type(qtbot):
    panel = CellStatisticsPanel()
    qtbot.addWidget(panel)
    panel.setFixedWidth(298)  # the side panel's room beside its margins
    panel.show()
    qtbot.waitExposed(panel)
    app_theme.apply_theme("talk")
    bounds = region_bounds((16, 16, 16, 16), n_inputs=2)
    panel.set_statistics(
        np.array([91, 410, 1121, 2537]), np.array([23, 14, 3, 3]), bounds, exact=True
    )
    table, header = panel.table, panel.table.horizontalHeader()
    qtbot.waitUntil(lambda: header.font().pointSizeF() > 0)

    assert header.length() <= table.viewport().width()  # no sideways scrolling
    for row in range(table.rowCount()):
        for column in range(table.columnCount()):
            item = table.item(row, column)
            needed = QFontMetrics(item.font()).horizontalAdvance(item.text())
            assert needed < header.sectionSize(column), (row, column, item.text())
    assert table.item(3, 1).text() == "2,537"
    # A header too long for its column is elided, and its tooltip says it in full.
    assert "Zaslavsky" in table.horizontalHeaderItem(3).toolTip()
    assert header.textElideMode().name == "ElideRight"


def test_score_ticks_stay_a_label_apart_in_a_short_talk_plot(qtbot):
    from widgets.playground.curves import TrainingCurves

    curves = TrainingCurves()
    qtbot.addWidget(curves)
    app_theme.apply_theme("talk")
    axis = curves.score_plot.getPlotItem().getAxis("left")
    qtbot.waitUntil(lambda: axis.style["tickFont"].pointSizeF() > 9.5 * 1.5)
    tall = axis.tickValues(-0.02, 1.02, 400)[0]
    short = axis.tickValues(-0.02, 1.02, 90)[0]
    assert tall[0] <= 0.25  # room for many labels
    assert short[0] >= 0.5  # a short plot labels 0, 0.5 and 1 only
    label_height = QFontMetrics(axis.style["tickFont"]).height()
    assert short[0] * 90 / 1.04 >= 1.5 * label_height


def test_the_controls_share_one_column_of_labels_in_talk_type(qtbot):
    from app.playground.binding import control_ranges, show_state
    from app.playground.controller import PlaygroundController
    from widgets.playground.controls import PlaygroundControls

    c = PlaygroundController()
    controls = PlaygroundControls(control_ranges())
    show_state(controls, c.state)
    qtbot.addWidget(controls)
    controls.show()
    qtbot.waitExposed(controls)
    app_theme.apply_theme("talk")
    # Data, Network, Training and Display fields start at one x, whatever the labels' type.
    fields = (
        controls.dataset_combo,
        controls.widths_edit,
        controls.rate_combo,
        controls.colour_combo,
    )
    qtbot.waitUntil(lambda: len({f.mapTo(controls, f.rect().topLeft()).x() for f in fields}) == 1)
    # ... and right of the widest label ("Colour cells by"), which is never cut.
    widest = max(controls.findChildren(QLabel), key=lambda label: label.sizeHint().width())
    assert widest.width() >= widest.sizeHint().width()
    c.shutdown()
