"""The decoder's exact cells over the latent plane (or a slice), with the training codes.

A :class:`widgets.canvas.cell_canvas.CellCanvas` with three extra layers: a grey wash over the
cells that no training code lies in (the decoder's "impossible regions": it maps them to
images, but no image is encoded there), the training codes as dots coloured by class (in
the theme's palette), and the slice's third point. The path and its crossings use the
canvas's own path overlay.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor

from engine.cells2d import Partition2D
from widgets.canvas.cell_canvas import AXIS_LABEL_PT, CellCanvas, CellFillItem
from widgets.common.digit_thumbnails import digit_class_colours
from widgets.common.theme import Theme

#: The wash over unreached cells: dark enough to tell apart, light enough to see through.
UNREACHED_RGBA = (60, 60, 70, 85)
_Z_UNREACHED = 5
_Z_CODES = 60
_Z_THIRD = 350
#: Pen of the third point's triangle (the colour of the gallery's mark C).
THIRD_RGB = (0, 140, 70)


def cells_path(partition: Partition2D, cells: np.ndarray) -> pg.QtGui.QPainterPath:
    """One ``QPainterPath`` holding the polygons of ``cells`` (ids) of ``partition``."""
    offsets = np.asarray(partition.offsets, np.int64)
    cells = np.asarray(cells, dtype=np.int64)
    if len(cells) == 0:
        return pg.QtGui.QPainterPath()
    lengths = offsets[cells + 1] - offsets[cells]
    positions = np.concatenate([np.arange(offsets[c], offsets[c + 1]) for c in cells])
    points = partition.vertices[partition.indices[positions]]
    connect = np.ones(len(positions), dtype=np.int32)
    connect[np.cumsum(lengths) - 1] = 0
    return pg.arrayToQPath(points[:, 0], points[:, 1], connect=connect)


class LatentCanvas(CellCanvas):
    """Cells of a decoder over its latent plane, the codes of the training set, a path."""

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)
        self.setObjectName("latentCanvas")
        plot = self.getPlotItem()
        self._unreached = CellFillItem()
        self._unreached.setZValue(_Z_UNREACHED)
        plot.addItem(self._unreached)
        self._codes = pg.ScatterPlotItem(size=5)
        self._codes.setZValue(_Z_CODES)
        plot.addItem(self._codes)
        self._third = pg.ScatterPlotItem(size=13, symbol="t1", brush=pg.mkBrush(255, 255, 255))
        self._third.setZValue(_Z_THIRD)
        plot.addItem(self._third)
        self._n_unreached = 0
        self._sliced = False
        self._labels = np.zeros(0, np.int64)
        self._style_third(self.theme)
        self._style_codes(self.theme)
        self.theme_applied.connect(self._on_theme_applied)

    @property
    def n_unreached_shaded(self) -> int:
        """Cells drawn with the unreached wash."""
        return self._n_unreached

    @property
    def code_colours(self) -> list[tuple[int, int, int]]:
        """The colour of every training code's dot, as drawn (in the codes' order)."""
        brushes = self._codes.data["brush"]
        return [brush.color().getRgb()[:3] for brush in brushes]

    @property
    def code_points(self) -> np.ndarray:
        """(N, 2) the training codes drawn."""
        x, y = self._codes.getData()
        return np.column_stack([x, y]).reshape(-1, 2)

    def set_latent_view(
        self,
        partition: Partition2D,
        codes: np.ndarray,
        labels: np.ndarray,
        reached: np.ndarray,
        *,
        third_point: np.ndarray | None = None,
    ) -> None:
        """Show the cells, wash the unreached ones, and dot the (N, 2) codes by class.

        In a slice the codes are projections (drawn fainter) and nothing is washed.
        """
        self._sliced = partition.plane is not None
        self.set_partition(partition)
        unreached = np.flatnonzero(~np.asarray(reached, bool))
        self._n_unreached = len(unreached)
        xmin, xmax, ymin, ymax = (float(v) for v in partition.bounds)
        self._unreached.set_fills(
            [(QColor(*UNREACHED_RGBA), cells_path(partition, unreached))],
            QRectF(xmin, ymin, xmax - xmin, ymax - ymin),
        )
        codes = np.asarray(codes, dtype=np.float64).reshape(-1, 2)
        self._labels = np.asarray(labels, dtype=np.int64).reshape(-1)
        self._codes.setData(
            codes[:, 0], codes[:, 1], brush=self._code_brushes(), size=4 if self._sliced else 6
        )
        if third_point is None:
            self._third.setData([], [])
        else:
            self._third.setData([float(third_point[0])], [float(third_point[1])])

    def _code_brushes(self) -> list:
        """One brush per code, in its class's colour of the canvas's theme."""
        alpha = 110 if self._sliced else 235
        palette = [
            pg.mkBrush(*(int(v) for v in rgb), alpha)
            for rgb in digit_class_colours(self.theme.palette)
        ]
        return [palette[int(label) % len(palette)] for label in self._labels]

    def _style_third(self, theme: Theme) -> None:
        self._third.setPen(pg.mkPen(*THIRD_RGB, width=theme.width(2)))

    def _style_codes(self, theme: Theme) -> None:
        # White rims in the default palette; the colour-blind-safe one has light classes
        # (yellow, sky blue, mint) that need a dark rim on the light cells.
        rim = (40, 40, 40, 170) if theme.colour_blind_safe else (255, 255, 255, 160)
        self._codes.setPen(pg.mkPen(*rim, width=0.6))

    def _on_theme_applied(self, theme: Theme) -> None:
        self._style_third(theme)
        self._style_codes(theme)
        if len(self._labels):
            self._codes.setBrush(self._code_brushes())

    def _label_axes(self, *, sliced: bool) -> None:
        plot = self.getPlotItem()
        if sliced:
            names = ("s<sub>1</sub> (along the path)", "s<sub>2</sub>")
        else:
            names = ("z<sub>1</sub>", "z<sub>2</sub>")
        for side, name in zip(("bottom", "left"), names, strict=True):
            plot.getAxis(side).setLabel(name, **self.theme.label_style(AXIS_LABEL_PT))
