"""No label, button, table header or plot axis text is cut, in both themes, at the default
window size and at 1280x720 (a projector's resolution), on every page."""

from __future__ import annotations

import pytest
from pytestqt.exceptions import TimeoutError

from app.registry import PAGES
from app.shell.theme import apply_theme
from tests.shell.clipped_text import clipped_axis_texts, clipped_texts

WINDOW_SIZES = [(1400, 900), (1280, 720)]


#: How long a page may take to settle: the plots refit their axes from the event loop,
#: and each refit can move the layout once more (a busy machine makes that slow).
SETTLE_MS = 3000


def _cut_once_settled(qtbot, page) -> list[str]:
    """What is still cut on ``page`` once it settles (or after SETTLE_MS)."""
    found = []

    def nothing_cut() -> bool:
        found[:] = clipped_texts(page) + clipped_axis_texts(page)
        return not found

    try:
        qtbot.waitUntil(nothing_cut, timeout=SETTLE_MS)
    except TimeoutError:
        pass
    return found


@pytest.fixture
def talk_then_default():
    yield
    apply_theme("default")


@pytest.mark.timeout(600)
def test_no_text_is_cut_on_any_page_in_either_theme(main_window, qtbot, talk_then_default):
    problems = []
    for theme in ("default", "talk"):
        apply_theme(theme)
        for size in WINDOW_SIZES:
            main_window.resize(*size)
            for spec in PAGES:
                main_window.show_page(spec.key)
                page = main_window.page(spec.key)
                qtbot.waitUntil(page.isVisible)
                qtbot.wait(150)  # layouts settle after the resize and the theme's fonts
                where = f"{theme} {size[0]}x{size[1]} {spec.key}"
                if (main_window.width(), main_window.height()) != size:
                    # A page asking for more room than the window has grows the window.
                    problems.append(f"{where}: the window is {main_window.size().toTuple()}")
                problems += [f"{where}: {p}" for p in _cut_once_settled(qtbot, page)]
    assert not problems, "\n".join(problems)


def test_the_check_sees_a_cut_label(qtbot):
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

    root = QWidget()
    qtbot.addWidget(root)
    label = QLabel("a label far too long for the forty pixels it is given", root)
    label.setFixedWidth(40)
    QVBoxLayout(root).addWidget(label)
    root.show()
    qtbot.waitExposed(root)
    (problem,) = clipped_texts(root)
    assert "far too long" in problem
    label.setFixedWidth(600)
    assert clipped_texts(root) == []


def test_the_check_sees_a_cut_axis_label_and_cut_tick_labels(qtbot):
    import pyqtgraph as pg

    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.resize(400, 160)
    plot.setLabel("left", "a left-axis label far longer than the plot is high")
    plot.setYRange(0, 1)
    plot.show()
    qtbot.waitExposed(plot)
    problems = clipped_axis_texts(plot)
    assert any("far longer" in p and "label" in p for p in problems), problems
    plot.setLabel("left", "y")
    assert clipped_axis_texts(plot) == []
    plot.getAxis("left").setWidth(12)  # too narrow for "0.8" and its tick
    plot.setYRange(0, 1)
    qtbot.wait(50)
    assert any("tick labels" in p for p in clipped_axis_texts(plot))


def overflowing_legends(page) -> list[str]:
    """Legends of the page's plots that stick out of their plot's data box (a plot
    squeezed below its legend's height, its title and ticks crowded out with it)."""
    import pyqtgraph as pg

    problems = []
    for widget in page.findChildren(pg.PlotWidget):
        if not widget.isVisible():
            continue
        plot = widget.getPlotItem()
        legend = plot.legend
        if legend is None or not legend.isVisible() or not legend.items:
            continue
        box = plot.getViewBox().sceneBoundingRect().adjusted(-2, -2, 2, 2)
        if not box.contains(legend.sceneBoundingRect()):
            title = plot.titleLabel.text or widget.objectName()
            problems.append(
                f"{title!r}: legend {legend.sceneBoundingRect().height():.0f} px high in a "
                f"data box of {box.height() - 4:.0f} px"
            )
    return problems


@pytest.mark.timeout(600)
def test_the_playground_stays_uncut_once_a_deep_network_has_trained(
    main_window, qtbot, talk_then_default
):
    """The Playground grows as it trains (a row per layer in its table, curves filling):
    in the talk theme at 1280x720 nothing is cut once a three-layer network has trained."""
    apply_theme("talk")
    main_window.resize(1280, 720)
    main_window.show_page("playground")
    page = main_window.page("playground")
    qtbot.waitUntil(lambda: page.controller.frame is not None, timeout=60_000)
    controller = page.controller
    controller.update(widths=(32, 32, 32), epochs=60)
    qtbot.waitUntil(lambda: page.statistics.table.rowCount() == 3, timeout=60_000)
    controller.play()
    qtbot.waitUntil(lambda: controller.snapshot.epoch == 60, timeout=300_000)
    qtbot.waitUntil(lambda: controller.frame.epoch == 60, timeout=60_000)
    problems = _cut_once_settled(qtbot, page)
    legends = []

    def legends_fit() -> bool:
        legends[:] = overflowing_legends(page)
        return not legends

    try:
        qtbot.waitUntil(legends_fit, timeout=SETTLE_MS)
    except TimeoutError:
        pass
    assert (main_window.width(), main_window.height()) == (1280, 720)
    assert not problems + legends, "\n".join(problems + legends)
