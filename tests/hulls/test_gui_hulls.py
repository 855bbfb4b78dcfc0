"""The Hulls page: drag the test point across a hull edge; run, copy and cancel experiments."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from app.export.catalogue import export_targets
from app.hulls.experiments import EXPERIMENTS
from app.hulls.page import HullsPage
from engine.encoding_experiments import SPLIT_GROUPS_NOTE, split_accuracy
from engine.experiments import ExperimentResult
from tests.shown_page import shown_page
from widgets.hulls.experiment_panel import ExperimentTable

TIMEOUT_MS = 60_000


@pytest.fixture
def page(qtbot):
    page = HullsPage()
    yield from shown_page(
        qtbot,
        page,
        (1300, 800),
        timeout_ms=TIMEOUT_MS,
        ready=lambda: page.canvas.scene_data is not None,
    )


def _drag_to(qtbot, page: HullsPage, point: np.ndarray):
    """Move the test point there and return the verdict shown for exactly that point."""
    shown = []
    page.verdict_shown.connect(shown.append)
    page.canvas.move_test_point(*point)
    qtbot.waitUntil(lambda: bool(shown) and np.allclose(shown[-1].point, point), timeout=TIMEOUT_MS)
    page.verdict_shown.disconnect(shown.append)
    return shown[-1]


def test_dragging_the_test_point_across_a_hull_edge_flips_the_verdict(qtbot, page):
    scene = page.canvas.scene_data
    a, b = scene.hull_ring[0], scene.hull_ring[1]  # a counter-clockwise hull edge
    middle = (a + b) / 2
    outward = np.array([b[1] - a[1], a[0] - b[0]])
    outward /= np.linalg.norm(outward)
    offsets = (-0.05, -0.01, 0.01, 0.05)
    verdicts = [_drag_to(qtbot, page, middle + t * outward) for t in offsets]
    assert [v.inside[0] for v in verdicts] == [True, True, False, False]
    # Inside the hull is inside every softer enclosure too.
    assert all(all(v.inside) for v in verdicts[:2])
    # Just outside, the distance to the hull is the distance to that edge.
    assert verdicts[2].distance == pytest.approx(0.01, abs=1e-6)
    assert verdicts[3].distance == pytest.approx(0.05, abs=1e-6)
    text = page.verdict_label.text()
    assert "convex hull: <b style='color:#b3261e'>outside</b>" in text
    assert "<b>0.050</b>" in text
    # Far away, every definition says outside.
    _drag_to(qtbot, page, scene.ball.centre + 3 * scene.ball.radius)
    assert page.verdict_label.text().count("outside") == 4


def test_an_experiment_runs_fills_its_table_and_copies_tsv(qtbot, page, monkeypatch):
    from app.hulls import controller as hulls_controller
    from app.hulls.experiments import ExperimentSpec
    from engine.experiments import sample_probability_experiment

    quick = ExperimentSpec(
        "gaussian",
        "Gaussian",
        "",
        lambda: sample_probability_experiment("gaussian", (2, 3), (10, 40), trials=2, queries=10),
    )
    monkeypatch.setattr(hulls_controller, "EXPERIMENTS", (quick, *hulls_controller.EXPERIMENTS[1:]))
    panel = page.panels["gaussian"]
    with qtbot.waitSignal(page.experiment_shown, timeout=TIMEOUT_MS):
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert panel.status.text() == "done"
    assert panel.table.rowCount() == 4
    assert panel.table.item(0, 0).text() == "2"
    panel.table.setFocus()
    panel.table.clearSelection()
    panel.table.copy_tsv()
    lines = QGuiApplication.clipboard().text().splitlines()
    assert lines[0].split("\t")[:2] == ["d", "N"]
    assert len(lines) == 5
    assert float(lines[1].split("\t")[5]) == pytest.approx(
        float(panel.table.item(0, 5).text()), abs=1e-3
    )


def test_cancel_stops_a_long_experiment(qtbot, page):
    panel = page.panels["latent"]
    with qtbot.waitSignal(page.controller.experiment_progress, timeout=TIMEOUT_MS):
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(page.controller.experiment_finished, timeout=TIMEOUT_MS) as blocker:
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["latent", "cancelled"]
    assert panel.status.text() == "cancelled"
    assert panel.run_button.isEnabled()


def test_talk_theme_plots_keep_their_line_widths_over_many_partial_results(qtbot):
    """Partial results arrive in bursts and redraw the plot: every line must keep the
    theme's width through them and through theme changes, not compound per redraw."""
    import app.shell.theme as app_theme
    from engine.experiments import ExperimentResult, Series
    from widgets.common.theme import DEFAULT_THEME, TALK_THEME
    from widgets.hulls.experiment_panel import ExperimentPanel

    panel = ExperimentPanel("figure1", "P(in hull) against N")
    qtbot.addWidget(panel)
    panel.show()

    def curves():
        items = panel.plot.getViewBox().addedItems
        return [i for i in items if isinstance(i, pg.PlotDataItem) and i.opts.get("name")]

    def widths():
        return {round(c.opts["pen"].widthF(), 6) for c in curves()}

    app_theme.apply_theme("talk")
    try:
        x = np.array([10.0, 100.0, 1000.0])
        for step in (1, 2, 3, 3, 3):  # a burst: no event loop between the redraws
            y, stderr = np.linspace(1.0, 0.0, 3)[:step], np.full(step, 0.01)
            series = tuple(Series(f"d = {d}", f"d = {d}", x[:step], y, stderr) for d in (2, 4))
            panel.set_result(ExperimentResult("Figure 1", "N", "P", True, series))
        qtbot.wait(20)
        assert [c.opts["name"] for c in curves()] == ["d = 2", "d = 4"]
        assert len(panel.legend.items) == 2
        assert widths() == {TALK_THEME.width(2.0)}
        app_theme.apply_theme("default")
        qtbot.wait(20)
        assert widths() == {DEFAULT_THEME.width(2.0)}
        app_theme.apply_theme("talk")
        qtbot.wait(20)
        assert widths() == {TALK_THEME.width(2.0)}
    finally:
        app_theme.apply_theme("default", colour_blind_safe=False)


