"""The distance disc of a cell figure: taken from a page's result, and written as SVG (the
ball, the line to the nearest input of another class and its dot, in the canvas's colours)."""

from __future__ import annotations

import numpy as np

from app.export.cell_figure import DiscOverlay
from engine.boundary_distance import BoundaryDistance
from widgets.canvas.distance_disc import DISC, ball_outline


def disc_overlay(result: BoundaryDistance | None) -> DiscOverlay | None:
    """The figure's disc for the result a page draws (None: no disc, or no other class in
    the view)."""
    if result is None or not np.isfinite(result.distance):
        return None
    outline = ball_outline(result.point, result.distance, result.norm)
    return DiscOverlay(outline, np.asarray(result.point), np.asarray(result.nearest))


def disc_svg(disc: DiscOverlay | None, to_page, scale: float) -> list[str]:
    """SVG elements of ``disc`` (none for None); ``to_page`` maps (N, 2) data points to
    page coordinates, ``scale`` is the theme's line scale."""
    if disc is None:
        return []
    colour = "#{:02x}{:02x}{:02x}".format(*DISC)
    ring = to_page(np.asarray(disc.outline, np.float64))
    d = "M" + "L".join(f"{x:.2f} {y:.2f}" for x, y in ring) + "Z"
    (cx, cy), (nx, ny) = to_page(np.stack([disc.centre, disc.nearest]))
    return [
        '<g id="distance-disc">',
        f'<path fill="{colour}" fill-opacity="0.18" stroke="{colour}" '
        f'stroke-width="{2.5 * scale:.2f}" stroke-linejoin="round" d="{d}">'
        "<title>exact distance disc</title></path>",
        f'<path fill="none" stroke="{colour}" stroke-width="{1.5 * scale:.2f}" '
        f'stroke-dasharray="{6 * scale:.1f} {4 * scale:.1f}" '
        f'd="M{cx:.2f} {cy:.2f}L{nx:.2f} {ny:.2f}"/>',
        f'<circle class="nearest" cx="{nx:.2f}" cy="{ny:.2f}" r="{5.5 * scale:.2f}" '
        f'fill="{colour}" stroke="#ffffff" stroke-width="{1.5 * scale:.2f}"/>',
        "</g>",
    ]
