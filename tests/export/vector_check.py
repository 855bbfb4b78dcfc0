"""Rasterise an SVG with Qt and librsvg, a PDF with poppler: the same pixels, compared.

Renderers anti-alias edges and hint text each their own way, so two correct renderings
differ by a few grey levels along edges (compared after a 3x3 mean); a misread document
(a stroke 20 times too wide, a shape filled that should not be) differs over whole areas.
:func:`difference` reports the mean difference and the share of pixels that differ
strongly.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import imageio.v2 as imageio
import numpy as np
import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

#: Mean per-channel difference (grey levels of 255) two renderings of one SVG may have.
SVG_MEAN_BOUND = 6.0
#: A PDF's text is drawn from embedded fonts with other hinting: a little more slack.
PDF_MEAN_BOUND = 12.0
#: Share of pixels whose colour may differ by more than a quarter of the range.
STRONG_SHARE_BOUND = 0.03
PDF_STRONG_SHARE_BOUND = 0.08


def need(tool: str, package: str) -> str:
    """The path of ``tool``, or skip the test naming the Debian package that has it."""
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (Debian: apt-get install {package})")
    return path


def qt_svg_pixels(svg: Path) -> np.ndarray:
    """(H, W, 3) uint8: ``svg`` drawn by Qt on white at its view box's size."""
    renderer = QSvgRenderer(str(svg))
    assert renderer.isValid(), svg
    box = renderer.viewBox()
    image = QImage(box.width(), box.height(), QImage.Format.Format_RGB888)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, box.width(), box.height()))
    painter.end()
    rows = np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * image.height())
    rows = rows.reshape(image.height(), image.bytesPerLine())[:, : 3 * image.width()]
    return rows.reshape(image.height(), image.width(), 3).copy()


def rsvg_pixels(svg: Path, width: int, height: int, work: Path) -> np.ndarray:
    """(H, W, 3) uint8: ``svg`` drawn by librsvg on white at ``width x height``."""
    tool = need("rsvg-convert", "librsvg2-bin")
    out = work / f"{svg.stem}.rsvg.png"
    command = [tool, "-b", "white", "-w", str(width), "-h", str(height), str(svg), "-o", str(out)]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return imageio.imread(out)[..., :3]


def poppler_pixels(pdf: Path, work: Path) -> np.ndarray:
    """(H, W, 3) uint8: the PDF's page drawn by poppler at 72 dpi (1 pt = 1 pixel)."""
    tool = need("pdftoppm", "poppler-utils")
    stem = work / f"{pdf.stem}-poppler"
    command = [tool, "-png", "-r", "72", "-singlefile", str(pdf), str(stem)]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return imageio.imread(work / f"{pdf.stem}-poppler.png")[..., :3]


@dataclass(frozen=True)
class Difference:
    mean: float
    strong_share: float

    def __str__(self) -> str:
        return f"mean {self.mean:.2f} grey levels, {100 * self.strong_share:.2f}% strongly"


def _softened(pixels: np.ndarray) -> np.ndarray:
    """(H, W, 3) float: the mean of each pixel's 3x3 neighbourhood. Renderers place an
    unsmoothed image (8x8 digits drawn 8 times larger) up to a pixel apart; averaging
    over that pixel keeps such shifts from counting as a misreading."""
    padded = np.pad(pixels.astype(float), ((1, 1), (1, 1), (0, 0)), mode="edge")
    h, w = pixels.shape[:2]
    return sum(padded[i : i + h, j : j + w] for i in range(3) for j in range(3)) / 9.0


def difference(a: np.ndarray, b: np.ndarray) -> Difference:
    """How two renderings differ; sizes may differ by a rounding pixel (cropped to both)."""
    assert abs(a.shape[0] - b.shape[0]) <= 1 and abs(a.shape[1] - b.shape[1]) <= 1, (
        a.shape,
        b.shape,
    )
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    delta = np.abs(_softened(a[:h, :w]) - _softened(b[:h, :w]))
    return Difference(float(delta.mean()), float((delta.max(axis=-1) > 64).mean()))
