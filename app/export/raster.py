"""PNG of any widget, at a scale or an exact pixel size, with its VTK views painted in.

``QWidget.render`` draws a widget and its children with QPainter, so pyqtgraph views come
out sharp at any device pixel ratio. What OpenGL drew into a VTK view's native window is
invisible to it: every visible ``QVTKRenderWindowInteractor`` is read back from VTK at an
integer scale (``vtkWindowToImageFilter`` with ``SetScale``) and painted over its
rectangle, its camera framing the whole scene at the rectangle's aspect
(:meth:`widgets.vtk.view.VtkView.framed`). VTK draws text at its own pixel size whatever
that scale, so a view's scene
labels (:meth:`widgets.vtk.view.VtkView.scene_labels`) are left out of the read-back and
painted here as text in the theme's type: sharp in PNG, vector text in SVG and PDF.
`python main.py --screenshot` saves the window through the same path.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPoint, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter, QRegion
from PySide6.QtWidgets import QGraphicsView, QWidget

from app.export.figure_frame import (
    FigureHeading,
    figure_base_size,
    in_pixels,
    layout_heading,
    paint_heading,
)
from app.export.formats import ImageSize
from widgets.common.axis_room import refit_axes_now, refit_scheduled_axes
from widgets.common.theme import current_theme

if TYPE_CHECKING:
    from vtkmodules.qt.QVTKRenderWindowInteractor import QVTKRenderWindowInteractor

    from widgets.vtk.labels import SceneLabel

#: VTK's Qt view. Only pages with a 3-D view import it; a window that has none need not
#: load VTK (a few tenths of a second) to export a page.
_VTK_VIEW_MODULE = "vtkmodules.qt.QVTKRenderWindowInteractor"

_RENDER_ALL = QWidget.RenderFlag.DrawChildren | QWidget.RenderFlag.DrawWindowBackground


def vtk_views(widget: QWidget) -> list[QVTKRenderWindowInteractor]:
    """The VTK views inside ``widget`` (or ``widget`` itself) that are shown and alive."""
    module = sys.modules.get(_VTK_VIEW_MODULE)
    if module is None:
        return []  # VTK is not loaded: no VTK view exists
    view_type = module.QVTKRenderWindowInteractor
    candidates = widget.findChildren(view_type)
    if isinstance(widget, view_type):
        candidates.insert(0, widget)
    return [
        view
        for view in candidates
        if view.GetRenderWindow() is not None and (view is widget or view.isVisibleTo(widget))
    ]


def vtk_view_image(view: QVTKRenderWindowInteractor, scale: int = 1) -> QImage:
    """The VTK view's scene, rendered now at ``scale`` times its size, as an RGB QImage."""
    from widgets.vtk.pipeline import window_image

    pixels = window_image(view.GetRenderWindow(), max(int(scale), 1))
    height, width, _ = pixels.shape
    image = QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    return image.copy()  # own the pixels: the numpy array goes away


#: The type size of a scene's labels in exports (points, before the theme's font scale).
SCENE_LABEL_POINTS = 12.0


def paint_vtk_views(widget: QWidget, painter: QPainter, ratio: float) -> None:
    """Paint every VTK view inside ``widget`` over its rectangle (``ratio``: device pixels),
    and its scene labels over it as text."""
    views = vtk_views(widget)
    if not views:
        return
    from widgets.vtk.labels import label_positions
    from widgets.vtk.view import VtkView

    for view in views:
        owner = view.parentWidget()
        labelled = isinstance(owner, VtkView) and owner.interactor is view
        placed = []
        # A figure shows the whole scene at its own aspect, from the camera's direction.
        with owner.framed() if labelled else nullcontext():
            if labelled:
                labels = owner.scene_labels()
                placed = label_positions(owner.renderer, labels, view.width(), view.height())
            with owner.labels_hidden() if labelled else nullcontext():
                image = vtk_view_image(view, math.ceil(ratio - 1e-9))
        top_left = view.mapTo(widget, QPoint(0, 0)) if view is not widget else QPoint(0, 0)
        painter.drawImage(QRectF(top_left.x(), top_left.y(), view.width(), view.height()), image)
        paint_scene_labels(painter, placed, QPointF(top_left))


