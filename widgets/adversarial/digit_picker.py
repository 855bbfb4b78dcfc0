"""A gallery of test digits to pick from: one 8x8 thumbnail per digit, with its label."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem, QWidget

THUMBNAIL = 40


def digit_pixmap(image: np.ndarray, size: int = THUMBNAIL) -> QPixmap:
    """An (8, 8) grey image in [0, 1] (1 = ink) as dark ink on white, ``size`` pixels."""
    grey = np.ascontiguousarray((255 * (1.0 - np.clip(image, 0.0, 1.0))).astype(np.uint8))
    h, w = grey.shape
    qimage = QImage(grey.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    return QPixmap.fromImage(qimage).scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio)


class DigitPicker(QListWidget):
    """Thumbnails of the test digits; a click picks one.

    Signals
    -------
    digit_picked(int) : the index of the test digit the user clicked.
    """

    digit_picked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setSpacing(2)
        self.setToolTip("Pick a test digit: the classifier never saw it")
        self.currentRowChanged.connect(self._on_row_changed)

    def set_digits(self, images: np.ndarray, labels: np.ndarray) -> None:
        """Show (N, 8, 8) images with their (N,) labels."""
        self.blockSignals(True)
        self.clear()
        for index, (image, label) in enumerate(zip(images, labels, strict=True)):
            item = QListWidgetItem(QIcon(digit_pixmap(image)), f"{index}: {label}")
            item.setToolTip(f"test digit {index}, a {label}")
            self.addItem(item)
        self.blockSignals(False)

    def set_digit(self, index: int) -> None:
        """Select digit ``index`` without emitting ``digit_picked``."""
        self.blockSignals(True)
        self.setCurrentRow(index)
        self.blockSignals(False)
        if self.currentItem() is not None:
            self.scrollToItem(self.currentItem())

    def _on_row_changed(self, row: int) -> None:
        if row >= 0:
            self.digit_picked.emit(row)
