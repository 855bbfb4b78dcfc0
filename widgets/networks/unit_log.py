"""The units a probe flipped, one line each, newest on top: layer, unit, change."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from widgets.probe.transition_log import TURNED_OFF_RGB, TURNED_ON_RGB, change_text

#: Older lines are dropped past this many.
MAX_LINES = 500


def unit_line(number: int, layer_text: str, unit_text: str, turned_on: bool) -> str:
    """``"12. pool1 (MaxPool2d) · channel 4, (row 1, col 0) · off → on"``."""
    return f"{number}. {layer_text} · {unit_text} · {change_text(turned_on)}"


class UnitLog(QListWidget):
    """``add_units([(layer_text, unit_text, turned_on), ...])`` in the order they happened."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unitLog")
        self.setToolTip(
            "Every unit whose state changed when the probe crossed into another cell: the "
            "layer, the channel and position in its feature map and, for max-pooling, the "
            "window and the entry that now holds the maximum."
        )
        self._count = 0

    def lines(self) -> list[str]:
        """The lines shown, newest first."""
        return [self.item(row).text() for row in range(self.count())]

    def add_units(self, units: Sequence[tuple[str, str, bool]]) -> None:
        for layer_text, unit_text, turned_on in units:
            self._count += 1
            item = QListWidgetItem(unit_line(self._count, layer_text, unit_text, turned_on))
            item.setForeground(QColor(*(TURNED_ON_RGB if turned_on else TURNED_OFF_RGB)))
            self.insertItem(0, item)
        while self.count() > MAX_LINES:
            self.takeItem(self.count() - 1)

    def clear_units(self) -> None:
        self._count = 0
        self.clear()
