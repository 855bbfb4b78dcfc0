"""Labels anchored in a VTK scene, which exports draw as text over the scene's image.

VTK draws text at its own pixel size whatever the export's scale (a billboard label stays
15 px in a 4x image), and GL2PS-free SVG/PDF exports hold the scene as one raster. So a
view lists its labels as :class:`SceneLabel` values; on screen VTK draws them, in an
export the exporter hides them (:meth:`widgets.vtk.view.VtkView.labels_hidden`) and paints
each one, with QPainter, where :func:`label_positions` says its anchor shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from vtkmodules.vtkRenderingCore import vtkRenderer


@dataclass(frozen=True)
class SceneLabel:
    """A short text at a point of the scene.

    Attributes
    ----------
    text : what the label says.
    anchor : (3,) world coordinates of the point the label is centred on.
    rgb : its colour, 0-255.
    """

    text: str
    anchor: tuple[float, float, float]
    rgb: tuple[int, int, int]


def world_to_screen(renderer: vtkRenderer, points: np.ndarray) -> np.ndarray:
    """(N, 2) where the (N, 3) world ``points`` show in the render window, in its pixels
    from the top left, at the renderer's current camera."""
    window = renderer.GetRenderWindow()
    height = max(window.GetSize()[1], 1) if window is not None else 1
    screen = np.empty((len(points), 2))
    for i, point in enumerate(np.asarray(points, dtype=np.float64)):
        renderer.SetWorldPoint(*point, 1.0)
        renderer.WorldToDisplay()
        x, y, _ = renderer.GetDisplayPoint()
        screen[i] = x, height - y
    return screen


def label_positions(
    renderer: vtkRenderer, labels: tuple[SceneLabel, ...], width: float, height: float
) -> list[tuple[SceneLabel, float, float]]:
    """Each label with where its anchor shows in a view ``width x height`` (logical
    pixels from the top left), at the renderer's current camera; labels behind the camera
    are left out."""
    window = renderer.GetRenderWindow()
    if window is None:
        return []
    window_w, window_h = (max(v, 1) for v in window.GetSize())
    placed = []
    for label in labels:
        renderer.SetWorldPoint(*label.anchor, 1.0)
        renderer.WorldToDisplay()
        x, y, depth = renderer.GetDisplayPoint()
        if not (np.isfinite(x) and np.isfinite(y)) or not 0.0 <= depth <= 1.0:
            continue
        placed.append((label, x * width / window_w, height - y * height / window_h))
    return placed
