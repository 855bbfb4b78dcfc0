"""SVG and PDF of any widget through Qt's vector paint devices, and SVG files to PDF.

pyqtgraph items paint with QPainter, so ``QWidget.render`` onto a ``QSvgGenerator`` or a
``QPdfWriter`` records their lines, paths and text as vectors (pyqtgraph's own SVG exporter
is not used: it crashes on closed paths in 0.14). VTK views have no QPainter drawing: they
are embedded as images, rendered at :data:`VTK_IMAGE_SCALE` times their size.
"""

from __future__ import annotations

import math
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
    widget: QWidget, painter: QPainter, transparent: bool, layout: HeadingLayout | None = None
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
    paint_vtk_views(widget, painter, VTK_IMAGE_SCALE)


@contextmanager
def figure_layout(widget: QWidget, heading: FigureHeading | None) -> Iterator[HeadingLayout | None]:
    """For a figure view (one with a heading): lay the widget out at its figure size for
    the duration and give the heading's layout; for any other view: None, as it is."""
    if heading is None:
        yield None
        return
    width, height = figure_base_size(widget.width(), widget.height())
    with laid_out_at(widget, width, height):
        yield layout_heading(heading, width)


def heading_top(layout: HeadingLayout | None) -> int:
    """The height in pixels of the band a heading takes above its view (0 for none)."""
    return 0 if layout is None else math.ceil(layout.height)


def widget_svg(
    widget: QWidget,
    *,
    title: str,
    transparent: bool = False,
    heading: FigureHeading | None = None,
) -> str:
    """``widget`` as a portable SVG document of its on-screen size (1 px = 1 user unit),
    below its ``heading`` if one is given.

    Qt's generator draws it; :func:`app.export.portable_svg.portable_svg` then rewrites
    what only Qt renders (non-scaling strokes inside scaled groups) as explicit paths.
    """
    with figure_layout(widget, heading) as layout:
        page = QSize(widget.width(), widget.height() + heading_top(layout))
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        generator = QSvgGenerator()
        generator.setOutputDevice(buffer)
        generator.setSize(page)
        generator.setViewBox(QRect(QPoint(0, 0), page))
        generator.setTitle(title)
        generator.setDescription("Exported by Splinescope")
        painter = QPainter()
        if not painter.begin(generator):
            raise OSError("Qt's SVG generator could not start")
        _paint_widget(widget, painter, transparent, layout)
        painter.end()
    return portable_svg(bytes(buffer.data()).decode("utf-8"))


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
    widget: QWidget, path: Path, *, title: str, heading: FigureHeading | None = None
) -> None:
    """Write ``widget`` (below its ``heading``) as a one-page PDF of its on-screen size
    (1 px = 1 pt)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with figure_layout(widget, heading) as layout:
        writer = pdf_writer(path, widget.width(), widget.height() + heading_top(layout), title)
        painter = QPainter()
        if not painter.begin(writer):
            raise OSError(f"could not write {path}")
        with _without_gradient_notes():
            _paint_widget(widget, painter, False, layout)
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
