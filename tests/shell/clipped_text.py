"""What a user sees cut: every visible label, button and header whose text does not fit.

A label's text fits when its one line (or, word-wrapped, its lines at the label's width)
needs no more room than the label's contents rectangle; rich text is measured as Qt lays
it out. A table header's section fits when its text does, or when it is elided and its
full text is in the header item's tooltip. A pyqtgraph axis fits when it lies inside
its view (a plot squeezed below its minimum overflows its widget, and the part outside
is hidden), its label's text is no longer than the axis, and every tick label pyqtgraph
lays out lies inside the axis across it and off the label's text.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QRegion, QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QLabel,
    QLayout,
    QStyle,
    QTableWidget,
    QWidget,
)

# Where pyqtgraph lays the tick labels out (its own layout code, run without dropping the
# labels that do not fit): the check compares those rectangles with the axis and its label.
from widgets.common.axis_room import tick_label_rects

#: Rounding slack in pixels.
SLACK = 1.0


def _needed(label: QLabel) -> tuple[float, float]:
    """The width and height the label's text needs (at its width, if it wraps)."""
    text = label.text()
    if label.buddy() is not None:  # "&Margin" shows as "Margin", its M underlined
        text = text.replace("&&", "\0").replace("&", "").replace("\0", "&")
    rich = label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText and Qt.mightBeRichText(text)
    )
    width = label.contentsRect().width() - 2 * label.margin() - 2 * max(label.indent(), 0)
    if rich:
        document = QTextDocument()
        document.setDefaultFont(label.font())
        document.setDocumentMargin(0)
        document.setHtml(text)
        if label.wordWrap():
            document.setTextWidth(width)
            return 0.0, document.size().height()
        return document.idealWidth(), document.size().height()
    metrics = QFontMetricsF(label.font())
    if label.wordWrap():
        flags = int(Qt.TextFlag.TextWordWrap)
        box = metrics.boundingRect(QRectF(0, 0, width, 1e6), flags, text)
        return 0.0, box.height()
    lines = text.split("\n")
    return max(metrics.horizontalAdvance(line) for line in lines), metrics.lineSpacing() * len(
        lines
    ) - metrics.leading()


def _views(root: QWidget) -> list[pg.GraphicsView]:
    """The visible pyqtgraph views inside ``root`` (and root, if it is one)."""
    views = root.findChildren(pg.GraphicsView)
    if isinstance(root, pg.GraphicsView):
        views.append(root)
    return [view for view in views if view is root or view.isVisibleTo(root)]


def _axes(view: pg.GraphicsView) -> list[pg.AxisItem]:
    """The visible axes of ``view`` that show their values."""
    return [
        item
        for item in view.scene().items()
        if isinstance(item, pg.AxisItem) and item.isVisible() and item.style["showValues"]
    ]


def _laid_out(layout: QLayout) -> list[QWidget]:
    """The widgets ``layout`` and its nested layouts place."""
    widgets = []
    for index in range(layout.count()):
        item = layout.itemAt(index)
        if item.widget() is not None:
            widgets.append(item.widget())
        elif item.layout() is not None:
            widgets += _laid_out(item.layout())
    return widgets


def squeezed_view_problems(view: pg.GraphicsView) -> list[str]:
    """A plot's view squeezed by its panel below the minimum its axes asked for: Qt then lays
    it over its neighbours or past the panel's edge, and the part covered is hidden."""
    parent = view.parentWidget()
    if parent is None or parent.layout() is None:
        return []
    name = view.objectName() or type(view).__name__
    mine = view.geometry()
    problems = []
    if not parent.rect().adjusted(-2, -2, 2, 2).contains(mine):
        problems.append(f"plot {name!r} runs past the edge of {type(parent).__name__}")
    for other in _laid_out(parent.layout()):
        if other is view or not other.isVisible():
            continue
        overlap = mine.intersected(other.geometry())
        if overlap.width() > 2 and overlap.height() > 2:
            other_name = other.objectName() or type(other).__name__
            problems.append(f"plot {name!r} lies under or over {other_name!r}")
    return problems


