"""The chain of cells walked from the input's cell to the nearest adversarial input.

One thumbnail per cell: its activation pattern as a bit grid (a row per hidden layer,
a square per neuron, dark = on), the neuron flipped to enter it ringed in orange, and
under it which neuron flipped and the distance of the facet crossed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

SQUARE = 9
#: A figure draws each neuron's square this many times larger: a talk's screen shows it.
FIGURE_ZOOM = 3
ON, OFF, FLIP = QColor("#2f3e73"), QColor("#e4e6ee"), QColor("#e8710a")


def pattern_pixmap(
    pattern: np.ndarray, widths: tuple[int, ...], flipped: int, square: int = SQUARE
) -> QPixmap:
    """A bit grid of ``pattern`` (n_neurons,) bool, a row per layer of ``widths``, each
    neuron a ``square`` pixels wide."""
    columns = max(widths)
    image = QImage(columns * square + 2, len(widths) * square + 2, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    start = 0
    for row, width in enumerate(widths):
        for k in range(width):
            x, y = 1 + k * square, 1 + row * square
            gap = max(square // 9, 1)
            painter.fillRect(x, y, square - gap, square - gap, ON if pattern[start + k] else OFF)
            if start + k == flipped:
                pen = max(2 * square // 9, 2)
                painter.setPen(QPen(FLIP, pen))
                painter.drawRect(x, y, square - pen, square - pen)
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
        self._shown: tuple | None = None
        self._figure_shaped = False

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
        self._shown = (chain, flipped, step_distances, widths)
        self._fill(SQUARE)

    @contextmanager
    def figure_shape(self) -> Iterator[None]:
        """For the duration, the squares are up to :data:`FIGURE_ZOOM` times larger (as
        large as lets the whole chain fit the width) and the strip is as tall as its cells
        (no empty band under them). Nested uses change nothing."""
        if self._figure_shaped or self._shown is None:
            yield
            return
        self._figure_shaped = True
        old = self.size()
        chain, widths = self._shown[0], self._shown[3]
        # As large as FIGURE_ZOOM allows while every cell of the chain fits the width.
        fits = (self.width() - 40 * len(chain)) // (len(chain) * (max(widths) + 1))
        self._fill(int(np.clip(fits, 3, SQUARE * FIGURE_ZOOM)))
        self._row.activate()
        self.resize(old.width(), self._body.sizeHint().height() + 4)
        try:
            yield
        finally:
            self.resize(old)
            self._fill(SQUARE)
            self._figure_shaped = False

    def _fill(self, square: int) -> None:
        chain, flipped, step_distances, widths = self._shown
        while self._row.count():
            item = self._row.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()  # drawn no more, even before it is deleted
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
            picture.setPixmap(pattern_pixmap(pattern, widths, neuron, square))
            text = QLabel(caption, cell)
            text.setStyleSheet("color: #45454c;")
            column.addWidget(picture)
            column.addWidget(text)
            self._row.addWidget(cell)
            cell.show()  # at once: a figure is drawn before the layout's queued show
            if step + 1 < len(chain):
                arrow = QLabel("→", self._body)
                self._row.addWidget(arrow)
                arrow.show()
        self._row.addStretch(1)
