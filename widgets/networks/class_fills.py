"""Cells filled by the class predicted in them, as one layer over a cell canvas's fills."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF

from engine.partition2d import Partition2D
from widgets.canvas.cell_canvas import CellCanvas
from widgets.canvas.cell_fills import CellFillItem, grouped_fills

#: Above the canvas's pattern fills (0), below its edges (10).
_Z_CLASS_FILLS = 1


class ClassFills:
    """``show(partition, cell_rgb)`` fills every cell with its (R, 3) colour and hides the
    canvas's pattern fills; ``hide()`` gives the cells back to the pattern colours."""

    def __init__(self, canvas: CellCanvas) -> None:
        self._canvas = canvas
        self.item = CellFillItem()
        self.item.setZValue(_Z_CLASS_FILLS)
        canvas.getPlotItem().addItem(self.item)
        self.item.setVisible(False)

    def show(self, partition: Partition2D, cell_rgb: np.ndarray) -> None:
        colours, colour_of_cell = np.unique(
            np.asarray(cell_rgb, np.int64).reshape(-1, 3), axis=0, return_inverse=True
        )
        fills = grouped_fills(partition, colour_of_cell.reshape(-1), colours)
        xmin, xmax, ymin, ymax = (float(v) for v in partition.bounds)
        self.item.set_fills(fills, QRectF(xmin, ymin, xmax - xmin, ymax - ymin))
        self.item.setVisible(True)
        self._canvas.set_pattern_fills_visible(False)

    def hide(self) -> None:
        if self.item.isVisible():
            self.item.setVisible(False)
            self._canvas.set_pattern_fills_visible(True)