def paint_scene_labels(
    painter: QPainter, placed: list[tuple[SceneLabel, float, float]], origin: QPointF
) -> None:
    """Draw each label bold in the theme's type, centred on its place (offset by
    ``origin``, the view's top left in the painter's coordinates)."""
    if not placed:
        return
    font = in_pixels(current_theme().font(SCENE_LABEL_POINTS, bold=True))
    metrics = QFontMetricsF(font)
    painter.save()
    painter.setFont(font)
    for label, x, y in placed:
        box = metrics.boundingRect(label.text)
        rect = QRectF(0, 0, box.width() + 2, metrics.height())
        rect.moveCenter(QPointF(origin.x() + x, origin.y() + y))
        painter.setPen(QColor(*label.rgb))
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), label.text)
    painter.restore()


@contextmanager
def laid_out_at(widget: QWidget, width: int, height: int) -> Iterator[None]:
    """Lay ``widget`` (and its children) out at ``width x height`` for the duration.

    Layouts follow resize events at once, so the widget can be drawn at the new size and
    given its old size back before the event loop runs: nothing flickers on screen. The
    plots' axes are refitted now at any size: a refit they scheduled (after a new range)
    may not have run yet, and the figure must not depend on when it does.
    """
    old = widget.size()
    if (old.width(), old.height()) == (width, height):
        refit_axes_now(widget)
        yield
        return
    widget.resize(width, height)
    refit_axes_now(widget)  # the plots' axes fit their labels at this size too
    try:
        yield
    finally:
        widget.resize(old)
        refit_axes_now(widget)


#: The most rounds :func:`settle_layout` runs; a window settles in a handful.
SETTLE_ROUNDS = 30


