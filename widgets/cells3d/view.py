"""The 3-D cells inside Qt: a ``QVTKRenderWindowInteractor`` showing a
:class:`widgets.cells3d.scene.Cells3DScene`, with a probe handle and a slicing plane.

The probe is a sphere (``vtkHandleWidget`` with a ``vtkSphereHandleRepresentation``): drag
it and ``probe_dragged`` reports its position after every interaction event. The slicing
plane is a ``vtkImplicitPlaneWidget2``: drag its centre to move it, its normal arrow to
tilt it; ``slice_moved`` reports its origin and normal. VTK renders only on the GUI thread,
and only while the view is on screen; call :meth:`Cells3DView.finalize` before the window
goes away.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget
from vtkmodules.vtkInteractionWidgets import (
    vtkHandleWidget,
    vtkImplicitPlaneRepresentation,
    vtkImplicitPlaneWidget2,
    vtkOrientationMarkerWidget,
    vtkSphereHandleRepresentation,
)
from vtkmodules.vtkRenderingAnnotation import vtkAxesActor
from vtkmodules.vtkRenderingCore import vtkTextActor

from widgets.cells3d.scene import PROBE_RGB, Cells3DScene, set_standard_view
from widgets.common.theme import DEFAULT_THEME, Theme, follow_theme
from widgets.vtk.view import VtkView

#: Top and bottom colours of the view's background gradient.
BACKGROUND_TOP = (0.97, 0.975, 0.985)
BACKGROUND_BOTTOM = (0.86, 0.875, 0.90)


class Cells3DView(VtkView):
    """The cells in 3-D; drag to turn, scroll to zoom, drag the red sphere to probe.

    Signals
    -------
    probe_dragged(object) : (3,) float64 position of the probe handle after a drag step.
    slice_moved(object, object) : (3,) origin and (3,) normal of the slicing plane.
    """

    probe_dragged = Signal(object)
    slice_moved = Signal(object, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "cells3d",
            "Drag to turn, right-drag or scroll to zoom, middle-drag to pan.\n"
            "Drag the red sphere to probe; drag the slicing plane's centre or arrow.",
            parent,
        )
        # Only the cells are translucent, and faint: blending them unsorted looks the same
        # and is several times faster than depth peeling.
        self.renderer.SetUseDepthPeeling(False)
        self.renderer.GradientBackgroundOn()
        self.renderer.SetBackground(*BACKGROUND_BOTTOM)
        self.renderer.SetBackground2(*BACKGROUND_TOP)
        self.scene = Cells3DScene()
        self.scene.add_to(self.renderer)
        self.caption = vtkTextActor()
        self.caption.SetPosition(12, 10)
        text = self.caption.GetTextProperty()
        text.SetFontSize(15)
        text.SetColor(0.2, 0.22, 0.28)
        self.renderer.AddViewProp(self.caption)
        self.start()
        follow_theme(self, self._apply_theme)

        self.probe_representation = vtkSphereHandleRepresentation()
        self.probe_representation.GetProperty().SetColor(*(v / 255 for v in PROBE_RGB))
        self.probe_representation.GetSelectedProperty().SetColor(1.0, 0.45, 0.3)
        self.probe_widget = vtkHandleWidget()
        self.probe_widget.SetInteractor(self.interactor)
        self.probe_widget.SetRepresentation(self.probe_representation)
        self.probe_widget.AddObserver("InteractionEvent", self._on_probe_interaction)

        self.slice_representation = vtkImplicitPlaneRepresentation()
        self.slice_representation.SetScaleEnabled(False)
        self.slice_representation.SetOutlineTranslation(False)
        self.slice_representation.SetDrawOutline(False)
        self.slice_representation.SetTubing(False)
        self.slice_representation.GetPlaneProperty().SetOpacity(0.22)
        self.slice_representation.GetPlaneProperty().SetColor(0.25, 0.45, 0.85)
        self.slice_widget = vtkImplicitPlaneWidget2()
        self.slice_widget.SetInteractor(self.interactor)
        self.slice_widget.SetRepresentation(self.slice_representation)
        self.slice_widget.AddObserver("InteractionEvent", self._on_slice_interaction)

        axes = vtkAxesActor()
        axes.SetXAxisLabelText("x1")
        axes.SetYAxisLabelText("x2")
        axes.SetZAxisLabelText("x3")
        self.axes_widget = vtkOrientationMarkerWidget()
        self.axes_widget.SetOrientationMarker(axes)
        self.axes_widget.SetInteractor(self.interactor)
        self.axes_widget.SetViewport(0.0, 0.78, 0.16, 1.0)
        self.axes_widget.SetEnabled(1)
        self.axes_widget.InteractiveOff()

        self._bounds: np.ndarray | None = None

    # Scene ----------------------------------------------------------------------------------

    def set_bounds(self, bounds) -> None:
        """Fit the probe, the slicing plane and the camera to a new box."""
        bounds = np.asarray(bounds, dtype=np.float64)
        first = self._bounds is None
        changed = first or not np.array_equal(bounds, self._bounds)
        self._bounds = bounds
        if not changed:
            return
        self.place_widgets(bounds)
        self.show_view("iso")

    def place_widgets(self, bounds) -> None:
        """Fit the probe and the slicing plane to the box ``bounds`` (the plane back in its
        middle, facing +y), leaving the camera as it is."""
        bounds = np.asarray(bounds, dtype=np.float64)
        size = float(np.max(bounds[1::2] - bounds[0::2]))
        self.probe_representation.SetSphereRadius(0.03 * size)
        self.probe_representation.SetHandleSize(12)
        self.probe_representation.PlaceWidget(list(bounds))
        self.slice_representation.SetPlaceFactor(1.0)
        self.slice_representation.PlaceWidget(list(bounds))
        centre = 0.5 * (bounds[0::2] + bounds[1::2])
        self.slice_representation.SetOrigin(*centre)
        self.slice_representation.SetNormal(0.0, 1.0, 0.0)

    def set_caption(self, text: str) -> None:
        self.caption.SetInput(text)
        self.render()

    def show_view(self, view: str) -> None:
        """Look from ``+x``, ``+y``, ``+z`` or ``iso`` (reset camera)."""
        if self._bounds is not None:
            set_standard_view(self.renderer, self._bounds, view)
            self.renderer.GetActiveCamera().Zoom(1.15)
            self.renderer.ResetCameraClippingRange()
        self.render()

    # Probe ----------------------------------------------------------------------------------

    def set_probe_enabled(self, enabled: bool) -> None:
        self.probe_widget.SetEnabled(int(enabled))
        self.render()

    def probe_position(self) -> np.ndarray:
        return np.array(self.probe_representation.GetWorldPosition(), dtype=np.float64)

    def set_probe_position(self, point) -> None:
        """Put the handle at ``point`` (no signal)."""
        self.probe_representation.SetWorldPosition([float(v) for v in point])
        self.render()

    def _on_probe_interaction(self, _widget, _event) -> None:
        self.probe_dragged.emit(self.probe_position())

    # Slicing plane --------------------------------------------------------------------------

    def set_slice_enabled(self, enabled: bool) -> None:
        self.slice_widget.SetEnabled(int(enabled))
        self.render()

    @property
    def slice_enabled(self) -> bool:
        return bool(self.slice_widget.GetEnabled())

    def slice_plane(self) -> tuple[np.ndarray, np.ndarray]:
        """(3,) origin and (3,) unit normal of the slicing plane."""
        origin = np.array(self.slice_representation.GetOrigin(), dtype=np.float64)
        normal = np.array(self.slice_representation.GetNormal(), dtype=np.float64)
        return origin, normal / np.linalg.norm(normal)

    def set_slice_plane(self, origin, normal) -> None:
        """Move the slicing plane; ``slice_moved`` reports where it went (block the view's
        signals to move it without a report)."""
        self.slice_representation.SetOrigin(*(float(v) for v in origin))
        self.slice_representation.SetNormal(*(float(v) for v in normal))
        self.render()
        self.slice_moved.emit(*self.slice_plane())

    def _on_slice_interaction(self, _widget, _event) -> None:
        self.slice_moved.emit(*self.slice_plane())

    def _apply_theme(self, theme: Theme, previous: Theme) -> None:
        """The default look keeps its soft gradient; another theme gets its flat background
        and larger caption type."""
        gradient = theme.key == DEFAULT_THEME.key
        self.renderer.SetGradientBackground(gradient)
        if gradient:
            self.renderer.SetBackground(*BACKGROUND_BOTTOM)
            self.renderer.SetBackground2(*BACKGROUND_TOP)
        else:
            self.renderer.SetBackground(*(v / 255.0 for v in theme.background))
        self.caption.GetTextProperty().SetFontSize(round(15 * theme.font_scale))
        self.scene.recolour()
        self.render()

    # Rendering ------------------------------------------------------------------------------

    def release(self) -> None:
        """Switch off the probe, the slicing plane and the axes before VTK lets go."""
        self.probe_widget.Off()
        self.slice_widget.Off()
        self.axes_widget.SetEnabled(0)
        for widget in (self.probe_widget, self.slice_widget, self.axes_widget):
            widget.RemoveAllObservers()
            widget.SetInteractor(None)
