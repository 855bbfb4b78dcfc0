"""A partition that a newer request stops is not an error: nothing reaches stderr, no
failure is reported, and the newer request's result is the one delivered."""

from __future__ import annotations

import pytest

from app.cells.controller import CellsRequest, compute_cells
from app.jobs.partition_runner import PartitionRunner
from engine.networks import random_mlp
from engine.partition2d import partition_2d

TIMEOUT_MS = 30_000
UNIT = (-1.0, 1.0, -1.0, 1.0)


@pytest.fixture
def runner(qtbot):
    runner = PartitionRunner()
    yield runner
    runner.shutdown()


def test_a_superseded_partition_ends_silently(qtbot, runner, capfd):
    failures, delivered = [], []
    runner.job_failed.connect(failures.append)
    runner.result_ready.connect(delivered.append)

    def stopped_after_its_layer(request: CellsRequest):
        while not request.ticket.stop.wait(0.01):
            pass
        try:  # as a guarded engine call does: the cancel raised while handling another error
            raise ValueError("the model is not an MLP")
        except ValueError:
            request.ticket.after_layer(1, 2, 4)  # raises PartitionCancelled

    model = random_mlp([8, 8], seed=3)
    runner.submit(stopped_after_its_layer, CellsRequest(model, UNIT, 1, runner.issue()))
    newer = CellsRequest(model, UNIT, 2, runner.issue())  # stops the first request
    runner.submit(compute_cells, newer)
    qtbot.waitUntil(lambda: not runner.is_busy, timeout=TIMEOUT_MS)
    assert failures == []
    assert [result.partition.n_regions for result in delivered] == [
        partition_2d(model, UNIT).n_regions
    ]
    assert capfd.readouterr().err == ""


def test_a_real_failure_is_still_reported(qtbot, runner):
    def refused(request: CellsRequest):
        raise ValueError("refused")

    with qtbot.waitSignal(runner.job_failed, timeout=TIMEOUT_MS) as failed:
        runner.submit(refused, CellsRequest(random_mlp([4], seed=0), UNIT, 1, runner.issue()))
    assert str(failed.args[0]) == "refused"
