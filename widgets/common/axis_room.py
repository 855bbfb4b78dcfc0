"""Room for every axis's text: each pyqtgraph plot's tick labels and axis labels fit.

pyqtgraph sizes an axis to its tick labels only after it has painted them (one frame
late, and by a rule of thumb that lets a large axis label overlap the numbers), and it
never makes a plot long enough for its axis label. :func:`keep_axis_room` gives a plot a
keeper that, whenever the theme, the data range or the plot's size changes:

- breaks a vertical axis's label longer than the axis onto two lines (at the space
  nearest its middle), and back onto one when the axis is long enough again; a label
  still too long (or a horizontal one) gets smaller type, down to 70 % of its size;
- sizes each axis across to exactly what it shows: the widest tick label pyqtgraph lays
  out at this range and length, the tick, and the label's text;
- asks the plot's widget for the length along each axis that its label needs in its
  shortest form (so asking never makes a window grow for a label that could shrink).

Plots stacked on one another keep their left edges aligned with :func:`share_axis_room`.
"""

from __future__ import annotations

import math
import re
import weakref

import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, QTimer
from PySide6.QtGui import QPainter, QPicture, QTextDocument
from PySide6.QtWidgets import QWidget

#: pyqtgraph's AxisItem.resizeEvent moves the label this far outwards, past the axis's edge.
LABEL_NUDGE = 5.0
#: Pixels kept free between the tick labels and the axis label's text.
GAP = 2.0
#: The smallest a label's type gets when even its two lines are longer than the axis.
MIN_LABEL_SCALE = 0.7
_VERTICAL = ("left", "right")
_FONT_SIZE = re.compile(r"([0-9.]+)\s*(pt|px)")


def tick_label_rects(axis: pg.AxisItem) -> list[QRectF]:
    """The rectangles, in the axis's coordinates, of the tick labels pyqtgraph lays out at
    the axis's current range, length and tick font: the levels and strings it chooses
    itself (custom ticks, crowded levels left out), including the labels it would silently
    drop because they do not fit inside the axis."""
    if not axis.style["showValues"] or axis.linkedView() is None:
        return []
    picture = QPicture()
    painter = QPainter(picture)
    if axis.style["tickFont"]:
        painter.setFont(axis.style["tickFont"])
    kept = axis.style["autoExpandTextSpace"], axis.textWidth, axis.textHeight
    axis.style["autoExpandTextSpace"] = False  # measuring must not resize the axis
    # generateDrawSpecs drops each label whose rect leaves boundingRect(): an unbounded
    # rect keeps them all, so a too-narrow axis shows in the measure.
    axis.boundingRect = lambda: QRectF(-1e6, -1e6, 2e6, 2e6)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        del axis.boundingRect
        axis.style["autoExpandTextSpace"], axis.textWidth, axis.textHeight = kept
        painter.end()
    return [rect for rect, _flags, _text in specs[2]] if specs else []


def next_nice_step(step: float) -> float:
    """The next tick step of the 1, 2, 5, 10, 20, … series after ``step``."""
    exponent = math.floor(math.log10(step) + 1e-9)
    mantissa = round(step / 10.0**exponent)
    return {1: 2.0, 2: 5.0}.get(mantissa, 10.0) * 10.0**exponent


def _crowded(axis: pg.AxisItem, rects: list[QRectF]) -> bool:
    """Whether two of the tick labels ``rects`` of ``axis`` overlap along it."""
    vertical = axis.orientation in _VERTICAL
    spans = sorted((r.top(), r.bottom()) if vertical else (r.left(), r.right()) for r in rects)
    reach = -math.inf
    for low, high in spans:
        if low < reach:
            return True
        reach = max(reach, high)
    return False


def _break_candidates(text: str) -> list[int]:
    """Indices of the spaces of ``text`` outside HTML tags."""
    spaces, in_tag = [], False
    for i, char in enumerate(text):
        if char == "<":
            in_tag = True
        elif char == ">":
            in_tag = False
        elif char == " " and not in_tag:
            spaces.append(i)
    return spaces


