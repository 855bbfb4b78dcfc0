"""A strip of images along a path: decoded, the pixel fade, and the nearest training image.

Columns are samples along the path (the ends, every kink, the middle of every cell
crossed). Above each column a tag names the sample: its position ``t`` and the cell it
lies in, on a swatch of that cell's colour in the cell view, or "kink" on a boundary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from widgets.digit_thumbnails import draw_digit

ROW_TITLES = (
    "decoded along\nthe latent path",
    "faded copy\n(pixel-space mix)",
    "nearest\ntraining image",
)
KINK_RGB = (188, 0, 150)
_TITLE_WIDTH = 108
_TAG_HEIGHT = 30
_GAP = 4


@dataclass(frozen=True)
class StripColumn:
    """One sample of the strip.

    Attributes
    ----------
    images : the column's images, top to bottom, each (h, w).
    tag : two short lines (e.g. ``"t = 0.31"`` and ``"cell 4"``).
    colour : (r, g, b) of the tag's swatch (the cell's colour).
    is_kink : whether the sample sits on a cell boundary.
    """

    images: tuple[np.ndarray, ...]
    tag: str
    colour: tuple[int, int, int]
    is_kink: bool


class DigitStrip(QWidget):
    """Rows of images along a path, one column per sample, each with its cell tag."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("digitStrip")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._columns: list[StripColumn] = []
        self._empty_text = "Pick two images to see the strip."

    def sizeHint(self) -> QSize:
        return QSize(700, _TAG_HEIGHT + 3 * 48)

    def minimumSizeHint(self) -> QSize:
        return QSize(400, _TAG_HEIGHT + 3 * 24)

    @property
    def n_thumbnails(self) -> int:
        """Columns shown (samples along the path)."""
        return len(self._columns)

    @property
    def tags(self) -> list[str]:
        return [column.tag for column in self._columns]

    @property
    def tag_colours(self) -> list[tuple[int, int, int]]:
        """The swatch colour of every column's tag."""
        return [tuple(int(v) for v in column.colour) for column in self._columns]

    def set_columns(self, columns: Sequence[StripColumn]) -> None:
        self._columns = list(columns)
        self.update()

    def set_empty_text(self, text: str) -> None:
        self._columns = []
        self._empty_text = text
        self.update()

    def _thumb(self) -> float:
        n = max(len(self._columns), 1)
        rows = max((len(c.images) for c in self._columns), default=3)
        across = (self.width() - _TITLE_WIDTH - 4) / n - _GAP
        down = (self.height() - _TAG_HEIGHT - 4) / rows - _GAP
        return max(8.0, min(across, down, 96.0))

    def thumbnail_rect(self, row: int, column: int) -> QRectF:
        size = self._thumb()
        return QRectF(
            _TITLE_WIDTH + column * (size + _GAP), _TAG_HEIGHT + row * (size + _GAP), size, size
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("white"))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if not self._columns:
            painter.setPen(QColor(110, 110, 110))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._empty_text)
            painter.end()
            return
        small = QFont(self.font())
        small.setPointSizeF(max(6.5, small.pointSizeF() * 0.8))
        painter.setFont(small)
        size = self._thumb()
        for row, title in enumerate(ROW_TITLES[: len(self._columns[0].images)]):
            rect = self.thumbnail_rect(row, 0)
            painter.setPen(QColor(40, 40, 40))
            painter.drawText(
                QRectF(0, rect.top(), _TITLE_WIDTH - 8, size),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                title,
            )
        for index, column in enumerate(self._columns):
            top = self.thumbnail_rect(0, index)
            tag = QRectF(top.left(), 2, size, _TAG_HEIGHT - 5)
            painter.fillRect(tag, QColor(*column.colour))
            if column.is_kink:
                painter.setPen(QPen(QColor(*KINK_RGB), 2.0))
                painter.drawRect(tag.adjusted(1, 1, -1, -1))
            painter.setPen(QColor(25, 25, 25))
            painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, column.tag)
            for row, image in enumerate(column.images):
                draw_digit(painter, self.thumbnail_rect(row, index), image)
        painter.end()
