"""What a page can export, and the one function that writes any still view.

Each page's spec names its exportable views and animations (``PageSpec.export_targets``);
:mod:`app.export.catalogue` collects them over the registry. A view of a whole page
writes PNG with its VTK views painted in, SVG and PDF through Qt's vector paint devices.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from app.export.figure_frame import FigureHeading
from app.export.formats import ExportOptions, ImageSize
from app.export.raster import check_drawable, render_widget, write_png
from app.export.vector import render_svg, widget_svg, write_svg_as_pdf, write_widget_pdf
from engine.safe_files import PendingFile

if TYPE_CHECKING:
    from app.export.cell_figure import CellFigure
    from app.export.ready import Readiness


@dataclass(frozen=True)
class WaitFor:
    """An animation step: wait until ``ready()`` holds, checking whenever a signal fires.

    ``what`` says what is awaited (for a time-out message); a signal of ``failures``
    (carrying a message) ends the recording with that message.
    """

    signals: tuple[object, ...]
    ready: Callable[[], bool]
    what: str
    failures: tuple[object, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.what, str) or not self.what.strip():
            raise ValueError("a WaitFor says what it waits for (its time-out message names it)")


#: An animation script: given the number of frames and the image size, it drives the
#: page through its public API and yields the frames (QImage, all the same size) with
#: :class:`WaitFor` steps between them; its ``finally`` puts the page back.
AnimationScript = Callable[[int, ImageSize], Iterator["QImage | WaitFor"]]


@dataclass(frozen=True)
class ExportView:
    """A still view of a page.

    Attributes
    ----------
    name : the command line's ``--view`` name, e.g. ``"cells"``.
    title : what the dialog shows.
    widget : returns the widget on screen (PNG of it, and SVG/PDF when there is no figure).
    figure : for 2-D cell views, returns the exact geometry (a CellFigure) written as true
        vectors, or None when the view has no polygons right now (sampled cells).
    vtk : the widget is a VTK view: without a heading, SVG and PDF go through GL2PS.
    heading : makes the view a figure: returns its title line (and note) as shown now,
        drawn above the widget in every format. Whole pages have none.
    in_deck : ``--deck`` writes this figure view at the page's defaults (False for views
        that show nothing until the user asks, like an experiment not run).
    staging : returns a context the view is drawn in, in every format (a 3-D scene hides
        its own caption while the heading above it says the same).
    table : returns the numbers behind the view as tab-separated text (``.tsv``), for
        views that have a table.
    readiness : for a view showing a result its page's readiness does not wait for (an
        experiment in another tab), the wait for that result: its ``start`` shows the
        view and starts the work unless it is done, its rule holds once it is drawn.
    """

    name: str
    title: str
    widget: Callable[[], QWidget]
    figure: Callable[[], CellFigure | None] | None = None
    vtk: bool = False
    heading: Callable[[], FigureHeading] | None = None
    in_deck: bool = True
    staging: Callable[[], AbstractContextManager] | None = None
    table: Callable[[], str] | None = None
    readiness: Callable[[], Readiness] | None = None

    def staged(self) -> AbstractContextManager:
        """The context the view is drawn in (nothing changes without ``staging``)."""
        return self.staging() if self.staging is not None else nullcontext()

    @property
    def vector_kind(self) -> str:
        """How SVG and PDF are made: ``exact polygons``, ``GL2PS`` or ``Qt vector``."""
        if self.figure is not None:
            return "exact polygons"
        if self.vtk and self.heading is not None:
            return "3-D as a sharp image, text as vectors"
        if self.vtk:
            return "GL2PS (3-D as raster)"
        return "Qt vector"


@dataclass(frozen=True)
class ExportAnimation:
    """An animation of a page, recorded frame by frame (see :mod:`app.export.animation`)."""

    name: str
    title: str
    script: AnimationScript
    default_frames: int = 30


def figure_size(view: ExportView, size: ImageSize) -> tuple[int, int]:
    """The page size of a vector figure: the asked pixels, else the view's size on screen."""
    if size.pixels is not None:
        return size.pixels
    widget = view.widget()
    return max(widget.width(), 64), max(widget.height(), 64)


def view_image(view: ExportView, size: ImageSize, *, transparent: bool = False) -> QImage:
    """The view as an image of ``size``, drawn from its widget (below its heading)."""
    heading = view.heading() if view.heading is not None else None
    with view.staged():
        return render_widget(view.widget(), size, transparent=transparent, heading=heading)


def steady_frames(view: ExportView, size: ImageSize) -> Callable[[], QImage]:
    """A function drawing ``view`` as an animation's next frame: the first frame's pixel
    size holds for all the others, whatever their headings say (a scale is resolved once)."""
    fixed = [size]

    def frame() -> QImage:
        image = view_image(view, fixed[0])
        if fixed[0].pixels is None:
            fixed[0] = ImageSize(pixels=(image.width(), image.height()))
        return image

    return frame


