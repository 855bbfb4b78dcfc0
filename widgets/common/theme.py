"""The look of every view: one small theme object that the widgets read and re-apply.

A :class:`Theme` holds the canvas colours, a font scale, a line-width scale and a
:class:`Palette` (cell fills, layer edges, classes, decision boundary, probe and path).
There is one current theme per process. Widgets draw with :func:`current_theme` and
connect to ``theme_events().theme_changed`` to restyle themselves when it changes, so a
new look is a new Theme value, never a special case inside a widget.

Two looks ship: ``default`` (the desk) and ``talk`` (projectors: bigger type, thicker
lines, darker ink), each with the default or the colour-blind-safe palette.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QFont

from widgets.common import palettes
from widgets.common.axis_room import keep_axis_room

RGB = tuple[int, int, int]


@dataclass(frozen=True, eq=False)
class Palette:
    """The colours that carry meaning.

    Attributes
    ----------
    key : ``"default"`` or ``"colour-blind-safe"``.
    cell_fills : (N, 3) uint8 fills of cells by activation pattern.
    layer_edges : (M, 3) uint8 edge colours, layer 0 first; None: the sequential ramp of
        :func:`widgets.common.palettes.layer_edge_colours` spread over all the network's layers.
    class_rgb : (K, 3) uint8 colours of classes 0, 1, ...; None: the OKLCH class hues.
    decision, decision_halo, probe, path : line colours.
    """

    key: str
    cell_fills: np.ndarray
    layer_edges: np.ndarray | None
    class_rgb: np.ndarray | None
    decision: RGB
    decision_halo: RGB
    probe: RGB
    path: RGB

    def layer_edge_colours(self, n_layers: int) -> np.ndarray:
        """(n_layers, 3) uint8 edge colour of each layer of an ``n_layers``-layer network."""
        if self.layer_edges is None:
            return palettes.layer_edge_colours(n_layers)
        return self.layer_edges[np.arange(max(n_layers, 0)) % len(self.layer_edges)]

    def cell_colour_index(self, keys: np.ndarray) -> np.ndarray:
        """(R,) index into ``cell_fills`` of every cell from its stable pattern key."""
        n = np.uint64(len(self.cell_fills))
        return (np.asarray(keys, dtype=np.uint64) % n).astype(np.intp)


DEFAULT_PALETTE = Palette(
    key="default",
    cell_fills=palettes.CELL_PALETTE,
    layer_edges=None,
    class_rgb=None,
    decision=palettes.DECISION_RGB,
    decision_halo=palettes.DECISION_HALO_RGB,
    probe=(214, 39, 40),
    path=(188, 0, 150),
)
CVD_PALETTE = Palette(
    key="colour-blind-safe",
    cell_fills=palettes.CVD_CELL_PALETTE,
    layer_edges=palettes.cvd_layer_edge_colours(len(palettes.CVD_LAYER_EDGE_RGB)),
    class_rgb=np.array(palettes.CVD_CLASS_RGB, np.uint8),
    decision=palettes.CVD_DECISION_RGB,
    decision_halo=palettes.DECISION_HALO_RGB,
    probe=palettes.CVD_PROBE_RGB,
    path=palettes.CVD_PATH_RGB,
)


@dataclass(frozen=True, eq=False)
class Theme:
    """A look: colours, type and line weights, and a palette.

    Attributes
    ----------
    key, title : ``"talk"``, ``"Talk"``.
    background : canvas background (pyqtgraph plots and VTK views).
    ink : text and tick labels.
    frame : axis lines.
    font_scale : multiplies every point size a view asks for.
    ui_font_scale : multiplies the fonts of the Qt widgets (panels, menus, buttons).
    line_scale : multiplies every pen width a view asks for.
    window : the Qt window and panel background, or None to keep the platform's.
    palette : the colours that carry meaning.
    """

    key: str
    title: str
    background: RGB
    ink: RGB
    frame: RGB
    font_scale: float
    ui_font_scale: float
    line_scale: float
    window: RGB | None
    palette: Palette

    @property
    def colour_blind_safe(self) -> bool:
        return self.palette is CVD_PALETTE

    def pt(self, points: float) -> float:
        """A font size in points, scaled for this theme."""
        return points * self.font_scale

    def font(self, points: float, *, bold: bool = False) -> QFont:
        """A QFont of ``points`` (scaled for this theme)."""
        font = QFont()
        font.setPointSizeF(self.pt(points))
        font.setBold(bold)
        return font

    def width(self, pixels: float) -> float:
        """A pen width, scaled for this theme."""
        return pixels * self.line_scale

    def pen(self, rgb: Sequence[int], width: float = 1.0, **kwargs) -> object:
        """A pyqtgraph pen of colour ``rgb`` and width ``width`` (scaled)."""
        return pg.mkPen(*rgb, width=self.width(width), **kwargs)

    def label_style(self, points: float) -> dict[str, str]:
        """Keyword arguments of ``AxisItem.setLabel`` for a label of ``points``."""
        return {"font-size": f"{self.pt(points):g}pt", "color": hex_rgb(self.ink)}


DEFAULT_THEME = Theme(
    key="default",
    title="Default",
    background=(255, 255, 255),
    ink=(40, 40, 40),
    frame=(90, 90, 90),
    font_scale=1.0,
    ui_font_scale=1.0,
    line_scale=1.0,
    window=None,
    palette=DEFAULT_PALETTE,
)
#: For projectors: warm off-white (less glare than pure white), black ink, plot type
#: 1.6 times larger (panels 1.2 times), lines twice as thick.
TALK_THEME = Theme(
    key="talk",
    title="Talk",
    background=(252, 251, 247),
    ink=(0, 0, 0),
    frame=(20, 20, 20),
    font_scale=1.6,
    ui_font_scale=1.2,
    line_scale=2.0,
    window=(252, 251, 247),
    palette=DEFAULT_PALETTE,
)
THEMES: dict[str, Theme] = {theme.key: theme for theme in (DEFAULT_THEME, TALK_THEME)}


def theme_names() -> list[str]:
    """The keys of the themes, default first."""
    return list(THEMES)


def make_theme(name: str, *, colour_blind_safe: bool = False) -> Theme:
    """The theme called ``name`` with the default or the colour-blind-safe palette.

    Raises ValueError, listing the names, for an unknown one.
    """
    try:
        theme = THEMES[name]
    except KeyError:
        raise ValueError(f"unknown theme {name!r}; choose one of {', '.join(THEMES)}") from None
    return replace(theme, palette=CVD_PALETTE if colour_blind_safe else DEFAULT_PALETTE)


class ThemeEvents(QObject):
    """Announces a new current theme: ``theme_changed(Theme)``."""

    theme_changed = Signal(object)


_events: ThemeEvents | None = None
_current: Theme = DEFAULT_THEME


def theme_events() -> ThemeEvents:
    """The process's one ThemeEvents object (made on first use)."""
    global _events
    if _events is None:
        _events = ThemeEvents()
    return _events