class _DeliveredEvents(QObject):
    """Counts the events the application delivers while it filters them."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, _watched: QObject, _event: QEvent) -> bool:
        self.count += 1
        return False


def settle_layout(widget: QWidget) -> None:
    """Carry out now the layout work pending in ``widget``'s window, as the event loop
    would, until none is left: the posted events (layout requests, paints, which can
    resize a plot's axes, and what follows them) and the refits the plots' axis keepers
    scheduled (which set a view's minimum size, which posts another layout request).

    After an export's resize and restore (:func:`laid_out_at`, a view's staging), a window
    takes several event-loop turns to get back to a layout of its own (a view's width
    went 1453 -> 841 -> 542 -> 545 -> 328 px), and the next export's size is worked out
    from the view's size: it must not depend on how many turns have run. The window has
    settled when a round delivers no posted event and refits nothing. Call it with no
    export under way: inside one, the window's layouts would take back a view that the
    export holds at another size.
    """
    window = widget.window()
    application = QCoreApplication.instance()
    delivered = _DeliveredEvents()
    application.installEventFilter(delivered)
    try:
        for _round in range(SETTLE_ROUNDS):
            delivered.count = 0
            QCoreApplication.sendPostedEvents()
            if not refit_scheduled_axes(window) and delivered.count == 0:
                return
    finally:
        application.removeEventFilter(delivered)


@contextmanager
def without_backgrounds(widget: QWidget) -> Iterator[None]:
    """Make the pyqtgraph views inside ``widget`` draw no background for the duration."""
    views = widget.findChildren(pg.GraphicsView)
    if isinstance(widget, pg.GraphicsView):
        views.append(widget)
    saved = [
        (view, view.backgroundBrush(), view.viewport().autoFillBackground(), view.cacheMode())
        for view in views
    ]
    for view in views:
        view.setBackground(None)
        view.viewport().setAutoFillBackground(False)
        # A cached background is pre-filled with the palette's colour: draw it afresh.
        view.setCacheMode(QGraphicsView.CacheModeFlag.CacheNone)
    try:
        yield
    finally:
        for view, brush, fills, cache in saved:
            view.setBackgroundBrush(brush)
            view.viewport().setAutoFillBackground(fills)
            view.setCacheMode(cache)
            view.resetCachedContent()


def render_widget(
    widget: QWidget,
    size: ImageSize,
    *,
    transparent: bool = False,
    heading: FigureHeading | None = None,
) -> QImage:
    """The widget as an image of ``size`` (its VTK views painted in).

    With ``transparent`` the window background and the pyqtgraph backgrounds are left out
    (VTK scenes keep their own background). With a ``heading`` its lines go above the
    widget, and ``size`` is the size of both together.
    """
    base = (widget.width(), widget.height())
    if heading is not None:
        base = figure_base_size(*base)
        base = (base[0], base[1] + math.ceil(layout_heading(heading, base[0]).height))
    pixels, logical, ratio = size.resolve(*base)
    layout = None if heading is None else layout_heading(heading, logical[0])
    top = 0 if layout is None else math.ceil(layout.height)
    image = QImage(*pixels, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(ratio)
    image.fill(Qt.GlobalColor.transparent if transparent else widget.palette().window().color())
    flags = QWidget.RenderFlag.DrawChildren if transparent else _RENDER_ALL
    with laid_out_at(widget, logical[0], max(logical[1] - top, 16)):
        backgrounds = without_backgrounds(widget) if transparent else nullcontext()
        with backgrounds:
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            if layout is not None:
                paint_heading(painter, layout, logical[0], transparent=transparent)
                painter.translate(0, top)
            QWidget.render(widget, painter, QPoint(0, 0), QRegion(), flags)
            paint_vtk_views(widget, painter, ratio)
            painter.end()
    image.setDevicePixelRatio(1.0)
    return image


#: No export writes an image with a side this short or shorter: such a view is not laid
#: out (a tab not shown, a result not drawn), and the file would look like a failure.
DEGENERATE_SIDE = 10


def check_drawable(width: int, height: int, what: str) -> None:
    """Raise ValueError, in one sentence naming ``what``, when ``width x height`` is a
    degenerate image (a side of :data:`DEGENERATE_SIDE` pixels or less)."""
    if min(width, height) <= DEGENERATE_SIDE:
        raise ValueError(
            f"{what} is only {width}×{height} pixels: it is not laid out yet (show it, or run "
            "what it shows, first), so nothing was written"
        )


def write_png(image: QImage, path: Path) -> None:
    """Save ``image`` as PNG; raises OSError when the file cannot be written and
    ValueError (writing nothing) when the image is degenerate."""
    check_drawable(image.width(), image.height(), f"the image for {Path(path).name}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(path), "PNG"):
        raise OSError(f"could not write {path}")


def image_to_rgb(image: QImage, *, even: bool = False) -> object:
    """(H, W, 3) uint8 numpy copy of ``image`` on white (cropped to even sides if asked)."""
    import numpy as np

    flat = QImage(image.size(), QImage.Format.Format_RGB888)
    flat.fill(QColor("white"))
    painter = QPainter(flat)
    painter.drawImage(0, 0, image)
    painter.end()
    width, height = flat.width(), flat.height()
    rows = np.frombuffer(flat.constBits(), np.uint8, flat.bytesPerLine() * height)
    pixels = rows.reshape(height, flat.bytesPerLine())[:, : 3 * width].reshape(height, width, 3)
    if even:
        pixels = pixels[: height - height % 2, : width - width % 2]
    return pixels.copy()  # the QImage's memory goes away with it


def scaled_to(image: QImage, width: int, height: int) -> QImage:
    """``image`` at exactly ``width x height`` (smooth), or itself when already that size."""
    if image.size() == QSize(width, height):
        return image
    return image.scaled(
        width,
        height,
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
