"""Drawing digit images: grey levels as dark ink on white paper, and one colour per class
(Tableau 10 in the default palette, the palette's class colours in another)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

from widgets.common.theme import Palette, current_theme

#: One colour per digit class 0..9 in the default palette (Tableau 10, as in matplotlib).
CLASS_RGB = (
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
)


def digit_class_colours(palette: Palette | None = None) -> np.ndarray:
    """(10, 3) uint8 colours of digit classes 0..9 in ``palette`` (default: the current
    theme's): Tableau 10 when the palette has no class colours of its own."""
    palette = palette or current_theme().palette
    if palette.class_rgb is None:
        return np.array(CLASS_RGB, np.uint8)
    return palette.class_rgb[np.arange(len(CLASS_RGB)) % len(palette.class_rgb)]


def class_colour(label: int, palette: Palette | None = None) -> QColor:
    """The colour of digit class ``label`` in ``palette`` (default: the current theme's)."""
    colours = digit_class_colours(palette)
    return QColor(*(int(v) for v in colours[int(label) % len(colours)]))


def digit_qimage(image: np.ndarray) -> QImage:
    """An 8-bit grey ``QImage`` of an (h, w) image with values in [0, 1] (clipped): 0 is
    white paper, 1 black ink."""
    grey = np.ascontiguousarray(np.round(255 * (1.0 - np.clip(image, 0.0, 1.0))).astype(np.uint8))
    h, w = grey.shape
    return QImage(grey.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def draw_digit(
    painter: QPainter, rect: QRectF, image: np.ndarray, frame: QColor | None = None
) -> None:
    """Paint ``image`` into ``rect`` with sharp pixels and a thin frame (grey by default)."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
    painter.drawImage(rect, digit_qimage(image))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(frame or QColor(200, 200, 205), 1.0))
    painter.drawRect(rect)
    painter.restore()
