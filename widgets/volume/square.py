"""The disc in the square, scanned by a line the user drags.

The square is amber (outside the disc), the inscribed disc blue. The scan line
``x1 = s`` is drawn over them, its covered segment in blue and its two uncovered ends in
amber, so the covered length 2r reads directly off the picture.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Signal
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsRectItem, QWidget

from engine.volumes import BallSlice
from widgets.canvas.plot_frame import frame_to_domain
from widgets.common.plot_style import (
    COVERED,
    COVERED_LIGHT,
    FRAME,
    INK,
    OUTSIDE,
    OUTSIDE_LIGHT,
    annotation,
    style_plot,
)

SEGMENT_WIDTH = 8.0
_MARGIN = 0.06


class SquareScanView(pg.PlotWidget):
    """Disc in the unit square and a draggable vertical scan line.

    Signals
    -------
    position_requested(float) : the user dragged the line to ``x1 = s``.
    """

    position_requested = Signal(float)

    def __init__(self, ball_slice: BallSlice, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent, background="w")
        self.setObjectName("squareScanView")
        plot = self.getPlotItem()
        style_plot(plot, x_label="x<sub>1</sub>", y_label="x<sub>2</sub>")
        plot.setAspectLocked(True)
        plot.setMouseEnabled(x=False, y=False)
        for side in ("bottom", "left"):
            plot.getAxis(side).setTicks([[(0.0, "0"), (0.5, "½"), (1.0, "1")]])
        # The plot area takes the shape of the square and the room above it for the scan's
        # label: no band of empty axis either side in a wide figure.
        domain = (-_MARGIN, 1 + _MARGIN, -_MARGIN, 1 + 3.5 * _MARGIN)
        plot.getViewBox().setRange(xRange=domain[:2], yRange=domain[2:], padding=0)
        frame_to_domain(plot).set_domain(domain)

        square = QGraphicsRectItem(0.0, 0.0, 1.0, 1.0)
        square.setBrush(pg.mkBrush(*OUTSIDE_LIGHT))
        square.setPen(pg.mkPen(*FRAME, width=1.5))
        disc = QGraphicsEllipseItem(0.0, 0.0, 1.0, 1.0)
        disc.setBrush(pg.mkBrush(*COVERED_LIGHT))
        disc.setPen(pg.mkPen(*COVERED, width=1.5))
        for z, item in enumerate((square, disc)):
            item.setZValue(z)
            plot.addItem(item)

        self._uncovered = pg.PlotCurveItem(pen=pg.mkPen(*OUTSIDE, width=SEGMENT_WIDTH))
        self._covered = pg.PlotCurveItem(pen=pg.mkPen(*COVERED, width=SEGMENT_WIDTH))
        self.scan_line = pg.InfiniteLine(
            pos=ball_slice.position,
            angle=90,
            movable=True,
            bounds=(0.0, 1.0),
            pen=pg.mkPen(*INK, width=1.5),
            hoverPen=pg.mkPen(*INK, width=3.0),
        )
        self.scan_line.setSpan(0.0, 1.0)
        self.scan_line.setToolTip("Drag the scan line across the square")
        self._position_label = annotation(
            "", INK, anchor=(0.5, 1.0), fill=pg.mkBrush(255, 255, 255, 230)
        )
        for z, item in enumerate((self.scan_line, self._uncovered, self._covered), start=10):
            item.setZValue(z)
            plot.addItem(item)
        plot.addItem(self._position_label)
        self.scan_line.sigDragged.connect(self._on_dragged)
        self.set_slice(ball_slice)

    def set_slice(self, ball_slice: BallSlice) -> None:
        """Draw the scan at ``ball_slice.position`` (never emits ``position_requested``)."""
        s, r = ball_slice.position, ball_slice.radius
        if not self.scan_line.moving:
            self.scan_line.setValue(s)
        low, high = 0.5 - r, 0.5 + r
        self._covered.setData([s, s], [low, high])
        self._covered.setVisible(r > 0)
        self._uncovered.setData([s, s, s, s], [0.0, low, high, 1.0], connect="pairs")
        self._position_label.setText(f"x₁ = {s:.2f}")
        self._position_label.setPos(s, 1.0 + 0.4 * _MARGIN)

    def widget_position(self, point: tuple[float, float]) -> QPointF:
        """Where the data point ``(x1, x2)`` is drawn, in this widget's pixel coordinates."""
        scene = self.getPlotItem().getViewBox().mapViewToScene(QPointF(*point))
        return QPointF(self.mapFromScene(scene))

    def _on_dragged(self, line: pg.InfiniteLine) -> None:
        self.position_requested.emit(float(line.value()))
