"""A :class:`app.export.cell_figure.CellFigure` as an SVG document: one polygon per cell.

Structure of the document (``W x H`` pixels, one SVG user unit per pixel):

- ``<g id="cells" transform="matrix(sx 0 0 -sy tx ty)">`` holds exactly ``n_regions``
  ``<polygon class="cell">`` elements, one per cell, in the partition's order. Their
  ``points`` are the cell's corners **in data coordinates**, counter-clockwise, written
  with 12 significant digits; the group's transform maps data ``(x, y)`` to the page at
  ``(sx x + tx, -sy y + ty)`` (``sx = sy`` when both axes have the same scale). Every
  polygon carries ``id="cell-R"``, ``data-cell="R"``, ``data-pattern`` (the activation
  pattern, one 0/1 digit per neuron, layers separated by spaces) and a ``<title>``. The
  patterns are left out when they would take more than :data:`PATTERN_BUDGET` characters
  (a CNN slice: 61,308 cells of 1,500 bits each made a 180 MB file); the group then says
  so in ``data-patterns``.
- when the figure has class pieces, ``<g id="class-pieces">`` (same transform) follows
  with one ``<polygon class="class-piece">`` per piece of every cell the decision
  boundary cuts, drawn over that cell in its class's colour; each carries ``data-cell``
  and ``data-class``.
- edges by layer, the domain boundary, the decision boundary, the path, the probe and the
  data points are ``<path>``/``<circle>`` elements in page coordinates; named points (a
  slice's anchors) follow in ``<g id="marks">``, a dot and a bold name each;
- axes with ticks and labels, and a legend.

Nothing here uses pyqtgraph's SVG exporter; it is all written from the geometry.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

import numpy as np

from app.export.cell_figure import DOMAIN_RGB, PATH_WIDTH, PROBE_RADIUS, CellFigure
from app.export.cell_figure_layout import (
    BOLD_ADVANCE,
    TITLE_SIZE,
    PlotFrame,
    font_px,
    page_edge_widths,
    plot_frame,
)
from app.export.disc_figure import disc_svg
from app.export.mark_figure import marks_svg
from app.export.svg_batches import hex_fills, polygon_lines, segments_d
from app.export.ticks import DIGIT_ADVANCE, fitting_ticks, tick_text
from engine.cell_edges import unique_edges
from engine.polygons import gather_rings
from widgets.common.theme import hex_rgb

#: Significant digits of the cell coordinates (data units).
DIGITS = 12
_FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"


def _rgb(rgb) -> str:
    return hex_rgb(tuple(int(v) for v in rgb))


#: Most characters of activation patterns a figure writes (about 8 MB).
PATTERN_BUDGET = 8_000_000


def _pattern_texts(figure: CellFigure) -> list[str] | None:
    """Each cell's pattern as text, or None when they all would exceed the budget."""
    partition = figure.partition
    if partition.n_regions * partition.patterns.shape[1] > PATTERN_BUDGET:
        return None
    layers = np.asarray(partition.layer_of_neuron)
    bits = np.where(np.asarray(partition.patterns, bool), "1", "0")
    cuts = np.flatnonzero(np.diff(layers)) + 1
    groups = np.split(np.arange(bits.shape[1]), cuts) if bits.shape[1] else []
    return [" ".join("".join(row[g]) for g in groups) for row in bits]


def _cells(figure: CellFigure, frame: PlotFrame) -> list[str]:
    partition = figure.partition
    xy = np.asarray(partition.vertices, np.float64)[partition.indices]
    offsets = np.asarray(partition.offsets)
    patterns = _pattern_texts(figure)
    fills = hex_fills(figure.cell_rgb)
    ids = np.arange(partition.n_regions)
    omitted = ""
    if patterns is None:
        bits = partition.patterns.shape[1]
        omitted = (
            f' data-patterns="omitted: {partition.n_regions} cells of {bits} bits exceed '
            f'{PATTERN_BUDGET} characters"'
        )
    lines = [
        f'<g id="cells" data-n-regions="{partition.n_regions}"{omitted} '
        f'transform="{frame.matrix}" stroke="none">'
    ]
    if patterns is None:
        head = '<polygon class="cell" id="cell-%d" data-cell="%d" fill="%s" points="'
        polygons = polygon_lines(
            head,
            [ids, ids, fills],
            xy,
            offsets,
            '"><title>cell %d</title></polygon>',
            [ids],
            DIGITS,
        )
    else:
        head = (
            '<polygon class="cell" id="cell-%d" data-cell="%d" data-pattern="%s" fill="%s" points="'
        )
        tail = '"><title>cell %d · pattern %s</title></polygon>'
        titled = [pattern or "(none)" for pattern in patterns]
        columns = [ids, ids, patterns, fills]
        polygons = polygon_lines(head, columns, xy, offsets, tail, [ids, titled], DIGITS)
    lines += [polygons] if polygons else []
    lines.append("</g>")
    return lines + _class_pieces(figure, frame)


