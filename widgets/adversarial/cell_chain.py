"""The chain of cells walked from the input's cell to the nearest adversarial input.

One thumbnail per cell: its activation pattern as a bit grid (a row per hidden layer,
a square per neuron, dark = on), the neuron flipped to enter it ringed in orange, and
under it which neuron flipped and the distance of the facet crossed.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

SQUARE = 9
ON, OFF, FLIP = QColor("#2f3e73"), QColor("#e4e6ee"), QColor("#e8710a")


def pattern_pixmap(pattern: np.ndarray, widths: tuple[int, ...], flipped: int) -> QPixmap:
    """A bit grid of ``pattern`` (n_neurons,) bool, a row per layer of ``widths``."""
    columns = max(widths)
    image = QImage(columns * SQUARE + 2, len(widths) * SQUARE + 2, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    start = 0
    for row, width in enumerate(widths):
        for k in range(width):
            x, y = 1 + k * SQUARE, 1 + row * SQUARE
            painter.fillRect(x, y, SQUARE - 1, SQUARE - 1, ON if pattern[start + k] else OFF)
            if start + k == flipped:
                painter.setPen(QPen(FLIP, 2))
                painter.drawRect(x, y, SQUARE - 2, SQUARE - 2)
        start += width
    painter.end()
    return QPixmap.fromImage(image)


def neuron_name(neuron: int, widths: tuple[int, ...]) -> str:
    """``layer 2, unit 5`` for a neuron index in pattern order (1-based for people)."""
    for layer, width in enumerate(widths):
        if neuron < width:
            return f"layer {layer + 1}, unit {neuron + 1}"
        neuron -= width
    raise ValueError("no such neuron")


class CellChainStrip(QScrollArea):
    """A horizontal strip of the cells walked; ``captions()`` gives what each says."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self._body = QWidget(self)
        self._row = QHBoxLayout(self._body)
        self._row.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setWidget(self._body)
        self._captions: list[str] = []

    def captions(self) -> list[str]:
        return list(self._captions)

    def set_chain(
        self,
        chain: np.ndarray,
        flipped: np.ndarray,
        step_distances: np.ndarray,
        widths: tuple[int, ...],
    ) -> None:
        """Show the (k+1, n_neurons) patterns, the k flips and their facet distances."""
        while self._row.count():
            item = self._row.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self._captions = []
        for step, pattern in enumerate(chain):
            if step == 0:
                caption = "x₀'s cell"
                neuron = -1
            else:
                neuron = int(flipped[step - 1])
                where = neuron_name(neuron, widths)
                caption = f"flip {where}\nat distance {step_distances[step - 1]:.4g}"
            self._captions.append(caption)
            cell = QWidget(self._body)
            column = QVBoxLayout(cell)
            column.setContentsMargins(4, 0, 4, 0)
            column.setAlignment(Qt.AlignmentFlag.AlignTop)
            picture = QLabel(cell)
            picture.setPixmap(pattern_pixmap(pattern, widths, neuron))
            text = QLabel(caption, cell)
            text.setStyleSheet("color: #45454c;")
            column.addWidget(picture)
            column.addWidget(text)
            self._row.addWidget(cell)
            if step + 1 < len(chain):
                self._row.addWidget(QLabel("→", self._body))
        self._row.addStretch(1)
