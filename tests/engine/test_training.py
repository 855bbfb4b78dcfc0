"""Training: seeded, streamed as snapshots, and good enough with the default settings."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.datasets import make_dataset
from engine.features import feature_transform
from engine.training import (
    Architecture,
    Trainer,
    TrainingConfig,
    TrainingHistory,
    model_from_state,
    one_torch_thread,
    train,
)

RAW = feature_transform("raw")


@pytest.mark.parametrize("name", ["xor", "two_moons"])
def test_defaults_train_two_hidden_layers_to_95_percent_test_accuracy(name):
    data = make_dataset(name)  # the default size, noise and seed
    config = TrainingConfig()
    snapshot = train(data, RAW, Architecture((8, 8)), config)

    assert snapshot.epoch == config.epochs
    model = snapshot.model()
    with torch.no_grad():
        predicted = model(torch.as_tensor(data.x_test)).argmax(dim=1).numpy()
    accuracy = float(np.mean(predicted == data.y_test))
    assert accuracy >= 0.95, accuracy
    assert snapshot.history.test_score[-1] == pytest.approx(accuracy, abs=1e-6)


def _trainer(seed: int = 0, **config) -> Trainer:
    data = make_dataset("xor", n_samples=120, seed=1)
    return Trainer(data, RAW, Architecture((6, 6)), TrainingConfig(seed=seed, **config))


def _weights(state: dict) -> np.ndarray:
    return np.concatenate([v.numpy().ravel() for v in state.values()])


def test_the_same_seed_trains_the_same_weights():
    first, again, other = _trainer(3), _trainer(3), _trainer(4)
    for trainer in (first, again, other):
        for _ in trainer.run(5):
            pass
    np.testing.assert_array_equal(
        _weights(first.snapshot().state), _weights(again.snapshot().state)
    )
    assert not np.allclose(_weights(first.snapshot().state), _weights(other.snapshot().state))


def test_run_yields_a_snapshot_after_every_epoch_and_can_stop_at_any():
    trainer = _trainer()
    initial = trainer.snapshot()
    snapshots = []
    for snapshot in trainer.run(10):
        snapshots.append(snapshot)
        if snapshot.epoch == 4:
            break

    assert [s.epoch for s in snapshots] == [1, 2, 3, 4]
    assert trainer.epoch == 4
    # Stopping at a yield leaves the trainer exactly at the yielded weights.
    np.testing.assert_array_equal(_weights(trainer.snapshot().state), _weights(snapshots[-1].state))
    # Snapshots own their weights: training on does not change them.
    before = _weights(snapshots[-1].state)
    for _ in trainer.run(2):
        pass
    np.testing.assert_array_equal(_weights(snapshots[-1].state), before)
    assert not np.array_equal(_weights(initial.state), before)


def test_timed_snapshots_fall_between_epochs_and_always_end_the_run():
    trainer = _trainer()
    assert [s.epoch for s in trainer.run(6, every=float("inf"))] == [6]
    snapshots = list(trainer.run(2, every=0.0))  # after every batch
    batches_per_epoch = -(-84 // 16)  # 84 training points in batches of 16
    assert [s.step for s in snapshots] == list(range(6 * 6 + 1, 8 * batches_per_epoch + 1))
    assert snapshots[0].epoch == 6 and snapshots[-1].epoch == 8


def test_a_run_stopped_between_epochs_resumes_where_it_stopped():
    straight, paused = _trainer(), _trainer()
    for _ in straight.run(3):
        pass
    for snapshot in paused.run(3, every=0.0):
        if snapshot.step == 8:  # inside the second epoch
            break
    assert paused.epoch == 1 and paused.step == 8
    for _ in paused.run(2):  # the epoch under way counts as the first
        pass
    assert paused.epoch == 3 and paused.step == straight.step
    np.testing.assert_array_equal(
        _weights(paused.snapshot().state), _weights(straight.snapshot().state)
    )


def test_history_has_a_row_per_epoch_from_epoch_zero():
    trainer = _trainer()
    for _ in trainer.run(3):
        pass
    history = trainer.snapshot().history
    assert isinstance(history, TrainingHistory) and len(history) == 4
    np.testing.assert_array_equal(history.epoch, [0, 1, 2, 3])
    assert np.all((history.train_score >= 0) & (history.train_score <= 1))
    assert np.all(history.train_loss > 0)


def test_a_snapshot_rebuilds_the_float64_model():
    trainer = _trainer()
    snapshot = trainer.snapshot()
    model = model_from_state(snapshot.architecture, snapshot.state)
    x = torch.randn(20, 2)
    with torch.no_grad():
        expected = trainer.model(x).double()
        got = model(x.double())
    assert got.dtype == torch.float64
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)


def test_regression_uses_squared_error_and_r2():
    data = make_dataset("bump", n_samples=200, noise=0.0, seed=0)
    trainer = Trainer(data, RAW, Architecture((16, 16)), TrainingConfig(epochs=60))
    assert trainer.architecture.n_outputs == 1
    for _ in trainer.run(60):
        pass
    history = trainer.snapshot().history
    assert history.test_score[-1] > 0.8  # R²
    assert history.train_loss[-1] < history.train_loss[0]


def test_features_set_the_input_width():
    data = make_dataset("circle", n_samples=100)
    trainer = Trainer(data, feature_transform("squares"), Architecture((4,)), TrainingConfig())
    assert trainer.architecture.n_inputs == 4
    assert trainer.model[0].in_features == 4


def test_new_settings_apply_to_the_next_step():
    trainer = _trainer(optimiser="sgd", learning_rate=0.1)
    trainer.set_config(TrainingConfig(optimiser="sgd", learning_rate=0.0001))
    before = _weights(trainer.snapshot().state)
    for _ in trainer.run(1):
        pass
    moved = np.abs(_weights(trainer.snapshot().state) - before).max()
    assert 0 < moved < 0.01


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Architecture(()), "positive"),
        (lambda: Architecture((4, 0)), "positive"),
        (lambda: Architecture((4,), activation="tanh"), "unknown activation"),
        (lambda: TrainingConfig(optimiser="rmsprop"), "unknown optimiser"),
        (lambda: TrainingConfig(learning_rate=0.0), "learning rate"),
        (lambda: TrainingConfig(batch_size=0), "batch size"),
    ],
)
def test_bad_settings_are_rejected(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_one_torch_thread_holds_one_thread_until_the_last_nested_user_leaves():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with one_torch_thread():
            assert torch.get_num_threads() == 1
            with one_torch_thread():
                assert torch.get_num_threads() == 1
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