def _class_pieces(figure: CellFigure, frame: PlotFrame) -> list[str]:
    """The class pieces of the cells the decision boundary cuts, over those cells."""
    pieces = figure.pieces
    if pieces is None:
        return []
    cut = np.flatnonzero(pieces.pieces_per_cell(figure.partition.n_regions)[pieces.cell] > 1)
    corners, offsets = gather_rings(pieces.offsets, cut)
    lines = [
        f'<g id="class-pieces" data-n-pieces="{len(cut)}" transform="{frame.matrix}" stroke="none">'
    ]
    cells, classes = pieces.cell[cut].astype(np.int64), pieces.classes[cut].astype(np.int64)
    polygons = polygon_lines(
        '<polygon class="class-piece" data-cell="%d" data-class="%d" fill="%s" points="',
        [cells, classes, hex_fills(np.asarray(figure.piece_rgb)[cut])],
        np.asarray(pieces.vertices, np.float64)[corners],
        offsets,
        '"><title>cell %d · class %d</title></polygon>',
        [cells, classes],
        DIGITS,
    )
    lines += [polygons] if polygons else []
    lines.append("</g>")
    return lines


#: Most segments one ``<path>`` holds: Qt's SVG reader truncates much longer path data
#: ("Invalid path data; path truncated"), so a dense layer's edges are split.
SEGMENTS_PER_PATH = 4096


def _edges(figure: CellFigure, frame: PlotFrame) -> list[str]:
    start, end, layer = unique_edges(figure.partition)
    start, end = frame.to_page(start), frame.to_page(end)
    lines = ['<g id="edges" fill="none" stroke-linecap="round" stroke-linejoin="round">']
    scale = figure.theme.line_scale
    widths = page_edge_widths(figure, frame)
    styles = [(-1, DOMAIN_RGB, 1.0 * scale, "domain boundary")]
    # Deeper layers first: the first layer's long lines end up on top, as on screen.
    for k in reversed(range(figure.partition.n_layers)):
        styles.append((k, figure.edge_rgb[k], float(widths[k]), f"layer {k + 1}"))
    for k, rgb, width, name in styles:
        mask = layer == k
        if not mask.any():
            continue
        newest = k == figure.partition.n_layers - 1
        alpha = figure.edge_opacity * (figure.newest_layer_opacity if newest else 1.0)
        opacity = f' stroke-opacity="{alpha:.3f}"' if k >= 0 and alpha < 1 else ""
        begin, finish = start[mask], end[mask]
        for first in range(0, len(begin), SEGMENTS_PER_PATH):
            chunk = slice(first, first + SEGMENTS_PER_PATH)
            lines.append(
                f'<path class="edges" data-layer="{k + 1 if k >= 0 else 0}" '
                f'stroke="{_rgb(rgb)}" stroke-width="{width:.2f}"{opacity} '
                f'd="{segments_d(begin[chunk], finish[chunk])}"><title>{name} edges</title>'
                "</path>"
            )
    lines.append("</g>")
    return lines