def test_the_verdict_lines_wear_the_canvas_colours_of_the_current_palette():
    import app.shell.theme as app_theme
    from app.hulls.page import verdict_html
    from engine.hull_scene import PointVerdict
    from widgets.common.theme import hex_rgb
    from widgets.hulls.canvas import definition_colours

    verdict = PointVerdict(
        point=np.zeros(2),
        inside=(True, False, True, False),
        coordinates_in_range=1.0,
        distance=0.0,
        nearest=np.zeros(2),
        certified_by="hull edges",
    )
    try:
        for safe in (False, True):
            app_theme.apply_theme("default", colour_blind_safe=safe)
            html = verdict_html(verdict)
            for colour in definition_colours().values():
                assert hex_rgb(colour) in html
    finally:
        app_theme.apply_theme("default", colour_blind_safe=False)


def test_the_noise_dimensions_tab_shows_the_hull_share_falling(qtbot, page, monkeypatch):
    """The noise tab runs its experiment and shows one row per k: inside the hull with
    no noise, outside with many noise dimensions."""
    from functools import partial

    from app.hulls import controller as hulls_controller
    from app.hulls.experiments import ExperimentSpec
    from engine.encoding_experiments import noise_dimensions_experiment

    small = partial(noise_dimensions_experiment, noise_dimensions=(0, 100), n_samples=120)
    experiments = tuple(
        ExperimentSpec(spec.key, spec.title, spec.description, small)
        if spec.key == "noise"
        else spec
        for spec in hulls_controller.EXPERIMENTS
    )
    monkeypatch.setattr(hulls_controller, "EXPERIMENTS", experiments)
    panel = page.panels["noise"]
    assert page.experiments.tabText(page.experiments.indexOf(panel)) == "Noise dimensions"
    with qtbot.waitSignal(page.experiment_shown, timeout=TIMEOUT_MS):
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.status.text() == "done", timeout=TIMEOUT_MS)
    assert panel.table.rowCount() == 2
    header = [panel.table.horizontalHeaderItem(j).text() for j in range(3)]
    assert header == ["noise dimensions", "dimensions", "convex hull"]
    assert [panel.table.item(i, 1).text() for i in range(2)] == ["2", "102"]
    shares = [panel.table.item(i, 2).text() for i in range(2)]  # percent, one decimal
    assert all(text.endswith("%") for text in shares)
    assert float(shares[0].removesuffix("%")) > 70.0
    assert shares[1] == "0.0%"


