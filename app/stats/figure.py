"""Two histograms as a small SVG: cell areas over every slice, and cells per slice.

Written directly (a few rectangles and labels), so there is no plotting library to add;
PNG is the same SVG drawn by Qt's SVG renderer on the offscreen platform.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from app.stats.tasks import HISTOGRAM_EDGES, SliceRow

WIDTH, HEIGHT = 1000, 450
_PANEL = (70, 90, 400, 280)  # left, top, width, height of the first panel
_GAP = 110
_BAR = "#3b75af"
_INK = "#222222"
_FONT = "font-family='DejaVu Sans, Arial, sans-serif'"


def count_bins(counts: Sequence[int], max_bins: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """(B+1,) integer-aligned edges and (B,) slices per bin for the cells-per-slice counts."""
    low, high = min(counts), max(counts)
    width = max(1, math.ceil((high - low + 1) / max_bins))
    edges = np.arange(low, high + width + 1, width, dtype=np.float64)
    histogram, _ = np.histogram(np.asarray(counts, dtype=np.float64), bins=edges)
    return edges, histogram


def _panel(left: float, edges, heights, title: str, xlabel: str, ticks) -> list[str]:
    _, top, width, height = _PANEL
    x0, x1 = float(edges[0]), float(edges[-1])
    peak = max(int(np.max(heights)), 1)

    def x(value: float) -> float:
        return left + width * (value - x0) / (x1 - x0)

    parts = [
        f"<text x='{left + width / 2}' y='{top - 22}' text-anchor='middle' font-size='17' "
        f"font-weight='bold' fill='{_INK}' {_FONT}>{escape(title)}</text>"
    ]
    for a, b, h in zip(edges[:-1], edges[1:], heights, strict=True):
        if h:
            bar = height * h / peak
            parts.append(
                f"<rect x='{x(a):.2f}' y='{top + height - bar:.2f}' "
                f"width='{max(x(b) - x(a) - 1, 0.5):.2f}' height='{bar:.2f}' fill='{_BAR}'/>"
            )
    base = top + height
    parts.append(f"<line x1='{left}' y1='{base}' x2='{left + width}' y2='{base}' stroke='{_INK}'/>")
    parts.append(f"<line x1='{left}' y1='{top}' x2='{left}' y2='{base}' stroke='{_INK}'/>")
    for value, label in ticks:
        parts.append(
            f"<line x1='{x(value):.2f}' y1='{base}' x2='{x(value):.2f}' y2='{base + 5}' "
            f"stroke='{_INK}'/>"
        )
        parts.append(
            f"<text x='{x(value):.2f}' y='{base + 20}' text-anchor='middle' font-size='13' "
            f"fill='{_INK}' {_FONT}>{escape(label)}</text>"
        )
    for value in (0, peak):
        y = base - height * value / peak
        parts.append(
            f"<text x='{left - 8}' y='{y + 4:.2f}' text-anchor='end' font-size='13' fill='{_INK}' "
            f"{_FONT}>{value:,}</text>"
        )
    parts.append(
        f"<text x='{left + width / 2}' y='{base + 44}' text-anchor='middle' font-size='14' "
        f"fill='{_INK}' {_FONT}>{escape(xlabel)}</text>"
    )
    return parts


def _heading(title: str) -> list[str]:
    """The SVG's opening tag, white background and title line."""
    return [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{HEIGHT}' "
        f"viewBox='0 0 {WIDTH} {HEIGHT}'>",
        f"<rect width='{WIDTH}' height='{HEIGHT}' fill='white'/>",
        f"<text x='{WIDTH / 2}' y='24' text-anchor='middle' font-size='15' fill='{_INK}' "
        f"{_FONT}>{escape(title)}</text>",
    ]


def _count_ticks(edges: np.ndarray) -> list[tuple[float, str]]:
    values = np.unique(np.round(np.linspace(edges[0], edges[-1], 5)))
    return [(float(v), f"{int(v):,}") for v in values]


def figure_svg(rows: Sequence[SliceRow], title: str) -> str:
    """The SVG text of both histograms for ``rows`` (at least one)."""
    areas = np.sum([row.area_histogram for row in rows], axis=0)
    area_edges = np.asarray(HISTOGRAM_EDGES)
    used = np.flatnonzero(areas)
    first, last = int(used[0]), int(used[-1]) + 1
    area_edges, areas = area_edges[first : last + 1], areas[first:last]
    area_ticks = [(e, f"1e{int(e)}") for e in area_edges if float(e).is_integer()]
    count_edges, counts = count_bins([row.n_cells for row in rows])
    left = _PANEL[0]
    parts = [
        *_heading(title),
        *_panel(
            left,
            area_edges,
            areas,
            f"Cell areas ({int(areas.sum()):,} cells)",
            "area / slice area (log scale)",
            area_ticks,
        ),
        *_panel(
            left + _PANEL[2] + _GAP,
            count_edges,
            counts,
            f"Cells per slice ({len(rows):,} slices)",
            "cells in the slice",
            _count_ticks(count_edges),
        ),
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


def write_figure(rows: Sequence[SliceRow], path: Path, title: str) -> None:
    """Write the histograms to ``path``: SVG text, or a PNG drawn at twice the size."""
    write_svg(figure_svg(rows, title), path)


def write_svg(svg: str, path: Path) -> None:
    """Write ``svg`` to ``path``: as is for ``.svg``, else a PNG drawn at twice the size."""
    if path.suffix.lower() == ".svg":
        path.write_text(svg, encoding="utf-8")
        return
    from app.export.headless import configure_headless

    configure_headless()
    from PySide6.QtCore import QByteArray
    from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(["splinescope"])  # noqa: F841 (fonts)
    image = QImage(2 * WIDTH, 2 * HEIGHT, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    QSvgRenderer(QByteArray(svg.encode())).render(painter)
    painter.end()
    if not image.save(str(path), "PNG"):
        raise OSError(f"could not write {path}")


def paired_counts_svg(counts: dict[str, Sequence[int]], title: str, xlabel: str) -> str:
    """Histograms of integer counts side by side (one panel per name, the same bins)."""
    edges, _ = count_bins([c for values in counts.values() for c in values])
    parts = [
        *_heading(title),
    ]
    for number, (name, values) in enumerate(counts.items()):
        heights, _ = np.histogram(np.asarray(values, dtype=np.float64), bins=edges)
        left = _PANEL[0] + number * (_PANEL[2] + _GAP)
        label = f"{name} ({len(values):,} samples)"
        parts += _panel(left, edges, heights, label, xlabel, _count_ticks(edges))
    return "\n".join([*parts, "</svg>"]) + "\n"
