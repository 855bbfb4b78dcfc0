"""Frames computed in the frame process: the same frame as computed here, errors raised
as they were raised there, and a child that dies replaced without a frame lost."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

from app.playground import frame_process
from app.playground.frame_process import (
    compute_frame_anywhere,
    frame_process_ready,
    start_frame_process,
)
from app.playground.frames import FrameRequest, compute_frame
from engine.datasets import DATA_BOUNDS, DatasetSpec
from engine.features import feature_transform
from engine.training import Trainer
from engine.training_settings import Architecture, TrainingConfig

STARTUP_SECONDS = 60.0


def _wait_until_ready() -> None:
    start_frame_process()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not frame_process_ready():
        assert time.monotonic() < deadline, "the frame process did not start"
        time.sleep(0.05)


def _request(bounds=DATA_BOUNDS) -> FrameRequest:
    dataset = DatasetSpec(name="two_spirals", n_samples=200).make()
    transform = feature_transform("raw")
    trainer = Trainer(dataset, transform, Architecture((16, 16)), TrainingConfig(seed=3))
    for _ in trainer.run(3):
        pass
    return FrameRequest(trainer.snapshot(), dataset, transform, "input", bounds, run_id=7)


def test_the_child_computes_the_frame_computed_here():
    _wait_until_ready()
    request = _request()
    there, here = compute_frame_anywhere(request), compute_frame(request)
    assert (there.epoch, there.step, there.run_id) == (3, here.step, 7)
    assert there.n_cells == here.n_cells > 20
    for name in ("ring_xy", "offsets"):
        np.testing.assert_array_equal(getattr(there.partition, name), getattr(here.partition, name))
    np.testing.assert_array_equal(there.predictions.predicted, here.predictions.predicted)
    np.testing.assert_array_equal(there.pieces.vertices, here.pieces.vertices)
    np.testing.assert_array_equal(there.layer_cells, here.layer_cells)
    np.testing.assert_array_equal(there.mixed_cells, here.mixed_cells)
    assert there.local_complexity == here.local_complexity
    # The painter paths are built here, in the app's theme: the same shades and edges.
    assert [colour.name() for colour, _ in there.drawing.class_fills] == [
        colour.name() for colour, _ in here.drawing.class_fills
    ]
    for mine, theirs in zip(there.drawing.edges, here.drawing.edges, strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_an_error_in_the_child_is_raised_here_as_it_was_raised_there():
    _wait_until_ready()
    request = _request(bounds=(1.0, 0.0, 0.0, 1.0))
    with pytest.raises(ValueError) as here:
        compute_frame(request)
    with pytest.raises(ValueError) as there:
        compute_frame_anywhere(request)
    assert str(there.value) == str(here.value)
    assert frame_process_ready()  # the child goes on


def test_a_child_that_dies_is_replaced_and_its_frame_computed_here():
    _wait_until_ready()
    request = _request()
    os.kill(frame_process._process._child.pid, signal.SIGKILL)
    frame = compute_frame_anywhere(request)
    assert frame.n_cells == compute_frame(request).n_cells
    _wait_until_ready()  # a new child
    assert compute_frame_anywhere(request).n_cells == frame.n_cells