def _overlays(figure: CellFigure, frame: PlotFrame, font: float) -> list[str]:
    theme, out = figure.theme, []
    scale = theme.line_scale
    if len(figure.boundary):
        start = frame.to_page(figure.boundary[:, 0])
        end = frame.to_page(figure.boundary[:, 1])
        d = segments_d(start, end)
        width = 3.0 * scale
        out += [
            '<g id="decision-boundary" fill="none" stroke-linecap="round">',
            f'<path stroke="{_rgb(theme.palette.decision_halo)}" stroke-width="{width + 3:.2f}" '
            f'd="{d}"/>',
            f'<path stroke="{_rgb(theme.palette.decision)}" stroke-width="{width:.2f}" d="{d}">'
            "<title>decision boundary</title></path>",
            "</g>",
        ]
    if figure.highlighted is not None:
        ring = frame.to_page(figure.partition.polygon(figure.highlighted))
        d = "M" + "L".join(f"{x:.2f} {y:.2f}" for x, y in ring) + "Z"
        out.append(
            f'<path id="highlighted-cell" data-cell="{figure.highlighted}" '
            f'fill="#ffffff" fill-opacity="0.47" stroke="{_rgb(theme.palette.probe)}" '
            f'stroke-width="{3.0 * scale:.2f}" stroke-linejoin="round" d="{d}"/>'
        )
    if figure.path is not None:
        (ax, ay), (bx, by) = frame.to_page(figure.path)
        colour = _rgb(theme.palette.path)
        out += [
            '<g id="path">',
            f'<path fill="none" stroke="#ffffff" stroke-width="{2 * PATH_WIDTH * scale:.2f}" '
            f'stroke-linecap="round" d="M{ax:.2f} {ay:.2f}L{bx:.2f} {by:.2f}"/>',
            f'<path fill="none" stroke="{colour}" stroke-width="{PATH_WIDTH * scale:.2f}" '
            f'stroke-linecap="round" d="M{ax:.2f} {ay:.2f}L{bx:.2f} {by:.2f}"/>',
        ]
        for x, y in frame.to_page(figure.crossings):
            out.append(
                f'<circle class="crossing" cx="{x:.2f}" cy="{y:.2f}" r="{3.5 * scale:.2f}" '
                f'fill="#ffffff" stroke="{colour}" stroke-width="{1.6 * scale:.2f}"/>'
            )
        for x, y in ((ax, ay), (bx, by)):
            h = 5.5 * scale
            out.append(
                f'<rect class="path-end" x="{x - h:.2f}" y="{y - h:.2f}" width="{2 * h:.2f}" '
                f'height="{2 * h:.2f}" fill="#ffffff" stroke="{colour}" '
                f'stroke-width="{2 * scale:.2f}"/>'
            )
        out.append("</g>")
    out += disc_svg(figure.disc, frame.to_page, scale)
    if figure.probe is not None:
        ((px, py),) = frame.to_page(figure.probe)
        colour = _rgb(theme.palette.probe)
        r = PROBE_RADIUS * scale
        out += _matched_filters(figure, frame, font, (px, py))
        out.append('<g id="probe" fill="none" stroke-linecap="round">')
        ticks = "".join(
            f"M{px + dx * 1.65 * r:.2f} {py + dy * 1.65 * r:.2f}"
            f"L{px + dx * 0.4 * r:.2f} {py + dy * 0.4 * r:.2f}"
            for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1))
        )
        out += [
            f'<circle cx="{px:.2f}" cy="{py:.2f}" r="{r:.2f}" fill="#ffffff" fill-opacity="0.35" '
            f'stroke="{colour}" stroke-width="{3 * scale:.2f}"/>',
            f'<path stroke="{colour}" stroke-width="{3 * scale:.2f}" d="{ticks}"/>',
            "</g>",
        ]
    return out


#: Matched-filter arrows: shaft width and head length (pixels, before the theme's line
#: scale), as on screen; the head is at most this share of the arrow.
ARROW_WIDTH = 3.0
ARROW_HEAD = 17.0
ARROW_HEAD_SHARE = 0.45


def _matched_filters(
    figure: CellFigure, frame: PlotFrame, font: float, origin: tuple[float, float]
) -> list[str]:
    """Each matched-filter arrow from the probe: a shaft, a filled head and its name
    beyond the tip on a light box, in its output's colour (the screen's arrows)."""
    tips = frame.to_page(figure.arrows)
    if not len(tips):
        return []
    scale = figure.theme.line_scale
    size = 1.1 * font
    px, py = origin
    out = [f'<g id="matched-filters" font-family="{_FONT}" font-weight="bold">']
    for k, (tx, ty) in enumerate(tips.tolist()):
        rgb = figure.arrow_rgb[k] if k < len(figure.arrow_rgb) else figure.theme.palette.probe
        colour = _rgb(rgb)
        label = figure.arrow_labels[k] if k < len(figure.arrow_labels) else ""
        length = float(np.hypot(tx - px, ty - py))
        out.append(f'<g class="matched-filter" data-output="{k}">')
        if length > 0:
            ux, uy = (tx - px) / length, (ty - py) / length
            head = min(ARROW_HEAD * scale, ARROW_HEAD_SHARE * length)
            half = 0.36 * head
            bx, by = tx - head * ux, ty - head * uy
            sx, sy = tx - 0.8 * head * ux, ty - 0.8 * head * uy
            out += [
                f'<path class="shaft" fill="none" stroke="{colour}" '
                f'stroke-width="{ARROW_WIDTH * scale:.2f}" '
                f'd="M{px:.2f} {py:.2f}L{sx:.2f} {sy:.2f}"/>',
                f'<polygon class="arrowhead" fill="{colour}" points="{tx:.2f},{ty:.2f} '
                f"{bx - half * uy:.2f},{by + half * ux:.2f} "
                f'{bx + half * uy:.2f},{by - half * ux:.2f}"/>',
            ]
        else:
            ux, uy = 1.0, 0.0
        if label:
            box_w, box_h = BOLD_ADVANCE * size * len(label) + 0.5 * size, 1.35 * size
            reach = 0.5 * abs(ux) * box_w + 0.5 * abs(uy) * box_h + 0.25 * size
            cx, cy = tx + reach * ux, ty + reach * uy
            out += [
                f'<rect class="arrow-label-box" x="{cx - box_w / 2:.2f}" '
                f'y="{cy - box_h / 2:.2f}" width="{box_w:.2f}" height="{box_h:.2f}" '
                'fill="#ffffff" fill-opacity="0.75"/>',
                _text(cx, cy + 0.36 * size, label, size, colour, text_anchor="middle"),
            ]
        out.append("</g>")
    out.append("</g>")
    return out


