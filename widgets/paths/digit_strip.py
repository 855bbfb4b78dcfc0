"""A strip of images along a path: decoded, the pixel fade, and the nearest training image.

Columns are samples along the path (the ends, every kink, the middle of every cell
crossed). Above each column a tag names the sample: its position ``t`` and the cell it
lies in, on a swatch of that cell's colour in the cell view, or "kink" on a boundary,
framed in the theme's path colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from widgets.common.digit_thumbnails import draw_digit
from widgets.common.theme import current_theme, follow_theme

ROW_TITLES = (
    "decoded along\nthe latent path",
    "faded copy\n(pixel-space mix)",
    "nearest\ntraining image",
)
_GAP = 4
#: The tags' type never shrinks below this (points) to fit a narrow column.
_MIN_TAG_PT = 5.5


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
        follow_theme(self, lambda _theme, _previous: self.update())

    @property
    def kink_pen(self) -> QPen:
        """The pen that frames the tags of samples on a cell boundary (the path's colour)."""
        theme = current_theme()
        return QPen(QColor(*theme.palette.path), theme.width(2.0))

    def sizeHint(self) -> QSize:
        return QSize(700, round(self._tag_height()) + 3 * 48)

    def minimumSizeHint(self) -> QSize:
        return QSize(400, round(self._tag_height()) + 3 * 24)

    # Type and room, from the widget's font (larger in the talk theme) ------------------

    def _small_font(self) -> QFont:
        small = QFont(self.font())
        small.setPointSizeF(max(6.5, small.pointSizeF() * 0.8))
        return small

    def _tag_height(self) -> float:
        """Room for a tag's two lines above the thumbnails."""
        return max(30.0, 2 * QFontMetricsF(self._small_font()).lineSpacing() + 8)

    def _title_width(self) -> float:
        """Room for the row titles left of the thumbnails (at most a quarter of the strip)."""
        metrics = QFontMetricsF(self._small_font())
        widest = max(metrics.horizontalAdvance(line) for t in ROW_TITLES for line in t.split("\n"))
        return min(widest + 12, 0.25 * max(self.width(), 400))

    def tag_font(self, width: float) -> QFont:
        """The tags' type: the small font, shrunk until every tag's lines fit ``width``."""
        font = self._small_font()
        lines = [line for column in self._columns for line in column.tag.split("\n")]
        while font.pointSizeF() > _MIN_TAG_PT:
            widest = max((QFontMetricsF(font).horizontalAdvance(x) for x in lines), default=0)
            if widest <= width:
                break
            font.setPointSizeF(max(_MIN_TAG_PT, font.pointSizeF() - 0.5))
        return font

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
        across = (self.width() - self._title_width() - 4) / n - _GAP
        down = (self.height() - self._tag_height() - 4) / rows - _GAP
        return max(8.0, min(across, down, 96.0))

    def thumbnail_rect(self, row: int, column: int) -> QRectF:
        size = self._thumb()
        return QRectF(
            self._title_width() + column * (size + _GAP),
            self._tag_height() + row * (size + _GAP),
            size,
            size,
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        theme = current_theme()
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(*theme.background))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if not self._columns:
            painter.setPen(QColor(110, 110, 110))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._empty_text)
            painter.end()
            return
        painter.setFont(self._small_font())
        size = self._thumb()
        title_width = self._title_width()
        for row, title in enumerate(ROW_TITLES[: len(self._columns[0].images)]):
            rect = self.thumbnail_rect(row, 0)
            painter.setPen(QColor(*theme.ink))
            painter.drawText(
                QRectF(0, rect.top(), title_width - 8, size),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                title,
            )
        inset = self.kink_pen.widthF() / 2
        painter.setFont(self.tag_font(size - 2 * inset - 2))
        tag_height = self._tag_height()
        for index, column in enumerate(self._columns):
            top = self.thumbnail_rect(0, index)
            tag = QRectF(top.left(), 2, size, tag_height - 5)
            painter.fillRect(tag, QColor(*column.colour))
            if column.is_kink:
                painter.setPen(self.kink_pen)
                painter.drawRect(tag.adjusted(inset, inset, -inset, -inset))
            painter.setPen(QColor(25, 25, 25))
            painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, column.tag)
            for row, image in enumerate(column.images):
                draw_digit(painter, self.thumbnail_rect(row, index), image)
        painter.end()
