"""The ball-in-cube scene inside Qt: a :class:`widgets.vtk.view.VtkView` showing a
:class:`widgets.volume.scene.BallInCubeScene` (the page finalizes it when its window
closes).
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from engine.volumes import BallSlice
from widgets.common.theme import follow_vtk_theme
from widgets.volume.scene import BallInCubeScene
from widgets.vtk.view import VtkView


class CubeView(VtkView):
    """The 3-cube, its inscribed ball and the scanning plane; drag to turn it around."""

    def __init__(self, ball_slice: BallSlice, parent: QWidget | None = None) -> None:
        super().__init__("cube", "Drag to turn the cube, scroll to zoom, R to reset.", parent)
        self.scene = BallInCubeScene(ball_slice)
        self.scene.add_to(self.renderer)
        self.start()
        follow_vtk_theme(self, self.renderer, self.render)

    def set_slice(self, ball_slice: BallSlice) -> None:
        """Move the scanning plane and redraw."""
        self.scene.set_slice(ball_slice)
        self.render()
