"""Named points of a cell figure (a slice's anchors A, B, C) written as SVG, as the canvas
marks them: a dot in the mark's colour ringed in white and its bold name beside it.

Each name sits up and right of its dot on a light box, unless that box would leave the
plot area (an anchor at the apex of a triangle framed tight to it): then it takes the
first of up-left, down-right and down-left that stays inside, the order the canvas tries
(:data:`widgets.networks.anchor_marks.LABEL_PLACES`). A mark outside the plot area (an
anchor outside the share of the slice an extent under 100% cuts) is left out, as the
canvas clips it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape

import numpy as np

from app.export.cell_figure import NamedMark
from app.export.cell_figure_layout import PlotFrame

#: The name's size, the dot's radius and its white ring's width, in base font sizes.
NAME_SIZE = 1.2
DOT_RADIUS = 0.45
RING_WIDTH = 0.12
#: DejaVu Sans Bold's capital height and widest capital's advance (A, 0.774) against its
#: size, and the box's padding around the name.
CAP_HEIGHT = 0.73
CAPITAL_ADVANCE = 0.78
PADDING = 0.15
#: The box's corner is this many dot radii from the dot's centre along each axis.
OFFSET = 0.75
#: Where a name goes, as (x, y) directions on the page from its dot, in the order tried:
#: up-right, up-left, down-right, down-left.
PLACES = ((1, -1), (-1, -1), (1, 1), (-1, 1))


@dataclass(frozen=True)
class NameBox:
    """The page rectangle a mark's name takes (its light box), and its text's baseline."""

    left: float
    top: float
    width: float
    height: float

    def inside(self, frame: PlotFrame) -> bool:
        """True when the box lies within the plot area of ``frame``."""
        slack = 1e-6
        return (
            self.left >= frame.left - slack
            and self.top >= frame.top - slack
            and self.left + self.width <= frame.left + frame.width + slack
            and self.top + self.height <= frame.top + frame.height + slack
        )


def name_box(mark: NamedMark, page_xy: tuple[float, float], font: float, place) -> NameBox:
    """Where ``mark``'s name box goes when put in ``place`` (one of :data:`PLACES`) beside
    its dot at ``page_xy`` on a page of base font ``font``."""
    size, reach = NAME_SIZE * font, OFFSET * DOT_RADIUS * font
    pad = PADDING * size
    width = CAPITAL_ADVANCE * size * len(mark.name) + 2 * pad
    height = CAP_HEIGHT * size + 2 * pad
    (x, y), (dx, dy) = page_xy, place
    left = x + reach if dx > 0 else x - reach - width
    top = y + reach if dy > 0 else y - reach - height
    return NameBox(left, top, width, height)


def placed_name_box(
    mark: NamedMark, page_xy: tuple[float, float], font: float, frame: PlotFrame
) -> NameBox:
    """The first of :data:`PLACES` whose box stays in the plot area (up-right if none)."""
    boxes = [name_box(mark, page_xy, font, place) for place in PLACES]
    return next((box for box in boxes if box.inside(frame)), boxes[0])


def _in_plot(x: float, y: float, frame: PlotFrame) -> bool:
    slack = 1e-6 * max(frame.width, frame.height)
    return (
        frame.left - slack <= x <= frame.left + frame.width + slack
        and frame.top - slack <= y <= frame.top + frame.height + slack
    )


def marks_svg(
    marks: tuple[NamedMark, ...],
    frame: PlotFrame,
    font: float,
    font_family: str,
    colour: Callable[[object], str],
) -> list[str]:
    """SVG elements of ``marks`` over a plot placed by ``frame`` (none for no marks);
    ``colour`` writes an RGB triple as an SVG colour."""
    if not marks:
        return []
    size = NAME_SIZE * font
    pad = PADDING * size
    out = [f'<g id="marks" font-family="{font_family}" font-weight="bold">']
    for mark in marks:
        ((x, y),) = frame.to_page(np.asarray(mark.xy, np.float64))
        if not _in_plot(x, y, frame):
            continue  # outside the domain cut (an extent under 100%): not on the canvas either
        box = placed_name_box(mark, (x, y), font, frame)
        ink = colour(mark.rgb)
        out += [
            f'<g class="mark" data-name="{escape(mark.name)}">',
            f'<rect class="mark-name-box" x="{box.left:.2f}" y="{box.top:.2f}" '
            f'width="{box.width:.2f}" height="{box.height:.2f}" fill="#ffffff" '
            'fill-opacity="0.75"/>',
            f'<circle class="mark-dot" cx="{x:.2f}" cy="{y:.2f}" r="{DOT_RADIUS * font:.2f}" '
            f'fill="{ink}" stroke="#ffffff" stroke-width="{RING_WIDTH * font:.2f}"/>',
            f'<text x="{box.left + pad:.2f}" y="{box.top + box.height - pad:.2f}" '
            f'font-size="{size:.2f}" fill="{ink}">{escape(mark.name)}</text>',
            "</g>",
        ]
    out.append("</g>")
    return out
