"""Colours and type of the Volume page: one restrained palette shared by 2-D and 3-D views.

Blue is the ball (what is covered), amber what lies outside it (the cube's corners, the
"darts" of a slice), vermillion the Monte-Carlo samples, green the sphere packings and
greys the bounds and the frame. Colours are chosen in OKLCH so that tones of one hue
look equally light.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QFont

from widgets.common.palettes import oklch_to_srgb
from widgets.common.theme import (
    current_theme,
    follow_theme,
    restyle_legend,
    scale_plot_pens,
    style_plot_axes,
)


def _rgb(lightness: float, chroma: float, hue: float) -> tuple[int, int, int]:
    r, g, b = (int(v) for v in oklch_to_srgb(lightness, chroma, hue)[0])
    return r, g, b


INK = _rgb(0.25, 0.01, 270)
MUTED = (120, 120, 128)
FRAME = (90, 90, 96)
COVERED = _rgb(0.52, 0.13, 255)
COVERED_LIGHT = _rgb(0.88, 0.05, 250)
COVERED_PALE = _rgb(0.95, 0.025, 250)
OUTSIDE = _rgb(0.74, 0.14, 65)
OUTSIDE_LIGHT = _rgb(0.92, 0.06, 75)
MONTE_CARLO = _rgb(0.58, 0.17, 32)
PACKING = _rgb(0.55, 0.10, 165)

#: Point sizes of the plots' type, large enough to read from the back of a room.
AXIS_LABEL_PT = 13
TICK_PT = 11
ANNOTATION_PT = 12
LEGEND_PT = 9


def float_rgb(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    """``(r, g, b)`` in 0..255 as floats in 0..1 (for VTK)."""
    return (rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0)


def hex_rgb(rgb: tuple[int, int, int]) -> str:
    """``(r, g, b)`` as ``#rrggbb`` (for rich text)."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def style_plot(plot: pg.PlotItem, *, x_label: str, y_label: str) -> None:
    """White-background look of every Volume plot: grey frame, large labels, no menu."""
    plot.setMenuEnabled(False)
    plot.hideButtons()
    for side, label in (("bottom", x_label), ("left", y_label)):
        axis = plot.getAxis(side)
        axis.enableAutoSIPrefix(False)
        axis.setLabel(label)

    def restyle(theme, previous) -> None:
        style_plot_axes(plot, theme, tick_pt=TICK_PT, label_pt=AXIS_LABEL_PT, frame=FRAME, ink=INK)
        scale_plot_pens(plot, theme.line_scale / previous.line_scale)
        if plot.legend is not None:
            restyle_legend(plot.legend, theme, LEGEND_PT)

    style_plot_axes(
        plot, current_theme(), tick_pt=TICK_PT, label_pt=AXIS_LABEL_PT, frame=FRAME, ink=INK
    )
    follow_theme(plot, restyle)


def annotation(
    text: str, colour: tuple[int, int, int] = INK, *, anchor=(0, 0.5), fill=None
) -> pg.TextItem:
    """A text label in data coordinates, in the page's annotation type."""
    item = pg.TextItem(text=text, color=colour, anchor=anchor, fill=fill)
    font = QFont()
    font.setPointSizeF(ANNOTATION_PT)
    item.setFont(font)
    return item
