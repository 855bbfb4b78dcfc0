"""The page layout of an exact cell figure: where the data rectangle lands on a page of
a given size, the base font, the legend's and title's room, and the natural page of a view
shown on screen. :mod:`app.export.cells_svg` draws on it; exports size their pages by it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from app.export.cell_figure import CellFigure

#: The height of the title line's band, in base font sizes.
TITLE_BAND = 2.9
#: The title's size against the base font, and a DejaVu Sans bold character's mean width
#: against its size (the title shrinks so that its estimated width fits the page).
TITLE_SIZE = 1.3
BOLD_ADVANCE = 0.66
#: A cell edge is at most this share of a typical cell's width on the page, and never
#: thinner than :data:`MIN_EDGE_WIDTH` pixels: tens of thousands of cells a few pixels
#: wide, drawn with the talk theme's thick edges, would drown in their edges' ink.
EDGE_CELL_SHARE = 1 / 6
MIN_EDGE_WIDTH = 0.3


@dataclass(frozen=True)
class PlotFrame:
    """Where the data rectangle lands on the page, and the affine map to it.

    ``page = (sx * x + tx, -sy * y + ty)`` for a data point ``(x, y)``.
    """

    sx: float
    sy: float
    tx: float
    ty: float
    left: float
    top: float
    width: float
    height: float

    def to_page(self, xy: np.ndarray) -> np.ndarray:
        """(N, 2) data points -> (N, 2) page points."""
        xy = np.asarray(xy, np.float64).reshape(-1, 2)
        return np.column_stack([self.sx * xy[:, 0] + self.tx, -self.sy * xy[:, 1] + self.ty])

    @property
    def matrix(self) -> str:
        return f"matrix({self.sx!r} 0 0 {-self.sy!r} {self.tx!r} {self.ty!r})"


def font_px(width: int, height: int, scale: float) -> float:
    """The base font size in pixels of a figure of ``width x height``."""
    return max(11.0, min(width, height) / 48.0) * scale


def legend_width(figure: CellFigure, font: float) -> float:
    """The width in pixels the legend takes at the right of the plot (0 without one)."""
    longest = max((len(entry.label) for entry in figure.legend), default=0)
    return (0.62 * font * longest + 3.6 * font) if figure.legend else 0.0


def _margins(figure: CellFigure, font: float) -> tuple[float, float, float, float]:
    """(left, right, top, bottom) room in pixels around the data rectangle: the axes, the
    legend and the title line."""
    left, right = 5.6 * font, legend_width(figure, font) + 1.2 * font
    top, bottom = (TITLE_BAND if figure.title else 1.0) * font, 3.8 * font
    return left, right, top, bottom


def natural_size(figure: CellFigure, width: int, height: int) -> tuple[int, int]:
    """The page of a figure shown ``width x height`` on screen: as tall, and wider by its
    legend, so the cells keep the area they have on screen; with equal axes, the band
    the plot cannot fill (beside a square domain in a wide view) is cut off, keeping the
    room the title line needs."""
    font = font_px(width, height, figure.theme.font_scale)
    width, height = width + round(legend_width(figure, font)), height
    if not figure.equal_axes:
        return width, height
    frame = plot_frame(figure, width, height)
    font = font_px(width, height, figure.theme.font_scale)
    left, right, top, bottom = _margins(figure, font)
    title = (BOLD_ADVANCE * TITLE_SIZE * len(figure.title) + 2.0) * font
    trimmed_w = max(math.ceil(left + frame.width + right), math.ceil(title))
    trimmed_h = math.ceil(top + frame.height + bottom)
    return min(width, trimmed_w), min(height, trimmed_h)


def plot_frame(figure: CellFigure, width: int, height: int) -> PlotFrame:
    """Place the data rectangle inside a ``width x height`` page, leaving room for the
    axes (left, bottom) and the legend (right)."""
    left, right, top, bottom = _margins(figure, font_px(width, height, figure.theme.font_scale))
    area_w, area_h = max(width - left - right, 10.0), max(height - top - bottom, 10.0)
    xmin, xmax, ymin, ymax = (float(v) for v in figure.partition.bounds)
    sx, sy = area_w / (xmax - xmin), area_h / (ymax - ymin)
    if figure.equal_axes:
        sx = sy = min(sx, sy)
    plot_w, plot_h = sx * (xmax - xmin), sy * (ymax - ymin)
    x0 = left + (area_w - plot_w) / 2
    y0 = top + (area_h - plot_h) / 2
    return PlotFrame(sx, sy, x0 - sx * xmin, y0 + sy * ymax, x0, y0, plot_w, plot_h)


def page_edge_widths(figure: CellFigure, frame: PlotFrame) -> np.ndarray:
    """(L,) pen widths in page pixels of each layer's edges: the figure's widths, thinned
    to :data:`EDGE_CELL_SHARE` of the median cell's width on this page (the square root
    of its area in page pixels), so that a dense slice reads alike in every theme and at
    every size. Figures of cells wider than six edge widths keep their widths."""
    widths = np.asarray(figure.edge_width, np.float64)
    areas = np.asarray(figure.partition.areas, np.float64)
    areas = areas[areas > 0]
    if not len(areas) or not len(widths):
        return widths
    cell = math.sqrt(float(np.median(areas)) * frame.sx * frame.sy)
    return np.minimum(widths, max(EDGE_CELL_SHARE * cell, MIN_EDGE_WIDTH))
