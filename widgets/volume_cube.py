"""The ball-in-cube scene inside Qt: a ``QVTKRenderWindowInteractor`` showing a
:class:`widgets.volume_scene.BallInCubeScene`.

VTK renders only on the GUI thread, and only while the view is on screen. Call
:meth:`CubeView.finalize` before the window goes away (the page does it when its window
closes): it releases the OpenGL context, after which the view never renders again.
"""

from __future__ import annotations

import numpy as np
import vtkmodules.vtkInteractionStyle  # noqa: F401  (the default interactor styles)
from PySide6.QtGui import QImage, QPainter, QPixmap, QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget
from vtkmodules.qt.QVTKRenderWindowInteractor import QVTKRenderWindowInteractor
from vtkmodules.vtkInteractionStyle import vtkInteractorStyleTrackballCamera

from engine.volumes import BallSlice
from widgets.theme import follow_vtk_theme
from widgets.volume_scene import BallInCubeScene, make_renderer, window_image


class _ReleasingInteractor(QVTKRenderWindowInteractor):
    """A ``QVTKRenderWindowInteractor`` whose ``Finalize`` also lets go of the render window.

    VTK closes the render window's X display only when the window object is destroyed.
    The stock widget keeps it until the widget's Python wrapper dies, which may be at
    interpreter exit, after the X server (Xvfb in the tests) has gone: Xlib then aborts
    the process. Releasing it here (as pyvista's Plotter.close drops its window and the
    interactor's observers) destroys it while X is still there.
    """

    def Finalize(self) -> None:
        render_window, interactor = self._RenderWindow, self._Iren
        if render_window is None:
            return
        render_window.Finalize()
        # The observers call back into this widget: a cycle through VTK that Python's
        # garbage collector cannot see.
        interactor.RemoveAllObservers()
        render_window.RemoveAllObservers()
        interactor.Disable()
        interactor.SetRenderWindow(None)
        self._RenderWindow = None

    def resizeEvent(self, event) -> None:
        if self._RenderWindow is not None:
            super().resizeEvent(event)


class CubeView(QWidget):
    """The 3-cube, its inscribed ball and the scanning plane; drag to turn it around."""

    def __init__(self, ball_slice: BallSlice, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cubeView")
        self.interactor = _ReleasingInteractor(self)
        self.interactor.setObjectName("cubeInteractor")
        self.interactor.setToolTip("Drag to turn the cube, scroll to zoom, R to reset.")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.interactor)

        self.render_window = self.interactor.GetRenderWindow()
        # Multisampled buffers read back black under Mesa; FXAA smooths the edges.
        self.render_window.SetMultiSamples(0)
        self.render_window.SetAlphaBitPlanes(1)
        self.renderer = make_renderer()
        self.render_window.AddRenderer(self.renderer)
        self.scene = BallInCubeScene(ball_slice)
        self.scene.add_to(self.renderer)
        self.interactor.SetInteractorStyle(vtkInteractorStyleTrackballCamera())
        self.interactor.Initialize()
        self._finalized = False
        follow_vtk_theme(self, self.renderer, self.render)

    @property
    def is_finalized(self) -> bool:
        return self._finalized

    def set_slice(self, ball_slice: BallSlice) -> None:
        """Move the scanning plane and redraw."""
        self.scene.set_slice(ball_slice)
        self.render()

    def render(self) -> None:
        """Draw the scene now, if the view is on screen (and not finalized)."""
        if not self._finalized and self.interactor.isVisible():
            self.render_window.Render()

    def image(self, scale: int = 1) -> np.ndarray:
        """(H, W, 3) uint8 RGB of the scene as drawn in the view (``scale`` times larger)."""
        if self._finalized:
            raise RuntimeError("the view has been finalized")
        self.render_window.Render()
        return window_image(self.render_window, scale)

    def finalize(self) -> None:
        """Release VTK's window and OpenGL context; the view stays blank afterwards."""
        if self._finalized:
            return
        self._finalized = True
        self.render_window.RemoveRenderer(self.renderer)
        self.interactor.Finalize()
        self.interactor.setEnabled(False)
        self.render_window = None

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.render()


def grab_with_scenes(widget: QWidget) -> QPixmap:
    """``widget.grab()`` with the VTK scene of every visible :class:`CubeView` painted in.

    ``QWidget.grab`` cannot see what OpenGL drew into a native VTK window (it comes out
    black); each scene is read back from VTK and painted over its view's rectangle.
    """
    pixmap = widget.grab()
    painter = QPainter(pixmap)
    for view in widget.findChildren(CubeView):
        if view.is_finalized or not view.isVisible():
            continue
        pixels = view.image()
        height, width, _ = pixels.shape
        image = QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888)
        target = view.interactor.rect().translated(
            view.interactor.mapTo(widget, view.interactor.rect().topLeft())
        )
        painter.drawImage(target, image)
    painter.end()
    return pixmap
