"""Everything a trainer carries on with, as arrays, to compare two trainers exactly."""

from __future__ import annotations

import numpy as np

from engine.training import Trainer


def everything(trainer: Trainer) -> dict[str, np.ndarray]:
    """All a trainer carries on with, as arrays: weights, optimiser state, batch order,
    the generator's state and the history."""
    arrays = {f"w.{k}": v.numpy().copy() for k, v in trainer.model.state_dict().items()}
    if trainer._optimiser is not None:
        for index, fields in trainer._optimiser.state_dict()["state"].items():
            arrays |= {f"o.{index}.{k}": v.numpy().copy() for k, v in fields.items()}
    arrays["generator"] = trainer._generator.get_state().numpy()
    arrays["order"] = trainer._order.numpy().copy()
    arrays["counters"] = np.array([trainer.epoch, trainer.step, trainer._position])
    for name in ("epoch", "train_loss", "test_loss", "train_score", "test_score"):
        arrays[f"h.{name}"] = getattr(trainer.history, name)
    return arrays


def assert_same_state(first: dict[str, np.ndarray], second: dict[str, np.ndarray]) -> None:
    assert first.keys() == second.keys()
    for name in first:
        assert first[name].dtype == second[name].dtype, name
        np.testing.assert_array_equal(first[name], second[name], err_msg=name)
