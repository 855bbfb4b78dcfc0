"""An equal-axes plot framed to its domain: the plot area takes the domain's shape.

pyqtgraph keeps a locked aspect by stretching one range to the shape of the plot area: a
square domain in a wide widget shows as a square of data in a band of empty axis. The
keeper :func:`frame_to_domain` gives a plot instead sizes the plot area (its ViewBox) to
the domain's aspect inside the widget. The spare room goes to the plot's layout margins,
half on either side, so the axes and a legend column beside the data stay with it; and
each margin is at least what the tick labels spilling past the axes' ends need (the top
number of a vertical axis is centred on the plot's top edge), so none is cut by the
picture's edge. A plot whose aspect is not locked only gets the tick labels' margins.

The keeper follows the plot area's size: it sets the margins whenever the ViewBox is
resized (a new widget size, wider tick labels, a legend column) and the layout applies
them on its next activation (the event loop's, or an export's refit passes).
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Signal

from widgets.common.axis_room import tick_label_rects

#: The margin pyqtgraph gives a plot's layout, kept on every side.
BASE_MARGIN = 1.0
#: Pixels kept between a spilling tick label and the picture's edge.
EDGE_GAP = 2.0
#: Margins closer than this to the ones set are left alone (no re-layout for rounding).
TOLERANCE = 0.5


def end_spill(axis: pg.AxisItem) -> float:
    """How far past each of its ends a tick label of ``axis`` can be drawn: half the
    label's length along the axis, when pyqtgraph lets it spill that far (15 px for a
    vertical axis, none for a horizontal one unless its style says otherwise)."""
    rects = tick_label_rects(axis)
    if not rects:
        return 0.0
    vertical = axis.orientation in ("left", "right")
    half = max(r.height() if vertical else r.width() for r in rects) / 2
    allowed = axis.style["hideOverlappingLabels"]
    reach = 0.0 if allowed is True else 15.0 if allowed is False else float(allowed)
    return half if half <= reach else 0.0


def label_spill(plot: pg.PlotItem) -> tuple[float, float, float, float]:
    """How far (left, top, right, bottom, pixels) a tick label at an end of one of
    ``plot``'s axes would reach past the edges of its layout's contents, whatever the
    range shown (so that panning never moves the margins)."""
    left, top, right, bottom = plot.layout.getContentsMargins()
    inner = plot.contentsRect().adjusted(left, top, -right, -bottom)
    spill = [0.0, 0.0, 0.0, 0.0]
    for side in plot.axes:
        axis = plot.getAxis(side)
        if not axis.isVisible() or not axis.style["showValues"]:
            continue
        reach = end_spill(axis)
        if reach <= 0:
            continue
        size = axis.size()
        if axis.orientation in ("left", "right"):
            box = QRectF(0, -reach, size.width(), size.height() + 2 * reach)
        else:
            box = QRectF(-reach, 0, size.width() + 2 * reach, size.height())
        box = axis.mapRectToParent(box)
        spill[0] = max(spill[0], inner.left() - box.left())
        spill[1] = max(spill[1], inner.top() - box.top())
        spill[2] = max(spill[2], box.right() - inner.right())
        spill[3] = max(spill[3], box.bottom() - inner.bottom())
    return spill[0], spill[1], spill[2], spill[3]


class DomainFrame(QObject):
    """Keeps one plot's area in its domain's shape; made by :func:`frame_to_domain`.

    Signals
    -------
    margins_changed(float, float, float, float) : the plot's layout margins are now
        (left, top, right, bottom): items anchored to the plot's edges follow them.
    """

    margins_changed = Signal(float, float, float, float)

    def __init__(self, plot: pg.PlotItem) -> None:
        super().__init__(plot)
        self.setObjectName("domainFrame")
        self._plot = plot
        self._domain: tuple[float, float, float, float] | None = None
        self._busy = False
        plot.getViewBox().sigResized.connect(self.reframe)
        self._aspect = plot.getViewBox().state["aspectLocked"]
        plot.getViewBox().sigStateChanged.connect(self._on_view_state)

    @property
    def domain(self) -> tuple[float, float, float, float] | None:
        """``(xmin, xmax, ymin, ymax)`` whose shape the plot area takes, or None."""
        return self._domain

    def set_domain(self, domain: tuple[float, float, float, float] | None) -> None:
        """Frame the plot area to ``domain`` (None: only room for the tick labels) now."""
        if domain is not None:
            xmin, xmax, ymin, ymax = (float(v) for v in domain)
            if not all(map(math.isfinite, (xmin, xmax, ymin, ymax))) or not (
                xmax > xmin and ymax > ymin
            ):
                raise ValueError(f"a plot's domain must be a finite, non-empty box, not {domain}")
            domain = (xmin, xmax, ymin, ymax)
        self._domain = domain
        self.reframe()
        self._plot.layout.activate()

    def wanted_margins(self) -> tuple[float, float, float, float]:
        """The layout margins (left, top, right, bottom) that give the plot area the
        domain's aspect at the plot's present size, its spare room split evenly."""
        plot, view = self._plot, self._plot.getViewBox()
        spill = label_spill(plot)
        now = plot.layout.getContentsMargins()
        # A label's place from the layout's edge does not depend on the margins.
        need = [
            max(BASE_MARGIN, spill[i] + EDGE_GAP) if spill[i] > 0 else BASE_MARGIN for i in range(4)
        ]
        aspect = view.state["aspectLocked"]
        if self._domain is None or not aspect:
            return need[0], need[1], need[2], need[3]
        outer = plot.contentsRect()
        area = view.geometry()
        # What the layout gives to axes, legend column and spacing (kept whatever the margins).
        fixed_x = outer.width() - now[0] - now[2] - area.width()
        fixed_y = outer.height() - now[1] - now[3] - area.height()
        room_x = outer.width() - fixed_x - need[0] - need[2]
        room_y = outer.height() - fixed_y - need[1] - need[3]
        if room_x <= 1 or room_y <= 1:
            return need[0], need[1], need[2], need[3]
        xmin, xmax, ymin, ymax = self._domain
        shape = (xmax - xmin) / (ymax - ymin) / float(aspect)  # width over height, pixels
        spare_x = max(0.0, room_x - room_y * shape)
        spare_y = max(0.0, room_y - room_x / shape)
        return (
            need[0] + spare_x / 2,
            need[1] + spare_y / 2,
            need[2] + spare_x / 2,
            need[3] + spare_y / 2,
        )

    def _on_view_state(self, view: pg.ViewBox) -> None:
        """Reframe when the aspect is locked or unlocked (a change of range does not)."""
        if view.state["aspectLocked"] != self._aspect:
            self._aspect = view.state["aspectLocked"]
            self.reframe()
            self._plot.layout.activate()

    def reframe(self, *_args) -> None:
        """Set the margins :meth:`wanted_margins` gives, if they moved; the layout applies
        them when it next activates."""
        if self._busy or self._plot.layout is None:
            return
        self._busy = True
        try:
            wanted = self.wanted_margins()
            now = self._plot.layout.getContentsMargins()
            if max(abs(a - b) for a, b in zip(wanted, now, strict=True)) > TOLERANCE:
                self._plot.layout.setContentsMargins(*wanted)
                self.margins_changed.emit(*wanted)
        finally:
            self._busy = False


def frame_to_domain(plot: pg.PlotItem) -> DomainFrame:
    """The keeper of ``plot``'s frame (made on first call)."""
    frame = plot.findChild(DomainFrame, "domainFrame")
    return frame if frame is not None else DomainFrame(plot)


def declared_domain(plot: pg.PlotItem) -> tuple[float, float, float, float] | None:
    """The domain ``plot`` is framed to, or None when it has no frame or no domain."""
    frame = plot.findChild(DomainFrame, "domainFrame")
    return None if frame is None else frame.domain
