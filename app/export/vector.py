"""SVG and PDF of any widget through Qt's vector paint devices, and SVG files to PDF.

pyqtgraph items paint with QPainter, so ``QWidget.render`` onto a ``QSvgGenerator`` or a
``QPdfWriter`` records their lines, paths and text as vectors (pyqtgraph's own SVG exporter
is not used: it crashes on closed paths in 0.14). VTK views have no QPainter drawing: they
are embedded as images, rendered at :data:`VTK_IMAGE_SCALE` times their size.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QMarginsF,
    QMessageLogContext,
    QPoint,
    QRect,
    QRectF,
    QSize,
    QSizeF,
    Qt,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter, QPdfWriter, QRegion
from PySide6.QtSvg import QSvgGenerator, QSvgRenderer
from PySide6.QtWidgets import QWidget

from app.export.figure_frame import (
    FigureHeading,
    HeadingLayout,
    figure_base_size,
    layout_heading,
    paint_heading,
)
from app.export.formats import ImageSize
from app.export.portable_svg import portable_svg
from app.export.raster import laid_out_at, paint_vtk_views, without_backgrounds

#: VTK scenes inside vector exports are images this many times their on-screen size.
VTK_IMAGE_SCALE = 3
#: One CSS pixel is one PDF point in every PDF written here (the page is 72 dpi).
PDF_RESOLUTION = 72


def pdf_writer(path: Path, width: float, height: float, title: str) -> QPdfWriter:
    """A PDF writer whose single page is ``width x height`` points, with no margins."""
    writer = QPdfWriter(str(path))
    writer.setResolution(PDF_RESOLUTION)
    writer.setTitle(title)
    writer.setCreator("Splinescope")
    page = QPageSize(QSizeF(width, height), QPageSize.Unit.Point, "figure")
    writer.setPageLayout(QPageLayout(page, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
    return writer


def _paint_widget(
    widget: QWidget,
    painter: QPainter,
    transparent: bool,
    layout: HeadingLayout | None = None,
    ratio: float = 1.0,
) -> None:
    flags = QWidget.RenderFlag.DrawChildren
    if not transparent:
        flags |= QWidget.RenderFlag.DrawWindowBackground
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if layout is not None:
        paint_heading(painter, layout, widget.width(), transparent=transparent)
        painter.translate(0, heading_top(layout))
    with without_backgrounds(widget) if transparent else nullcontext():
        QWidget.render(widget, painter, QPoint(0, 0), QRegion(), flags)
    paint_vtk_views(widget, painter, max(VTK_IMAGE_SCALE, ratio))


@contextmanager
def vector_page(
    widget: QWidget, heading: FigureHeading | None, size: ImageSize | None = None
) -> Iterator[tuple[HeadingLayout | None, tuple[int, int], tuple[int, int], float]]:
    """Lay ``widget`` out for a vector page for the duration; gives the heading's layout
    (None without a heading), the page in layout units, the page in pixels (points in a
    PDF) and pixels per unit.

    A figure view (one with a heading) is laid out at its figure size below the heading;
    with ``size.pixels`` the page is exactly that many pixels, laid out at the asked
    aspect as a PNG of that size is (a scale, or no size, gives the size on screen).
    """
    base = (widget.width(), widget.height())
    if heading is not None:
        base = figure_base_size(*base)
        base = (base[0], base[1] + heading_top(layout_heading(heading, base[0])))
    asked = size is not None and size.pixels is not None
    pixels, logical, ratio = (size if asked else ImageSize(1.0)).resolve(*base)
    layout = None if heading is None else layout_heading(heading, logical[0])
    top = heading_top(layout)
    with laid_out_at(widget, logical[0], max(logical[1] - top, 16)):
        # A widget may keep a height of its own (a maximum): the page is what it takes.
        page = (widget.width(), top + widget.height())
        yield layout, page, pixels if asked else page, ratio


def heading_top(layout: HeadingLayout | None) -> int:
    """The height in pixels of the band a heading takes above its view (0 for none)."""
    return 0 if layout is None else math.ceil(layout.height)


def widget_svg(
    widget: QWidget,
    *,
    title: str,
    transparent: bool = False,
    heading: FigureHeading | None = None,
    size: ImageSize | None = None,
) -> str:
    """``widget`` as a portable SVG document, below its ``heading`` if one is given: of
    its on-screen size (1 px = 1 user unit), or ``size.pixels`` wide and tall (its
    ``viewBox`` then spans the page as laid out, see :func:`vector_page`).

    Qt's generator draws it; :func:`app.export.portable_svg.portable_svg` then rewrites
    what only Qt renders (non-scaling strokes inside scaled groups) as explicit paths.
    """
    with vector_page(widget, heading, size) as (layout, page, pixels, ratio):
        extent = QSize(*page)
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        generator = QSvgGenerator()
        generator.setOutputDevice(buffer)
        generator.setSize(extent)
        generator.setViewBox(QRect(QPoint(0, 0), extent))
        # Text sized in points is laid out at the screen's dpi; the generator's default
        # 72 dpi wrote it three quarters as large (rich text's runs then parted).
        generator.setResolution(round(widget.logicalDpiY()))
        generator.setTitle(title)
        generator.setDescription("Exported by Splinescope")
        painter = QPainter()
        if not painter.begin(generator):
            raise OSError("Qt's SVG generator could not start")
        _paint_widget(widget, painter, transparent, layout, ratio)
        painter.end()
    svg = portable_svg(bytes(buffer.data()).decode("utf-8"))
    return svg if pixels == page else sized_svg(svg, *pixels)


def sized_svg(svg: str, width: int, height: int) -> str:
    """The SVG document ``svg`` shown ``width x height`` pixels (its viewBox unchanged)."""
    head, rest = svg.split("<svg", 1)
    tag, body = rest.split(">", 1)
    tag = re.sub(r'\swidth="[^"]*"', f' width="{width}"', tag, count=1)
    tag = re.sub(r'\sheight="[^"]*"', f' height="{height}"', tag, count=1)
    return f"{head}<svg{tag}>{body}"


def write_widget_svg(
    widget: QWidget,
    path: Path,
    *,
    title: str,
    transparent: bool = False,
    heading: FigureHeading | None = None,
) -> None:
    """Write ``widget`` as a portable SVG of its on-screen size (see :func:`widget_svg`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    svg = widget_svg(widget, title=title, transparent=transparent, heading=heading)
    path.write_text(svg, encoding="utf-8")


@contextmanager
def _without_gradient_notes() -> Iterator[None]:
    """Drop QPdfEngine's note that it flattens a style's gradient; pass on the rest.

    Qt's styles paint some button gradients between colours of different colour specs,
    which the PDF engine draws flat and says so, once per button.
    """
    previous = None

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if "unable to create a gradient" in message:
            return
        if previous is not None:
            previous(kind, context, message)
        else:
            sys.stderr.write(message + "\n")

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)


