"""The latent jigsaw in 3-D inside Qt: a :class:`widgets.vtk.view.VtkView` showing a
:class:`widgets.jigsaw.latent3d_scene.LatentJigsaw3DScene`.

Drag to turn, scroll to zoom; moving the mouse over a piece (no button held) picks it
(VTK's cell picker: the piece nearest the eye under the mouse) and reports its cell, as
the 2-D views do on hover. The lit cell is drawn in a second renderer layered above the
scene, sharing its camera, so that it shows through the pieces in front of it.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtWidgets import QWidget
from vtkmodules.vtkInteractionWidgets import vtkOrientationMarkerWidget
from vtkmodules.vtkRenderingAnnotation import vtkAxesActor
from vtkmodules.vtkRenderingCore import vtkRenderer, vtkTextActor

from engine.box_slice import box_corners
from engine.latent_jigsaw3d import LatentJigsaw3D
from widgets.common.theme import Theme, current_theme, follow_theme
from widgets.jigsaw.latent3d_scene import LatentJigsaw3DScene, data_frame, frame_camera
from widgets.vtk.view import VtkView

CAPTION_PT = 14
#: Figures show the pieces up to this many times the training points' framing box.
FRAME_REACH = 2.0
#: The orientation triad's colours of its x, y and z axes (vtkAxesActor's own).
AXIS_COLOURS = ("red", "green", "blue")


def axes_caption(axis_names: tuple[str, ...]) -> str:
    """The caption naming each axis by its colour in the triad:
    ``"red: PC 1 (57% of the variance) · green: PC 2 (...) · blue: PC 3 (...)"``."""
    return " · ".join(
        f"{colour}: {name}" for colour, name in zip(AXIS_COLOURS, axis_names, strict=False)
    )


class LatentJigsaw3DView(VtkView):
    """The cells' images in a 3-D projection of a hidden layer, with the training points.

    Signals
    -------
    cell_hovered(int) : the mouse moved onto the piece of cell ``id`` (the nearest one
        under it); -1 off every piece.
    """

    cell_hovered = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "jigsawLatent3d",
            "Each input cell's image in three axes of the chosen layer: a flat piece.\n"
            "Hover a piece to find its cell. Drag to turn, scroll to zoom, middle-drag to "
            "pan; R shows every piece.",
            parent,
        )
        self.renderer.SetUseDepthPeeling(False)  # opaque pieces: no peeling needed
        self.render_window.SetNumberOfLayers(2)
        self.overlay = vtkRenderer()
        self.overlay.SetLayer(1)
        self.overlay.InteractiveOff()
        self.overlay.SetActiveCamera(self.renderer.GetActiveCamera())
        self.render_window.AddRenderer(self.overlay)
        self.scene = LatentJigsaw3DScene()
        for actor in self.scene.actors:
            self.renderer.AddActor(actor)
        for actor in self.scene.overlay_actors:
            self.overlay.AddActor(actor)
        self.caption = vtkTextActor()
        self.caption.SetPosition(12, 10)
        self.caption.GetTextProperty().SetColor(0.2, 0.22, 0.28)
        self.renderer.AddViewProp(self.caption)
        # The triad's own labels crowd together and VTK draws them at its own pixel size
        # (doubled and large in a 2x export): the caption names the axes by colour.
        self.axes = vtkAxesActor()
        self.axes.AxisLabelsOff()
        self.axes_widget = vtkOrientationMarkerWidget()
        self.axes_widget.SetOrientationMarker(self.axes)
        self.axes_widget.SetInteractor(self.interactor)
        self.axes_widget.SetViewport(0.0, 0.74, 0.2, 1.0)
        self.start()
        self.axes_widget.SetEnabled(1)
        self.axes_widget.InteractiveOff()
        self._frame: np.ndarray | None = None
        self._hovered = -1
        self.interactor.installEventFilter(self)
        follow_theme(self, self._apply_theme)
        self._apply_theme(current_theme(), current_theme())

    # Scene ----------------------------------------------------------------------------------

    @property
    def jigsaw(self) -> LatentJigsaw3D | None:
        return self.scene.jigsaw

    def set_jigsaw(
        self, jigsaw: LatentJigsaw3D, colour_keys: np.ndarray, axis_names: tuple[str, ...]
    ) -> None:
        """Show ``jigsaw``, its pieces coloured by their cells' (R,) uint64 pattern keys,
        as the input plane colours them."""
        self._colour_keys = np.asarray(colour_keys, dtype=np.uint64)
        self._hovered = -1
        self.scene.set_jigsaw(jigsaw, self._cell_rgb())
        self.caption.SetInput(axes_caption(axis_names))
        self.render()

    def _cell_rgb(self) -> np.ndarray:
        palette = current_theme().palette
        return palette.cell_fills[palette.cell_colour_index(self._colour_keys)]

    def set_points(self, points: np.ndarray, labels: np.ndarray, n_classes: int) -> None:
        """Draw the (N, 3) projected training points and frame them (the pieces of
        far-away cells stretch much further; R shows them all)."""
        self.scene.set_points(points, labels, n_classes)
        self._frame = data_frame(points)
        self.show_data()

    def frame_points(self) -> np.ndarray | None:
        """The pieces' corners, kept within :data:`FRAME_REACH` times the training points'
        framing box about its centre (the pieces of far-away cells may stretch much
        further; R shows them all), and that box's corners."""
        if self._frame is None:
            return None
        corners = box_corners(self._frame)
        jigsaw = self.scene.jigsaw
        if jigsaw is None or len(jigsaw.vertices) == 0:
            return corners
        centre = corners.mean(axis=0)
        reach = FRAME_REACH * (corners.max(axis=0) - centre)
        pieces = np.clip(jigsaw.vertices, centre - reach, centre + reach)
        return np.vstack([corners, pieces])

    def show_data(self) -> None:
        """Frame the training points with a margin, seen from the standard direction."""
        if self._frame is not None:
            frame_camera(self.renderer, self._frame)
            self.frame_scene()
        self.render()

    # Highlight and picking ------------------------------------------------------------------

    @property
    def highlighted_cell(self) -> int | None:
        """The id of the cell whose piece is lit, or None."""
        return self.scene.highlighted

    def set_highlighted_cell(self, cell: int | None) -> None:
        """Light the piece of cell ``cell`` (None or an unknown id: none)."""
        self.scene.set_highlighted_cell(cell)
        self.render()

    def cell_under(self, position: QPoint) -> int:
        """The cell whose piece is nearest the eye at widget pixel ``position``, -1 for none."""
        if self.is_finalized:
            return -1
        ratio = self.interactor.devicePixelRatioF()
        x = round(ratio * position.x())
        y = round(ratio * (self.interactor.height() - position.y() - 1))
        return self.scene.cell_at(self.renderer, x, y)

    def widget_position(self, point) -> QPoint:
        """Where the latent point ``point`` (3,) is drawn, in the interactor's pixels."""
        self.renderer.SetWorldPoint(*(float(v) for v in point), 1.0)
        self.renderer.WorldToDisplay()
        x, y, _ = self.renderer.GetDisplayPoint()
        ratio = self.interactor.devicePixelRatioF()
        return QPoint(round(x / ratio), round(self.interactor.height() - 1 - y / ratio))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.interactor and not self.is_finalized:
            kind = event.type()
            if kind == QEvent.Type.MouseMove and event.buttons() == Qt.MouseButton.NoButton:
                self._report(self.cell_under(event.position().toPoint()))
            elif kind == QEvent.Type.Leave:
                self._report(-1)
        return super().eventFilter(watched, event)

    def _report(self, cell: int) -> None:
        if cell != self._hovered:
            self._hovered = cell
            self.cell_hovered.emit(cell)

    # Theme and shutdown ---------------------------------------------------------------------

    def _apply_theme(self, theme: Theme, previous: Theme) -> None:
        self.renderer.SetBackground(*(v / 255.0 for v in theme.background))
        self.caption.GetTextProperty().SetFontSize(round(CAPTION_PT * theme.font_scale))
        if self.scene.jigsaw is not None:
            self.scene.recolour(self._cell_rgb())
        self.render()

    def release(self) -> None:
        """Switch off the axes marker before VTK lets go of the window."""
        self.interactor.removeEventFilter(self)
        self.axes_widget.SetEnabled(0)
        self.axes_widget.SetInteractor(None)
