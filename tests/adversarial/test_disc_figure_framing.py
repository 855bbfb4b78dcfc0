"""The Adversarial page's 2-D disc figure (issue 17's deck figure), drawn alone as the export
draws it at 640x360, 1920x1080 and 4K in both themes: no tick label is cut, the plot area
is square like its domain, and the domain fills both ranges shown."""

from __future__ import annotations

import numpy as np
import pytest

from app.export.figure_frame import FigureHeading
from app.shell.theme import apply_theme
from engine.adversarial_distance import adversarial_distance
from engine.adversarial_plane import train_plane_classifier
from engine.decision import decision_boundary
from engine.partition2d import partition_2d
from tests.shell.framed_export import check_framed
from widgets.adversarial.plane_disc import PlaneDiscCanvas

SIZES = [(640, 360), (1920, 1080), (3840, 2160)]
HEADING = FigureHeading("In the plane: the exact distance to another class", "2-D net")


@pytest.fixture(scope="module")
def plane():
    classifier = train_plane_classifier()
    return classifier, partition_2d(classifier.model, classifier.bounds)


@pytest.fixture
def back_to_default():
    yield
    apply_theme("default")


@pytest.mark.parametrize("theme", ["default", "talk"])
def test_the_disc_figure_is_framed_to_its_square_domain(
    qtbot, plane, theme, back_to_default, monkeypatch
):
    apply_theme(theme)
    classifier, partition = plane
    canvas = PlaneDiscCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(700, 500)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.set_partition(partition, decision_boundary(partition))
    canvas.set_training_points(classifier.x_train, classifier.y_train)
    xmin, xmax, ymin, ymax = classifier.bounds
    canvas.setRange(xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0.0)  # as the page
    answer = adversarial_distance(classifier.model, np.array([0.0, 0.5]), norm="l2")
    canvas.set_disc(answer.x0, answer.distance, answer.norm, answer.point)
    qtbot.wait(100)
    aspect = (xmax - xmin) / (ymax - ymin)
    check_framed(canvas, SIZES, HEADING, monkeypatch, aspect)
