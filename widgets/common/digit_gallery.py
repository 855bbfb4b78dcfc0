"""A gallery of digit images, one column per class, to pick the ends of a path from."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from widgets.common.digit_thumbnails import class_colour, draw_digit
from widgets.common.theme import current_theme, follow_theme

#: Colours of the marks of the chosen images: A, B and the slice's third point C.
MARK_RGB = {"A": (0, 90, 200), "B": (220, 80, 0), "C": (0, 140, 70)}
_HEADER = 16
_GAP = 3


def _ink_on(colour: QColor) -> tuple[int, int, int]:
    """Black or white, whichever reads better on ``colour`` (WCAG relative luminance)."""
    linear = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
        for c in (colour.redF(), colour.greenF(), colour.blueF())
    ]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return (0, 0, 0) if luminance > 0.18 else (255, 255, 255)


class DigitGallery(QWidget):
    """A grid of images: a column per class 0..9, ``rows`` examples in each.

    Signals
    -------
    image_clicked(int, bool) : the image with this index (into the images given to
        :meth:`set_images`) was clicked; the flag is True with Ctrl held.
    """

    image_clicked = Signal(int, bool)

    def __init__(self, rows: int = 5, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("digitGallery")
        self.setMouseTracking(False)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._rows = rows
        self._images = np.zeros((0, 1, 1))
        self._labels = np.zeros(0, np.int64)
        self._grid = np.full((rows, 10), -1, dtype=np.int64)  # image index per slot
        self._marks: dict[str, int] = {}
        self._seed: int | None = None
        follow_theme(self, lambda _theme, _previous: self.update())  # class colours

    @property
    def header_colours(self) -> list[tuple[int, int, int]]:
        """The colour of every column's header (digit class 0..9), as painted."""
        return [class_colour(column).getRgb()[:3] for column in range(10)]

    def sizeHint(self) -> QSize:
        return QSize(300, _HEADER + self._rows * 28)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, _HEADER + self._rows * 20)

    def heightForWidth(self, width: int) -> int:
        return _HEADER + self._rows * (width // 10)

    def set_images(
        self, images: np.ndarray, labels: np.ndarray, seed: int = 0, include: tuple[int, ...] = ()
    ) -> None:
        """Show ``rows`` images (N, h, w) of every class, drawn at random with ``seed``;
        the images ``include`` are among them (as far as a column has room)."""
        self._images = np.asarray(images)
        self._labels = np.asarray(labels, dtype=np.int64)
        self._seed = seed
        rng = np.random.default_rng(seed)
        self._grid[:] = -1
        for label in range(10):
            pool = np.flatnonzero(self._labels == label)
            chosen = rng.choice(pool, size=min(self._rows, len(pool)), replace=False)
            wanted = [i for i in include if 0 <= i < len(labels) and self._labels[i] == label]
            wanted = wanted[: self._rows]
            if wanted:
                others = [i for i in chosen if i not in wanted]
                chosen = np.array(wanted + others[: len(chosen) - len(wanted)], np.int64)
            self._grid[: len(chosen), label] = np.sort(chosen)
        self.setFixedHeight(self.heightForWidth(max(self.width(), 200)))
        self.update()

    @property
    def seed(self) -> int | None:
        """The seed the shown images were drawn with (None before any are shown)."""
        return self._seed

    @property
    def shown_indices(self) -> np.ndarray:
        """(rows, 10) image index in every slot, -1 where a class has too few images."""
        return self._grid.copy()

    def set_mark(self, name: str, index: int | None) -> None:
        """Frame image ``index`` as ``name`` ("A", "B" or "C"); None removes the mark."""
        if index is None:
            self._marks.pop(name, None)
        else:
            self._marks[name] = int(index)
        self.update()

    def marks(self) -> dict[str, int]:
        return dict(self._marks)

    def _cell(self) -> float:
        return min((self.width() - 2) / 10, (self.height() - _HEADER) / max(self._rows, 1))

    def slot_rect(self, row: int, column: int) -> QRectF:
        """Where slot ``(row, column)`` is drawn, in widget pixels."""
        size = self._cell()
        x0 = (self.width() - 10 * size) / 2
        return QRectF(
            x0 + column * size + _GAP / 2, _HEADER + row * size + _GAP / 2, size - _GAP, size - _GAP
        )

    def image_position(self, index: int) -> QPointF:
        """The centre of image ``index`` on screen (it must be shown)."""
        row, column = np.argwhere(self._grid == index)[0]
        return self.slot_rect(int(row), int(column)).center()

    def resizeEvent(self, event: object) -> None:
        self.setFixedHeight(self.heightForWidth(self.width()))
        super().resizeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        # Coloured digits in the default palette; the colour-blind-safe one has light
        # colours (yellow, sky blue) that text cannot wear: swatches with dark digits.
        swatches = current_theme().colour_blind_safe
        for column in range(10):
            top = self.slot_rect(0, column)
            header = QRectF(top.left(), 0, top.width(), _HEADER)
            colour = class_colour(column)
            if swatches:
                painter.fillRect(header.adjusted(1, 1, -1, -2), colour)
                painter.setPen(QColor(*_ink_on(colour)))
            else:
                painter.setPen(colour)
            painter.drawText(header, Qt.AlignmentFlag.AlignCenter, str(column))
        by_index = {index: name for name, index in self._marks.items()}
        for row in range(self._rows):
            for column in range(10):
                index = int(self._grid[row, column])
                if index < 0:
                    continue
                rect = self.slot_rect(row, column)
                draw_digit(painter, rect, self._images[index])
                name = by_index.get(index)
                if name is not None:
                    colour = QColor(*MARK_RGB[name])
                    painter.setPen(QPen(colour, 3.0))
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    painter.drawRect(rect.adjusted(-1, -1, 1, 1))
                    badge = QRectF(rect.left(), rect.top(), 13, 13)
                    painter.fillRect(badge, colour)
                    painter.setPen(QColor("white"))
                    painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, name)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        point = event.position()
        for row in range(self._rows):
            for column in range(10):
                index = int(self._grid[row, column])
                if index >= 0 and self.slot_rect(row, column).adjusted(-2, -2, 2, 2).contains(
                    point
                ):
                    ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
                    self.image_clicked.emit(index, ctrl)
                    event.accept()
                    return
        super().mousePressEvent(event)