def _two_lines(text: str) -> str | None:
    """``text`` broken at the space nearest its middle, or None if it has no space."""
    spaces = _break_candidates(text)
    if not spaces:
        return None
    middle = len(text) / 2
    cut = min(spaces, key=lambda i: abs(i - middle))
    return f"{text[:cut]}<br>{text[cut + 1 :]}"


def _text_length(axis: pg.AxisItem, html: str) -> float:
    """How long ``html`` is laid out in the axis label's font, without the document margin."""
    document = QTextDocument()
    document.setDefaultFont(axis.label.font())
    document.setDocumentMargin(0)
    document.setHtml(html)
    return document.idealWidth()


def _label_html(axis: pg.AxisItem, *, wrap: bool, scale: float) -> str:
    """The axis label as pyqtgraph writes it, broken onto two lines if ``wrap`` (and it has
    a space), its type ``scale`` times its size."""
    html = axis.labelString()
    two = _two_lines(axis.labelText) if wrap else None
    if two is not None:
        html = html.replace(axis.labelText, two, 1)
    if scale != 1.0:
        style = dict(axis.labelStyle)
        size = _FONT_SIZE.fullmatch(str(style.get("font-size", "")).strip())
        value, unit = (float(size[1]), size[2]) if size else (axis.label.font().pointSizeF(), "pt")
        style["font-size"] = f"{value * scale:g}{unit}"
        old = ";".join(f"{key}: {value}" for key, value in axis.labelStyle.items())
        new = ";".join(f"{key}: {value}" for key, value in style.items())
        html = html.replace(f"<span style='{old}'>", f"<span style='{new}'>", 1)
    return html