def test_figure1_draws_the_exact_curves_before_the_first_trial_ends(qtbot, page):
    from engine.absorption import gaussian_inside_probability

    panel = page.panels["gaussian"]
    seen: list[tuple[int, str, list, list]] = []

    def look(key: str, progress) -> None:  # connected after the page: what it just drew
        items = panel.plot.listDataItems()
        dashed = [i for i in items if i.opts["pen"].style() == Qt.PenStyle.DashLine]
        marked = [i for i in items if i.opts["symbol"] is not None]
        seen.append((progress.done, panel.status.text(), dashed, marked))

    page.controller.experiment_progress.connect(look)
    with qtbot.waitSignal(page.controller.experiment_progress, timeout=TIMEOUT_MS):
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.run_button.isEnabled(), timeout=TIMEOUT_MS)
    done, status, dashed, marked = seen[0]
    assert (done, status, len(marked)) == (0, "exact curves drawn; measuring", 0)
    assert len(dashed) == 8  # d = 2...7, 10, 16, each its Kabluchko–Zaporozhets curve
    x, y = dashed[0].getData()  # d = 2, on a log axis
    at_2000 = int(np.argmin(abs(x - np.log10(2000))))
    assert y[at_2000] == pytest.approx(gaussian_inside_probability(2000, 2), abs=1e-9)


def test_the_split_tables_group_header_explains_the_slice_rows(qtbot):
    """The accuracy split's table says, on its "test digits" header, what the 2-D slice
    rows mean; the rows and the TSV carry them."""
    correct = np.array([True, False, True])
    masks = {name: np.array([True, False, False]) for name in ("hull", "ellipsoid", "cell")}
    masks["slice"] = np.array([False, True, True])
    rows = tuple(("64-8-10", *row) for row in split_accuracy(correct, masks))
    result = ExperimentResult(
        "split",
        "hidden units",
        "accuracy",
        True,
        header=("classifier", "test digits", "count", "share", "accuracy"),
        header_notes=("", SPLIT_GROUPS_NOTE, "", "", ""),
        rows=rows,
    )
    table = ExperimentTable()
    qtbot.addWidget(table)
    table.set_result(result)
    assert "two nearest training digits" in table.horizontalHeaderItem(1).toolTip()
    assert table.horizontalHeaderItem(2).toolTip() == ""
    shown = [table.item(r, 1).text() for r in range(table.rowCount())]
    row = shown.index("in a training digit's cell, 2-D slice")
    assert table.item(row, 2).text() == "2"
    assert "in no training digit's cell, 2-D slice\t1\t" in table.tsv()


def test_the_default_export_view_is_the_plot_of_the_experiment_shown(qtbot, page):
    # A preset that shows the accuracy split must export the split's plot, not Figure 1.
    assert export_targets(page, "hulls")[0].name == "hulls-figure1"
    page.experiments.setCurrentIndex([spec.key for spec in EXPERIMENTS].index("split"))
    targets = export_targets(page, "hulls")
    assert targets[0].name == "hulls-split"
    assert targets[0].widget() is page.panels["split"].plot_widget
    assert sorted(t.name for t in targets) == sorted(
        ["hulls-figure1", "hulls-test-point", "hulls-page"]
        + [f"hulls-{spec.key}" for spec in EXPERIMENTS if spec.key != "gaussian"]
    )


def test_a_long_legend_wraps_to_fit_the_plot(qtbot):
    """The accuracy split's series names are long: the legend takes fewer columns rather
    than run off the plot's right edge, and more again when the plot widens."""
    from engine.experiments import Series
    from widgets.hulls.experiment_panel import ExperimentPanel

    panel = ExperimentPanel("split", "")
    qtbot.addWidget(panel)
    panel.resize(700, 500)
    panel.show()
    qtbot.waitExposed(panel)
    names = ("accuracy, in a training cell", "accuracy, in no training cell",
             "share in a training cell", "accuracy, inside the ellipsoid")  # fmt: skip
    x = np.array([8.0, 16.0, 32.0, 128.0])
    series = tuple(Series(n, n, x, np.linspace(0.2, 1.0, 4), None) for n in names)
    panel.set_result(ExperimentResult("split", "hidden units", "accuracy", True, series))

    def fits() -> bool:
        right = panel.legend.mapRectToScene(panel.legend.boundingRect()).right()
        return right <= panel.plot.getViewBox().sceneBoundingRect().right()

    qtbot.waitUntil(fits, timeout=5000)
    narrow = panel.legend.columnCount
    assert narrow < 4
    panel.resize(2400, 500)
    qtbot.waitUntil(lambda: panel.legend.columnCount > narrow, timeout=5000)
    assert fits()


