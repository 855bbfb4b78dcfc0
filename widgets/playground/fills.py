"""The Playground's prediction fills: which polygons are filled, in which shade.

A classifier's cells are filled piece by piece: every cell the decision boundary crosses
is cut into its exact class pieces (:mod:`engine.class_pieces`), each filled in its own
class's colour, so no data point sits on a wedge of the other class. A regression
network's cells are filled by the value at their centre. Shades are quantised, so that
one painter path per shade draws them all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPainterPath

from engine.cell_edges import unique_edges
from engine.cell_statistics import CellPredictions
from engine.class_pieces import ClassPieces
from engine.partition2d import Partition2D
from widgets.common.class_colours import class_fill_colours, value_colours
from widgets.common.theme import Theme, current_theme

#: Confidence shades per class: polygons of one class and shade share one painter path.
CONFIDENCE_LEVELS = 12


@dataclass(frozen=True)
class PredictionFills:
    """Polygons filled by prediction.

    Attributes
    ----------
    ring_xy : (N, 2) float64 corners, ring after ring; offsets : (P+1,) int64.
    shade : (P,) int64 shade id of every polygon; colours : (S, 3) uint8 the shades.
    """

    ring_xy: np.ndarray
    offsets: np.ndarray
    shade: np.ndarray
    colours: np.ndarray

    @property
    def rgb(self) -> np.ndarray:
        """(P, 3) uint8 fill of every polygon."""
        return self.colours[self.shade]


def cell_shades(
    predicted: np.ndarray,
    confidence: np.ndarray,
    outputs: np.ndarray,
    n_classes: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Fill colours of polygons by prediction, quantised so that few paths draw them all.

    Parameters
    ----------
    predicted, confidence : (R,) top class and its probability (classification).
    outputs : (R, n_out) outputs; ``outputs[:, 0]`` is the value when ``n_classes == 0``.
    n_classes : number of classes, 0 for regression.

    Returns
    -------
    shade : (R,) int64 shade id of every polygon.
    colours : (S, 3) uint8 colour of every shade; a polygon's fill is ``colours[shade]``.
    """
    if n_classes == 0:
        level = np.clip(np.round(outputs[:, 0] * 24), -4, 28).astype(np.int64) + 4
        shades = value_colours((np.arange(33) - 4) / 24.0)
        return level, shades
    floor = 1.0 / max(n_classes, 2)
    t = np.clip((confidence - floor) / (1.0 - floor), 0.0, 1.0)
    level = np.minimum((t * CONFIDENCE_LEVELS).astype(np.int64), CONFIDENCE_LEVELS - 1)
    shade = predicted * CONFIDENCE_LEVELS + level
    classes = np.repeat(np.arange(n_classes), CONFIDENCE_LEVELS)
    mid = (np.tile(np.arange(CONFIDENCE_LEVELS), n_classes) + 0.5) / CONFIDENCE_LEVELS
    shades = class_fill_colours(classes, floor + mid * (1.0 - floor), n_classes)
    return shade, shades


def prediction_fills(
    partition: Partition2D,
    predictions: CellPredictions,
    pieces: ClassPieces | None,
    n_classes: int,
) -> PredictionFills:
    """The class pieces shaded by their class and confidence when ``pieces`` is given,
    else the cells shaded by the prediction at their centre (``predictions``)."""
    if pieces is not None:
        shade, colours = cell_shades(pieces.classes, pieces.confidence, pieces.outputs, n_classes)
        return PredictionFills(pieces.vertices, pieces.offsets, shade, colours)
    p = predictions
    shade, colours = cell_shades(p.predicted, p.confidence, p.outputs, n_classes)
    return PredictionFills(partition.ring_xy, np.asarray(partition.offsets), shade, colours)


def grouped_ring_paths(
    ring_xy: np.ndarray, offsets: np.ndarray, group: np.ndarray
) -> list[tuple[int, object]]:
    """One ``QPainterPath`` per group of rings: ``[(group, path), ...]``, groups ascending.

    ``ring_xy`` (N, 2) and ``offsets`` (P+1,) hold the rings; ``group`` is a (P,) int
    array, and every ring goes into its group's path.
    """
    offsets = np.asarray(offsets, np.int64)
    lengths = np.diff(offsets)
    ring_of_position = np.repeat(np.arange(len(lengths)), lengths)
    order = np.argsort(group[ring_of_position], kind="stable")
    points = ring_xy[order]
    is_ring_end = np.zeros(int(offsets[-1]), bool)
    is_ring_end[offsets[1:][lengths > 0] - 1] = True
    connect = (~is_ring_end[order]).astype(np.int32)
    grouped = group[ring_of_position[order]]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
    ends = np.r_[starts[1:], len(order)]
    return [
        (
            int(grouped[s]),
            pg.arrayToQPath(points[s:e, 0], points[s:e, 1], connect=connect[s:e]),
        )
        for s, e in zip(starts, ends, strict=True)
    ]


def class_fill_paths(
    partition: Partition2D,
    predictions: CellPredictions,
    pieces: ClassPieces | None,
    n_classes: int,
) -> list[tuple[QColor, QPainterPath]]:
    """The prediction fills of :func:`prediction_fills` as one painter path per shade,
    shades ascending, for :meth:`widgets.canvas.cell_fills.CellFillItem.set_fills`.

    Painter paths are plain values: a worker may build them and hand them to the GUI
    thread, which then only paints.
    """
    shaded = prediction_fills(partition, predictions, pieces, n_classes)
    return [
        (QColor(*(int(v) for v in shaded.colours[group])), path)
        for group, path in grouped_ring_paths(shaded.ring_xy, shaded.offsets, shaded.shade)
    ]


@dataclass(frozen=True)
class CellDrawing:
    """What the canvas draws of an exact partition, built off the GUI thread.

    Attributes
    ----------
    edges : ``engine.cell_edges.unique_edges(partition)``: (M, 2) starts, (M, 2) ends,
        (M,) layer of every edge (-1: the domain's boundary).
    class_fills : one ``(QColor, QPainterPath)`` per shade (:func:`class_fill_paths`).
    theme : the theme the fills' colours are of; in another, they are built again.
    """

    edges: tuple[np.ndarray, np.ndarray, np.ndarray]
    class_fills: list[tuple[QColor, QPainterPath]]
    theme: Theme


def cell_drawing(
    partition: Partition2D,
    predictions: CellPredictions,
    pieces: ClassPieces | None,
    n_classes: int,
) -> CellDrawing:
    """The edges and class fill paths of ``partition`` in the current theme (see
    :func:`class_fill_paths` for the arguments); safe to call in a worker."""
    theme = current_theme()
    fills = class_fill_paths(partition, predictions, pieces, n_classes)
    return CellDrawing(unique_edges(partition), fills, theme)
