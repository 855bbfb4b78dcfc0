"""The vector export of 2-D cells: one polygon per exact cell, mapped back to the partition."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from app.export.cell_figure import CellFigure, LegendEntry, pattern_fills
from app.export.cells_svg import cell_figure_svg
from app.export.targets import figure_image
from app.export.ticks import nice_ticks
from app.export.vector import write_svg_as_pdf
from engine.cell_edges import unique_edges
from engine.decision import decision_boundary
from engine.networks import random_mlp
from engine.partition2d import partition_2d
from tests.export.figure_case import plain_figure
from widgets.common.palettes import layer_edge_widths
from widgets.common.theme import DEFAULT_THEME

SVG = "{http://www.w3.org/2000/svg}"
BOUNDS = (-1.0, 1.0, -0.5, 1.5)


@pytest.fixture(scope="module")
def figure() -> CellFigure:
    model = random_mlp([8, 8], n_inputs=2, n_outputs=3, seed=1)
    partition = partition_2d(model, BOUNDS)
    boundary = decision_boundary(partition)
    colours = DEFAULT_THEME.palette.layer_edge_colours(partition.n_layers_total)
    return CellFigure(
        partition=partition,
        cell_rgb=pattern_fills(partition, DEFAULT_THEME),
        edge_rgb=colours,
        edge_width=layer_edge_widths(partition.n_layers_total),
        boundary=boundary.segments,
        theme=DEFAULT_THEME,
        probe=np.array([0.2, 0.4]),
        highlighted=int(partition.locate([[0.2, 0.4]])[0]),
        path=np.array([[-0.8, -0.3], [0.7, 1.2]]),
        legend=(LegendEntry("line", (20, 20, 24), "decision boundary", 3.0),),
    )


def _matrix(element: ET.Element) -> np.ndarray:
    numbers = [float(v) for v in re.findall(r"[-+0-9.eE]+", element.get("transform"))]
    a, b, c, d, e, f = numbers
    return np.array([[a, c, e], [b, d, f]])


def _cells(svg: str) -> tuple[ET.Element, list[ET.Element]]:
    root = ET.fromstring(svg)  # well-formed XML, or this raises
    group = next(g for g in root.iter(f"{SVG}g") if g.get("id") == "cells")
    return group, [p for p in root.iter(f"{SVG}polygon") if p.get("class") == "cell"]


def test_svg_holds_exactly_one_polygon_per_cell_with_the_partitions_corners(qapp, figure):
    partition = figure.partition
    svg = cell_figure_svg(figure, 900, 600)
    _, polygons = _cells(svg)
    assert len(polygons) == partition.n_regions > 20
    assert sorted(int(p.get("data-cell")) for p in polygons) == list(range(partition.n_regions))
    for polygon in polygons:
        r = int(polygon.get("data-cell"))
        corners = np.array(
            [[float(v) for v in pair.split(",")] for pair in polygon.get("points").split()]
        )
        np.testing.assert_allclose(corners, partition.polygon(r), rtol=1e-11, atol=1e-12)
        bits = polygon.get("data-pattern").replace(" ", "")
        assert bits == "".join("1" if b else "0" for b in partition.patterns[r])
        assert f"cell {r}" in polygon.find(f"{SVG}title").text
    # The polygons tile the domain: their shoelace areas add up to its area.
    total = 0.0
    for polygon in polygons:
        xy = np.array([[float(v) for v in p.split(",")] for p in polygon.get("points").split()])
        x, y = xy[:, 0], xy[:, 1]
        total += 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
    assert total == pytest.approx((BOUNDS[1] - BOUNDS[0]) * (BOUNDS[3] - BOUNDS[2]), rel=1e-12)


def test_patterns_past_the_budget_are_left_out_and_the_cells_kept(qapp, figure, monkeypatch):
    """A CNN slice's patterns would make a file of hundreds of MB: past the budget the
    cells stay, each without its pattern, and the group says why."""
    import app.export.cells_svg as cells_svg

    partition = figure.partition
    monkeypatch.setattr(cells_svg, "PATTERN_BUDGET", partition.n_regions * 16 - 1)
    group, polygons = _cells(cell_figure_svg(figure, 900, 600))
    assert len(polygons) == partition.n_regions
    assert all(p.get("data-pattern") is None for p in polygons)
    assert group.get("data-patterns").startswith(f"omitted: {partition.n_regions} cells of 16 bits")


def test_the_documented_transform_puts_the_domain_on_the_page_at_equal_scale(qapp, figure):
    svg = cell_figure_svg(figure, 900, 600)
    group, _ = _cells(svg)
    m = _matrix(group)
    assert m[0, 1] == m[1, 0] == 0
    assert m[0, 0] == pytest.approx(-m[1, 1])  # equal scale, y pointing up
    xmin, xmax, ymin, ymax = BOUNDS
    corners = m @ np.array([[xmin, xmax, xmin, xmax], [ymin, ymin, ymax, ymax], [1, 1, 1, 1]])
    assert (corners[0] > 0).all() and (corners[0] < 900).all()
    assert (corners[1] > 0).all() and (corners[1] < 600).all()
    # The top of the domain is above its bottom on the page.
    assert corners[1, 2] < corners[1, 0]
    # The <desc> states the same map.
    desc = ET.fromstring(svg).find(f"{SVG}desc").text
    assert "page x" in desc and "page y" in desc


def test_edges_boundary_probe_path_axes_and_legend_are_drawn(qapp, figure):
    root = ET.fromstring(cell_figure_svg(figure, 900, 600))
    ids = {g.get("id") for g in root.iter(f"{SVG}g")}
    assert {"edges", "decision-boundary", "path", "probe", "axes", "legend"} <= ids
    edge_paths = [p for p in root.iter(f"{SVG}path") if p.get("class") == "edges"]
    drawn = sum(p.get("d").count("M") for p in edge_paths)
    assert drawn == len(unique_edges(figure.partition)[0])
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "decision boundary" in texts and "x₁" in texts and "x₂" in texts
    highlight = next(p for p in root.iter(f"{SVG}path") if p.get("id") == "highlighted-cell")
    assert int(highlight.get("data-cell")) == figure.highlighted


def test_dense_edges_are_split_into_paths_qt_can_read(qapp, figure, monkeypatch):
    """Qt's SVG reader truncates very long path data: a layer's edges come in paths of at
    most SEGMENTS_PER_PATH segments, every edge still drawn once."""
    import app.export.cells_svg as cells_svg

    monkeypatch.setattr(cells_svg, "SEGMENTS_PER_PATH", 5)
    root = ET.fromstring(cell_figure_svg(figure, 900, 600))
    edge_paths = [p for p in root.iter(f"{SVG}path") if p.get("class") == "edges"]
    counts = [p.get("d").count("M") for p in edge_paths]
    assert max(counts) <= 5 and len(edge_paths) > figure.partition.n_layers + 1
    assert sum(counts) == len(unique_edges(figure.partition)[0])


def test_transparent_svg_has_no_background(qapp, figure):
    root = ET.fromstring(cell_figure_svg(figure, 400, 300, transparent=True))
    assert all(r.get("id") != "background" for r in root.iter(f"{SVG}rect"))


def test_pdf_of_the_figure_has_the_page_size_in_points(qapp, figure, tmp_path):
    path = tmp_path / "cells.pdf"
    write_svg_as_pdf(cell_figure_svg(figure, 720, 480), path, title="cells")
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    box = re.search(rb"/MediaBox\s*\[\s*([-0-9.\s]+)\]", data).group(1).split()
    assert [float(v) for v in box] == pytest.approx([0, 0, 720, 480], abs=0.5)


def test_png_of_the_figure_paints_each_large_cell_in_its_colour(qapp, figure):
    image = figure_image(figure, (900, 600))
    assert (image.width(), image.height()) == (900, 600)
    group, _ = _cells(cell_figure_svg(figure, 900, 600))
    m = _matrix(group)
    partition = figure.partition
    probe_cell = figure.highlighted
    largest = [r for r in np.argsort(partition.areas)[::-1] if r != probe_cell][:6]
    for r in largest:
        x, y = m @ np.r_[partition.centroids[r], 1.0]
        colour = image.pixelColor(int(x), int(y))
        assert (colour.red(), colour.green(), colour.blue()) == pytest.approx(
            tuple(int(v) for v in figure.cell_rgb[r]), abs=2
        ), f"cell {r}"


def test_nice_ticks_are_round_and_cover_the_range():
    ticks = nice_ticks(-1.0, 1.5)
    assert ticks[0] >= -1.0 and ticks[-1] <= 1.5 and len(ticks) >= 4
    steps = np.diff(ticks)
    assert np.allclose(steps, steps[0]) and steps[0] in (0.5, 0.25, 0.2)


def test_the_natural_page_of_a_square_domain_in_a_wide_view_has_no_empty_bands(qapp, figure):
    """A square domain shown in a wide canvas: the default page is cut to the plot (no
    band beside it), and keeps room for its title."""
    from app.export.cell_figure_layout import font_px, natural_size, plot_frame

    partition = partition_2d(random_mlp([4], seed=2), (-1, 1, -1, 1))
    square = plain_figure(partition, legend=figure.legend)
    width, height = natural_size(square, 1600, 600)
    assert width < 1100 and height == 600
    frame = plot_frame(square, width, height)
    assert frame.width == pytest.approx(frame.height)
    # The plot starts at the axes' margin: no band to its left.
    font = font_px(width, height, square.theme.font_scale)
    assert frame.left == pytest.approx(5.6 * font, abs=1.0)
    root = ET.fromstring(cell_figure_svg(square, width, height))
    title = next(g for g in root.iter(f"{SVG}g") if g.get("id") == "figure-title")
    size = float(title.find(f"{SVG}text").get("font-size"))
    assert size == pytest.approx(1.3 * font, rel=0.01)