def axis_label_ink(axis: pg.AxisItem) -> QRectF | None:
    """Where the axis label's text is, in the axis's coordinates (its item's box less the
    text document's margin, which is empty), or None when the axis shows no label."""
    if not axis.label.isVisible() or not axis.labelText.strip():
        return None
    margin = axis.label.document().documentMargin()
    box = axis.label.boundingRect().adjusted(margin, margin, -margin, -margin)
    return axis.label.mapRectToParent(box)


def _shown_region(view: pg.GraphicsView, root: QWidget) -> QRegion:
    """The part of ``view``'s viewport that ``root`` shows: the viewport clipped by each
    of its ancestors up to ``root`` (what an export of ``root`` draws; on screen the
    window, root's ancestor, clips no more, and neighbours are checked apart)."""
    viewport = view.viewport()
    region = QRegion(viewport.rect())
    widget = viewport.parentWidget()
    while widget is not None:
        region &= QRegion(QRect(viewport.mapFrom(widget, QPoint(0, 0)), widget.size()))
        if widget is root:
            break
        widget = widget.parentWidget()
    return region


def drawn_tick_labels(axis: pg.AxisItem, rects: list[QRectF]) -> list[QRectF]:
    """The tick labels of ``rects`` that pyqtgraph draws: those inside the axis's bounding
    rectangle (a vertical axis's reaches 15 px past its ends, where its end labels spill
    over; a horizontal axis leaves out the labels that would run past its ends)."""
    bounds = axis.boundingRect()
    return [rect for rect in rects if (bounds & rect) == rect]


def _tick_labels_outside(
    axis: pg.AxisItem, rects: list[QRectF], view: pg.GraphicsView, shown: QRegion
) -> list[str]:
    """A tick label drawn (in part) past the picture's edge, or over another plot."""
    name = axis.labelText or axis.orientation
    plot = axis.parentItem()
    others = [
        item.sceneBoundingRect()
        for item in view.scene().items()
        if isinstance(item, pg.PlotItem) and item is not plot and item.isVisible()
    ]
    for rect in drawn_tick_labels(axis, rects):
        scene = axis.mapRectToScene(rect)
        box = view.mapFromScene(scene).boundingRect()
        hidden = QRegion(box.adjusted(1, 1, -1, -1)).subtracted(shown)
        if not hidden.isEmpty():
            cut = hidden.boundingRect()
            return [
                f"axis {name!r} tick label at {rect.center().x():.0f}, {rect.center().y():.0f} "
                f"is cut by the picture's edge ({cut.width()}x{cut.height()} px of it outside)"
            ]
        for other in others:
            overlap = scene.intersected(other)
            if overlap.width() > SLACK and overlap.height() > SLACK:
                return [f"axis {name!r} tick label runs into the plot beside it"]
    return []


def axis_problems(axis: pg.AxisItem, shown: QRegion | None = None) -> list[str]:
    """What of ``axis`` is cut: a part outside ``shown`` (its view's viewport region that
    is drawn; default: all of it), its label longer than the axis, a tick label outside the
    axis across it (pyqtgraph then leaves the number out), or tick labels on one another
    or on the label."""
    problems = []
    name = axis.labelText or axis.orientation
    vertical = axis.orientation in ("left", "right")
    size = axis.size()
    along, across = (size.height(), size.width()) if vertical else (size.width(), size.height())
    view = axis.scene().views()[0] if axis.scene() and axis.scene().views() else None
    if view is not None:
        # A plot squeezed below its minimum overflows its view, and a view squeezed below
        # its own minimum (in a panel that ignores it) runs past the panel's edge.
        shown = QRegion(view.viewport().rect()) if shown is None else shown
        box = view.mapFromScene(axis.mapRectToScene(QRectF(QPointF(0, 0), size))).boundingRect()
        hidden = QRegion(box.adjusted(2, 2, -2, -2)).subtracted(shown)
        if not hidden.isEmpty():
            problems.append(
                f"axis {name!r} is partly hidden: {hidden.boundingRect().height()} px high, "
                f"{hidden.boundingRect().width()} px wide of it lie outside what its view shows"
            )
    ink = axis_label_ink(axis)
    if ink is not None:
        need = ink.height() if vertical else ink.width()
        if need > along + SLACK:
            problems.append(f"axis {name!r} label: needs {need:.0f} along it, has {along:.0f}")
    rects = tick_label_rects(axis)
    spans = sorted((r.top(), r.bottom()) if vertical else (r.left(), r.right()) for r in rects)
    reach = -math.inf  # the far end of the labels before this one, along the axis
    for low, high in spans:
        if low < reach - SLACK:
            problems.append(f"axis {name!r} tick labels run into each other")
            break
        reach = max(reach, high)
    for rect in rects:
        # pyqtgraph lets tick labels run past the axis's ends (into the plot's margins) by
        # design; across the axis they must stay inside it and off the label.
        low, high = (rect.left(), rect.right()) if vertical else (rect.top(), rect.bottom())
        if low < -SLACK or high > across + SLACK:
            problems.append(
                f"axis {name!r} tick labels: need {rect.width() if vertical else rect.height():.0f}"
                f" across from {low:.0f}, the axis has 0 to {across:.0f}"
            )
            break
        if (
            ink is not None
            and rect.intersected(ink).width() > SLACK
            and (rect.intersected(ink).height() > SLACK)
        ):
            problems.append(f"axis {name!r} tick labels run into the axis label")
            break
    return problems


