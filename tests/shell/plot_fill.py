"""What a user sees wasted: a plot whose data fills too little of the range it shows.

A plot's data is the domain its page declares (a cell canvas's rectangle, kept by
:mod:`widgets.canvas.plot_frame`) or else the bounding rectangle of its items, as
pyqtgraph's auto-range measures it (plain Qt shapes without the width of their pens).
Along each axis, the part of the range shown that the data covers is its fill. A plot
that locks its aspect (equal axes) gets its ranges from pyqtgraph, which stretches one
of them to the view's shape: a fill under :data:`MIN_FILL` there is empty axis the
figure spends its room on. A plot that sets its own ranges chose them (a fraction shown
on 0 to 1 whatever its curve spans): the rule holds it only to the same bound where
nothing was chosen, its range following its data.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QAbstractGraphicsShapeItem, QGraphicsItem, QGraphicsPathItem, QWidget

from widgets.canvas.plot_frame import declared_domain

#: The least share of the range shown along an axis that the data must cover.
MIN_FILL = 0.7


def _shape_rect(view: pg.ViewBox, item: QGraphicsItem) -> QRectF | None:
    """Where a plain Qt item (no ``dataBounds``) draws, in ``view``'s data coordinates:
    its rectangle or path without its pen, whose cosmetic width Qt adds in data units
    (a 1.5 px outline of the unit square would reach from -0.75 to 1.75)."""
    if not item.isVisible() or item.flags() & QGraphicsItem.GraphicsItemFlag.ItemHasNoContents:
        return None
    if isinstance(item, QAbstractGraphicsShapeItem) and hasattr(item, "rect"):
        rect = item.rect()
    elif isinstance(item, QGraphicsPathItem):
        rect = item.path().boundingRect()
    else:
        rect = item.boundingRect()
    return view.mapFromItemToView(item, rect).boundingRect()


def data_extent(plot: pg.PlotItem) -> list[tuple[float, float]] | None:
    """``[(xmin, xmax), (ymin, ymax)]`` of what ``plot`` shows: its declared domain, else
    its visible items' bounds (pyqtgraph's items as its auto-range measures them, plain
    Qt shapes without their pens); None when it shows nothing measurable."""
    domain = declared_domain(plot)
    if domain is not None:
        xmin, xmax, ymin, ymax = domain
        return [(xmin, xmax), (ymin, ymax)]
    view = plot.getViewBox()
    plain = [item for item in view.addedItems if getattr(item, "dataBounds", None) is None]
    measured = [item for item in view.addedItems if item not in plain]
    extent = [list(b) if b is not None else None for b in view.childrenBounds(items=measured)]
    for rect in filter(None, (_shape_rect(view, item) for item in plain)):
        for index, (low, high) in enumerate(
            ((rect.left(), rect.right()), (rect.top(), rect.bottom()))
        ):
            now = extent[index]
            extent[index] = [low, high] if now is None else [min(now[0], low), max(now[1], high)]
    if any(b is None for b in extent):
        return None
    return [(float(low), float(high)) for low, high in extent]


def fill_shares(plot: pg.PlotItem) -> tuple[float, float] | None:
    """The share of the x and of the y range shown that ``plot``'s data covers (None when
    it shows nothing measurable or a range is empty)."""
    extent = data_extent(plot)
    if extent is None:
        return None
    shares = []
    for (low, high), (shown_low, shown_high) in zip(
        extent, plot.getViewBox().viewRange(), strict=True
    ):
        length = shown_high - shown_low
        if not length > 0 or not high > low:
            return None
        shares.append(max(0.0, min(high, shown_high) - max(low, shown_low)) / length)
    return shares[0], shares[1]


def _plots(root: QWidget) -> list[pg.PlotItem]:
    views = root.findChildren(pg.GraphicsView)
    if isinstance(root, pg.GraphicsView):
        views.append(root)
    views = [view for view in views if view is root or view.isVisibleTo(root)]
    return [
        item
        for view in views
        for item in view.scene().items()
        if isinstance(item, pg.PlotItem) and item.isVisible()
    ]


def _axes_pyqtgraph_ranges(plot: pg.PlotItem) -> tuple[bool, bool]:
    """Whether pyqtgraph, not the page, sets the x and the y range of ``plot``: all of
    them when its aspect is locked, else each one it auto-ranges."""
    state = plot.getViewBox().state
    if state["aspectLocked"]:
        return True, True
    return bool(state["autoRange"][0]), bool(state["autoRange"][1])


def underfilled_plots(root: QWidget) -> list[str]:
    """One line per visible plot inside ``root`` whose data covers less than
    :data:`MIN_FILL` of a range that pyqtgraph sets."""
    problems = []
    for plot in _plots(root):
        checked = _axes_pyqtgraph_ranges(plot)
        shares = fill_shares(plot) if any(checked) else None
        if shares is None:
            continue
        for index, (axis, share) in enumerate(zip("xy", shares, strict=True)):
            if checked[index] and share < MIN_FILL:
                title = plot.titleLabel.text or plot.getAxis("left").labelText or "plot"
                low, high = plot.getViewBox().viewRange()[index]
                problems.append(
                    f"plot {title!r} is under-filled: its data covers {share:.0%} of the "
                    f"{axis} range shown ({low:.3g} to {high:.3g})"
                )
    return problems


def framing_problems(root: QWidget) -> list[str]:
    """What a figure's framing wastes or cuts: tick labels cut by the picture's edge
    (:func:`tests.shell.clipped_text.edge_cut_tick_labels`) and under-filled plots."""
    from tests.shell.clipped_text import edge_cut_tick_labels

    return edge_cut_tick_labels(root) + underfilled_plots(root)
