"""A 2-D cell view as plain data: what the vector exporter draws, taken from a page.

:class:`CellFigure` holds the exact partition and everything drawn over it (edges by
layer, decision boundary, probe, highlighted cell, path and its crossings, data points)
with the colours of the current theme. :func:`cells_page_figure` and
:func:`playground_figure` read it from the Cells page and the Playground through their
public state; :mod:`app.export.cells_svg` writes it as SVG.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.class_pieces import ClassPieces
from engine.partition2d import Partition2D
from widgets.common.palettes import DOMAIN_EDGE_RGB
from widgets.common.theme import Theme

RGB = tuple[int, int, int]
#: Pen widths (pixels, before the theme's line scale) of the drawn lines.
DECISION_WIDTH = 3.0
PATH_WIDTH = 3.0
PROBE_RADIUS = 9.0


@dataclass(frozen=True)
class PointSet:
    """Data points: (N, 2) ``xy``, (N, 3) uint8 ``rgb``; hollow ones are outlined only."""

    xy: np.ndarray
    rgb: np.ndarray
    hollow: bool
    label: str


@dataclass(frozen=True)
class LegendEntry:
    """One legend row: a ``line`` of width ``width``, a ``marker`` or a ``swatch``."""

    kind: str
    rgb: RGB
    label: str
    width: float = 2.0
    hollow: bool = False


@dataclass(frozen=True)
class DiscOverlay:
    """The exact distance disc: (K, 2) closed ``outline`` of the ball around the (2,)
    ``centre``, and the (2,) ``nearest`` input of another class on its edge."""

    outline: np.ndarray
    centre: np.ndarray
    nearest: np.ndarray


@dataclass(frozen=True)
class NamedMark:
    """A named point drawn over the cells (an anchor image A, B or C): a dot at the (2,)
    ``xy`` in data coordinates and its ``name`` beside it, both in ``rgb``."""

    name: str
    xy: np.ndarray
    rgb: RGB


@dataclass(frozen=True)
class CellFigure:
    """Everything a vector export of a 2-D cell view draws, in data coordinates.

    Attributes
    ----------
    partition : the exact cells; each becomes one polygon.
    cell_rgb : (R, 3) uint8 fill of every cell.
    pieces : the exact class pieces of the cells, or None; the pieces of every cell the
        decision boundary cuts are drawn over it, each in its ``piece_rgb`` (P, 3) uint8.
    edge_rgb, edge_width : (L, 3) uint8 colour and (L,) pen width of each layer's edges.
    boundary : (S, 2, 2) decision-boundary segments (may be empty).
    probe, highlighted : the probe point (2,) and the highlighted cell id, or None.
    path : (2, 2) ends of the path, or None; crossings : (K, 2) its crossing points.
    arrows : (n, 2) tips of matched-filter arrows from the probe (may be empty).
    arrow_labels : what each arrow is called (e.g. ``"∇f₁"``), drawn beyond its tip.
    arrow_rgb : (n, 3) uint8 colour of each arrow (its output's colour, as on screen).
    disc : the distance disc around the probe, or None.
    marks : named points (the anchors of a slice), dots with their names beside them.
    points : data sets drawn on top.
    axis_names : names of the two coordinates.
    legend : rows of the legend, top to bottom.
    theme : colours, type scale and line scale.
    equal_axes : one unit has the same length on both axes.
    title : the document title.
    newest_layer_opacity : opacity of the last partitioned layer's edges (a layer-by-layer
        reveal fades each new layer in).
    edge_opacity : opacity of every layer's edges (tens of thousands of cells draw them
        faint, as the screen does, so that the fills still show).
    """

    partition: Partition2D
    cell_rgb: np.ndarray
    edge_rgb: np.ndarray
    edge_width: np.ndarray
    boundary: np.ndarray
    theme: Theme
    probe: np.ndarray | None = None
    highlighted: int | None = None
    path: np.ndarray | None = None
    crossings: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    arrows: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    points: tuple[PointSet, ...] = ()
    axis_names: tuple[str, str] = ("x₁", "x₂")
    legend: tuple[LegendEntry, ...] = ()
    equal_axes: bool = True
    title: str = "Splinescope cells"
    newest_layer_opacity: float = 1.0
    edge_opacity: float = 1.0
    pieces: ClassPieces | None = None
    piece_rgb: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), np.uint8))
    disc: DiscOverlay | None = None
    arrow_labels: tuple[str, ...] = ()
    arrow_rgb: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), np.uint8))
    marks: tuple[NamedMark, ...] = ()


def pattern_fills(partition: Partition2D, theme: Theme) -> np.ndarray:
    """(R, 3) uint8 fill of every cell by its activation pattern, as the canvas colours it."""
    palette = theme.palette
    return palette.cell_fills[palette.cell_colour_index(partition.colour_keys)]


def edge_legend(
    partition: Partition2D, colours: np.ndarray, names: Sequence[str] = ()
) -> list[LegendEntry]:
    """One line per layer drawn: ``"<names[k]> edges"``, or ``"layer k+1 edges"`` past
    the names given."""
    return [
        LegendEntry(
            "line",
            tuple(int(v) for v in colours[layer]),
            f"{names[layer] if layer < len(names) else f'layer {layer + 1}'} edges",
        )
        for layer in range(partition.n_layers)
    ]


DOMAIN_RGB: RGB = DOMAIN_EDGE_RGB