def _cell_figure_svg(figure: CellFigure, width: int, height: int, *, transparent: bool) -> str:
    """:func:`app.export.cells_svg.cell_figure_svg`, imported when a figure is written:
    the cell figures' code imports the partition engine and torch, which a page that only
    declares its export views should not wait for when it opens."""
    from app.export.cells_svg import cell_figure_svg

    return cell_figure_svg(figure, width, height, transparent=transparent)


def figure_image(
    figure: CellFigure,
    size: tuple[int, int],
    *,
    transparent: bool = False,
    page: tuple[int, int] | None = None,
) -> QImage:
    """A cell figure drawn from its exact geometry (the SVG) at ``size`` pixels: laid out
    on a page of ``size``, or on ``page`` and scaled to ``size`` (lines and type grow
    with it, as the SVG shown larger)."""
    svg = _cell_figure_svg(figure, *(page or size), transparent=transparent)
    return render_svg(svg, *size, transparent=transparent)


def export_view(view: ExportView, options: ExportOptions) -> Path:
    """Write ``view`` to ``options.path`` in the format its suffix names; returns the path.

    PNG: the exact figure of a cell view, else the widget as on screen, at the asked scale
    or pixel size. SVG/PDF: exact polygons for cell views, GL2PS for VTK views with no
    heading, Qt's vector devices for the rest.
    """
    fmt, path = options.format, Path(options.path)
    if options.is_animation:
        raise ValueError(f"{view.name} is a still view; write it as .png, .svg or .pdf")
    if fmt == "tsv" and view.table is None:
        raise ValueError(f"{view.name} has no table; write it as .png, .svg or .pdf")
    if fmt != "tsv" and view.figure is None:  # drawn from its widget, as laid out now
        widget = view.widget()
        check_drawable(widget.width(), widget.height(), view.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed over it once complete: a failure or a crash
    # midway never leaves a torn file or destroys the previous one.
    with PendingFile(path) as pending, view.staged():
        _write_still(view, options, fmt, pending.temporary)
    return path


def export_png_and_svg(view: ExportView, options: ExportOptions, svg_path: Path) -> None:
    """Write ``view`` as PNG to ``options.path`` and as SVG to ``svg_path`` (a deck's
    pair): a cell view's figure and SVG document are made once and the PNG rasterised
    from that document, the same files as two :func:`export_view` calls."""
    with view.staged():
        figure = view.figure() if view.figure is not None else None
        if figure is not None:
            page = figure_page(view, figure, options.size)
            svg = _cell_figure_svg(figure, *page, transparent=options.transparent)
            pixels, _, _ = options.size.resolve(*page)
            image = render_svg(svg, *pixels, transparent=options.transparent)
    if figure is None:
        export_view(view, options)
        export_view(view, replace(options, path=svg_path))
        return
    for path in (Path(options.path), Path(svg_path)):
        path.parent.mkdir(parents=True, exist_ok=True)
        with PendingFile(path) as pending:
            if path == Path(svg_path):
                pending.temporary.write_text(svg, encoding="utf-8")
            else:
                write_png(image, pending.temporary)


def figure_page(view: ExportView, figure: CellFigure, size: ImageSize) -> tuple[int, int]:
    """The page of a cell figure: the asked pixels, else its natural page at the view's
    size on screen (see :func:`app.export.cells_svg.natural_size`)."""
    width, height = figure_size(view, size)
    if size.pixels is None:
        from app.export.cell_figure_layout import natural_size  # see _cell_figure_svg

        width, height = natural_size(figure, width, height)
    return width, height


def _write_still(view: ExportView, options: ExportOptions, fmt: str, path: Path) -> None:
    if fmt == "tsv":
        path.write_text(view.table(), encoding="utf-8")
        return
    figure = view.figure() if view.figure is not None else None
    if fmt == "png":
        if figure is not None:
            # The exact figure, as its SVG and PDF draw it (title line, legend, labelled
            # arrows), at the asked pixels or its natural page times the scale.
            page = figure_page(view, figure, options.size)
            pixels, _, _ = options.size.resolve(*page)
            image = figure_image(figure, pixels, transparent=options.transparent, page=page)
        else:
            image = view_image(view, options.size, transparent=options.transparent)
        write_png(image, path)
        return
    title = f"Splinescope: {view.title}"
    if figure is not None:
        width, height = figure_page(view, figure, options.size)
        svg = _cell_figure_svg(figure, width, height, transparent=options.transparent)
        if fmt == "svg":
            path.write_text(svg, encoding="utf-8")
        else:
            write_svg_as_pdf(svg, path, title=figure.title)
    elif view.vtk and view.heading is None:
        from app.export.vtk_export import write_gl2ps  # VTK: loaded by 3-D pages only

        write_gl2ps(view.widget().GetRenderWindow(), path, fmt, title=title)
    elif fmt == "svg":
        heading = view.heading() if view.heading is not None else None
        svg = widget_svg(
            view.widget(),
            title=title,
            transparent=options.transparent,
            heading=heading,
            size=options.size,
        )
        path.write_text(svg, encoding="utf-8")
    else:
        heading = view.heading() if view.heading is not None else None
        write_widget_pdf(view.widget(), path, title=title, heading=heading, size=options.size)