class AxisRoom(QObject):
    """Keeps the axes of one plot roomy; made by :func:`keep_axis_room`."""

    def __init__(self, plot: pg.PlotItem) -> None:
        super().__init__(plot)
        self.setObjectName("axisRoom")
        self._plot = plot
        self.group: list[weakref.ref[AxisRoom]] = [weakref.ref(self)]
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._refit_waiting)
        self._waiting = False  # changed since its last refit
        self._own_minimum: dict[str, int] = {}
        # The label each axis shows, and its document's revision once set: pyqtgraph
        # rewrites the label on every setLabel, and a changed revision says it has.
        self._shown: dict[int, tuple[str, int]] = {}
        self._thinned: set[int] = set()  # axes whose tick spacing this keeper set
        self._shrinks_left = 2
        view = plot.getViewBox()
        view.sigRangeChanged.connect(self.schedule)
        view.sigResized.connect(self.schedule)
        for side in plot.axes:  # a new label text (pyqtgraph rewrites the label's document)
            plot.getAxis(side).label.document().contentsChanged.connect(self.schedule)
        self.schedule()

    def schedule(self, *_args) -> None:
        """Refit once the event loop runs (many changes, one refit). Plots sharing room
        wait on one timer, their group's first: a change to all of them (the epoch axis
        of stacked training curves) is one refit of the group, not one per plot, each
        measuring all of them."""
        self._waiting = True
        self._members()[0]._timer.start(0)

    def _axes(self) -> list[pg.AxisItem]:
        axes = [self._plot.getAxis(side) for side in self._plot.axes]
        return [axis for axis in axes if axis.isVisible() and axis.label is not None]

    def refit(self) -> None:
        """Wrap, size and ask for length now, for this plot and the plots sharing its room."""
        self._refit([self])

    def _refit_waiting(self) -> None:
        """Refit the plots of this group that changed since their last refit."""
        self._refit([room for room in self._members() if room._waiting] or [self])

    def _refit(self, rooms: list[AxisRoom]) -> None:
        """Wrap the labels of ``rooms``, size the axes of the whole group (each axis
        measured once), and ask for the length the labels of ``rooms`` need."""
        for room in rooms:
            room._waiting = False
            for axis in room._axes():
                room._thin_ticks(axis)
                room._fit_label(axis)
        needs: dict[tuple[int, str], float | None] = {}
        for room in self._members():
            room._size_across(needs)
        for room in rooms:
            room._ask_length()
            room._shrinks_left = max(0, room._shrinks_left - 1)

    @property
    def _may_shrink(self) -> bool:
        return self._shrinks_left > 0

    def allow_shrinking(self) -> None:
        """Let the next two refits narrow the vertical axes (a new theme: type changed).

        Between such events they only grow. Narrowing on every refit loops on plots whose
        aspect is locked: a narrower axis widens the view, which changes the range shown,
        which brings back the wider tick labels that the axis was narrowed from."""
        self._shrinks_left = 2

    def _members(self) -> list[AxisRoom]:
        return [room for ref in self.group if (room := ref()) is not None]

    def _thin_ticks(self, axis: pg.AxisItem) -> None:
        """On an axis too short for pyqtgraph's ticks (it always labels at least two or
        three), label every second, fifth, ... value instead, so that no two touch."""
        if id(axis) in self._thinned:
            axis.setTickSpacing()  # start again from pyqtgraph's own choice
            self._thinned.discard(id(axis))
        elif axis._tickLevels is not None or axis._tickSpacing is not None or axis.logMode:
            return  # the plot chose its ticks itself
        low, high = sorted(axis.range)
        length = axis.size().height() if axis.orientation in _VERTICAL else axis.size().width()
        if not high > low or length <= 0:
            return
        for _attempt in range(6):
            if not _crowded(axis, tick_label_rects(axis)):
                return
            levels = axis.tickSpacing(low, high, length)
            if not levels:
                return
            axis.setTickSpacing(levels=[(next_nice_step(levels[0][0]), 0.0)])
            self._thinned.add(id(axis))

    def _fit_label(self, axis: pg.AxisItem) -> None:
        if not axis.label.isVisible() or not axis.labelText.strip():
            return
        vertical = axis.orientation in _VERTICAL
        along = axis.size().height() if vertical else axis.size().width()
        html = _label_html(axis, wrap=False, scale=1.0)
        if _text_length(axis, html) > along + 1.0:
            # Only labels along a vertical axis wrap: a second line under a plot would take
            # height, the room a window has least of; a long bottom label asks for width.
            html = _label_html(axis, wrap=vertical, scale=1.0)
            length = _text_length(axis, html)
            if length > along + 1.0:
                steps = math.floor(20 * along / length) / 20  # in steps of 5 %
                html = _label_html(axis, wrap=vertical, scale=max(MIN_LABEL_SCALE, steps))
        document = axis.label.document()
        if self._shown.get(id(axis)) != (html, document.revision()):
            axis.label.setHtml(html)
            self._shown[id(axis)] = (html, axis.label.document().revision())
            axis.resizeEvent()  # pyqtgraph centres the label there

    def needed_across(self, side: str) -> float | None:
        """Pixels the axis on ``side`` needs across itself, or None if it is not shown."""
        if side not in self._plot.axes:
            return None
        axis = self._plot.getAxis(side)
        if not axis.isVisible() or not (axis.style["showValues"] or axis.label.isVisible()):
            return None
        vertical = side in _VERTICAL
        rects = tick_label_rects(axis)
        text = max((r.width() if vertical else r.height() for r in rects), default=0.0)
        offset = axis.style["tickTextOffset"][0 if vertical else 1]
        need = max(0.0, axis.style["tickLength"]) + (offset if axis.style["showValues"] else 0)
        need += text
        if axis.label.isVisible():
            margin = axis.label.document().documentMargin()
            need += GAP + axis.label.boundingRect().height() - LABEL_NUDGE - margin
        return need

    def _need_across(self, side: str, needs: dict[tuple[int, str], float | None]) -> float | None:
        """:meth:`needed_across`, measured once per refit (``needs`` keeps the answers)."""
        key = (id(self), side)
        if key not in needs:
            needs[key] = self.needed_across(side)
        return needs[key]

    def _size_across(self, needs: dict[tuple[int, str], float | None]) -> None:
        for side in self._plot.axes:
            need = self._need_across(side, needs)
            if need is None:
                continue
            if side in ("left", "right"):
                shared = [room._need_across(side, needs) for room in self._members()]
                need = max([n for n in shared if n is not None], default=need)
            axis = self._plot.getAxis(side)
            size = math.ceil(need)
            # Only widths stick (see allow_shrinking): a height follows its label's type.
            now = axis.fixedWidth if side in _VERTICAL else None
            if now is not None and size < now and not self._may_shrink:
                continue
            if side in _VERTICAL and axis.fixedWidth != size:
                axis.setWidth(size)
            elif side not in _VERTICAL and axis.fixedHeight != size:
                axis.setHeight(size)

    def _ask_length(self) -> None:
        scene = self._plot.scene()
        if scene is None or not scene.views():
            return
        widget = scene.views()[0]
        central = getattr(widget, "centralWidget", None) or self._plot
        for axis in self._axes():
            if not axis.label.isVisible() or not axis.labelText.strip():
                continue
            vertical = axis.orientation in _VERTICAL
            along = axis.size().height() if vertical else axis.size().width()
            shown = widget.height() if vertical else widget.width()
            inner = central.size().height() if vertical else central.size().width()
            if along <= 0 or shown <= 0:
                continue
            shortest = _label_html(axis, wrap=vertical, scale=MIN_LABEL_SCALE)
            # A plot item too big for its view overflows it (Qt keeps an item's minimum
            # size): what lies around the axis is measured on the item, not the view.
            around = max(0.0, shown - inner) + inner - along
            need = math.ceil(around + _text_length(axis, shortest) + 2.0)
            key = "height" if vertical else "width"
            own = self._own_minimum.setdefault(
                key, widget.minimumHeight() if vertical else widget.minimumWidth()
            )
            need = max(need, own)
            if vertical and widget.minimumHeight() != need:
                widget.setMinimumHeight(need)
            elif not vertical and widget.minimumWidth() != need:
                widget.setMinimumWidth(need)


