"""Matched filters as images: each row of a local affine map, reshaped to the input's shape.

Inside a cell the network computes ``f_i(x) = a_i . x + c_i``: output ``i`` is the input
matched against the template ``a_i``. For image inputs the templates are images too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from widgets.common.notation import output_names
from widgets.probe.overlay import output_colour

#: Diverging colour map, blue (negative) - white (zero) - red (positive).
COLOUR_MAP = "CET-D1A"
MAX_COLUMNS = 5


def image_shape(n_inputs: int) -> tuple[int, int] | None:
    """``(h, w)`` of a square image with ``n_inputs`` pixels, or None if there is none."""
    side = math.isqrt(n_inputs)
    return (side, side) if side > 1 and side * side == n_inputs else None


class MatchedFilterView(QWidget):
    """One image per template on a shared, symmetric colour scale.

    ``set_templates(rows, shape)`` shows the (n, d) ``rows`` reshaped (row-major) to
    ``shape`` = ``(h, w)``, ``h * w = d``; zero is white whatever the range.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("matchedFilterView")
        self.caption = QLabel(self)
        self.caption.setObjectName("matchedFilterCaption")
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet("color: #555;")
        self.graphics = pg.GraphicsLayoutWidget(self)
        self.graphics.setBackground("w")
        self._colour_map = pg.colormap.get(COLOUR_MAP)
        self._images: list[pg.ImageItem] = []
        self._titles: list[pg.LabelItem] = []
        self._bar: pg.ColorBarItem | None = None
        self._limit = 0.0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(self.graphics, 1)

    @property
    def images(self) -> list[np.ndarray]:
        """The (h, w) arrays shown, one per template."""
        return [np.asarray(item.image) for item in self._images]

    @property
    def levels(self) -> tuple[float, float]:
        """The colour scale's ``(low, high)``; ``low = -high``."""
        return (-self._limit, self._limit)

    def set_templates(
        self, rows: np.ndarray, shape: tuple[int, int], names: Sequence[str] | None = None
    ) -> None:
        """Show the templates; see the class docstring."""
        rows = np.asarray(rows, dtype=np.float64)
        n = len(rows)
        names = list(names) if names is not None else output_names(n)
        if len(self._images) != n:
            self._build(n, names)
        limit = float(np.abs(rows).max(initial=0.0)) or 1.0
        self._limit = limit
        for index, item in enumerate(self._images):
            item.setImage(rows[index].reshape(shape), levels=(-limit, limit), autoLevels=False)
            colour = "#{:02x}{:02x}{:02x}".format(*output_colour(index))
            self._titles[index].setText(names[index], color=colour, size="11pt", bold=True)
        self._bar.setLevels((-limit, limit))
        self.caption.setText(
            f"Rows of the cell's {n}×{rows.shape[1]} Jacobian as {shape[0]}×{shape[1]} images"
        )
        self.caption.setToolTip(
            "Inside the probe's cell, output i is the input matched against template i: "
            "f_i(x) = a_i · x + c_i. Red is positive, blue negative, white zero; all images "
            "share one symmetric colour scale."
        )

    def _build(self, n: int, names: Sequence[str]) -> None:
        self.graphics.clear()
        self.graphics.ci.setContentsMargins(2, 2, 2, 2)
        self.graphics.ci.setSpacing(3)
        self._images, self._titles = [], []
        columns = min(n, MAX_COLUMNS)
        for index in range(n):
            row, column = divmod(index, columns)
            title = self.graphics.addLabel(names[index], row=2 * row, col=column)
            title.setMaximumHeight(24)
            view = self.graphics.addViewBox(row=2 * row + 1, col=column, lockAspect=True)
            self.graphics.ci.layout.setRowStretchFactor(2 * row + 1, 10)
            view.invertY(True)
            view.setMouseEnabled(x=False, y=False)
            view.setMenuEnabled(False)
            item = pg.ImageItem(axisOrder="row-major")
            item.setLookupTable(self._colour_map.getLookupTable(nPts=256))
            view.addItem(item)
            self._images.append(item)
            self._titles.append(title)
        self._bar = pg.ColorBarItem(
            values=(-1, 1), colorMap=self._colour_map, interactive=False, width=14
        )
        lines = -(-n // columns)
        self.graphics.addItem(self._bar, row=0, col=columns, rowspan=2 * lines)
        self._bar.axis.setTextPen(pg.mkPen(40, 40, 40))

    def clear(self) -> None:
        self.graphics.clear()
        self._images, self._titles = [], []
        self._bar = None
        self.caption.setText("")
