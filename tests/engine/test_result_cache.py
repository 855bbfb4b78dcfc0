"""The result cache: a stored training run or experiment comes back exactly as computed,
and a damaged, foreign or oversized cache file is computed again, never trusted."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
import torch

import engine.result_cache as result_cache
from engine.datasets import make_dataset
from engine.experiment_cache import cached_experiment, decode_scalar, encode_scalar
from engine.experiments import sample_probability_experiment
from engine.features import feature_transform
from engine.result_cache import (
    ResultCache,
    cache_key,
    default_cache_folder,
    fingerprint,
    use_result_cache,
)
from engine.training import Architecture, Trainer, TrainingConfig
from tests.engine.trainer_state import assert_same_state, everything


@pytest.fixture
def cache(tmp_path):
    """The process's cache on, in a folder of the test's own; off again afterwards."""
    use_result_cache(tmp_path / "cache")
    yield ResultCache(tmp_path / "cache")
    use_result_cache(None)


def _trainer(optimiser: str = "adam") -> Trainer:
    data = make_dataset("xor", n_samples=120, seed=1)
    config = TrainingConfig(optimiser=optimiser, seed=2, batch_size=16)
    return Trainer(data, feature_transform("raw"), Architecture((6, 6)), config)


def _run(trainer: Trainer, epochs: int, every: float | None = None) -> int:
    """Run ``trainer``; returns how many snapshots it yielded."""
    return sum(1 for _ in trainer.run(epochs, every=every))


def test_the_folder_is_the_variable_else_xdg_else_home(tmp_path):
    assert default_cache_folder({"SPLINESCOPE_CACHE_DIR": str(tmp_path)}) == tmp_path
    xdg = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    assert default_cache_folder(xdg) == tmp_path / "xdg" / "splinescope"
    assert default_cache_folder({}).parts[-2:] == (".cache", "splinescope")


def test_keys_follow_every_input_and_the_version(monkeypatch):
    a = np.arange(6.0).reshape(2, 3)
    assert cache_key("k", {"a": a, "n": 3}) == cache_key("k", {"n": 3, "a": a.copy()})
    changed = a.copy()
    changed[1, 2] = np.nextafter(changed[1, 2], 10)
    keys = {
        cache_key("k", {"a": a, "n": 3}),
        cache_key("k", {"a": changed, "n": 3}),
        cache_key("k", {"a": a.reshape(3, 2), "n": 3}),
        cache_key("k", {"a": a.astype(np.float32), "n": 3}),
        cache_key("k", {"a": a, "n": 4}),
        cache_key("other", {"a": a, "n": 3}),
        cache_key("k", {"a": torch.from_numpy(a), "n": 3.0}),
    }
    assert len(keys) == 7
    before = cache_key("k", {"a": a})
    monkeypatch.setattr(result_cache, "CACHE_VERSION", "splinescope-results-next")
    assert cache_key("k", {"a": a}) != before
    with pytest.raises(TypeError):
        fingerprint(object())


def test_a_cached_training_run_restores_the_trainer_bit_for_bit(cache):
    plain = _trainer()
    use_result_cache(None)
    assert _run(plain, 30) == 30  # no cache: every epoch's snapshot
    use_result_cache(cache.folder)

    cold = _trainer()
    assert _run(cold, 30, every=1e-3) >= 2
    assert len(list(cache.folder.glob("training-run-*.safetensors"))) == 1
    warm = _trainer()
    assert _run(warm, 30, every=1e-3) == 1  # the last snapshot alone, from the cache
    assert_same_state(everything(plain), everything(cold))
    assert_same_state(everything(plain), everything(warm))
    # Training on after the restored run is training on after the computed one: Adam's
    # moments, the batch order and the generator came back too.
    use_result_cache(None)
    for trainer in (plain, warm):
        trainer.train_epoch()
        _run(trainer, 3)
    assert_same_state(everything(plain), everything(warm))


def test_other_epochs_weights_or_optimiser_are_other_runs(cache):
    _run(_trainer(), 5)
    _run(_trainer(), 6)
    _run(_trainer("sgd"), 5)
    data = make_dataset("xor", n_samples=120, seed=1)
    config = TrainingConfig(seed=2, batch_size=16)
    other_weights = Trainer(data, feature_transform("raw"), Architecture((6, 6)), config)
    with torch.no_grad():
        next(other_weights.model.parameters())[0, 0] += 1.0
    _run(other_weights, 5)
    assert len(list(cache.folder.glob("training-run-*"))) == 4
    sgd = _trainer("sgd")
    assert _run(sgd, 5) == 1
    use_result_cache(None)
    computed = _trainer("sgd")
    _run(computed, 5)
    assert_same_state(everything(computed), everything(sgd))


def _damage(path, how: str) -> None:
    data = path.read_bytes()
    if how == "garbage":
        path.write_bytes(b"\x00not a safetensors file" * 10)
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "huge header":
        path.write_bytes((10**12).to_bytes(8, "little") + data[8:])
    else:
        raise AssertionError(how)


@pytest.mark.parametrize("how", ["garbage", "truncated", "huge header", "empty"])
def test_a_damaged_training_entry_is_computed_again_and_rewritten(cache, how):
    _run(_trainer(), 8)
    (path,) = cache.folder.glob("training-run-*")
    if how == "empty":
        path.write_bytes(b"")
    else:
        _damage(path, how)
    again = _trainer()
    assert _run(again, 8) == 8  # computed: a snapshot per epoch
    use_result_cache(None)
    computed = _trainer()
    _run(computed, 8)
    assert_same_state(everything(computed), everything(again))
    use_result_cache(cache.folder)
    assert _run(_trainer(), 8) == 1  # the file was written again, whole


def _swap_arrays(path, change) -> None:
    """Rewrite a cache file with the same header metadata (version, key) but arrays
    changed by ``change(arrays)``: a foreign file that claims to be the entry."""
    import json
    import struct

    from safetensors.numpy import load, save

    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    metadata = json.loads(data[8 : 8 + length])["__metadata__"]
    arrays = dict(load(data))
    change(arrays)
    path.write_bytes(save(arrays, metadata))


@pytest.mark.parametrize(
    "change",
    [
        lambda a: a.update({"weights.0.weight": np.zeros((3, 3), np.float32)}),
        lambda a: a.update({"weights.0.weight": a["weights.0.weight"].astype(np.float64)}),
        lambda a: a.update({"order": np.zeros_like(a["order"])}),
        lambda a: a.pop("generator"),
        lambda a: a.update({"extra": np.zeros(2)}),
        lambda a: a.update({"history.train_loss": a["history.train_loss"][:-1]}),
    ],
    ids=["shape", "dtype", "not-a-permutation", "missing", "extra", "short-history"],
)
def test_an_entry_with_wrong_arrays_is_not_trusted(cache, change):
    _run(_trainer(), 4)
    (path,) = cache.folder.glob("training-run-*")
    _swap_arrays(path, change)
    again = _trainer()
    assert _run(again, 4) == 4
    use_result_cache(None)
    computed = _trainer()
    _run(computed, 4)
    assert_same_state(everything(computed), everything(again))


def test_an_oversized_file_is_not_read(cache, monkeypatch):
    _run(_trainer(), 4)
    (path,) = cache.folder.glob("training-run-*")
    monkeypatch.setattr(result_cache, "MAX_ENTRY_BYTES", path.stat().st_size - 1)
    assert _run(_trainer(), 4) == 4


def test_an_unwritable_cache_costs_only_time(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    use_result_cache(blocker / "cache")  # a folder that cannot be made
    try:
        trainer = _trainer()
        assert _run(trainer, 3) == 3
        assert _run(_trainer(), 3) == 3
    finally:
        use_result_cache(None)


SMALL_FIGURE1 = partial(sample_probability_experiment, "gaussian", (2, 3), (10, 30), queries=6)


def _steps(generator):
    steps = []
    while True:
        try:
            steps.append(next(generator))
        except StopIteration as stop:
            return steps, stop.value


def _assert_same_result(first, second) -> None:
    for field in ("title", "x_label", "y_label", "log_x", "markers", "header"):
        assert getattr(first, field) == getattr(second, field), field
    assert len(first.rows) == len(second.rows)
    for row, again in zip(first.rows, second.rows, strict=True):
        assert [type(v) for v in row] == [type(v) for v in again]
        np.testing.assert_array_equal(np.array(row, dtype=object), np.array(again, dtype=object))
    assert len(first.series) == len(second.series)
    for line, again in zip(first.series, second.series, strict=True):
        assert (line.name, line.group, line.exact, line.variant) == (
            again.name,
            again.group,
            again.exact,
            again.variant,
        )
        for part in ("x", "y", "stderr"):
            a, b = getattr(line, part), getattr(again, part)
            assert (a is None) == (b is None), part
            if a is not None:
                assert a.dtype == b.dtype, part
                np.testing.assert_array_equal(a, b)


def test_a_cached_experiment_replays_its_last_step_exactly(cache):
    computed_steps, computed = _steps(SMALL_FIGURE1())
    cold_steps, cold = _steps(cached_experiment("gaussian", SMALL_FIGURE1))
    assert len(cold_steps) == len(computed_steps) > 2
    warm_steps, warm = _steps(cached_experiment("gaussian", SMALL_FIGURE1))
    assert len(warm_steps) == 1 and warm is warm_steps[0].result
    last = computed_steps[-1]
    assert (warm_steps[0].done, warm_steps[0].total, warm_steps[0].message) == (
        last.done,
        last.total,
        last.message,
    )
    _assert_same_result(computed, cold)
    _assert_same_result(computed, warm)
    # Other arguments are another run.
    other = partial(sample_probability_experiment, "gaussian", (2, 3), (10, 30), queries=7)
    assert len(_steps(cached_experiment("gaussian", other))[0]) > 2


def test_a_stopped_experiment_is_not_stored(cache):
    steps = cached_experiment("gaussian", SMALL_FIGURE1)
    next(steps)
    next(steps)
    steps.close()
    assert not cache.folder.exists() or not any(cache.folder.iterdir())


def test_a_damaged_experiment_entry_is_computed_again(cache):
    _steps(cached_experiment("gaussian", SMALL_FIGURE1))
    (path,) = cache.folder.glob("experiment-gaussian-*")
    _swap_arrays(path, lambda a: a.update({"series0.x": np.zeros(3, np.int8)}))
    steps, result = _steps(cached_experiment("gaussian", SMALL_FIGURE1))
    assert len(steps) > 2
    _assert_same_result(_steps(SMALL_FIGURE1())[1], result)


@pytest.mark.parametrize(
    "value",
    [None, True, 3, -2.5, float("nan"), float("-inf"), "d = 2", np.float64(0.25), np.int64(7)],
)
def test_table_cells_keep_their_type(value):
    again = decode_scalar(encode_scalar(value))
    assert type(again) is type(value)
    assert again == value or (again != again and value != value)


def test_table_cells_of_other_types_are_refused():
    with pytest.raises(TypeError):
        encode_scalar([1, 2])
    with pytest.raises(ValueError):
        decode_scalar(["int", "nan"])
    with pytest.raises(KeyError):
        decode_scalar(["complex", 1])
