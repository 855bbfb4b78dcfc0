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
from vtkmodules.vtkFiltersSources import vtkLineSource
from vtkmodules.vtkInteractionWidgets import (
    vtkHandleWidget,
    vtkImplicitPlaneRepresentation,
    vtkImplicitPlaneWidget2,
    vtkOrientationMarkerWidget,
    vtkSphereHandleRepresentation,
)
from vtkmodules.vtkRenderingAnnotation import vtkAxesActor
from vtkmodules.vtkRenderingCore import (
    vtkActor,
    vtkBillboardTextActor3D,
    vtkPolyDataMapper,
    vtkTextActor,
)

from engine.box_slice import box_corners
from widgets.cells3d.axis_labels import axis_label_anchors
from widgets.cells3d.scene import PROBE_RGB, Cells3DScene, set_standard_view
from widgets.common.theme import DEFAULT_THEME, Theme, current_theme, follow_theme
from widgets.vtk.labels import SceneLabel, world_to_screen
from widgets.vtk.view import VtkView

#: Top and bottom colours of the view's background gradient.
BACKGROUND_TOP = (0.97, 0.975, 0.985)
BACKGROUND_BOTTOM = (0.86, 0.875, 0.90)
#: The colour of a probe sweep's path (the 2-D path's purple).
SWEEP_RGB = (150, 40, 150)
#: The axes' names (as exports write them, and as VTK's font can) and colours: the
#: orientation triad's red, green and blue, dark enough to read on the background.
AXIS_NAMES = (("x₁", "x1"), ("x₂", "x2"), ("x₃", "x3"))
AXIS_RGB = ((176, 30, 30), (24, 120, 48), (36, 56, 186))
#: The axis names' type size on screen in the default theme (pixels).
AXIS_LABEL_SIZE = 17


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

        # The triad's own labels crowd together (x2 points into the screen at the
        # starting view): the axes are named at the box's edges instead.
        axes = vtkAxesActor()
        axes.AxisLabelsOff()
        self.axes_widget = vtkOrientationMarkerWidget()
        self.axes_widget.SetOrientationMarker(axes)
        self.axes_widget.SetInteractor(self.interactor)
        self.axes_widget.SetViewport(0.0, 0.78, 0.16, 1.0)
        self.axes_widget.SetEnabled(1)
        self.axes_widget.InteractiveOff()

        self._bounds: np.ndarray | None = None
        self._label_box: np.ndarray | None = None
        self.axis_actors = []
        self.label_actors = self.axis_actors
        for (_, ascii_name), rgb in zip(AXIS_NAMES, AXIS_RGB, strict=True):
            actor = vtkBillboardTextActor3D()
            actor.SetInput(ascii_name)
            text = actor.GetTextProperty()
            text.SetColor(*(v / 255 for v in rgb))
            text.BoldOn()
            text.SetJustificationToCentered()
            text.SetVerticalJustificationToCentered()
            actor.SetVisibility(False)
            self.renderer.AddViewProp(actor)
            self.axis_actors.append(actor)
        self._size_axis_labels(current_theme())
        self.sweep_line = vtkLineSource()
        sweep_mapper = vtkPolyDataMapper()
        sweep_mapper.SetInputConnection(self.sweep_line.GetOutputPort())
        self.sweep_path = vtkActor()
        self.sweep_path.SetMapper(sweep_mapper)
        self.sweep_path.GetProperty().SetColor(*(v / 255 for v in SWEEP_RGB))
        self.sweep_path.GetProperty().SetLineWidth(3.0)
        self.sweep_path.GetProperty().LightingOff()
        self.sweep_path.SetVisibility(False)
        self.renderer.AddActor(self.sweep_path)
        # Re-placed before every frame: where the box's outline is depends on the camera.
        self.renderer.AddObserver("StartEvent", lambda *_: self._place_axis_labels())

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
        self._label_box = bounds
        for actor in self.axis_actors:
            actor.SetVisibility(True)
        self._place_axis_labels()

    def _place_axis_labels(self) -> None:
        """Put the axes' names beside the box's outline as the camera now sees it."""
        for actor, label in zip(self.axis_actors, self.scene_labels(), strict=False):
            actor.SetPosition(*label.anchor)

    def _size_axis_labels(self, theme: Theme) -> None:
        for actor in self.axis_actors:
            actor.GetTextProperty().SetFontSize(round(AXIS_LABEL_SIZE * theme.font_scale))

    def scene_labels(self) -> tuple[SceneLabel, ...]:
        """The axes' names beside the box's outline (see
        :mod:`widgets.cells3d.axis_labels`), or none before the box is known."""
        if self._label_box is None or self.render_window is None:
            return ()
        anchors = axis_label_anchors(
            self._label_box,
            lambda points: world_to_screen(self.renderer, points),
            self.render_window.GetSize(),
            self._caption_box(),
        )
        return tuple(
            SceneLabel(name, tuple(float(v) for v in anchor), rgb)
            for (name, _), rgb, anchor in zip(AXIS_NAMES, AXIS_RGB, anchors, strict=True)
        )

    def frame_points(self) -> np.ndarray | None:
        """The box's corners and where the axes' names sit beside it now."""
        if self._bounds is None:
            return None
        corners = box_corners(self._bounds)
        anchors = [label.anchor for label in self.scene_labels()]
        return np.vstack([corners, *([anchors] if anchors else [])])

    def _caption_box(self) -> tuple[tuple[float, float, float, float], ...]:
        """The caption's rectangle in the window's pixels from the top left (none when
        it is hidden or empty)."""
        if not self.caption.GetVisibility() or not (self.caption.GetInput() or "").strip():
            return ()
        box = [0.0] * 4
        self.caption.GetBoundingBox(self.renderer, box)
        height = self.render_window.GetSize()[1]
        return ((box[0], height - box[3], box[1], height - box[2]),)

    def set_caption(self, text: str) -> None:
        self.caption.SetInput(text)
        self.render()

    def set_sweep_path(self, ends: tuple[np.ndarray, np.ndarray] | None) -> None:
        """Draw the segment between the two (3,) ``ends`` a probe sweep walks (None: no
        segment)."""
        if ends is not None:
            self.sweep_line.SetPoint1(*(float(v) for v in ends[0]))
            self.sweep_line.SetPoint2(*(float(v) for v in ends[1]))
        self.sweep_path.SetVisibility(ends is not None)
        self.render()

    def show_view(self, view: str) -> None:
        """Look from ``+x``, ``+y``, ``+z`` or ``iso`` (reset camera)."""
        if self._bounds is not None:
            set_standard_view(self.renderer, self._bounds, view)
            self.frame_scene()
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
        self._size_axis_labels(theme)
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
