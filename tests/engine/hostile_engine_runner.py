"""Runs hostile engine inputs, each in a forked child, and measures each one.

Started by ``tests/engine/test_hostile_engine.py`` as ``python -m
tests.engine.hostile_engine_runner``. It imports the engine and loads its compiled
kernels once, then reads one JSON case a line from stdin (``{"kind": ..., "params":
{...}}``) and forks a child that builds the input the case describes and calls the
engine on it. The child sees a machine with :data:`AVAILABLE_BYTES` free (so a default
budget, half of it, is what a small machine would give), runs under an address-space
limit (its size at fork plus 3 GB: a regression fails with MemoryError instead of eating
the machine) and is killed after 20 s. The answer, one JSON line on stdout, gives the
error's type names and message, the wall time and the child's peak resident set
(``wait4``'s ``ru_maxrss``).
"""

from __future__ import annotations

import json
import sys

import numpy as np
import torch
from torch import nn

from engine import memory_budget
from engine.hulls import hull_membership
from engine.network_spec import build_network
from engine.networks import random_mlp
from engine.partition2d import partition_2d
from engine.partition3d import partition_3d
from engine.segment_walk import segment_crossings
from engine.weights_import import MlpShape, mlp_from_state_dict
from tests.forked_case import run_forked

#: The free memory the children see: their partitions may plan half of it.
AVAILABLE_BYTES = 512 << 20


def _scaled_mlp(params: dict) -> nn.Sequential:
    """A random MLP whose first layer's weights and biases are scaled by ``10**exponent``."""
    model = random_mlp(params["widths"], n_inputs=params.get("n_inputs", 2), seed=params["seed"])
    with torch.no_grad():
        model[0].weight.mul_(10.0 ** params["exponent"])
        model[0].bias.mul_(10.0 ** params["exponent"])
    return model


def _composed_overflow(params: dict) -> nn.Sequential:
    """Two Linear layers in a row whose product overflows when they are composed."""
    scale = 10.0 ** params["exponent"]
    first, second = nn.Linear(2, 4, dtype=torch.float64), nn.Linear(4, 4, dtype=torch.float64)
    with torch.no_grad():
        first.weight.fill_(scale)
        second.weight.fill_(scale)
    return nn.Sequential(first, second, nn.ReLU(), nn.Linear(4, 2, dtype=torch.float64))


def _partition(params: dict, model: nn.Module) -> None:
    if params.get("k", 2) == 3:
        partition_3d(model, params.get("bounds", (-1, 1, -1, 1, -1, 1)), plane=params.get("plane"))
    else:
        partition_2d(model, params.get("bounds", (-1, 1, -1, 1)), plane=params.get("plane"))


def _wide_layer(params: dict) -> None:
    k = params["k"]
    _partition(params, random_mlp([params["width"]], n_inputs=k, seed=params["seed"]))


def _plane(params: dict) -> None:
    d = params["n_inputs"]
    rng = np.random.default_rng(params["seed"])
    origin = rng.standard_normal(d) * params["origin"]
    u, v = (rng.standard_normal(d) * params["direction"] for _ in range(2))
    model = random_mlp([8, 8], n_inputs=d, seed=params["seed"])
    partition_2d(model, (-1, 1, -1, 1), plane=(origin, u, v))


def _segment(params: dict) -> None:
    model = random_mlp([16, 16], n_inputs=len(params["a"]), seed=0)
    segment_crossings(model, np.array(params["a"]), np.array(params["b"]))


def _hull(params: dict) -> None:
    rng = np.random.default_rng(params["seed"])
    d = params["d"]
    train = rng.standard_normal((params["n"], d)) * params["train_scale"]
    train[0, 0] = params["train_scale"]  # the scale is reached, whatever the draw
    queries = rng.standard_normal((4, d)) * params["query_scale"]
    if params.get("poison"):
        queries[0, 0] = float(params["poison"])
    hull_membership(train, queries)


def _spec(params: dict) -> None:
    build_network(params["spec"], {})


def _deep_state_dict(params: dict) -> None:
    depth, width = params["depth"], params["width"]
    state = {f"{i}.weight": torch.zeros(width, width) for i in range(depth)}
    mlp_from_state_dict(state, MlpShape(width, (width,) * (depth - 1), width))


CASES = {
    "wide_layer": _wide_layer,
    "scaled_weights": lambda p: _partition(p, _scaled_mlp(p)),
    "composed_overflow": lambda p: _partition(p, _composed_overflow(p)),
    "bounds": lambda p: _partition(p, random_mlp([8, 8], n_inputs=p.get("k", 2), seed=0)),
    "plane": _plane,
    "segment": _segment,
    "hull": _hull,
    "spec": _spec,
    "deep_state_dict": _deep_state_dict,
}


def _case(case: dict) -> None:
    memory_budget.available_memory_bytes = lambda: AVAILABLE_BYTES
    CASES[case["kind"]](case["params"])


def run(case: dict) -> dict:
    """Run one case in a forked child; its outcome with its time and peak RSS."""
    return run_forked(lambda: _case(case))


def _warm_up() -> None:
    """Load the compiled kernels once, so that no child compiles them."""
    partition_2d(random_mlp([4, 4]), (-1, 1, -1, 1))
    partition_3d(random_mlp([4, 4], n_inputs=3), (-1, 1, -1, 1, -1, 1))
    segment_crossings(random_mlp([4]), [-1, -1], [1, 1])
    hull_membership(np.eye(3), np.ones((1, 3)))


def main() -> None:
    _warm_up()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        print(json.dumps(run(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
