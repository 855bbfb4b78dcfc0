"""One picture of a network while it trains: what the Playground computes per snapshot.

:func:`compute_frame` runs in a worker. It turns a training snapshot into everything the
page draws: the exact cells and decision boundary (when the view is a plane the network
is piecewise affine on) or the sampled activation patterns (when it is not), each cell's
prediction, a classifier's exact class pieces, and the cell statistics against the
upper bounds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from app.playground.starting_run import DrawnSnapshot, drawn_snapshot, snapshot_network
from engine.cell_statistics import (
    CellPredictions,
    cell_predictions,
    layer_cell_counts_from,
    mixed_cell_counts,
)
from engine.class_pieces import ClassPieces, class_pieces
from engine.datasets import DATA_BOUNDS, Dataset, DatasetSpec
from engine.decision import DecisionBoundary, decision_boundary
from engine.features import (
    FEATURE_PLANE,
    INPUT_PLANE,
    FeatureTransform,
    feature_transform,
    view_is_exact,
)
from engine.local_complexity import local_complexity
from engine.partition2d import Partition2D, TooManyRegionsError, partition_2d
from engine.region_bounds import RegionBounds, region_bounds
from engine.sampled_cells import SampledCells, sample_cells
from engine.training_settings import Architecture
from widgets.playground.fills import CellDrawing, cell_drawing

if TYPE_CHECKING:
    from engine.training import TrainingSnapshot

Bounds = tuple[float, float, float, float]

#: Beyond this many cells the frame fails with a message instead of drawing.
MAX_REGIONS = 200_000
#: Pixels per side of the sampled activation-pattern image.
SAMPLE_RESOLUTION = 300
#: The local-complexity disc's radius, as a share of the drawn plane's width.
LOCAL_RADIUS_SHARE = 0.05


def local_radius(bounds: Bounds) -> float:
    """The radius r of the discs around training points: 5% of the plane's width."""
    return LOCAL_RADIUS_SHARE * (bounds[1] - bounds[0])


def view_bounds(transform: FeatureTransform, view: str, input_bounds: Bounds) -> Bounds:
    """The rectangle drawn: the input rectangle, or its image's box in the feature plane."""
    if transform.is_identity or view != FEATURE_PLANE or not transform.has_exact_feature_plane:
        return tuple(float(v) for v in input_bounds)
    return transform.feature_bounds(input_bounds)


def view_axis_names(transform: FeatureTransform, view: str) -> tuple[str, str]:
    if view_is_exact(transform, view):
        return transform.feature_names[0], transform.feature_names[1]
    return "x₁", "x₂"


@dataclass(frozen=True)
class FrameRequest:
    """What to draw: one snapshot of one network run, seen in one view.

    ``run_id`` numbers the runs (a new data set, network, Reset or view starts one);
    frames of an older run are never shown.
    """

    snapshot: TrainingSnapshot | DrawnSnapshot
    dataset: Dataset
    transform: FeatureTransform
    view: str
    input_bounds: Bounds
    run_id: int
    resolution: int = SAMPLE_RESOLUTION


@dataclass(frozen=True)
class PlaygroundFrame:
    """Everything drawn for one snapshot.

    Attributes
    ----------
    epoch, step, run_id : which snapshot (epochs and optimiser steps done) of which run
        this shows.
    exact : True when ``partition`` holds the exact cells; False when ``sampled`` holds
        activation patterns sampled on a grid of the input plane.
    bounds : (xmin, xmax, ymin, ymax) of the plane drawn.
    axis_names : names of its two coordinates.
    partition : the exact cells (exact), or the bare domain with no cells (sampled).
    boundary : the exact decision boundary (exact classification frames), else None.
    predictions : the prediction at every exact cell's centre, else None.
    pieces : the exact class pieces of the cells (exact classification frames), else None.
    sampled : the sampled patterns (sampled frames), else None.
    train_points, test_points : (N, 2), (M, 2) the data in the drawn plane's coordinates.
    layer_cells : (L,) cells of the first k = 1..L layers: exact counts (those of
        ``partition_2d(..., layers=k)``), or distinct patterns seen on the grid (a lower
        bound) when sampled.
    mixed_cells : (L,) cells of the first k layers holding training points of more than
        one class, or None for regression.
    local_complexity : the mean number of exact cells meeting the disc of radius
        :func:`local_radius` around each training point (Humayun et al. 2024), or None
        when the frame is sampled.
    region_bounds : upper bounds for the same k.
    seconds : wall-clock time of the computation.
    drawing : the exact cells' edges and class fill paths, built in the worker so that
        the GUI thread only paints them (exact frames), else None.
    """

    epoch: int
    step: int
    run_id: int
    exact: bool
    bounds: Bounds
    axis_names: tuple[str, str]
    partition: Partition2D
    boundary: DecisionBoundary | None
    predictions: CellPredictions | None
    pieces: ClassPieces | None
    sampled: SampledCells | None
    train_points: np.ndarray
    test_points: np.ndarray
    dataset: Dataset
    layer_cells: np.ndarray
    mixed_cells: np.ndarray | None
    local_complexity: float | None
    region_bounds: RegionBounds
    seconds: float
    drawing: CellDrawing | None = None

    @property
    def equal_axes(self) -> bool:
        """Whether both axes are input coordinates, to be drawn at the same scale."""
        return self.axis_names == ("x₁", "x₂")

    @property
    def n_cells(self) -> int:
        """Cells of the whole network in view (exact), or patterns seen (sampled)."""
        return int(self.layer_cells[-1]) if len(self.layer_cells) else 1


