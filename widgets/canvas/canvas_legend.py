"""A cell canvas's legend, in room of its own beside the framed plot or below it.

On a wide canvas the legend sits in a column reserved right of the data (the plot's
layout column 2, where a right axis would go); on a canvas taller than wide that column
would take the plot's narrow side, so the legend goes in a row reserved below the x axis
(layout row 4), in as many columns as fit the plot's width. The place chosen is the one
that draws the domain larger (on a square canvas too: a square domain beside a legend
column would lose a third of its size). Either way it never covers the cells, and it
follows the margins that :mod:`widgets.canvas.plot_frame` sets to give the plot area its
domain's shape. The room reserved only grows while the legend keeps its place and theme,
so the cells do not jump between partitions with and without a decision boundary.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg

from widgets.canvas.plot_frame import DomainFrame
from widgets.common.theme import Theme

LEGEND_PT = 11
#: Where the legend's top right corner sits from the top right of the plot's contents.
LEGEND_OFFSET = (-12, 12)
#: Pixels between a legend beside the plot and the data, and around one below it.
BESIDE_ROOM = 24
BELOW_GAP = 8
#: The layout column (right of the data) and row (below the x axis) a PlotItem leaves free.
_COLUMN, _ROW = 2, 4


class CanvasLegend:
    """The legend of ``plot`` (a cell canvas's PlotItem), kept clear of its data.

    ``frame`` is the plot's :class:`~widgets.canvas.plot_frame.DomainFrame`; the legend
    follows the margins it sets.
    """

    def __init__(self, plot: pg.PlotItem, frame: DomainFrame, theme: Theme, z: float) -> None:
        self._plot = plot
        self.item = pg.LegendItem(
            offset=LEGEND_OFFSET,
            brush=pg.mkBrush(255, 255, 255, 225),
            pen=pg.mkPen(190, 190, 190),
            labelTextColor=(30, 30, 30),
            labelTextSize=f"{theme.pt(LEGEND_PT):g}pt",
            verSpacing=-4,
        )
        self.item.setParentItem(plot)
        self.item.setZValue(z)
        self._frame = frame
        self._below = False
        self._room = 0.0  # the reserved column's width, or row's height
        #: The legend's (width, height) by number of columns.
        self._sizes: dict[int, tuple[float, float]] = {1: (0.0, 0.0)}
        plot.geometryChanged.connect(self.arrange)
        frame.margins_changed.connect(lambda *_margins: self._anchor())
        plot.getViewBox().sigResized.connect(lambda *_args: self._anchor())

    @property
    def below(self) -> bool:
        """Whether the legend is below the plot (a canvas taller than wide)."""
        return self._below

    def labels(self) -> list[str]:
        """The texts of the legend in reading order (empty while it is hidden)."""
        if not self.item.isVisible():
            return []
        return [label.text for _sample, label in self.item.items]

    def set_entries(self, entries: Sequence[tuple[pg.GraphicsObject, str]]) -> None:
        """Show one line per ``(item, text)``; hidden when there is none."""
        self.item.clear()
        for sample, text in entries:
            self.item.addItem(sample, text)
        self.item.setVisible(bool(self.item.items))
        self._measure()
        self.arrange()

    def restyle(self, theme: Theme) -> None:
        """Type and background of ``theme``; the room is measured again."""
        self.item.setLabelTextSize(f"{theme.pt(LEGEND_PT):g}pt")
        self.item.setBrush(pg.mkBrush(*theme.background, 225))
        self._room = 0.0
        self._measure()
        self.arrange()

    def arrange(self, *_args) -> None:
        """Put the legend beside or below the plot, whichever leaves the data more room,
        in as many columns as fit, and reserve its room in the plot's layout."""
        plot, legend = self._plot, self.item
        previous = (self._below, legend.columnCount)
        room_x = self._free()[0] - 2 * BELOW_GAP
        fitting = [c for c, (w, _h) in self._sizes.items() if w <= room_x] or [1]
        columns = max(fitting)
        below_room = self._sizes[columns][1] + 2 * BELOW_GAP
        below = self._below_is_better(self._sizes[1][0] + BESIDE_ROOM, below_room)
        if legend.columnCount != (columns if below else 1):
            legend.setColumnCount(columns if below else 1)
            legend.updateSize()
        if (below, legend.columnCount) != previous:
            self._room = 0.0
        self._below = below
        if legend.isVisible():
            need = legend.height() + 2 * BELOW_GAP if below else legend.width() + BESIDE_ROOM
            self._room = max(self._room, need)
        layout = plot.layout
        layout.setColumnFixedWidth(_COLUMN, 0.0 if below else self._room)
        layout.setRowFixedHeight(_ROW, self._room if below else 0.0)
        if (below, legend.columnCount) != previous:
            # A new place frees or takes room: apply it and frame the plot to it now, so
            # that an export drawn before the event loop runs meets a settled layout.
            layout.activate()
            self._frame.reframe()
            layout.activate()
        self._anchor()

    def _measure(self) -> None:
        """The legend's size in each number of columns it may take (one to three, or
        one per entry), measured once per set of entries and theme."""
        count = len(self.item.items)
        self._sizes = {}
        for columns in sorted({1, min(2, count), min(3, count), count} - {0}):
            self.item.setColumnCount(columns)
            self.item.updateSize()
            self._sizes[columns] = (self.item.width(), self.item.height())
        self._sizes = self._sizes or {1: (0.0, 0.0)}

    def _free(self) -> tuple[float, float]:
        """The width and height the data could take with no legend: the plot's size less
        its visible axes and title. Read from sizes the legend's place does not change,
        so that it is the same before and after the layout applies a new place."""
        plot = self._plot
        width, height = plot.size().width(), plot.size().height()
        for side in ("left", "right", "top", "bottom"):
            axis = plot.getAxis(side)
            if axis.isVisible():
                if axis.orientation in ("left", "right"):
                    width -= axis.width()
                else:
                    height -= axis.height()
        if plot.titleLabel.isVisible():
            height -= plot.titleLabel.height()
        return width, height

    def _below_is_better(self, beside_width: float, below_height: float) -> bool:
        """Whether the data is drawn larger with the legend below than beside it (for a
        plot with no domain: whether the canvas is taller than wide)."""
        domain = self._frame.domain
        if not self.item.items:
            return False
        if domain is None or not self._plot.getViewBox().state["aspectLocked"]:
            size = self._plot.size()
            return size.height() > size.width()
        xmin, xmax, ymin, ymax = domain
        shape = (xmax - xmin) / (ymax - ymin)  # the data's width over its height
        free_x, free_y = self._free()
        beside = min((free_x - beside_width) / shape, free_y)
        below = min(free_x / shape, free_y - below_height)
        return below > beside

    def _anchor(self) -> None:
        """Top right of the framed plot (beside), or centred under the x axis (below)."""
        plot = self._plot
        _left, top, right, bottom = plot.layout.getContentsMargins()
        if not self._below:
            offset = (LEGEND_OFFSET[0] - right, LEGEND_OFFSET[1] + top)
            self.item.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=offset)
            return
        view = plot.getViewBox().geometry()
        # Centred under the data, as far as the plot's width lets it.
        slack = max(0.0, (plot.size().width() - self.item.width()) / 2)
        shift = min(max(view.center().x() - plot.size().width() / 2, -slack), slack)
        offset = (shift, -bottom - self._room + BELOW_GAP)
        self.item.anchor(itemPos=(0.5, 0), parentPos=(0.5, 1), offset=offset)
