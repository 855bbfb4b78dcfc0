"""Training in a child process: the same snapshots and weights as in this thread, a run
stopped at a snapshot left exactly there, and a failing or dying child reported in one
sentence without losing the trainer."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from engine.child_process import ChildFailed, ChildLost
from engine.datasets import make_dataset
from engine.features import feature_transform
from engine.result_cache import use_result_cache
from engine.training import Architecture, Trainer, TrainingConfig
from engine.training_process import TrainingProcess, run_in_child
from tests.engine.trainer_state import assert_same_state, everything


def _trainer() -> Trainer:
    data = make_dataset("xor", n_samples=120, seed=1)
    return Trainer(data, feature_transform("raw"), Architecture((6, 6)), TrainingConfig(seed=2))


def _steps(trainer: Trainer, epochs: int, **options) -> list[int]:
    return [snapshot.step for snapshot in trainer.run(epochs, **options)]


def test_a_run_in_a_child_process_is_the_run_in_this_thread():
    here, there = _trainer(), _trainer()
    assert _steps(there, 4, steps=run_in_child) == _steps(here, 4) == [6, 12, 18, 24]
    assert_same_state(everything(here), everything(there))
    # Snapshots every batch, then on from there: still the same trainer.
    assert _steps(there, 2, every=0.0, steps=run_in_child) == _steps(here, 2, every=0.0)
    assert_same_state(everything(here), everything(there))


def test_a_child_run_stopped_at_a_snapshot_leaves_the_trainer_there():
    straight, paused = _trainer(), _trainer()
    _steps(straight, 3)
    run = paused.run(3, every=0.0, steps=run_in_child)
    for snapshot in run:
        if snapshot.step == 8:  # inside the second epoch
            break
    run.close()
    assert (paused.epoch, paused.step) == (1, 8)
    np.testing.assert_array_equal(
        everything(paused)["w.0.weight"], snapshot.state["0.weight"].numpy()
    )
    _steps(paused, 2, steps=run_in_child)  # the epoch under way counts as the first
    assert_same_state(everything(straight), everything(paused))


def test_a_cached_run_comes_back_without_the_child(tmp_path, monkeypatch):
    use_result_cache(tmp_path)
    try:
        cold, warm = _trainer(), _trainer()
        assert len(_steps(cold, 5, steps=run_in_child)) == 5
        monkeypatch.setattr(TrainingProcess, "begin", None)  # a child would fail now
        assert _steps(warm, 5, steps=run_in_child) == [30]
    finally:
        use_result_cache(None)
    assert_same_state(everything(cold), everything(warm))


def test_an_error_in_the_child_is_raised_here_in_one_sentence():
    here, there = _trainer(), _trainer()
    for trainer in (here, there):
        trainer._y_train[0] = 7  # a class the network has no output for
    with pytest.raises(IndexError):
        _steps(here, 2)
    with pytest.raises(ChildFailed, match=r"^IndexError in the training process: .*7"):
        _steps(there, 2, steps=run_in_child)
    assert_same_state(everything(here), everything(there))  # where it failed, both
    for trainer in (here, there):
        trainer._y_train[0] = 0
    assert _steps(there, 1, steps=run_in_child) == _steps(here, 1)  # the child trains on
    assert_same_state(everything(here), everything(there))


def test_a_child_that_dies_mid_run_is_reported_and_training_goes_on_from_its_snapshot():
    trainer, process = _trainer(), TrainingProcess()
    run = process.run(trainer, 50, every=0.0)
    next(run)
    last = next(run)
    os.kill(process.child.pid, signal.SIGKILL)
    message = r"^The training process was killed \(SIGKILL\) before it answered\.$"
    with pytest.raises(ChildLost, match=message):
        for _ in run:
            pass
    assert not process.child.healthy
    assert (trainer.epoch, trainer.step) == (last.epoch, last.step) == (0, 2)
    np.testing.assert_array_equal(everything(trainer)["w.0.weight"], last.state["0.weight"])
    assert _steps(trainer, 1) == [8]  # a new epoch, from a new batch order
    process.close()


def test_a_closed_child_exits_of_its_own_accord():
    process = TrainingProcess()
    assert len(list(process.run(_trainer(), 1, every=None))) == 1  # up and idle
    process.close()
    assert process.child.returncode == 0


def test_a_child_whose_parent_goes_mid_run_exits_quietly(capfd):
    process = TrainingProcess()
    process.child.send(("run", _trainer(), 50, 0.0))
    assert process.child.receive()[0] == "snapshot"  # it waits for go or stop now
    process.close()
    assert process.child.returncode == 0
    assert "Traceback" not in capfd.readouterr().err
