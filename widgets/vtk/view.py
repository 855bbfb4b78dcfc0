"""A VTK scene inside Qt, and the interactor that lets go of its window in time.

:class:`VtkView` is what the Volume page's cube and the Cells 3D view share: a
``QVTKRenderWindowInteractor`` filling the widget, a renderer, rendering only on the GUI
thread and only while on screen, a read-back of the scene as pixels, and
:meth:`VtkView.finalize`, which releases the OpenGL context before the window goes away
(the view never renders again afterwards).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import vtkmodules.vtkInteractionStyle  # noqa: F401  (the default interactor styles)
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget
from vtkmodules.qt.QVTKRenderWindowInteractor import QVTKRenderWindowInteractor
from vtkmodules.vtkInteractionStyle import vtkInteractorStyleTrackballCamera
from vtkmodules.vtkRenderingCore import vtkTextActor

from widgets.vtk.framing import CameraPose, fit_camera
from widgets.vtk.labels import SceneLabel
from widgets.vtk.pipeline import make_renderer, window_image


class ReleasingInteractor(QVTKRenderWindowInteractor):
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
        render_window = self._RenderWindow
        if render_window is None:
            return
        if render_window.IsA("vtkOSOpenGLRenderWindow"):
            # The stock handler sizes the window with ``vtkRenderWindow.SetSize(window, w,
            # h)``: a non-virtual call, right for an X window (Qt sizes it). An OSMesa
            # window draws into a malloc'd w*h*4 buffer that only its own SetSize
            # reallocates. Skipped, the buffer keeps the size the window was made at
            # (300x300) while OSMesaMakeCurrent is told the new one, and a view that grew
            # (the cube, 328x276) has Mesa copy its frame past the buffer's end. glibc's
            # check caught it: the chunk right after the buffer (buffer + 360000) is the
            # one OSMesaDestroyContext then frees, "free(): invalid pointer", exit 134.
            # So the window's own SetSize sizes it here, and the rest of the stock handler
            # follows. Never below one pixel: a widget laid out with no width (the Volume
            # page's cube while its page was hidden, 0x66) gave Mesa a 0-pixel buffer,
            # which it refuses to make current, so VTK warned "failed call to
            # OSMesaMakeCurrent" at each graphics resource it released (118 lines a deck)
            # and released them in no context.
            ratio = self._getPixelRatio()
            width = max(1, round(ratio * self.width()))
            height = max(1, round(ratio * self.height()))
            render_window.SetDPI(round(72 * ratio))
            render_window.SetSize(width, height)
            self._Iren.SetSize(width, height)
            self._Iren.ConfigureEvent()
            self.update()
            return
        super().resizeEvent(event)


class VtkView(QWidget):
    """A widget showing one VTK renderer, turned with the trackball style.

    Subclasses add their scene to ``self.renderer`` and call :meth:`start` at the end of
    their ``__init__``; :meth:`release` is their hook to switch off their own VTK widgets
    before the window is released.
    """

    def __init__(self, name: str, tooltip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{name}View")
        self.interactor = ReleasingInteractor(self)
        self.interactor.setObjectName(f"{name}Interactor")
        self.interactor.setToolTip(tooltip)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.interactor)
        self.render_window = self.interactor.GetRenderWindow()
        # Multisampled buffers read back black under Mesa; FXAA smooths the edges.
        self.render_window.SetMultiSamples(0)
        self.render_window.SetAlphaBitPlanes(1)
        self.renderer = make_renderer()
        self.render_window.AddRenderer(self.renderer)
        #: The scene's caption (a subclass's 2-D text actor), if it has one.
        self.caption: vtkTextActor | None = None
        #: The VTK actors that draw :meth:`scene_labels` on screen.
        self.label_actors: list = []
        self._finalized = False
        self._renders_held = False  # inside one_render(): render() waits for its end
        self._render_asked = False

    def start(self) -> None:
        """Start interacting (once the scene is in the renderer)."""
        self.interactor.SetInteractorStyle(vtkInteractorStyleTrackballCamera())
        self.interactor.Initialize()

    @property
    def is_finalized(self) -> bool:
        return self._finalized

    def render(self) -> None:
        """Draw the scene now, if the view is on screen (and not finalized); inside
        :meth:`one_render`, once at its end."""
        if self._renders_held:
            self._render_asked = True
        elif not self._finalized and self.interactor.isVisible():
            self.render_window.Render()

    @contextmanager
    def one_render(self) -> Iterator[None]:
        """Hold :meth:`render` for the duration and draw once at the end, if asked: a
        change made in several steps that each draw (a new partition: scene, bounds, probe,
        caption) is drawn once. A large translucent scene takes a third of a second a draw
        with software OpenGL. Nested uses draw once, at the outer end."""
        if self._renders_held:
            yield
            return
        self._renders_held, self._render_asked = True, False
        try:
            yield
        finally:
            self._renders_held = False
            if self._render_asked:
                self.render()

    def image(self, scale: int = 1) -> np.ndarray:
        """(H, W, 3) uint8 RGB of the scene as drawn in the view (``scale`` times larger)."""
        if self._finalized:
            raise RuntimeError("the view has been finalized")
        self.render_window.Render()
        return window_image(self.render_window, scale)

    def scene_labels(self) -> tuple[SceneLabel, ...]:
        """The labels anchored in the scene that an export draws as text (none here)."""
        return ()

    def frame_points(self) -> np.ndarray | None:
        """(N, 3) the points a figure of the scene must show whole (its box, arrows and
        label anchors), or None to leave the camera as it is (nothing to frame yet)."""
        return None

    def frame_scene(self) -> bool:
        """Aim the camera, from its direction, at :meth:`frame_points` at the window's
        aspect (its caption's band kept free); False when there is nothing to frame."""
        if self._finalized:
            return False
        points = self.frame_points()
        if points is None:
            return False
        width, height = self.render_window.GetSize()
        if min(width, height) < 2:
            width, height = max(self.interactor.width(), 2), max(self.interactor.height(), 2)
        camera, room = self.renderer.GetActiveCamera(), self._caption_room(height)
        fit_camera(camera, points, width / height, bottom_room=room)
        # Points placed from the camera (axis names) move with it: fit once more.
        fit_camera(camera, self.frame_points(), width / height, bottom_room=room)
        self.renderer.ResetCameraClippingRange()
        return True

    def _caption_room(self, height: int) -> float:
        """The share of the height the shown caption takes at the bottom, with a gap."""
        caption = self.caption
        if caption is None or not caption.GetVisibility() or not (caption.GetInput() or "").strip():
            return 0.0
        box = [0.0] * 4
        caption.GetBoundingBox(self.renderer, box)
        return min((box[3] + 6.0) / max(height, 1), 0.45)

    @contextmanager
    def framed(self) -> Iterator[None]:
        """For the duration, the camera frames the whole scene at the window's aspect (an
        export's size); afterwards it is put back as it was."""
        camera = self.renderer.GetActiveCamera()
        pose = CameraPose.of(camera)
        changed = self.frame_scene()
        try:
            yield
        finally:
            if changed:
                pose.restore(camera)

    @contextmanager
    def labels_hidden(self) -> Iterator[None]:
        """For the duration, VTK does not draw :meth:`scene_labels` (an export reads the
        scene back and paints them itself, at its own scale): the
        :attr:`label_actors` are hidden."""
        shown = [actor.GetVisibility() for actor in self.label_actors]
        for actor in self.label_actors:
            actor.SetVisibility(False)
        try:
            yield
        finally:
            for actor, visible in zip(self.label_actors, shown, strict=True):
                actor.SetVisibility(visible)

    @contextmanager
    def caption_hidden(self) -> Iterator[None]:
        """For the duration, the scene shows no caption (a figure's heading says it)."""
        caption = self.caption
        shown = caption.GetVisibility() if caption is not None else False
        if caption is not None:
            caption.SetVisibility(False)
        try:
            yield
        finally:
            if caption is not None:
                caption.SetVisibility(shown)

    def release(self) -> None:
        """Switch off what the subclass attached to the interactor (called by finalize)."""

    def finalize(self) -> None:
        """Release VTK's window and OpenGL context; the view stays blank afterwards."""
        if self._finalized:
            return
        self._finalized = True
        self.release()
        self.render_window.RemoveRenderer(self.renderer)
        self.interactor.Finalize()
        self.interactor.setEnabled(False)
        self.render_window = None

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.render()
