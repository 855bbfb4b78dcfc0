"""The Playground draws its first frame before it builds its training curves (four plots,
a tenth of a second and more), then builds them in the room kept for them, showing what
they would have shown had they been there from the start."""

from __future__ import annotations

from app.playground.page import PlaygroundPage
from tests.playground.shown_playground import TIMEOUT_MS
from widgets.playground.curves import TrainingCurves


def test_the_curves_come_after_the_first_frame_in_their_kept_room(qtbot):
    page = PlaygroundPage()
    qtbot.addWidget(page)
    built_at_first_frame: list[int] = []
    page.frame_shown.connect(
        lambda _frame: built_at_first_frame.append(len(page.findChildren(TrainingCurves)))
    )
    page.resize(1300, 850)
    page.show()
    qtbot.waitUntil(lambda: page.frames_drawn >= 1, timeout=TIMEOUT_MS)
    assert built_at_first_frame[0] == 0  # the first frame did not wait for them
    qtbot.waitUntil(lambda: len(page.findChildren(TrainingCurves)) == 1, timeout=TIMEOUT_MS)
    curves = page.findChildren(TrainingCurves)[0]
    qtbot.waitUntil(curves.isVisible, timeout=TIMEOUT_MS)
    # Above the statistics panel, where the kept room was.
    assert curves.parentWidget() is page.statistics.parentWidget()
    assert curves.geometry().bottom() < page.statistics.geometry().top()
    assert curves.height() >= curves.minimumHeight() > 0
    # What the untrained network's run shows: its epoch 0 and its first frame's cells.
    assert curves.n_points == 1
    epochs, log_cells = curves.cell_count_data("cells")
    assert epochs.tolist() == [0.0] and 10 ** log_cells[0] > 1
    assert page.curves is curves  # asked for, the same curves
    page.shutdown()


def test_curves_asked_for_before_any_frame_are_built_at_once(qtbot):
    """An export may ask for them first: they are built then, and only once."""
    page = PlaygroundPage()
    qtbot.addWidget(page)
    curves = page.curves
    assert page.findChildren(TrainingCurves) == [curves] and curves.n_points == 1
    page.resize(1300, 850)
    page.show()
    qtbot.waitUntil(lambda: page.frames_drawn >= 1, timeout=TIMEOUT_MS)
    qtbot.wait(50)
    assert page.findChildren(TrainingCurves) == [curves]
    page.shutdown()
