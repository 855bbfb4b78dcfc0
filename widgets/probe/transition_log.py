"""The transition log: every neuron flip the probe went through, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

#: Older entries are dropped past this many rows.
MAX_ROWS = 1000
TURNED_ON_RGB = (0, 118, 64)
TURNED_OFF_RGB = (176, 36, 36)
COLUMNS = ("#", "Layer", "Neuron", "Change", "At")


class TransitionLike(Protocol):
    """What the log shows of a transition (e.g. :class:`engine.probe.Transition`)."""

    layer: int  # 0-based hidden layer
    unit: int  # 0-based neuron index within the layer
    turned_on: bool
    point: np.ndarray  # where it happened, any dimension


def change_text(turned_on: bool) -> str:
    return "off → on" if turned_on else "on → off"


def point_text(point: Sequence[float]) -> str:
    return "(" + ", ".join(f"{float(v):.3f}".replace("-", "−") for v in point) + ")"


class TransitionLog(QWidget):
    """A table of transitions, newest on top, with a count and a Clear button.

    ``add_transitions(transitions)`` takes them in the order they happened (oldest
    first), so several crossings of one step read bottom-up in order.

    Signals
    -------
    cleared() : the user cleared the log.
    """

    cleared = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("transitionLog")
        self._count = 0
        self.count_label = QLabel(self)
        self.count_label.setObjectName("transitionCountLabel")
        self.count_label.setStyleSheet("color: #555;")
        clear_button = QPushButton("Clear", self)
        clear_button.setObjectName("clearTransitionsButton")
        clear_button.setToolTip("Empty the transition log")
        clear_button.clicked.connect(self._on_clear_clicked)

        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("transitionTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        for column in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.count_label, 1)
        top.addWidget(clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self._update_count()

    @property
    def count(self) -> int:
        """Number of transitions logged since the last clear (including dropped rows)."""
        return self._count

    def row_texts(self, row: int) -> tuple[str, ...]:
        """The texts of table row ``row`` (0 = newest), column by column."""
        return tuple(self.table.item(row, column).text() for column in range(len(COLUMNS)))

    def add_transitions(self, transitions: Sequence[TransitionLike]) -> None:
        """Log ``transitions`` in the order they happened."""
        if not transitions:
            return
        self.table.setUpdatesEnabled(False)
        try:
            for transition in transitions:
                self._count += 1
                self.table.insertRow(0)
                colour = QColor(*(TURNED_ON_RGB if transition.turned_on else TURNED_OFF_RGB))
                texts = (
                    str(self._count),
                    str(int(transition.layer) + 1),
                    str(int(transition.unit) + 1),
                    change_text(bool(transition.turned_on)),
                    point_text(transition.point),
                )
                for column, text in enumerate(texts):
                    item = QTableWidgetItem(text)
                    if column < 3:
                        item.setTextAlignment(
                            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                        )
                    if column == 3:
                        item.setForeground(colour)
                    self.table.setItem(0, column, item)
            if self.table.rowCount() > MAX_ROWS:
                self.table.setRowCount(MAX_ROWS)
        finally:
            self.table.setUpdatesEnabled(True)
        self.table.scrollToTop()
        self._update_count()

    def clear(self) -> None:
        self.table.setRowCount(0)
        self._count = 0
        self._update_count()

    def _on_clear_clicked(self) -> None:
        self.clear()
        self.cleared.emit()

    def _update_count(self) -> None:
        if self._count == 0:
            self.count_label.setText("No boundary crossed yet: drag the probe.")
        else:
            noun = "transition" if self._count == 1 else "transitions"
            self.count_label.setText(f"{self._count} {noun}, newest first")