def clipped_texts(root: QWidget) -> list[str]:
    """One line per visible text inside ``root`` that is cut."""
    problems = []
    for label in root.findChildren(QLabel):
        if not label.isVisibleTo(root) or not label.text().strip():
            continue
        if label.width() <= 1 or label.height() <= 1:
            continue
        need_w, need_h = _needed(label)
        rect = label.contentsRect()
        if need_w > rect.width() + SLACK or need_h > rect.height() + SLACK:
            problems.append(
                f"label {label.objectName() or type(label.parent()).__name__!r} "
                f"{label.text()[:40]!r}: needs {need_w:.0f}x{need_h:.0f}, has "
                f"{rect.width()}x{rect.height()}"
            )
    for button in root.findChildren(QAbstractButton):
        if not button.isVisibleTo(root) or not button.text().strip():
            continue
        hint = button.sizeHint()
        if hint.width() > button.width() + SLACK or hint.height() > button.height() + SLACK:
            problems.append(
                f"button {button.text()[:30]!r}: needs {hint.width()}x{hint.height()}, has "
                f"{button.width()}x{button.height()}"
            )
    for table in root.findChildren(QTableWidget):
        if not table.isVisibleTo(root):
            continue
        header = table.horizontalHeader()
        metrics = QFontMetricsF(header.font())
        margin = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
        for column in range(table.columnCount()):
            item = table.horizontalHeaderItem(column)
            if item is None or header.isSectionHidden(column):
                continue
            need = metrics.horizontalAdvance(item.text()) + 2 * margin
            if need > header.sectionSize(column) + SLACK and not item.toolTip():
                problems.append(
                    f"header {item.text()!r}: needs {need:.0f}, has {header.sectionSize(column)}"
                )
    return problems


def clipped_axis_texts(root: QWidget) -> list[str]:
    """One line per visible pyqtgraph plot inside ``root`` squeezed under its neighbours,
    and per axis whose label or tick labels are cut."""
    problems = []
    for view in _views(root):
        if view is not root:  # an export of a plot draws it whole, whatever its parent
            problems += squeezed_view_problems(view)
        shown = _shown_region(view, root)
        for axis in _axes(view):
            problems += axis_problems(axis, shown)
    return problems


def edge_cut_tick_labels(root: QWidget) -> list[str]:
    """One line per axis inside ``root`` with a tick label drawn past the picture's edge
    (the part of its view that ``root`` shows) or over another plot: pyqtgraph centres a
    vertical axis's end labels on its ends, and a plot flush with the picture's top loses
    half of its top number. Kept apart from :func:`clipped_axis_texts` (its screen pages
    have plain plots that do not yet keep that room); figure exports check both."""
    problems = []
    for view in _views(root):
        shown = _shown_region(view, root)
        for axis in _axes(view):
            problems += _tick_labels_outside(axis, tick_label_rects(axis), view, shown)
    return problems
