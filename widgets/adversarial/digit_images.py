"""The input, the nearest adversarial input and their difference, as 8x8 images."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QWidget

#: The three images, left to right, with their titles.
PANELS = (("input", "the input x₀"), ("adversarial", "nearest x of another class"),
          ("difference", "x − x₀"))  # fmt: skip
#: Each image is 8 units wide; this many units separate them.
GAP = 1.5
#: A figure's height per unit of width left of the colour bar: the three images and their
#: titles (27 x 9.4 units) with a little margin.
FIGURE_ASPECT = 0.37
#: Pixels of the colour bar and its ticks, right of the images.
COLOUR_BAR_WIDTH = 90
#: In a figure each pixel of an image is drawn as a block of this many: vector formats
#: then show sharp squares, not an 8x8 bitmap smoothed by the viewer.
FIGURE_BLOCK = 32


class AdversarialImages(pg.GraphicsLayoutWidget):
    """Three 8x8 images side by side in one view (same size), on one colour scale, with
    one colour bar. ``images[name].image`` is the (8, 8) array shown, row 0 at the top.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground("w")
        self.images: dict[str, pg.ImageItem] = {}
        self._figure_shaped = False
        self.view = self.addViewBox(row=0, col=0, lockAspect=True, enableMouse=False)
        self.view.invertY(True)
        for column, (name, title) in enumerate(PANELS):
            left = column * (8 + GAP)
            image = pg.ImageItem(axisOrder="row-major")
            self.view.addItem(image)
            self.images[name] = image
            text = pg.TextItem(title, color="#303036", anchor=(0.5, 1.0))
            text.setPos(left + 4, -0.2)
            self.view.addItem(text)
        width = 3 * 8 + 2 * GAP
        self.view.setRange(xRange=(0, width), yRange=(-1.2, 8), padding=0.02)
        self.colour_bar = pg.ColorBarItem(
            values=(-1.0, 1.0),
            colorMap=pg.colormap.get("CET-D1A"),
            interactive=False,
            width=16,
            pen="#303036",
        )
        self.colour_bar.setImageItem(list(self.images.values()))
        self.addItem(self.colour_bar, row=0, col=1)
        self.setToolTip("One colour scale for all three: grey levels 0 (white paper) to 1 (ink)")

    def set_images(self, x0: np.ndarray, x_adv: np.ndarray | None) -> None:
        """Show the input (64,) and, if given, the adversarial input (64,) and x - x0."""
        shown = {"input": x0.reshape(8, 8)}
        if x_adv is not None:
            shown["adversarial"] = x_adv.reshape(8, 8)
            shown["difference"] = (x_adv - x0).reshape(8, 8)
        limit = max(float(np.abs(v).max(initial=0.0)) for v in shown.values()) or 1.0
        for column, (name, image) in enumerate(self.images.items()):
            if name in shown:
                image.setImage(shown[name], autoLevels=False)
                image.setRect(QRectF(column * (8 + GAP), 0, 8, 8))
            else:
                image.clear()
        self.colour_bar.setLevels((-limit, limit))

    @contextmanager
    def figure_shape(self) -> Iterator[None]:
        """For the duration, the widget is as tall as the three images need (no bands of
        empty space above and below them) and each image is drawn in sharp blocks. Nested
        uses change nothing more."""
        if self._figure_shaped:
            yield
            return
        self._figure_shaped = True
        old = self.size()
        height = round((self.width() - COLOUR_BAR_WIDTH) * FIGURE_ASPECT)
        shown = {name: image.image for name, image in self.images.items()}
        self._show_blocks(shown, FIGURE_BLOCK)
        self.resize(old.width(), max(height, 64))
        try:
            yield
        finally:
            self.resize(old)
            self._show_blocks(shown, 1)
            self._figure_shaped = False

    def _show_blocks(self, shown: dict[str, np.ndarray | None], block: int) -> None:
        """Show each (8, 8) image of ``shown`` with every pixel as a block x block square."""
        for column, (name, image) in enumerate(self.images.items()):
            if shown[name] is not None:
                image.setImage(np.kron(shown[name], np.ones((block, block))), autoLevels=False)
                image.setRect(QRectF(column * (8 + GAP), 0, 8, 8))

    def shown_levels(self) -> tuple[float, float]:
        """The colour scale's (low, high) shared by all three images."""
        return tuple(self.colour_bar.levels())
