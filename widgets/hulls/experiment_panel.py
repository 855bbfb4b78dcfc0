"""One experiment of the Hulls page: its plot, its controls, and the table behind the plot.

Shows an :class:`engine.experiments.ExperimentResult`: measured series as markers with
standard-error bars joined by lines, exact curves dashed, threshold markers as labelled
vertical lines; below, Run / Cancel, a progress bar and the table of numbers (Ctrl+C
copies the selected rows, or the whole table, as tab-separated text).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.experiments import ExperimentProgress, ExperimentResult
from widgets.common.log_axis import PowerOfTenAxis
from widgets.common.palettes import oklch_to_srgb
from widgets.common.plot_style import INK, LEGEND_PT, MUTED, annotation, style_plot
from widgets.common.theme import current_theme, hex_rgb, restyle_legend

#: Headroom above P = 1 where the legend sits, clear of the curves.
Y_TOP = 1.24
#: Pixels from the plot's left edge to its legend.
LEGEND_OFFSET_X = 60


def group_colours(groups: list[str]) -> dict[str, tuple[int, int, int]]:
    """Evenly spaced hues of one lightness, one per group, in order."""
    hues = np.linspace(250.0, 250.0 + 360.0, len(groups), endpoint=False) % 360.0
    rgb = oklch_to_srgb(np.full(len(groups), 0.58), np.full(len(groups), 0.15), hues)
    return {g: tuple(int(v) for v in c) for g, c in zip(groups, rgb, strict=True)}


#: What an empty cell of a table shows, and its tooltip.
NO_VALUE = "–"
NO_VALUE_NOTE = "no test point in this group (its count is 0), so nothing to score"


def table_text(value: object, percent: bool) -> str:
    """How the table shows ``value``: a share or accuracy as ``"91.7%"`` (one decimal),
    another float to four significant digits, NaN (nothing to score) as ``"–"``."""
    if not isinstance(value, float | np.floating):
        return str(value)
    if not np.isfinite(value):
        return NO_VALUE
    return f"{100 * float(value):.1f}%" if percent else f"{float(value):.4g}"


class ExperimentTable(QTableWidget):
    """The numbers behind a plot; Ctrl+C copies them as TSV."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.setToolTip("Ctrl+C copies the selected rows (or the whole table) as TSV")
        self.result: ExperimentResult | None = None
        copy = QShortcut(QKeySequence(QKeySequence.StandardKey.Copy), self)
        copy.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        copy.activated.connect(self.copy_tsv)

    def set_result(self, result: ExperimentResult) -> None:
        self.result = result
        self.setColumnCount(len(result.header))
        self.setHorizontalHeaderLabels(list(result.header))
        for column, note in enumerate(result.header_notes):
            header = self.horizontalHeaderItem(column)
            if note and header is not None:
                header.setToolTip(note)
        self.setRowCount(len(result.rows))
        for r, row in enumerate(result.rows):
            for c, value in enumerate(row):
                item = QTableWidgetItem(table_text(value, c in result.percent_columns))
                if isinstance(value, float) and not np.isfinite(value):
                    item.setToolTip(NO_VALUE_NOTE)
                if not isinstance(value, str):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.setItem(r, c, item)
        self.resizeColumnsToContents()

    def tsv(self) -> str:
        """The selected rows (all rows when none is selected), with the header, as TSV."""
        if self.result is None:
            return ""
        rows = sorted({index.row() for index in self.selectedIndexes()})
        lines = self.result.tsv().splitlines()
        chosen = [lines[0]] + [lines[r + 1] for r in rows] if rows else lines
        return "\n".join(chosen) + "\n"

    def copy_tsv(self) -> None:
        QGuiApplication.clipboard().setText(self.tsv())


