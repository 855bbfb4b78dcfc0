"""The partition runner pauses garbage collection while a partition runs in its worker,
and restores it after, whether the partition ends, fails or is cancelled."""

from __future__ import annotations

import gc

import pytest

from app.cells.controller import CellsRequest, compute_cells
from app.jobs.partition_runner import PartitionRunner
from engine.networks import random_mlp
from engine.partition2d import partition_2d

TIMEOUT_MS = 30_000
UNIT = (-1.0, 1.0, -1.0, 1.0)


@pytest.fixture
def runner(qtbot):
    assert gc.isenabled()
    runner = PartitionRunner()
    yield runner
    runner.shutdown()
    gc.enable()


def test_collection_is_off_during_the_partition_and_on_after(qtbot, runner):
    seen = []

    def compute(request: CellsRequest):
        seen.append(gc.isenabled())
        return compute_cells(request)

    model = random_mlp([16, 16], seed=1)
    request = CellsRequest(model, UNIT, 2, runner.issue())
    with qtbot.waitSignal(runner.result_ready, timeout=TIMEOUT_MS) as delivered:
        runner.submit(compute, request)
    qtbot.waitUntil(lambda: not runner.is_busy, timeout=TIMEOUT_MS)
    assert seen == [False]
    assert gc.isenabled()
    assert delivered.args[0].partition.n_regions == partition_2d(model, UNIT).n_regions


def test_collection_is_on_again_after_a_failed_partition(qtbot, runner):
    def compute(request: CellsRequest):
        raise ValueError(f"refused {request.layers}")

    request = CellsRequest(random_mlp([4], seed=0), UNIT, 1, runner.issue())
    with qtbot.waitSignal(runner.job_failed, timeout=TIMEOUT_MS) as failed:
        runner.submit(compute, request)
    qtbot.waitUntil(lambda: not runner.is_busy, timeout=TIMEOUT_MS)
    assert str(failed.args[0]) == "refused 1"
    assert gc.isenabled()


def test_collection_is_on_again_after_a_cancelled_partition(qtbot, runner):
    layers_seen = []

    def compute(request: CellsRequest):
        def after_layer(done, total, n_cells):
            layers_seen.append(done)
            request.ticket.stop.set()  # the user cancels during the first layer
            request.ticket.after_layer(done, total, n_cells)

        return partition_2d(request.model, request.bounds, progress=after_layer)

    request = CellsRequest(random_mlp([8, 8, 8], seed=2), UNIT, 3, runner.issue())
    runner.submit(compute, request)
    qtbot.waitUntil(lambda: not runner.is_busy, timeout=TIMEOUT_MS)
    assert layers_seen == [1]
    assert gc.isenabled()
