"""A deliberately plain, per-cell reference for the exact 2-D partition of a CNN.

The yardstick ``benchmarks/cnn_partition.py`` measures ``engine.partition_graph``
against. It shares nothing with the engine: it walks an ``nn.Sequential`` of Conv2d,
BatchNorm2d, ReLU, MaxPool2d, Flatten and Linear itself, one cell at a time.

A cell carries the values of the current layer at three virtual points of the plane,
``(s, t) = (0, 0), (1, 0), (0, 1)``: inside the cell every value is affine in ``(s, t)``,
so these three determine it everywhere, and an affine layer maps them by running the
(eval-mode, float64) module on the three points. At a ReLU every unit's zero set is a
line on the cell, and the cell is clipped into its two sides unit after unit
(Sutherland-Hodgman on Python lists); at a max-pooling, every window's argmax regions
are clipped out one window after another. Polygons are Python lists of ``(s, t)``
tuples.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

#: A corner within this fraction of the line's scale counts as on the line.
ON_LINE = 1e-12


def _line(values: np.ndarray, j: int) -> tuple[float, float, float]:
    """``a s + b t + c`` of unit ``j`` from its values at the three virtual points."""
    c = float(values[0, j])
    return float(values[1, j]) - c, float(values[2, j]) - c, c


def _sides(poly, a, b, c, reach):
    limit = ON_LINE * (abs(a) * reach + abs(b) * reach + abs(c) + 1.0)
    return [a * x + b * y + c for x, y in poly], limit


def _clip(poly, values, limit, keep_positive):
    """The part of the convex polygon on one side of its line (values at the corners)."""
    out = []
    n = len(poly)
    sign = 1.0 if keep_positive else -1.0
    for i in range(n):
        j = (i + 1) % n
        vi, vj = sign * values[i], sign * values[j]
        if vi >= -limit:
            out.append(poly[i])
        if (vi > limit and vj < -limit) or (vi < -limit and vj > limit):
            t = vi / (vi - vj)
            (xi, yi), (xj, yj) = poly[i], poly[j]
            out.append((xi + t * (xj - xi), yi + t * (yj - yi)))
    return out


def _area(poly) -> float:
    x0, y0 = poly[0]
    total = 0.0
    for (x1, y1), (x2, y2) in zip(poly, poly[1:] + poly[:1], strict=True):
        total += (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)
    return 0.5 * total


def _relu(pieces, reach, min_area):
    """Cut every (polygon, values) piece by the zero lines of all its units."""
    for j in range(pieces[0][1].shape[1] if pieces else 0):
        cut = []
        for poly, values in pieces:
            a, b, c = _line(values, j)
            at, limit = _sides(poly, a, b, c, reach)
            if max(at) > limit and min(at) < -limit:
                positive = _clip(poly, at, limit, True)
                negative = _clip(poly, at, limit, False)
                if min(_area(positive), _area(negative)) >= min_area:
                    cut.append((positive, values, j, True))
                    cut.append((negative, values, j, False))
                    continue
            cut.append((poly, values, j, sum(at) > 0))
        pieces = []
        for poly, values, unit, on in cut:
            if not on:
                values = values.copy()
                values[:, unit] = 0.0
            pieces.append((poly, values))
    return pieces


def _maxpool(pieces, shape, reach, min_area):
    """Cut every piece into the argmax regions of every 2x2 window, one after another."""
    channels, height, width = shape
    out_h, out_w = height // 2, width // 2
    result = []
    for poly, values in pieces:
        grid = values.reshape(3, channels, height, width)
        chosen = np.empty((3, channels, out_h, out_w))
        todo = [(poly, chosen)]
        for ch in range(channels):
            for i in range(out_h):
                for k in range(out_w):
                    entries = [
                        grid[:, ch, 2 * i + di, 2 * k + dk] for di in (0, 1) for dk in (0, 1)
                    ]
                    next_todo = []
                    for piece, picked in todo:
                        made = []
                        for e, entry in enumerate(entries):
                            region = piece
                            for f, other in enumerate(entries):
                                if f == e or len(region) < 3:
                                    continue
                                d = entry - other
                                a, b, c = d[1] - d[0], d[2] - d[0], d[0]
                                at, limit = _sides(region, a, b, c, reach)
                                if max(at) <= limit and min(at) >= -limit:
                                    if f < e:  # tied: the first entry wins
                                        region = []
                                    continue
                                region = _clip(region, at, limit, True)
                            if len(region) >= 3 and _area(region) >= min_area:
                                made.append((region, e))
                        if not made:
                            made = [(piece, 0)]
                        for region, e in made:
                            values_here = picked.copy()
                            values_here[:, ch, i, k] = entries[e]
                            next_todo.append((region, values_here))
                    todo = next_todo
        result.extend((piece, picked.reshape(3, -1)) for piece, picked in todo)
    return result


def reference_cnn_partition_2d(model: nn.Sequential, bounds, origin, u, v):
    """The cells of ``model`` over ``bounds`` in the plane ``origin + s u + t v``.

    Returns a list of ``(polygon, output values at the three virtual points (3, n_out))``.
    """
    model = copy.deepcopy(model).to(torch.float64).eval()
    xmin, xmax, ymin, ymax = (float(b) for b in bounds)
    reach = max(abs(xmin), abs(xmax), abs(ymin), abs(ymax))
    min_area = (1e-12 * float(np.hypot(xmax - xmin, ymax - ymin))) ** 2
    points = np.stack([origin, origin + u, origin + v])
    square = [(xmin, ymin), (xmax, ymin), (xmax, ymax), (xmin, ymax)]
    pieces = [(square, points)]
    for module in model:
        if isinstance(module, nn.ReLU):
            flat = [(poly, values.reshape(3, -1)) for poly, values in pieces]
            shape = pieces[0][1].shape[1:]
            pieces = [(p, v.reshape(3, *shape)) for p, v in _relu(flat, reach, min_area)]
        elif isinstance(module, nn.MaxPool2d):
            shape = pieces[0][1].shape[1:]
            flat = [(poly, values.reshape(3, -1)) for poly, values in pieces]
            pooled = _maxpool(flat, shape, reach, min_area)
            out_shape = (shape[0], shape[1] // 2, shape[2] // 2)
            pieces = [(p, v.reshape(3, *out_shape)) for p, v in pooled]
        else:
            with torch.no_grad():
                pieces = [
                    (poly, module(torch.from_numpy(np.ascontiguousarray(values))).numpy())
                    for poly, values in pieces
                ]
    return [(poly, values.reshape(3, -1)) for poly, values in pieces]
