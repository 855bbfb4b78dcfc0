"""An activation pattern drawn as a grid of bits: one row per layer."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QHelpEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from widgets.common.palettes import layer_edge_colours

ON_RGB = (38, 46, 64)
OFF_RGB = (255, 255, 255)
OFF_BORDER_RGB = (170, 174, 184)
FLIP_RGB = (214, 39, 40)
#: A layer wider than this wraps onto several lines.
MAX_COLUMNS = 32
MAX_BIT = 16
MIN_BIT = 6
LABEL_WIDTH = 30
GAP = 2
LAYER_GAP = 6


class BitGrid(QWidget):
    """Bits of an activation pattern, layer by layer; some bits can be marked.

    ``set_pattern(pattern, layer_of_neuron, marked)`` shows the (n,) bool ``pattern``
    split by the (n,) 0-based ``layer_of_neuron``; the global neuron indices in
    ``marked`` get a ring. Hovering a bit shows its layer, neuron and state.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._pattern = np.zeros(0, dtype=bool)
        self._layer_of_neuron = np.zeros(0, dtype=np.int64)
        self._marked: frozenset[int] = frozenset()
        self._colours = np.zeros((0, 3), np.uint8)

    # Data -----------------------------------------------------------------------------------

    def set_pattern(
        self,
        pattern: np.ndarray,
        layer_of_neuron: np.ndarray,
        marked: Sequence[int] = (),
        *,
        n_layers_total: int | None = None,
    ) -> None:
        """Show ``pattern``; ``n_layers_total`` picks the layer colours (default: its layers)."""
        self._pattern = np.asarray(pattern, dtype=bool).copy()
        self._layer_of_neuron = np.asarray(layer_of_neuron, dtype=np.int64).copy()
        self._marked = frozenset(int(m) for m in marked)
        total = self.n_layers if n_layers_total is None else max(n_layers_total, self.n_layers)
        self._colours = layer_edge_colours(total)
        self.updateGeometry()
        self.update()

    @property
    def n_layers(self) -> int:
        return int(self._layer_of_neuron.max(initial=-1)) + 1

    @property
    def rows(self) -> list[np.ndarray]:
        """The bits shown, one (width,) bool array per layer."""
        return [self._pattern[self._layer_of_neuron == k] for k in range(self.n_layers)]

    @property
    def marked(self) -> frozenset[int]:
        """Global indices of the marked bits."""
        return self._marked

    # Geometry -------------------------------------------------------------------------------

    def _columns(self) -> int:
        widths = np.bincount(self._layer_of_neuron, minlength=self.n_layers)
        return int(min(MAX_COLUMNS, widths.max(initial=1)))

    def _bit_size(self) -> int:
        room = max(self.width(), 120) - LABEL_WIDTH
        return int(np.clip(room // self._columns() - GAP, MIN_BIT, MAX_BIT))

    def _layout(self) -> list[tuple[int, int, int, int]]:
        """(layer, unit, x, y) of the top-left corner of every bit, in pattern order."""
        size = self._bit_size() + GAP
        cells = []
        y = 0
        for layer in range(self.n_layers):
            width = int(np.count_nonzero(self._layer_of_neuron == layer))
            for unit in range(width):
                line, column = divmod(unit, MAX_COLUMNS)
                cells.append((layer, unit, LABEL_WIDTH + column * size, y + line * size))
            lines = max(1, -(-width // MAX_COLUMNS))
            y += lines * size + LAYER_GAP
        return cells

    def bit_rect(self, layer: int, unit: int) -> QRect:
        """Where bit ``unit`` (0-based) of ``layer`` (0-based) is drawn, in widget pixels."""
        size = self._bit_size()
        for cell_layer, cell_unit, x, y in self._layout():
            if (cell_layer, cell_unit) == (layer, unit):
                return QRect(x, y, size, size)
        raise IndexError(f"no bit {unit} in layer {layer}")

    def sizeHint(self) -> QSize:
        size = self._bit_size() + GAP
        lines = sum(
            max(1, -(-int(np.count_nonzero(self._layer_of_neuron == k)) // MAX_COLUMNS))
            for k in range(self.n_layers)
        )
        height = lines * size + max(self.n_layers - 1, 0) * LAYER_GAP
        return QSize(LABEL_WIDTH + self._columns() * size, max(height, 1))

    def minimumSizeHint(self) -> QSize:
        return QSize(LABEL_WIDTH + self._columns() * (MIN_BIT + GAP), self.sizeHint().height())

    def resizeEvent(self, event: object) -> None:
        self.updateGeometry()
        super().resizeEvent(event)

    # Drawing ----------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        size = self._bit_size()
        label_font = QFont(self.font())
        label_font.setBold(True)
        painter.setFont(label_font)
        first_of_layer = np.searchsorted(self._layer_of_neuron, np.arange(self.n_layers))
        for layer, unit, x, y in self._layout():
            neuron = int(first_of_layer[layer]) + unit
            if unit == 0:
                r, g, b = (int(v) for v in self._colours[layer])
                painter.setPen(QColor(r, g, b))
                painter.drawText(
                    QRect(0, y - 2, LABEL_WIDTH - 4, size + 4),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    f"L{layer + 1}",
                )
            on = bool(self._pattern[neuron])
            rect = QRectF(x + 0.5, y + 0.5, size - 1, size - 1)
            painter.setPen(QPen(QColor(*(ON_RGB if on else OFF_BORDER_RGB)), 1.0))
            painter.setBrush(QColor(*(ON_RGB if on else OFF_RGB)))
            painter.drawRoundedRect(rect, 2, 2)
            if neuron in self._marked:
                ring = QPen(QColor(*FLIP_RGB), 2.5)
                painter.setPen(ring)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRoundedRect(rect.adjusted(-1.5, -1.5, 1.5, 1.5), 3, 3)
        painter.end()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            self._show_tooltip(event)
            return True
        return super().event(event)

    def _show_tooltip(self, event: QHelpEvent) -> None:
        position: QPoint = event.pos()
        size = self._bit_size()
        first_of_layer = np.searchsorted(self._layer_of_neuron, np.arange(self.n_layers))
        for layer, unit, x, y in self._layout():
            if QRect(x, y, size, size).contains(position):
                neuron = int(first_of_layer[layer]) + unit
                state = "on" if self._pattern[neuron] else "off"
                text = f"layer {layer + 1}, neuron {unit + 1}: {state}"
                if neuron in self._marked:
                    text += " (flipped at the last crossing)"
                QToolTip.showText(event.globalPos(), text, self)
                return
        QToolTip.hideText()
        event.ignore()
