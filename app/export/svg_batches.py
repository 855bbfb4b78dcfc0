"""SVG text of many shapes in one formatting call each: a cell figure's tens of thousands of
polygons and edge segments written element by element took seconds (61,308 cells: 3.4 s
under load); :mod:`app.export.cells_svg` writes the same bytes through these in about a
third of that."""

from __future__ import annotations

import numpy as np

from widgets.common.theme import hex_rgb


def segments_d(start: np.ndarray, end: np.ndarray) -> str:
    """``M x y L x y`` for every (page) segment (one formatting call for all of them)."""
    coordinates = np.column_stack([start, end]).ravel().tolist()
    return " ".join(["M%.2f %.2fL%.2f %.2f"] * len(start)) % tuple(coordinates)


def hex_fills(rgb: np.ndarray) -> np.ndarray:
    """(N,) object array of the ``#rrggbb`` of each (N, 3) colour, each distinct one made once."""
    colours, inverse = np.unique(np.asarray(rgb).reshape(-1, 3), axis=0, return_inverse=True)
    return np.array([hex_rgb(tuple(int(v) for v in c)) for c in colours], dtype=object)[
        inverse.ravel()
    ]


def polygon_lines(
    head: str,
    head_args: list,
    xy: np.ndarray,
    offsets: np.ndarray,
    tail: str,
    tail_args: list,
    digits: int,
) -> str:
    """One line per polygon ``i``: ``head % head_args[.][i]``, its corners ``xy[offsets[i]:
    offsets[i + 1]]`` as ``x,y`` pairs with ``digits`` significant digits (data
    coordinates), then ``tail % tail_args[.][i]``; written by one formatting call.

    Every ``*_args`` entry is an (N,) array; ``head`` and ``tail`` are %-templates.
    """
    offsets = np.asarray(offsets, np.int64)
    counts = np.diff(offsets)
    n, per_row = len(counts), len(head_args) + len(tail_args)
    if n == 0:
        return ""
    corner = f"%.{digits}g,%.{digits}g"
    rings = {int(k): " ".join([corner] * int(k)) for k in np.unique(counts)}
    template = "\n".join([head + rings[k] + tail for k in counts.tolist()])
    values = np.empty(per_row * n + 2 * len(xy), dtype=object)
    starts = 2 * offsets[:-1] + per_row * np.arange(n)
    for j, column in enumerate(head_args):
        values[starts + j] = np.asarray(column, dtype=object)
    row_of_corner = np.repeat(np.arange(n), counts)
    first = 2 * np.arange(len(xy)) + per_row * row_of_corner + len(head_args)
    values[first] = xy[:, 0].tolist()
    values[first + 1] = xy[:, 1].tolist()
    ends = starts + len(head_args) + 2 * counts
    for j, column in enumerate(tail_args):
        values[ends + j] = np.asarray(column, dtype=object)
    return template % tuple(values.tolist())
