"""The probe's decoded input as a picture: an 8x8 digit drawn with sharp pixels."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from widgets.common.digit_thumbnails import draw_digit


class InputPicture(QWidget):
    """One (h, w) image in [0, 1] (values outside are clipped: 0 white paper, 1 black ink).

    ``set_image(image)`` shows it; ``image`` is the array as given, for tests.
    """

    def __init__(self, side: int = 128, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inputPicture")
        self._side = side
        self._image: np.ndarray | None = None
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setFixedSize(side, side)

    @property
    def image(self) -> np.ndarray | None:
        return None if self._image is None else self._image.copy()

    def sizeHint(self) -> QSize:
        return QSize(self._side, self._side)

    def set_image(self, image: np.ndarray | None) -> None:
        self._image = None if image is None else np.asarray(image, dtype=np.float64).copy()
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = QRectF(0.5, 0.5, self.width() - 1.0, self.height() - 1.0)
        if self._image is None:
            painter.fillRect(rect, self.palette().window())
        else:
            draw_digit(painter, rect, self._image)
        painter.end()