def current_theme() -> Theme:
    """The theme every view draws with now."""
    return _current


def set_current_theme(theme: Theme) -> None:
    """Make ``theme`` current and emit ``theme_changed`` if it differs from the old one."""
    global _current
    same = (
        theme.key == _current.key
        and theme.palette is _current.palette
        and theme.font_scale == _current.font_scale
    )
    _current = theme
    if not same:
        theme_events().theme_changed.emit(theme)


def hex_rgb(rgb: Sequence[int]) -> str:
    """``(r, g, b)`` as ``#rrggbb``."""
    return "#{:02x}{:02x}{:02x}".format(*(int(v) for v in rgb[:3]))


def style_plot_axes(
    plot: pg.PlotItem,
    theme: Theme,
    *,
    tick_pt: float,
    label_pt: float,
    frame: RGB | None = None,
    ink: RGB | None = None,
    sides: Sequence[str] = ("bottom", "left"),
) -> None:
    """Background, axis pens, tick fonts and label type of ``plot`` in ``theme``, and room
    for the labels (:func:`widgets.common.axis_room.keep_axis_room`).

    Labels keep their text; ``frame`` and ``ink`` override the theme's colours in the
    default theme (pages with their own restrained palette), never in another.
    """
    own = theme.key == DEFAULT_THEME.key
    frame_rgb = frame if (frame is not None and own) else theme.frame
    ink_rgb = ink if (ink is not None and own) else theme.ink
    view = plot.getViewBox()
    scene = view.scene()
    if scene is not None:
        for widget in scene.views():
            widget.setBackground(theme.background)
    tick_font = theme.font(tick_pt)
    for side in sides:
        axis = plot.getAxis(side)
        axis.setPen(pg.mkPen(*frame_rgb, width=theme.width(1.0) if not own else 1.0))
        axis.setTextPen(pg.mkPen(*ink_rgb))
        axis.setTickFont(tick_font)
        style = {"font-size": f"{theme.pt(label_pt):g}pt", "color": hex_rgb(ink_rgb)}
        if axis.labelText or axis.labelUnits:
            axis.setLabel(axis.labelText, units=axis.labelUnits or None, **style)
        else:
            axis.labelStyle = style
    keep_axis_room(plot)  # the new type needs new room for the labels