class ExperimentPanel(QWidget):
    """Plot, Run / Cancel, progress and table of one experiment.

    Signals
    -------
    run_requested() / cancel_requested() : the user pressed Run / Cancel.
    """

    run_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, name: str, description: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"experiment_{name}")
        self.plot_widget = pg.PlotWidget(
            background="w", axisItems={"bottom": PowerOfTenAxis("bottom")}
        )
        self.plot = self.plot_widget.getPlotItem()
        style_plot(self.plot, x_label="", y_label="")
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.legend = self.plot.addLegend(
            offset=(LEGEND_OFFSET_X, 4), labelTextColor=INK, brush=(255, 255, 255, 225), colCount=4
        )
        self.table = ExperimentTable(self)
        self.table.setObjectName(f"experimentTable_{name}")
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.plot_widget)
        splitter.addWidget(self.table)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)

        self.description = QLabel(description, self)
        self.description.setWordWrap(True)
        self.description.setStyleSheet("color: #55555c;")
        self.run_button = QPushButton("Run", self)
        self.run_button.setObjectName(f"runExperiment_{name}")
        self.run_button.setToolTip("Run this experiment on a worker thread (Ctrl+R)")
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName(f"cancelExperiment_{name}")
        self.cancel_button.setToolTip("Stop the experiment after its current step (Esc)")
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(10)
        self.status = QLabel("not run yet", self)
        self.status.setObjectName(f"experimentStatus_{name}")
        self.status.setMinimumWidth(260)
        self.run_button.clicked.connect(self.run_requested)
        self.cancel_button.clicked.connect(self.cancel_requested)
        controls = QHBoxLayout()
        controls.addWidget(self.run_button)
        controls.addWidget(self.cancel_button)
        controls.addWidget(self.progress, 1)
        controls.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.description)
        layout.addLayout(controls)
        layout.addWidget(splitter, 1)
        self.result: ExperimentResult | None = None
        self.plot_widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.plot_widget and event.type() == QEvent.Type.Resize:
            self._fit_legend()
        return super().eventFilter(watched, event)

    def _fit_legend(self) -> None:
        """As many legend columns (up to four) as fit the plot's data box: long series
        names (the accuracy split's) ran off the right edge of the plot and its figure."""
        # The legend sits in the data box, right of the left axis; on a resize the box has
        # not followed the widget yet, so its width comes from the widget's.
        left = self.plot.getViewBox().sceneBoundingRect().left()
        room = self.plot_widget.width() - left - LEGEND_OFFSET_X - 12
        for columns in (4, 3, 2, 1):
            self.legend.setColumnCount(columns)
            self.legend.updateSize()
            if self.legend.boundingRect().width() <= room:
                break

    # --- state from the controller ---------------------------------------------------------

    def set_running(self) -> None:
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setValue(0)
        self.status.setText("starting…")

    def set_progress(self, progress: ExperimentProgress) -> None:
        self.progress.setValue(round(1000 * progress.done / max(progress.total, 1)))
        self.status.setText(progress.message)
        self.set_result(progress.result)

    def set_finished(self, status: str) -> None:
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if status == "done":
            self.progress.setValue(1000)
        self.status.setText(status)

    # --- drawing -------------------------------------------------------------------------

    def set_result(self, result: ExperimentResult) -> None:
        """Redraw the plot and the table from ``result``."""
        self.result = result
        self.table.set_result(result)
        plot = self.plot
        plot.clear()
        self.legend.clear()
        # Styled once in __init__ (style_plot follows the theme); new items take the
        # current theme's widths and type, later theme changes rescale them.
        theme = current_theme()
        plot.getAxis("bottom").setLabel(result.x_label)
        plot.getAxis("left").setLabel(result.y_label)
        ink = INK if theme.key == "default" else theme.ink
        plot.setTitle(result.title, color=hex_rgb(ink), size=f"{theme.pt(12):g}pt")
        restyle_legend(self.legend, theme, LEGEND_PT)

        def to_x(x: np.ndarray) -> np.ndarray:
            return np.log10(x) if result.log_x else x

        groups = list(dict.fromkeys(s.group for s in result.series))
        colours = group_colours(groups)
        for series in result.series:
            colour = colours[series.group]
            x = to_x(series.x)
            if series.exact:
                pen = pg.mkPen(*colour, width=theme.width(2.0), style=Qt.PenStyle.DashLine)
                plot.addItem(pg.PlotDataItem(x, series.y, pen=pen))  # named in the text
                continue
            style = Qt.PenStyle.DotLine if series.variant else Qt.PenStyle.SolidLine
            plot.addItem(
                pg.PlotDataItem(
                    x,
                    series.y,
                    pen=pg.mkPen(*colour, width=theme.width(2.0), style=style),
                    symbol="t" if series.variant else "o",
                    symbolSize=7,
                    symbolBrush=pg.mkBrush(*colour),
                    symbolPen=pg.mkPen(255, 255, 255),
                    name=series.name,
                )
            )
            if series.stderr is not None and len(x):
                plot.addItem(
                    pg.ErrorBarItem(
                        x=x,
                        y=series.y,
                        height=2 * series.stderr,
                        pen=pg.mkPen(*colour, width=theme.width(1.2)),
                    )
                )
        for label, x_marker in result.markers:
            line = pg.InfiniteLine(
                pos=float(to_x(np.array([x_marker]))[0]),
                angle=90,
                pen=pg.mkPen(*MUTED, width=theme.width(1.2), style=Qt.PenStyle.DotLine),
            )
            plot.addItem(line)
            text = annotation(label, MUTED, anchor=(0, 0))
            text.setPos(float(to_x(np.array([x_marker]))[0]), 0.98)
            plot.addItem(text)
        plot.setYRange(-0.02, Y_TOP, padding=0)
        self._fit_legend()