def _points(figure: CellFigure, frame: PlotFrame) -> list[str]:
    if not figure.points:
        return []
    out = ['<g id="points">']
    scale = figure.theme.line_scale
    xmin, xmax, ymin, ymax = (float(v) for v in figure.partition.bounds)
    for points in reversed(figure.points):  # test points under training points
        inside = (
            (points.xy[:, 0] >= xmin)
            & (points.xy[:, 0] <= xmax)
            & (points.xy[:, 1] >= ymin)
            & (points.xy[:, 1] <= ymax)
        )
        out.append(f'<g class="points" data-set="{points.label}">')
        for (x, y), rgb in zip(frame.to_page(points.xy[inside]), points.rgb[inside], strict=True):
            if points.hollow:
                style = f'fill="#ffffff" stroke="{_rgb(rgb)}" stroke-width="{2.2 * scale:.2f}"'
            else:
                style = f'fill="{_rgb(rgb)}" stroke="#232328" stroke-width="{scale:.2f}"'
            out.append(f'<circle cx="{x:.2f}" cy="{y:.2f}" r="{4 * scale:.2f}" {style}/>')
        out.append("</g>")
    out.append("</g>")
    return out


def _text(x: float, y: float, text: str, size: float, colour: str, **attrs: str) -> str:
    extra = "".join(f" {k.replace('_', '-')}={quoteattr(v)}" for k, v in attrs.items())
    return (
        f'<text x="{x:.2f}" y="{y:.2f}" font-size="{size:.2f}" fill="{colour}"{extra}>'
        f"{escape(text)}</text>"
    )


def _axes(figure: CellFigure, frame: PlotFrame, font: float) -> list[str]:
    theme = figure.theme
    ink, frame_rgb = _rgb(theme.ink), _rgb(theme.frame)
    xmin, xmax, ymin, ymax = (float(v) for v in figure.partition.bounds)
    left, top = frame.left, frame.top
    right, bottom = left + frame.width, top + frame.height
    tick = 0.45 * font
    width = f"{max(1.0, theme.line_scale):.2f}"
    out = [f'<g id="axes" stroke="{frame_rgb}" stroke-width="{width}" fill="none">']
    out.append(f'<path d="M{left:.2f} {bottom + tick:.2f}H{right:.2f}"/>')
    out.append(f'<path d="M{left - tick:.2f} {top:.2f}V{bottom:.2f}"/>')
    x_ticks = fitting_ticks(
        xmin, xmax, frame.width, lambda text: DIGIT_ADVANCE * font * len(text), font
    )
    y_ticks = fitting_ticks(ymin, ymax, frame.height, lambda text: 1.2 * font, font)
    for value in x_ticks:
        ((x, _),) = frame.to_page([[value, ymin]])
        out.append(f'<path d="M{x:.2f} {bottom + tick:.2f}v{tick:.2f}"/>')
    for value in y_ticks:
        ((_, y),) = frame.to_page([[xmin, value]])
        out.append(f'<path d="M{left - tick:.2f} {y:.2f}h{-tick:.2f}"/>')
    out.append("</g>")
    out.append(f'<g id="tick-labels" font-family="{_FONT}">')
    for value in x_ticks:
        ((x, _),) = frame.to_page([[value, ymin]])
        out.append(
            _text(x, bottom + 2 * tick + font, tick_text(value), font, ink, text_anchor="middle")
        )
    for value in y_ticks:
        ((_, y),) = frame.to_page([[xmin, value]])
        out.append(
            _text(
                left - 2.6 * tick, y + 0.35 * font, tick_text(value), font, ink, text_anchor="end"
            )
        )
    out.append("</g>")
    label = 1.3 * font
    x_name, y_name = figure.axis_names
    cx, cy = (left + right) / 2, (top + bottom) / 2
    out.append(f'<g id="axis-labels" font-family="{_FONT}" font-style="italic">')
    out.append(_text(cx, bottom + 2 * tick + 2.5 * font, x_name, label, ink, text_anchor="middle"))
    # Left of the tick labels, but its glyphs (1.3 font sizes tall) stay on the page.
    lx = max(left - 2.6 * tick - 3.2 * font, 1.3 * font)
    out.append(
        _text(
            lx,
            cy,
            y_name,
            label,
            ink,
            text_anchor="middle",
            transform=f"rotate(-90 {lx:.2f} {cy:.2f})",
        )
    )
    out.append("</g>")
    return out