class _ThemeFollower(QObject):
    """Calls ``restyle(theme, previous)`` on every theme change while its owner lives."""

    def __init__(self, owner: QObject, restyle: Callable[[Theme, Theme], None]) -> None:
        super().__init__(owner)
        self.setObjectName("themeFollower")
        self._restyle = restyle
        # Items are built in the default look; a different current theme is applied as
        # soon as the event loop runs, after the owner has finished building them.
        self._previous = DEFAULT_THEME
        theme_events().theme_changed.connect(self._on_theme_changed)
        QTimer.singleShot(0, self, lambda: self._on_theme_changed(current_theme()))

    def _on_theme_changed(self, theme: Theme) -> None:
        owner = self.parent()
        if isinstance(owner, pg.GraphicsView) and owner.closed:
            # A closed plot has deleted its items but lives until Qt deletes it (later,
            # from the event loop): restyling it would touch deleted C++ objects.
            theme_events().theme_changed.disconnect(self._on_theme_changed)
            return
        previous, self._previous = self._previous, theme
        if theme is not previous:
            self._restyle(theme, previous)


def follow_theme(owner: QObject, restyle: Callable[[Theme, Theme], None]) -> QObject:
    """Have ``restyle(theme, previous)`` called whenever the theme changes.

    The first call comes once the event loop runs, when the current theme is not the
    default; the connection ends with ``owner``. Returns the follower (a child of owner).
    """
    return _ThemeFollower(owner, restyle)


def scale_plot_pens(plot: pg.PlotItem, factor: float) -> None:
    """Multiply the width of every line pen on ``plot`` (curves, lines, error bars)."""
    if factor == 1.0:
        return
    for item in plot.getViewBox().addedItems:
        if isinstance(item, pg.PlotDataItem):
            pens = [("pen", item.setPen)]
        elif isinstance(item, pg.PlotCurveItem):
            pens = [("pen", item.setPen)]
        elif isinstance(item, pg.ErrorBarItem):
            pens = [("pen", lambda pen, item=item: item.setData(pen=pen))]
        elif isinstance(item, pg.InfiniteLine):
            item.setPen(_widened(item.pen, factor))
            continue
        else:
            continue
        for key, setter in pens:
            pen = item.opts.get(key)
            if pen is not None:
                setter(_widened(pg.mkPen(pen), factor))


def _widened(pen: object, factor: float) -> object:
    widened = pg.mkPen(pen)
    widened.setWidthF(max(widened.widthF(), 1.0) * factor)
    return widened


def restyle_legend(legend: pg.LegendItem, theme: Theme, label_pt: float) -> None:
    """Legend labels in ``theme``'s type and ink, on its background."""
    legend.setLabelTextSize(f"{theme.pt(label_pt):g}pt")
    legend.setBrush(pg.mkBrush(*theme.background, 225))
    for _sample, label in legend.items:
        label.setText(label.text)  # LabelItem renders its attributes only in setText
    legend.updateSize()


def follow_plot_theme(
    widget: pg.PlotWidget,
    *,
    tick_pt: float,
    label_pt: float,
    title_pt: float | None = None,
    legend_pt: float | None = None,
    frame: RGB | None = None,
    ink: RGB | None = None,
) -> QObject:
    """Keep a plain plot in the current theme: background, axes, title, legend, pen widths.

    For plots whose items are all lines in fixed colours (curves, bars, guide lines);
    canvases that colour by the palette restyle themselves.
    """
    plot = widget.getPlotItem()

    def restyle(theme: Theme, previous: Theme) -> None:
        style_plot_axes(plot, theme, tick_pt=tick_pt, label_pt=label_pt, frame=frame, ink=ink)
        scale_plot_pens(plot, theme.line_scale / previous.line_scale)
        title = plot.titleLabel
        if title_pt is not None and title.text:
            title.setText(title.text, size=f"{theme.pt(title_pt):g}pt", color=hex_rgb(theme.ink))
        if legend_pt is not None and plot.legend is not None:
            restyle_legend(plot.legend, theme, legend_pt)

    keep_axis_room(plot)  # in the default look too, where restyle is not called at once
    return follow_theme(widget, restyle)


def follow_vtk_theme(owner: QObject, renderer: object, render: Callable[[], None]) -> QObject:
    """Keep a VTK renderer's background in the current theme; ``render()`` redraws it."""

    def restyle(theme: Theme, previous: Theme) -> None:
        renderer.SetBackground(*(v / 255.0 for v in theme.background))
        render()

    renderer.SetBackground(*(v / 255.0 for v in current_theme().background))
    return follow_theme(owner, restyle)