def test_an_experiments_table_exports_as_tsv_and_a_view_without_one_says_so(qtbot, page, tmp_path):
    from app.export.formats import ExportOptions
    from app.export.targets import export_view

    correct = np.array([True, False, True, True])
    masks = {name: np.array([True, False, False, True]) for name in ("hull", "ellipsoid", "cell")}
    masks["slice"] = np.array([False, True, True, False])
    rows = tuple(("64-8-10", *row) for row in split_accuracy(correct, masks))
    header = ("classifier", "test digits", "count", "share", "accuracy")
    result = ExperimentResult("split", "hidden units", "accuracy", True, header=header, rows=rows)
    panel = page.panels["split"]
    with pytest.raises(ValueError, match="has not run"):
        export_view(_view(page, "hulls-split"), ExportOptions(tmp_path / "none.tsv"))
    assert not (tmp_path / "none.tsv").exists()
    panel.set_result(result)
    panel.table.selectRow(0)  # a selection on screen does not shorten the file
    path = export_view(_view(page, "hulls-split"), ExportOptions(tmp_path / "split.tsv"))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == list(header)
    assert len(lines) == 1 + len(rows)
    assert lines[1].split("\t")[:3] == ["64-8-10", rows[0][1], str(rows[0][2])]
    with pytest.raises(ValueError, match="has no table"):
        export_view(_view(page, "hulls-test-point"), ExportOptions(tmp_path / "canvas.tsv"))


def _view(page, name: str):
    return next(view for view in export_targets(page, "hulls") if view.name == name)


def test_a_finished_experiments_figure_says_what_it_shows_not_done(qtbot, page):
    panel = page.panels["noise"]
    view = _view(page, "hulls-noise")
    panel.set_running()
    running = panel.status.text()
    assert view.heading().note == running
    panel.set_finished("done")
    assert view.heading().note == panel.description.text()
    assert "noise" in view.heading().note.lower()
    panel.set_finished("cancelled")
    assert view.heading().note == "cancelled"


def test_an_empty_groups_accuracy_is_a_dash_on_screen_and_an_empty_field_in_the_tsv(qtbot):
    """No test digit lies inside the hull in 64 pixels: that row's count is 0, its
    accuracy "–" (not "nan"), its TSV field empty; every share and accuracy shown is a
    percentage with one decimal."""
    import re

    from engine.digit_models import run_to_end
    from engine.digits import load_digits
    from engine.encoding_experiments import generalisation_split_experiment

    digits = load_digits().subset(np.arange(200))
    result = run_to_end(generalisation_split_experiment(digits, widths=((4,),), epochs=3))
    table = ExperimentTable()
    qtbot.addWidget(table)
    table.set_result(result)
    groups = [table.item(r, 1).text() for r in range(table.rowCount())]
    row = groups.index("inside the hull")
    assert table.item(row, 2).text() == "0"
    assert table.item(row, 3).text() == "0.0%"
    assert table.item(row, 4).text() == "–"
    assert "no test point" in table.item(row, 4).toolTip()
    everyone = result.rows[groups.index("all test digits")]
    assert table.item(groups.index("all test digits"), 4).text() == f"{100 * everyone[4]:.1f}%"
    for r in range(table.rowCount()):
        for c in (3, 4):
            assert re.fullmatch(r"–|\d{1,3}\.\d%", table.item(r, c).text())
    tsv = table.tsv()
    assert "nan" not in tsv.lower()
    fields = next(line for line in tsv.splitlines() if "\tinside the hull\t" in line).split("\t")
    assert fields[2:] == ["0", "0", ""]