def _legend(figure: CellFigure, frame: PlotFrame, font: float) -> list[str]:
    if not figure.legend:
        return []
    theme = figure.theme
    row = 1.5 * font
    x0 = frame.left + frame.width + 1.2 * font
    y0 = frame.top
    longest = max(len(entry.label) for entry in figure.legend)
    box_w = 0.62 * font * longest + 3.4 * font
    box_h = row * len(figure.legend) + 0.6 * font
    out = [
        f'<g id="legend" font-family="{_FONT}">',
        f'<rect x="{x0:.2f}" y="{y0:.2f}" width="{box_w:.2f}" height="{box_h:.2f}" '
        f'fill="{_rgb(theme.background)}" fill-opacity="0.9" stroke="#bebebe"/>',
    ]
    for i, entry in enumerate(figure.legend):
        y = y0 + 0.3 * font + row * (i + 0.5)
        sx = x0 + 0.6 * font
        colour = _rgb(entry.rgb)
        if entry.kind == "line":
            out.append(
                f'<path stroke="{colour}" stroke-width="{entry.width * theme.line_scale:.2f}" '
                f'd="M{sx:.2f} {y:.2f}h{1.6 * font:.2f}"/>'
            )
        elif entry.hollow:
            out.append(
                f'<circle cx="{sx + 0.8 * font:.2f}" cy="{y:.2f}" r="{0.35 * font:.2f}" '
                f'fill="#ffffff" stroke="{colour}" stroke-width="{2 * theme.line_scale:.2f}"/>'
            )
        else:
            out.append(
                f'<circle cx="{sx + 0.8 * font:.2f}" cy="{y:.2f}" r="{0.35 * font:.2f}" '
                f'fill="{colour}" stroke="#232328"/>'
            )
        out.append(_text(sx + 2.2 * font, y + 0.35 * font, entry.label, font, _rgb(theme.ink)))
    out.append("</g>")
    return out


def _title_line(figure: CellFigure, width: int, font: float) -> list[str]:
    """The figure's title as its first line, shrunk to fit the page's width."""
    if not figure.title:
        return []
    room = max(width - 2.0 * font, 10.0)
    size = min(TITLE_SIZE * font, room / (BOLD_ADVANCE * max(len(figure.title), 1)))
    ink = _rgb(figure.theme.ink)
    return [
        f'<g id="figure-title" font-family="{_FONT}" font-weight="bold">',
        _text(1.0 * font, 1.9 * font, figure.title, size, ink),
        "</g>",
    ]


def cell_figure_svg(
    figure: CellFigure, width: int, height: int, *, transparent: bool = False
) -> str:
    """The SVG document of ``figure`` on a ``width x height`` page (see the module doc)."""
    frame = plot_frame(figure, width, height)
    font = font_px(width, height, figure.theme.font_scale)
    transform = (
        f"page x = {frame.sx!r} * x + {frame.tx!r}; page y = {-frame.sy!r} * y + {frame.ty!r}"
    )
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">',
        f"<title>{escape(figure.title)}</title>",
        f"<desc>Splinescope: {figure.partition.n_regions} exact cells, one polygon each, in "
        f"data coordinates inside the group 'cells'; its transform maps them to the page: "
        f"{transform}.</desc>",
    ]
    if not transparent:
        parts.append(
            f'<rect id="background" width="{width}" height="{height}" '
            f'fill="{_rgb(figure.theme.background)}"/>'
        )
    parts += _cells(figure, frame)
    parts += _edges(figure, frame)
    parts += _overlays(figure, frame, font)
    parts += _points(figure, frame)
    parts += marks_svg(figure.marks, frame, font, _FONT, _rgb)
    parts += _axes(figure, frame, font)
    parts += _legend(figure, frame, font)
    parts += _title_line(figure, width, font)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