def compute_frame(request: FrameRequest, *, drawing: bool = True) -> PlaygroundFrame:
    """Compute a frame for ``request``; runs in a worker. With ``drawing`` False its
    painter paths are left for :func:`frame_with_drawing` (a process without the app's
    theme computes the rest)."""
    started = time.perf_counter()
    model = snapshot_network(request.snapshot)
    transform, dataset = request.transform, request.dataset
    architecture = request.snapshot.architecture
    exact = view_is_exact(transform, request.view)
    bounds = view_bounds(transform, request.view, request.input_bounds)
    features_train = transform(dataset.x_train)

    boundary = predictions = pieces = sampled = None
    if exact:
        partition = partition_2d(model, bounds, max_regions=MAX_REGIONS)
        if not dataset.is_regression:
            with np.errstate(invalid="ignore"):  # cells where the network is constant
                boundary = decision_boundary(partition)
            pieces = class_pieces(partition)
        predictions = cell_predictions(partition)
        layer_cells = layer_cell_counts_from(partition)
        to_view = transform
    else:
        sampled = sample_cells(model, transform, bounds, request.resolution)
        plane = (np.zeros(transform.n_features), *np.eye(transform.n_features)[:2])
        partition = partition_2d(model, bounds, plane=plane, layers=0)
        layer_cells = sampled.patterns_per_layer
        to_view = None
    mixed = (
        None if dataset.is_regression else mixed_cell_counts(model, features_train, dataset.y_train)
    )

    def in_view(points: np.ndarray) -> np.ndarray:
        return to_view(points) if to_view is not None else np.asarray(points, dtype=np.float64)

    train_points = in_view(dataset.x_train)
    local = local_complexity(partition, train_points, local_radius(bounds)) if exact else None
    drawn = exact and drawing
    drawing = cell_drawing(partition, predictions, pieces, dataset.n_classes) if drawn else None

    return PlaygroundFrame(
        epoch=request.snapshot.epoch,
        step=request.snapshot.step,
        run_id=request.run_id,
        exact=exact,
        bounds=bounds,
        axis_names=view_axis_names(transform, request.view),
        partition=partition,
        boundary=boundary,
        predictions=predictions,
        pieces=pieces,
        sampled=sampled,
        train_points=train_points,
        test_points=in_view(dataset.x_test),
        dataset=dataset,
        layer_cells=np.asarray(layer_cells, dtype=np.int64),
        mixed_cells=mixed,
        local_complexity=local,
        region_bounds=region_bounds(
            architecture.widths, transform.n_features, architecture.activation
        ),
        seconds=time.perf_counter() - started,
        drawing=drawing,
    )


def frame_with_drawing(frame: PlaygroundFrame) -> PlaygroundFrame:
    """``frame`` with its painter paths in the current theme (exact frames)."""
    if not frame.exact or frame.drawing is not None:
        return frame
    n_classes = frame.dataset.n_classes
    drawing = cell_drawing(frame.partition, frame.predictions, frame.pieces, n_classes)
    return replace(frame, drawing=drawing)


def warm_up_frames() -> None:
    """Compute one small frame, without drawing: loads the frame code's compiled kernels
    (in a process that will compute frames)."""
    dataset = DatasetSpec(n_samples=40).make()
    transform = feature_transform("raw")
    snapshot = drawn_snapshot(dataset, transform, Architecture((4, 4)), seed=0)
    request = FrameRequest(snapshot, dataset, transform, INPUT_PLANE, DATA_BOUNDS, run_id=0)
    compute_frame(request, drawing=False)


def describe_frame_error(error: BaseException) -> str:
    """One or two sentences for the user about why a frame could not be computed."""
    if isinstance(error, TooManyRegionsError):
        return (
            f"The network has more than {error.n_regions:,} cells in view, too many to draw "
            "exactly. Use a smaller network."
        )
    return f"The cells could not be computed: {type(error).__name__}: {error}"
