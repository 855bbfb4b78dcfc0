"""A figure drawn as the export draws it at several sizes, its framing checked each time."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSizeF
from PySide6.QtWidgets import QWidget

import app.export.raster as raster
from app.export.figure_frame import FigureHeading
from app.export.formats import ImageSize
from tests.shell.clipped_text import clipped_axis_texts
from tests.shell.plot_fill import fill_shares, framing_problems


@dataclass
class FramedDrawing:
    """What one drawing of a figure showed: its cut or wasted axes (empty when none), the
    size of its plot area (pixels) and the shares of its x and y ranges its data fills."""

    problems: list[str]
    plot_area: QSizeF
    shares: tuple[float, float] | None


def framed_drawings(
    widget: QWidget, sizes: list[tuple[int, int]], heading: FigureHeading, monkeypatch
) -> list[FramedDrawing]:
    """Export ``widget`` (a pg.PlotWidget) as a PNG at each of ``sizes`` with ``heading``
    and check it as the every-view run does, at the moment it is drawn."""
    seen: list[FramedDrawing] = []

    def checked(drawn, _painter, _ratio) -> None:
        plot = drawn.getPlotItem()
        problems = clipped_axis_texts(drawn) + framing_problems(drawn)
        seen.append(FramedDrawing(problems, plot.getViewBox().size(), fill_shares(plot)))

    monkeypatch.setattr(raster, "paint_vtk_views", checked)
    for width, height in sizes:
        image = raster.render_widget(widget, ImageSize(pixels=(width, height)), heading=heading)
        assert (image.width(), image.height()) == (width, height)
    assert len(seen) == len(sizes)
    return seen


def check_framed(
    widget: QWidget,
    sizes: list[tuple[int, int]],
    heading: FigureHeading,
    monkeypatch,
    aspect: float,
) -> None:
    """At each of ``sizes`` ``widget``'s export has no cut or wasted axes, a plot area of
    the domain's ``aspect`` (width over height) and its data filling both ranges shown."""
    for (width, height), drawn in zip(
        sizes, framed_drawings(widget, sizes, heading, monkeypatch), strict=True
    ):
        assert drawn.problems == [], (width, height, drawn.problems)
        size = drawn.plot_area
        assert abs(size.width() / size.height() - aspect) <= 0.01, (width, height, size)
        assert min(drawn.shares) > 0.97, (width, height, drawn.shares)