def write_widget_pdf(
    widget: QWidget,
    path: Path,
    *,
    title: str,
    heading: FigureHeading | None = None,
    size: ImageSize | None = None,
) -> None:
    """Write ``widget`` (below its ``heading``) as a one-page PDF of its on-screen size,
    or of ``size.pixels`` (1 px = 1 pt; laid out as :func:`vector_page` says)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with vector_page(widget, heading, size) as (layout, _, pixels, ratio):
        writer = pdf_writer(path, *pixels, title)
        painter = QPainter()
        if not painter.begin(writer):
            raise OSError(f"could not write {path}")
        painter.scale(ratio, ratio)
        with _without_gradient_notes():
            _paint_widget(widget, painter, False, layout, ratio)
            painter.end()


def write_svg_as_pdf(svg: str, path: Path, *, title: str) -> None:
    """Draw the SVG document ``svg`` onto a PDF page of the SVG's size (1 px = 1 pt)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    if not renderer.isValid():
        raise ValueError("the SVG could not be read back")
    size: QSize = renderer.defaultSize()
    writer = pdf_writer(path, size.width(), size.height(), title)
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"could not write {path}")
    renderer.render(painter, QRectF(0, 0, size.width(), size.height()))
    painter.end()


def render_svg(svg: str, width: int, height: int, *, transparent: bool = False) -> QImage:
    """The SVG document drawn onto a ``width x height`` QImage (white unless transparent)."""
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    if not renderer.isValid():
        raise ValueError("the SVG could not be read back")
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent if transparent else Qt.GlobalColor.white)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, width, height))
    painter.end()
    return image