def keep_axis_room(plot: pg.PlotItem) -> AxisRoom:
    """The keeper of ``plot``'s axes (made on first call) after refitting them now."""
    room = plot.findChild(AxisRoom, "axisRoom")
    if room is None:
        room = AxisRoom(plot)
    room.allow_shrinking()
    room.refit()
    room.schedule()
    return room


def share_axis_room(plots: list[pg.PlotItem]) -> None:
    """Give ``plots`` (stacked) left and right axes of one width: the widest one needs."""
    rooms = [keep_axis_room(plot) for plot in plots]
    group = [weakref.ref(room) for room in rooms]
    for room in rooms:
        room.group = group
    for room in rooms:
        room.allow_shrinking()
        room.refit()


def _kept_plots(widget: QWidget) -> list[tuple[pg.PlotItem, AxisRoom | None]]:
    """Every plot inside ``widget`` (or ``widget`` itself) with its keeper, if it has one."""
    views = widget.findChildren(pg.GraphicsView)
    if isinstance(widget, pg.GraphicsView):
        views.append(widget)
    plots = [
        item
        for view in views
        if view.scene() is not None
        for item in view.scene().items()
        if isinstance(item, pg.PlotItem)
    ]
    return [(plot, plot.findChild(AxisRoom, "axisRoom")) for plot in plots]


def refit_axes_now(widget: QWidget, passes: int = 3) -> None:
    """Refit, at once, every kept plot inside ``widget`` (or ``widget`` itself).

    An export lays a widget out at another size and draws it before the event loop runs,
    so the keepers' scheduled refits would come too late. Each pass refits every plot and
    applies its layout; an axis sized in one pass can change the tick labels of the next.
    """
    rooms = _kept_plots(widget)
    for _pass in range(passes):
        for plot, room in rooms:
            if room is not None:
                room.allow_shrinking()
                room.refit()
                plot.layout.activate()


def refit_scheduled_axes(widget: QWidget) -> bool:
    """Run now the refits that the keepers inside ``widget`` have scheduled (as their
    timers would once the event loop runs, and in their place); whether any ran."""
    ran = False
    for _plot, room in _kept_plots(widget):
        if room is not None and room._timer.isActive():
            room._timer.stop()
            room._refit_waiting()
            ran = True
    return ran
