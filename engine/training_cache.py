"""Whole training runs in the result cache (:mod:`engine.result_cache`).

A run of :meth:`engine.training.Trainer.run` that starts from a fresh trainer (no step
taken yet) is a pure function of the data the trainer holds, its architecture, its
optimiser settings, its initial weights and the number of epochs. Once such a run ends,
everything the trainer carries on with is stored: the weights, the optimiser's state,
the batch-order generator's state, the current batch order and position, the counters and
the history. Restored, the trainer is where the run left it, bit for bit, so training on
from there gives what training on from the computed run gives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from engine.result_cache import CacheEntry, ResultCache, expect_array, fingerprint

if TYPE_CHECKING:
    from engine.training import Trainer

KIND = "training-run"
#: Optimiser state that may be stored per parameter (Adam's moments and step, SGD's
#: momentum).
OPTIMISER_FIELDS = ("step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq", "momentum_buffer")
_HISTORY = ("epoch", "train_loss", "test_loss", "train_score", "test_score")


def is_fresh(trainer: Trainer) -> bool:
    """Whether ``trainer`` has taken no step (the start of a cacheable run)."""
    return trainer.step == 0 and trainer._optimiser is None and len(trainer._order) == 0


def run_inputs(trainer: Trainer, n_epochs: int) -> Any:
    """Everything a fresh trainer's run of ``n_epochs`` depends on, fingerprinted now
    (training changes the weights in place)."""
    return fingerprint(
        {
            "x_train": trainer._x_train,
            "y_train": trainer._y_train,
            "x_test": trainer._x_test,
            "y_test": trainer._y_test,
            "architecture": trainer.architecture,
            "config": trainer.config,
            "regression": trainer.is_regression,
            "weights": trainer.model.state_dict(),
            "epochs": int(n_epochs),
        }
    )


def store_run(trainer: Trainer, cache: ResultCache, inputs: Any) -> bool:
    """Store where ``trainer`` stands after the run ``inputs`` describe."""
    arrays: dict[str, np.ndarray] = {}
    for name, tensor in trainer.model.state_dict().items():
        arrays[f"weights.{name}"] = tensor.detach().numpy().copy()
    optimiser = trainer._optimiser.state_dict() if trainer._optimiser is not None else None
    stored_fields = []
    for index, fields in (optimiser or {"state": {}})["state"].items():
        for field, value in fields.items():
            if field not in OPTIMISER_FIELDS or not isinstance(value, torch.Tensor):
                return False
            # safetensors keeps no 0-d arrays: Adam's step count is stored as (1,)
            array = value.detach().numpy().copy()
            arrays[f"optimiser.{index}.{field}"] = array.reshape(1) if array.ndim == 0 else array
            stored_fields.append([int(index), field])
    arrays["generator"] = trainer._generator.get_state().numpy().copy()
    arrays["order"] = trainer._order.numpy().copy()
    for name in _HISTORY:
        arrays[f"history.{name}"] = getattr(trainer.history, name)
    values = {
        "epoch": trainer.epoch,
        "step": trainer.step,
        "position": trainer._position,
        "optimiser": optimiser is not None,
        "optimiser_fields": stored_fields,
    }
    return cache.store(KIND, inputs, arrays, values)


def restore_run(trainer: Trainer, cache: ResultCache, inputs: Any) -> bool:
    """Put ``trainer`` (fresh) where the stored run ``inputs`` describe ended; False (and
    ``trainer`` untouched) when there is no valid stored run."""
    entry = cache.load(KIND, inputs)
    if entry is None:
        return False
    try:
        restored = _checked_run(trainer, entry)
    except (ValueError, KeyError, TypeError, IndexError, RuntimeError):
        return False
    weights, optimiser_state, generator, order, history, counters = restored
    trainer.model.load_state_dict(weights)
    if optimiser_state is not None:
        trainer._optimiser = trainer._make_optimiser(trainer.config)
        groups = trainer._optimiser.state_dict()["param_groups"]
        trainer._optimiser.load_state_dict({"state": optimiser_state, "param_groups": groups})
    trainer._generator.set_state(generator)
    trainer._order = order
    trainer.epoch, trainer.step, trainer._position = counters
    trainer.history = type(trainer.history)(*history)  # a TrainingHistory
    return True


def _checked_run(trainer: Trainer, entry: CacheEntry):
    """The stored run's parts, each checked against ``trainer`` (ValueError if not)."""
    arrays, values = entry.arrays, entry.values
    weights = {}
    for name, tensor in trainer.model.state_dict().items():
        array = expect_array(arrays, f"weights.{name}", tensor.numpy().dtype, tuple(tensor.shape))
        weights[name] = torch.from_numpy(array.copy())
    parameters = list(trainer.model.parameters())
    optimiser_state: dict[int, dict[str, torch.Tensor]] | None = None
    if values["optimiser"] is True:
        optimiser_state = {}
        for index, field in values["optimiser_fields"]:
            if field not in OPTIMISER_FIELDS or not 0 <= index < len(parameters):
                raise ValueError("cached optimiser state of no parameter")
            shape = (1,) if field == "step" else tuple(parameters[index].shape)
            array = expect_array(arrays, f"optimiser.{index}.{field}", np.float32, shape)
            if field == "step":
                array = array.reshape(())
            optimiser_state.setdefault(index, {})[field] = torch.from_numpy(array.copy())
    elif values["optimiser"] is not False:
        raise ValueError("cached optimiser flag")
    fresh_state = trainer._generator.get_state()
    generator = expect_array(arrays, "generator", np.uint8, tuple(fresh_state.shape))
    n = len(trainer._x_train)
    order = expect_array(arrays, "order", np.int64, (None,))
    if len(order) not in (0, n) or not np.array_equal(np.sort(order), np.arange(len(order))):
        raise ValueError("cached batch order is not a permutation of the training set")
    epoch, step, position = (values[k] for k in ("epoch", "step", "position"))
    # The last batch of an epoch may end past the training set's end.
    last_end = n + trainer.config.batch_size
    if not all(type(v) is int and v >= 0 for v in (epoch, step, position)) or position > last_end:
        raise ValueError("cached counters")
    history = [expect_array(arrays, "history.epoch", np.int64, (epoch + 1,))]
    history += [
        expect_array(arrays, f"history.{k}", np.float64, (epoch + 1,)) for k in _HISTORY[1:]
    ]
    expected = 7 + len(weights) + sum(len(f) for f in (optimiser_state or {}).values())
    if len(arrays) != expected:
        raise ValueError("cached run has arrays it should not")
    return (
        weights,
        optimiser_state,
        torch.from_numpy(generator.copy()),
        torch.from_numpy(order.copy()),
        history,
        (epoch, step, position),
    )
