"""GIF frames keep the colour of their text (issue 17: palette reduction darkened labels)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageSequence
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QLinearGradient, QPainter

from app.export.animation import FrameWriter
from app.export.gif_palette import palette_frame
from app.export.raster import image_to_rgb

#: Label colours of the figures: 3-D axis names, an arrow's name, the heading's note.
LABELS = (((176, 30, 30), "x₁ red"), ((0, 158, 115), "∇f₂ green"), ((110, 110, 118), "note"))


def _frame(shift: int) -> QImage:
    """A 3-D-like frame: a pale gradient with many translucent fills, small bold labels."""
    image = QImage(480, 320, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    gradient = QLinearGradient(QPointF(0, 0), QPointF(0, 320))
    gradient.setColorAt(0, QColor(247, 248, 251))
    gradient.setColorAt(1, QColor(219, 223, 229))
    painter.fillRect(image.rect(), gradient)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    rng = np.random.default_rng(shift)
    for _ in range(60):
        r, g, b = (int(v) for v in rng.integers(120, 255, 3))
        painter.setBrush(QColor(r, g, b, 60))
        painter.setPen(Qt.PenStyle.NoPen)
        x, y = (float(v) for v in rng.uniform(0, 400, 2))
        painter.drawEllipse(QRectF(x, y * 0.7, 90, 70))
    font = QFont("DejaVu Sans")
    font.setPixelSize(13)
    font.setBold(True)
    painter.setFont(font)
    for k, (rgb, text) in enumerate(LABELS):
        painter.setPen(QColor(*rgb))
        painter.drawText(QPointF(20 + shift, 40 + 90 * k), text)
    painter.end()
    return image


def _text_pixels(pixels: np.ndarray, rgb: tuple[int, int, int]) -> np.ndarray:
    """Where the label of colour ``rgb`` is solid (its glyphs' cores)."""
    return np.abs(pixels.astype(int) - rgb).max(axis=2) <= 8


def test_a_written_gif_keeps_each_labels_colour_and_no_pixel_strays(qapp, tmp_path):
    frames = [_frame(shift) for shift in (0, 7, 14)]
    path = tmp_path / "labels.gif"
    writer = FrameWriter(path, "gif", 10)
    for image in frames:
        writer.append(image)
    writer.close()
    written = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(Image.open(path))]
    assert len(written) == 3
    for image, back in zip(frames, written, strict=True):
        original = image_to_rgb(image)
        assert len(np.unique(original.reshape(-1, 3), axis=0)) > 256  # a real reduction
        error = np.abs(back.astype(int) - original.astype(int))
        assert error.sum(axis=2).max() <= 60  # Pillow's median cut: over 150
        for rgb, _ in LABELS:
            core = _text_pixels(original, rgb)
            assert core.sum() > 20
            shown = back[core].astype(int)
            assert np.abs(shown - rgb).max() <= 16, rgb


def test_few_colours_are_kept_exactly(qapp):
    pixels = np.zeros((10, 20, 3), np.uint8)
    pixels[:, 10:] = (176, 30, 30)
    pixels[3, 3] = (1, 2, 3)
    frame = palette_frame(pixels)
    assert frame.mode == "P"
    np.testing.assert_array_equal(np.asarray(frame.convert("RGB")), pixels)


@pytest.mark.parametrize("size", [(1, 1), (3, 700)])
def test_any_frame_shape_converts(qapp, size):
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (*size, 3), dtype=np.uint8)
    frame = palette_frame(pixels)
    assert frame.size == (size[1], size[0])
