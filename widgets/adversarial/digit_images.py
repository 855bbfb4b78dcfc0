"""The input, the nearest adversarial input and their difference, as 8x8 images."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

#: The three images, left to right, with their titles.
PANELS = (("input", "the input x₀"), ("adversarial", "nearest x of another class"),
          ("difference", "x − x₀"))  # fmt: skip


class AdversarialImages(pg.GraphicsLayoutWidget):
    """Three 8x8 images on one colour scale, with one colour bar.

    ``images[name].image`` is the (8, 8) array shown, row 0 at the top.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground("w")
        self.images: dict[str, pg.ImageItem] = {}
        self._titles: dict[str, str] = {}
        colour_map = pg.colormap.get("CET-D1A")
        for column, (name, title) in enumerate(PANELS):
            view = self.addViewBox(row=1, col=column, lockAspect=True, enableMouse=False)
            view.invertY(True)
            view.setRange(xRange=(0, 8), yRange=(0, 8), padding=0.02)
            self.ci.layout.setColumnStretchFactor(column, 1)
            image = pg.ImageItem(axisOrder="row-major")
            view.addItem(image)
            self.images[name] = image
            label = self.addLabel(title, row=0, col=column, color="#303036", size="11pt")
            self._titles[name] = label
        self.colour_bar = pg.ColorBarItem(
            values=(-1.0, 1.0), colorMap=colour_map, interactive=False, width=16, pen="#303036"
        )
        self.colour_bar.setImageItem(list(self.images.values()))
        self.addItem(self.colour_bar, row=1, col=len(PANELS))
        self.setToolTip("One colour scale for all three: grey levels 0 (white paper) to 1 (ink)")

    def set_images(self, x0: np.ndarray, x_adv: np.ndarray | None) -> None:
        """Show the input (64,) and, if given, the adversarial input (64,) and x - x0."""
        shown = {"input": x0.reshape(8, 8)}
        if x_adv is not None:
            shown["adversarial"] = x_adv.reshape(8, 8)
            shown["difference"] = (x_adv - x0).reshape(8, 8)
        limit = max(float(np.abs(v).max(initial=0.0)) for v in shown.values()) or 1.0
        for name, image in self.images.items():
            if name in shown:
                image.setImage(shown[name], autoLevels=False)
                image.setVisible(True)
            else:
                image.clear()
        self.colour_bar.setLevels((-limit, limit))

    def shown_levels(self) -> tuple[float, float]:
        """The colour scale's (low, high) shared by all three images."""
        return tuple(self.colour_bar.levels())
