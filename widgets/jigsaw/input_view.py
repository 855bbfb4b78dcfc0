"""The input plane's exact cells with the training points; hovering names a cell."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Signal

from widgets.canvas.cell_canvas import CellCanvas
from widgets.jigsaw.points import class_points_item, show_class_points


class InputCellView(CellCanvas):
    """A :class:`CellCanvas` that reports the cell under the mouse.

    Signals
    -------
    cell_hovered(int) : the mouse moved onto cell ``id`` (-1: off every cell).
    """

    cell_hovered = Signal(int)

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)
        self.setObjectName("jigsawInputView")
        self.setToolTip("The exact cells of the input plane: hover a cell to find its image")
        self._points = class_points_item()
        self.getPlotItem().addItem(self._points)
        self._hovered = -1
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)

    def set_partition(self, partition, boundary=None) -> None:
        """Show ``partition`` (see :meth:`CellCanvas.set_partition`); the next mouse move
        names its cell afresh, since ids belong to one partition."""
        self._hovered = -1
        super().set_partition(partition, boundary)

    def set_points(self, points: np.ndarray, labels: np.ndarray, n_classes: int) -> None:
        """Draw the (N, 2) training points in their classes' colours."""
        show_class_points(self._points, points, labels, n_classes)

    def cell_under(self, scene_position: QPointF) -> int:
        """The id of the cell drawn at a scene position, -1 for none."""
        partition = self.partition
        view_box = self.getPlotItem().getViewBox()
        if partition is None or not view_box.sceneBoundingRect().contains(scene_position):
            return -1
        point = view_box.mapSceneToView(scene_position)
        return int(partition.locate(np.array([[point.x(), point.y()]]))[0])

    def _on_mouse_moved(self, scene_position: QPointF) -> None:
        cell = self.cell_under(scene_position)
        if cell != self._hovered:
            self._hovered = cell
            self.cell_hovered.emit(cell)
