"""The exact 3-D cells of a network in VTK, built from engine results, with no Qt.

The polydata come from the pure builders of :mod:`widgets.cells3d.polydata` (one batched
polydata for all the faces of all the cells, never one actor per cell); here are the
cells' colours and :class:`Cells3DScene`, which holds the actors and switches what is
shown. The same scene renders in the Qt view (:mod:`widgets.cells3d.view`) or in an
off-screen window for export and tests, read back with
:func:`widgets.vtk.pipeline.window_image`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import vtkmodules.vtkRenderingOpenGL2  # noqa: F401  (the OpenGL render backend)
from vtkmodules.vtkCommonDataModel import vtkPolyData
from vtkmodules.vtkRenderingCore import vtkActor, vtkRenderer

from engine.decision3d import DecisionSurface
from engine.partition3d import Partition3D
from widgets.cells3d.polydata import (
    box_outline,
    decision_polydata,
    faces_polydata,
    layer_faces,
    neuron_faces,
    points_polydata,
    set_face_colours,
)
from widgets.common.class_colours import CLASS_HUES
from widgets.common.palettes import N_CELL_COLOURS, cell_colour_index, oklch_to_srgb
from widgets.common.theme import DEFAULT_PALETTE, Palette, Theme, current_theme
from widgets.vtk.pipeline import polydata_actor

#: (48, 3) uint8 fills of cells by pattern: the 2-D palette's 48 hues, a little deeper,
#: since a translucent light tint vanishes on a white background.
CELL_PALETTE_3D = oklch_to_srgb(
    np.tile([0.80, 0.72, 0.86], N_CELL_COLOURS // 3),
    np.tile([0.11, 0.12, 0.09], N_CELL_COLOURS // 3),
    np.concatenate([np.arange(16) * 22.5 + tone * 7.5 for tone in range(3)]),
)
EDGE_RGB = (52, 58, 78)
DECISION_RGB = (70, 78, 104)
NEURON_RGB = (232, 96, 28)
PROBE_RGB = (214, 39, 40)
PROBE_EDGE_RGB = (120, 10, 14)
BOX_RGB = (120, 124, 136)
#: Line widths in pixels in the default theme (the theme's line scale multiplies them).
EDGE_WIDTH, CHOSEN_WIDTH, PROBE_WIDTH, BOX_WIDTH = 1.0, 1.2, 2.5, 1.5
COLOUR_MODES = ("pattern", "class")
VIEWS = ("+x", "+y", "+z", "iso")


def _rgb(colour) -> tuple[float, float, float]:
    return tuple(float(v) / 255.0 for v in colour)


def class_colours_3d(n_classes: int) -> np.ndarray:
    """(n_classes, 3) uint8 fills of cells by predicted class (the Playground's hues)."""
    hues = CLASS_HUES[np.arange(n_classes) % len(CLASS_HUES)]
    return oklch_to_srgb(np.full(n_classes, 0.76), np.full(n_classes, 0.12), hues)


def cell_colours(
    partition: Partition3D, colour_by: str = "pattern", palette: Palette | None = None
) -> np.ndarray:
    """(R, 3) uint8 colour of every cell: by activation pattern (stable), or by the class
    its affine map predicts at its centroid (patterns when the partition is incomplete).

    ``palette`` (default: the current theme's) decides the colours; the default palette
    uses this scene's deeper tints, the colour-blind-safe one its own fills and classes.
    """
    if colour_by not in COLOUR_MODES:
        raise ValueError(f"colour_by must be one of {COLOUR_MODES}, got {colour_by!r}")
    palette = palette or current_theme().palette
    own = palette.key == DEFAULT_PALETTE.key
    if colour_by == "class" and partition.is_complete:
        out = np.einsum("rok,rk->ro", partition.A, partition.centroids) + partition.c
        n_classes = max(out.shape[1], 2)
        predicted = (out[:, 0] > 0).astype(int) if out.shape[1] == 1 else out.argmax(axis=1)
        if own or palette.class_rgb is None:
            return class_colours_3d(n_classes)[predicted]
        return palette.class_rgb[predicted % len(palette.class_rgb)]
    keys = partition.colour_keys
    if own:
        return CELL_PALETTE_3D[cell_colour_index(keys)]
    return palette.cell_fills[palette.cell_colour_index(keys)]


def probe_colours(palette: Palette | None = None) -> tuple[tuple[int, int, int], ...]:
    """Fill and edge colour of the probe's cell in ``palette`` (default: the current theme's):
    the palette's probe colour, its edge a darker shade of it."""
    palette = palette or current_theme().palette
    if palette.key == DEFAULT_PALETTE.key:
        return PROBE_RGB, PROBE_EDGE_RGB
    return palette.probe, tuple(round(0.55 * v) for v in palette.probe)


@dataclass
class SceneOptions:
    """What the scene shows.

    Attributes
    ----------
    show_cells : every cell, translucent, with its edges.
    layer : show the faces made by this layer (0-based), or None.
    neuron : show this neuron's bent hyperplane (global index), or None.
    show_decision : the decision surface (complete partitions only).
    show_points : the data points (when there are any).
    colour_by : ``"pattern"`` or ``"class"``.
    opacity : of the cells' fill, in (0, 1].
    explode : how far cells move away from the centre (0: not at all).
    """

    show_cells: bool = True
    layer: int | None = None
    neuron: int | None = None
    show_decision: bool = True
    show_points: bool = False
    colour_by: str = "pattern"
    opacity: float = 0.16
    explode: float = 0.0


class Cells3DScene:
    """The actors of one partition: cells, edges, chosen faces, decision surface, points,
    the box and the probe's cell. Add :attr:`actors` to any renderer.

    ``set_partition`` rebuilds the geometry; ``set_options`` switches what is shown;
    ``set_highlighted_cell`` lights one cell up and fades the others.
    """

    def __init__(self) -> None:
        self.partition: Partition3D | None = None
        self.surface: DecisionSurface | None = None
        self.options = SceneOptions()
        self.highlighted: int | None = None
        self._points: tuple[np.ndarray, np.ndarray, int] | None = None
        self._colours = np.zeros((0, 3), np.uint8)

        self.cells = polydata_actor()
        self.cells.GetMapper().SetScalarModeToUseCellData()
        self.cells.GetMapper().SetColorModeToDirectScalars()
        prop = self.cells.GetProperty()
        prop.SetAmbient(0.35)
        prop.SetDiffuse(0.65)
        prop.BackfaceCullingOff()
        self.edges = polydata_actor()
        self.edges.GetMapper().ScalarVisibilityOff()
        edge = self.edges.GetProperty()
        edge.SetRepresentationToWireframe()
        edge.SetColor(*_rgb(EDGE_RGB))
        edge.LightingOff()
        self.chosen_faces = polydata_actor()
        self.chosen_faces.GetMapper().ScalarVisibilityOff()
        chosen = self.chosen_faces.GetProperty()
        chosen.SetOpacity(0.55)
        chosen.SetEdgeVisibility(True)
        self.neuron_surface = polydata_actor()
        self.neuron_surface.GetMapper().ScalarVisibilityOff()
        neuron = self.neuron_surface.GetProperty()
        neuron.SetColor(*_rgb(NEURON_RGB))
        neuron.SetEdgeColor(*_rgb((120, 44, 8)))
        neuron.SetEdgeVisibility(True)
        neuron.SetOpacity(0.85)
        self.decision = polydata_actor()
        self.decision.GetMapper().ScalarVisibilityOff()
        decision = self.decision.GetProperty()
        decision.SetColor(*_rgb(DECISION_RGB))
        # Opaque: the translucent cells then blend over them in any
        # order, so the view needs no depth peeling (which costs seconds per frame with
        # 10^4 faces on a software renderer).
        decision.SetOpacity(1.0)
        decision.SetSpecular(0.5)
        decision.SetSpecularPower(30)
        decision.SetEdgeVisibility(True)  # one facet per cell: the surface is piecewise planar
        decision.SetEdgeColor(*_rgb((24, 26, 36)))
        self.data_points = polydata_actor()
        self.data_points.GetMapper().SetScalarModeToUsePointData()
        self.data_points.GetMapper().SetColorModeToDirectScalars()
        points = self.data_points.GetProperty()
        points.SetPointSize(7.0)
        points.SetRenderPointsAsSpheres(True)
        self.probe_cell = polydata_actor()
        self.probe_cell.GetMapper().ScalarVisibilityOff()
        probe = self.probe_cell.GetProperty()
        probe.SetOpacity(0.6)  # the probe's handle inside stays visible
        probe.SetEdgeVisibility(True)
        self.box = polydata_actor()
        self.box.GetMapper().ScalarVisibilityOff()
        self.box.GetProperty().SetColor(*_rgb(BOX_RGB))
        self.box.GetProperty().LightingOff()
        self._style(current_theme())

    @property
    def actors(self) -> tuple[vtkActor, ...]:
        """Every actor, opaque ones first."""
        return (
            self.box,
            self.data_points,
            self.decision,
            self.neuron_surface,
            self.chosen_faces,
            self.cells,
            self.edges,
            self.probe_cell,  # last: blended over the faint cells, never under them
        )

    @property
    def cell_rgb(self) -> np.ndarray | None:
        """(R, 3) uint8 fill of every cell as drawn, or None before a partition."""
        return None if self.partition is None else self._colours.copy()

    def add_to(self, renderer: vtkRenderer) -> None:
        for actor in self.actors:
            renderer.AddActor(actor)

    def set_partition(self, partition: Partition3D, surface: DecisionSurface | None) -> None:
        """Show a new partition (and its decision surface, None when incomplete)."""
        self.partition = partition
        self.surface = surface
        if self.highlighted is not None and self.highlighted >= partition.n_regions:
            self.highlighted = None
        self.box.GetMapper().SetInputData(box_outline(partition.bounds))
        self._rebuild()

    def set_points(self, points: np.ndarray | None, labels=None, n_classes: int = 2) -> None:
        """The data points to show (None: none)."""
        self._points = (
            None if points is None else (np.asarray(points), np.asarray(labels), n_classes)
        )
        self._show_points()

    def set_options(self, options: SceneOptions) -> None:
        """Switch what is shown; geometry is rebuilt only where it changed."""
        old, self.options = self.options, options
        if self.partition is None:
            return
        if old.explode != options.explode:
            self._rebuild()
            return
        if (old.colour_by, old.opacity) != (options.colour_by, options.opacity):
            self._colours = cell_colours(self.partition, options.colour_by)
            self._paint_cells()
        if (old.layer, old.neuron) != (options.layer, options.neuron):
            self._build_chosen()
        self._show_points()
        self._update_visibility()

    def recolour(self) -> None:
        """Take the colours of the current theme's palette (cells, chosen faces, probe) and
        its line widths."""
        self._style(current_theme())
        if self.partition is None:
            return
        self._colours = cell_colours(self.partition, self.options.colour_by)
        self._paint_cells()
        self._build_chosen()
        self._show_points()

    def set_highlighted_cell(self, cell: int | None) -> None:
        """Light up ``cell`` (the probe's) and fade the others; None: no highlight."""
        if cell == self.highlighted:
            return
        self.highlighted = cell
        if self.partition is None:
            return
        self._build_probe_cell()
        self._paint_cells()
        self._update_visibility()

    def _style(self, theme: Theme) -> None:
        """Line widths of ``theme`` and the probe's colours of its palette."""
        for actor, width in (
            (self.edges, EDGE_WIDTH),
            (self.chosen_faces, CHOSEN_WIDTH),
            (self.probe_cell, PROBE_WIDTH),
            (self.box, BOX_WIDTH),
        ):
            actor.GetProperty().SetLineWidth(theme.width(width))
        fill, edge = probe_colours(theme.palette)
        self.probe_cell.GetProperty().SetColor(*_rgb(fill))
        self.probe_cell.GetProperty().SetEdgeColor(*_rgb(edge))

    # Building ------------------------------------------------------------------------------

    def _rebuild(self) -> None:
        partition, explode = self.partition, self.options.explode
        cells = faces_polydata(partition, explode=explode)
        self.cells.GetMapper().SetInputData(cells)
        self.edges.GetMapper().SetInputData(cells)
        self._colours = cell_colours(partition, self.options.colour_by)
        self._paint_cells()
        self._build_chosen()
        if self.surface is not None:
            self.decision.GetMapper().SetInputData(
                decision_polydata(self.surface, partition, explode=explode)
            )
        else:
            self.decision.GetMapper().SetInputData(vtkPolyData())
        self._build_probe_cell()
        self._show_points()
        self._update_visibility()

    def _paint_cells(self) -> None:
        partition = self.partition
        alpha = np.full(partition.n_regions, round(255 * self.options.opacity))
        if self.highlighted is not None:
            alpha = np.maximum(alpha // 3, 6)
        rgba = np.column_stack([self._colours, alpha]).astype(np.uint8)
        set_face_colours(self.cells.GetMapper().GetInput(), rgba[partition.face_cell])
        self.cells.GetMapper().GetInput().Modified()
        edge_opacity = 0.35 if self.highlighted is None else 0.12
        self.edges.GetProperty().SetOpacity(edge_opacity)

    def _build_chosen(self) -> None:
        partition, options = self.partition, self.options
        explode = options.explode
        if options.layer is not None and options.layer < partition.n_layers:
            faces = layer_faces(partition, options.layer)
            colour = current_theme().palette.layer_edge_colours(partition.n_layers_total)[
                options.layer
            ]
            self.chosen_faces.GetProperty().SetColor(*_rgb(colour))
            edge = np.clip(colour.astype(int) - 40, 0, 255)
            self.chosen_faces.GetProperty().SetEdgeColor(*_rgb(edge))
            self.chosen_faces.GetMapper().SetInputData(
                faces_polydata(partition, faces, explode=explode)
            )
        else:
            self.chosen_faces.GetMapper().SetInputData(vtkPolyData())
        if options.neuron is not None and options.neuron < partition.patterns.shape[1]:
            faces = neuron_faces(partition, options.neuron)
            self.neuron_surface.GetMapper().SetInputData(
                faces_polydata(partition, faces, explode=explode)
            )
        else:
            self.neuron_surface.GetMapper().SetInputData(vtkPolyData())

    def _build_probe_cell(self) -> None:
        partition, cell = self.partition, self.highlighted
        if cell is None:
            self.probe_cell.GetMapper().SetInputData(vtkPolyData())
            return
        faces = np.arange(partition.cell_offsets[cell], partition.cell_offsets[cell + 1])
        self.probe_cell.GetMapper().SetInputData(
            faces_polydata(partition, faces, explode=self.options.explode)
        )

    def _show_points(self) -> None:
        if self._points is None or not self.options.show_points:
            self.data_points.GetMapper().SetInputData(vtkPolyData())
            self.data_points.SetVisibility(False)
            return
        points, labels, n_classes = self._points
        self.data_points.GetMapper().SetInputData(points_polydata(points, labels, n_classes))
        self.data_points.SetVisibility(True)

    def _update_visibility(self) -> None:
        options = self.options
        self.cells.SetVisibility(options.show_cells)
        self.edges.SetVisibility(options.show_cells)
        self.chosen_faces.SetVisibility(options.layer is not None)
        self.neuron_surface.SetVisibility(options.neuron is not None)
        self.decision.SetVisibility(options.show_decision and self.surface is not None)
        self.probe_cell.SetVisibility(self.highlighted is not None)


def set_standard_view(renderer: vtkRenderer, bounds, view: str) -> None:
    """Look at the box from ``+x``, ``+y``, ``+z`` (down, x1 to the right) or ``iso``."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    bounds = np.asarray(bounds, dtype=np.float64)
    centre = 0.5 * (bounds[0::2] + bounds[1::2])
    direction, up = {
        "+x": ((1.0, 0.0, 0.0), (0.0, 0.0, 1.0)),
        "+y": ((0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
        "+z": ((0.0, 0.0, 1.0), (0.0, 1.0, 0.0)),
        "iso": ((1.0, -1.25, 0.85), (0.0, 0.0, 1.0)),
    }[view]
    camera = renderer.GetActiveCamera()
    camera.SetFocalPoint(*centre)
    camera.SetPosition(*(centre + np.asarray(direction)))
    camera.SetViewUp(*up)
    camera.SetViewAngle(30.0)
    renderer.ResetCamera(*bounds)
    renderer.ResetCameraClippingRange()
