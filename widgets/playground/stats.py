"""Cell statistics: how many cells each depth makes, against the upper bounds."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.region_bounds import RegionBounds
from widgets.common.fonts import give_own_font, scaled_font

_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
COLUMNS = ("k", "cells", "mixed", "Zaslavsky", "Serra", "2ᴺ")
_HEADER_TIPS = (
    "The first k hidden layers, k = 1..L.",
    "Cells of the first k layers inside the view: exact counts from partition_2d(..., "
    "layers=k), or, when sampled, the activation patterns seen on the grid (a lower bound).",
    "Cells of the first k layers that hold training points of more than one class: the "
    "cells the layers after k still have to split.",
    "Zaslavsky (1975): n lines cut the plane into at most 1 + n + n(n-1)/2 cells. Applied "
    "layer by layer (every cell cut by the next layer's bent lines) it bounds all k layers.",
    "Serra, Tjandraatmadja & Ramalingam (2018), Theorem 1: the bound for ReLU networks, "
    "tighter because a ReLU layer with j active neurons leaves at most j dimensions.",
    "The naive bound: N neurons have at most 2^N activation patterns.",
)


def fit_column_widths(
    content: list[int], header: list[int], available: int
) -> tuple[list[int], bool]:
    """Widths of table columns sharing ``available`` pixels: every column at least as wide
    as its ``content`` (numbers are never cut), then as much of its ``header`` as fits,
    the narrowest shortfalls first (so that most headers are whole; the others are
    elided and keep their tooltips); what is left is shared evenly.

    Returns the widths and whether they all fit (when not, each column keeps its
    content width and the table scrolls sideways).
    """
    widths = list(content)
    spare = available - sum(widths)
    if spare < 0:
        return widths, False
    for column in sorted(range(len(widths)), key=lambda c: header[c] - content[c]):
        grow = min(max(header[column] - widths[column], 0), spare)
        widths[column] += grow
        spare -= grow
    if widths:
        share, extra = divmod(spare, len(widths))
        widths = [w + share + (1 if c < extra else 0) for c, w in enumerate(widths)]
    return widths, True


def format_count(value: int | None) -> str:
    """``"37"``, ``"65,536"``, ``"7.9×10²⁸"`` for large values, ``"—"`` for None."""
    if value is None:
        return "—"
    value = int(value)
    if value < 1_000_000:
        return f"{value:,}"
    exponent = len(str(value)) - 1
    mantissa = value / 10**exponent if exponent < 300 else int(str(value)[:3]) / 100
    return f"{mantissa:.1f}×10{str(exponent).translate(_SUPERSCRIPTS)}"


class CellStatisticsPanel(QWidget):
    """The cell count in view, and a table of cells per depth against the bounds."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cellStatisticsPanel")
        self.count_label = QLabel("–", self)
        self.count_label.setObjectName("playgroundCellCount")
        give_own_font(self.count_label, scaled_font(self.font(), 2.3, bold=True))
        self.caption = QLabel("cells", self)
        self.caption.setObjectName("playgroundCellCaption")
        self.caption.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("cellStatisticsTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.verticalHeader().setVisible(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        for column, (name, tip) in enumerate(zip(COLUMNS, _HEADER_TIPS, strict=True)):
            item = QTableWidgetItem(name)
            item.setToolTip(tip)
            self.table.setHorizontalHeaderItem(column, item)
        # Columns are sized by _fit_columns: numbers whole, headers elided ("Zasl…", with
        # the tooltip) only when the panel is too narrow for them, as in large type.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setTextElideMode(Qt.TextElideMode.ElideRight)
        give_own_font(header, scaled_font(self.font(), 0.95))
        header.setMinimumSectionSize(12)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.note = QLabel(self)
        self.note.setObjectName("cellStatisticsNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555;")

        count_row = QHBoxLayout()
        count_row.setSpacing(8)
        count_row.addWidget(self.count_label)
        count_row.addWidget(self.caption, 1, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(count_row)
        layout.addWidget(self.table)
        layout.addWidget(self.note)

        self._columns_fit = True
        self.table.viewport().installEventFilter(self)
        self._fit_columns()

    def _fit_columns(self) -> None:
        table, header = self.table, self.table.horizontalHeader()
        content = [table.sizeHintForColumn(c) for c in range(table.columnCount())]
        titles = [header.sectionSizeFromContents(c).width() for c in range(table.columnCount())]
        widths, self._columns_fit = fit_column_widths(content, titles, table.viewport().width())
        for column, width in enumerate(widths):
            header.resizeSection(column, width)

    def _fit_table_height(self) -> None:
        table = self.table
        table.resizeRowsToContents()
        rows = sum(table.rowHeight(r) for r in range(min(table.rowCount(), 8)))
        frame = 2 * table.frameWidth()
        scroll = table.horizontalScrollBar()
        below = 0 if self._columns_fit else scroll.sizeHint().height()
        table.setFixedHeight(table.horizontalHeader().sizeHint().height() + rows + frame + below)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return super().eventFilter(watched, event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # the talk theme's larger type
            self._fit_columns()
            self._fit_table_height()

    def _text_lengths(self) -> list[list[int]]:
        """The length of every cell's text, row by row."""
        table = self.table
        return [
            [
                len(item.text()) if (item := table.item(r, c)) else 0
                for c in range(table.columnCount())
            ]
            for r in range(table.rowCount())
        ]

    @property
    def shown_count(self) -> int | None:
        """The cell count the big label shows, as a user reads it (None before a frame)."""
        digits = self.count_label.text().lstrip("≥ ").replace(",", "")
        return int(digits) if digits.isdigit() else None

    def set_statistics(
        self,
        layer_cells: np.ndarray,
        mixed_cells: np.ndarray | None,
        bounds: RegionBounds,
        *,
        exact: bool,
    ) -> None:
        """Show cells and mixed cells per depth k = 1..L beside ``bounds``."""
        n_layers = len(layer_cells)
        total = int(layer_cells[-1]) if n_layers else 1
        prefix = "" if exact else "≥ "
        self.count_label.setText(f"{prefix}{total:,}")
        if exact:
            self.caption.setText("exact cell" if total == 1 else "exact cells")
        else:
            self.caption.setText("activation patterns seen (sampled)")
        # Texts as long as those shown keep the columns: refitting them (text metrics of
        # every cell) is most of this update, made many times a second while training.
        lengths = self._text_lengths()
        self.table.setRowCount(n_layers)
        for k in range(n_layers):
            values = (
                str(k + 1),
                prefix + format_count(int(layer_cells[k])),
                "—" if mixed_cells is None else format_count(int(mixed_cells[k])),
                format_count(bounds.zaslavsky[k]),
                format_count(bounds.serra[k] if bounds.serra is not None else None),
                f"2{str(sum(bounds.widths[: k + 1])).translate(_SUPERSCRIPTS)}",
            )
            for column, text in enumerate(values):
                item = self.table.item(k, column)
                if item is None:
                    item = QTableWidgetItem()
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                    font = item.font()
                    font.setBold(column == 1)
                    item.setFont(font)
                    self.table.setItem(k, column, item)
                if item.text() != text:
                    item.setText(text)
        if self._text_lengths() != lengths:
            self._fit_columns()
            self._fit_table_height()
        where = "in view" if exact else "on the sampled grid"
        serra = "" if bounds.serra is not None else " Serra's bound is for ReLU only."
        space = "the network's input plane"
        if bounds.n_inputs != 2:
            space = f"its {bounds.n_inputs}-D input (feature) space"
        self.note.setText(
            f"Cells of the first k layers {where}; the bounds hold in all of {space}. "
            f"Mixed: cells holding training points of more than one class.{serra}"
        )
