"""What a user sees cut: every visible label, button and header whose text does not fit.

A label's text fits when its one line (or, word-wrapped, its lines at the label's width)
needs no more room than the label's contents rectangle; rich text is measured as Qt lays
it out. A table header's section fits when its text does, or when it is elided and its
full text is in the header item's tooltip. A pyqtgraph axis fits when its label, laid
along it, is no longer than the axis, and (for a vertical axis, whose width is set) its
widest tick label, the tick and the label's band fit its width.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QTextDocument
from PySide6.QtWidgets import QAbstractButton, QLabel, QStyle, QTableWidget, QWidget

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


def _axes(root: QWidget) -> list[pg.AxisItem]:
    """The visible pyqtgraph axes of every plot inside ``root``."""
    views = root.findChildren(pg.GraphicsView)
    if isinstance(root, pg.GraphicsView):
        views.append(root)
    axes = []
    for view in views:
        if not view.isVisibleTo(root) and view is not root:
            continue
        axes += [
            item
            for item in view.scene().items()
            if isinstance(item, pg.AxisItem) and item.isVisible() and item.style["showValues"]
        ]
    return axes


def _tick_texts(axis: pg.AxisItem) -> list[str]:
    """The tick labels the axis draws at its current range and size."""
    vertical = axis.orientation in ("left", "right")
    length = axis.size().height() if vertical else axis.size().width()
    if length <= 1:
        return []
    low, high = axis.range
    texts = []
    for spacing, values in axis.tickValues(low, high, length):
        texts += axis.tickStrings(values, axis.autoSIPrefixScale * axis.scale, spacing)
    return [t for t in texts if t]


def axis_problems(axis: pg.AxisItem) -> list[str]:
    """What of ``axis`` is cut: its label longer than the axis, or (vertical axes) tick
    labels wider than the room the axis leaves them."""
    problems = []
    name = axis.labelText or axis.orientation
    vertical = axis.orientation in ("left", "right")
    size = axis.size()
    along = size.height() if vertical else size.width()
    if axis.label.isVisible() and axis.labelText.strip():
        need = axis.label.boundingRect().width()
        if need > along + SLACK:
            problems.append(f"axis {name!r} label: needs {need:.0f} along it, has {along:.0f}")
    if vertical:
        font = axis.style["tickFont"] or axis.font()
        metrics = QFontMetricsF(font)
        # Measured as pyqtgraph lays a tick label out (a centred box, not the advance).
        box = QRectF(0, 0, 100, 100)
        widest = max(
            (
                metrics.boundingRect(box, int(Qt.AlignmentFlag.AlignCenter), t).width()
                for t in _tick_texts(axis)
            ),
            default=0.0,
        )
        band = axis.label.boundingRect().height() * 0.8 if axis.label.isVisible() else 0.0
        need = widest + axis.style["tickTextOffset"][0] + max(0, axis.style["tickLength"]) + band
        # pyqtgraph sizes an axis to its own labels a pixel tighter than this measure
        # (its text box is rounded): two pixels of slack, far below a cut digit.
        if need > size.width() + 2 * SLACK:
            problems.append(
                f"axis {name!r} tick labels: need {need:.0f} across, have {size.width():.0f}"
            )
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
    """One line per visible pyqtgraph axis inside ``root`` whose label or tick labels are
    cut (kept apart from :func:`clipped_texts` until the pages' axes it flags are fixed)."""
    problems = []
    for axis in _axes(root):
        problems += axis_problems(axis)
    return problems
