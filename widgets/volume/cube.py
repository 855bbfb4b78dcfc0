"""The ball-in-cube scene inside Qt: a :class:`widgets.vtk.view.VtkView` showing a
:class:`widgets.volume.scene.BallInCubeScene` (the page finalizes it when its window
closes).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QWidget

from engine.volumes import BallSlice
from widgets.common.plot_style import INK
from widgets.common.theme import follow_vtk_theme
from widgets.volume.scene import AXIS_LABEL_ANCHOR, BallInCubeScene, scene_extent
from widgets.vtk.labels import SceneLabel
from widgets.vtk.view import VtkView


class CubeView(VtkView):
    """The 3-cube, its inscribed ball and the scanning plane; drag to turn it around."""

    def __init__(self, ball_slice: BallSlice, parent: QWidget | None = None) -> None:
        super().__init__("cube", "Drag to turn the cube, scroll to zoom, R to reset.", parent)
        self.scene = BallInCubeScene(ball_slice)
        self.scene.add_to(self.renderer)
        self.label_actors = [self.scene.axis_label]
        self.start()
        follow_vtk_theme(self, self.renderer, self.render)

    def scene_labels(self) -> tuple[SceneLabel, ...]:
        """The scanning arrow's name, which exports draw as text at their own scale (VTK
        drew it at 20 pixels in a 2x or 4x image)."""
        return (SceneLabel("x₁", AXIS_LABEL_ANCHOR, INK),)

    def frame_points(self) -> np.ndarray:
        """The cube's corners, the scanning arrow and its name."""
        return np.vstack([scene_extent(), [AXIS_LABEL_ANCHOR]])

    def set_slice(self, ball_slice: BallSlice) -> None:
        """Move the scanning plane and redraw."""
        self.scene.set_slice(ball_slice)
        self.render()
