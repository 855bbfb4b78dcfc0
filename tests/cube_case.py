"""One small 3-D network and its exact cells in a cube, shared by the 3-D test modules.

Computed once per test process: the scene builders (``tests/cells3d/test_cells3d_scene.py``) and
the 3-D probe (``tests/engine/test_probe3d.py``) check themselves against the same partition.
"""

from __future__ import annotations

import functools

from torch import nn

from engine.decision3d import DecisionSurface, decision_surface
from engine.networks import random_mlp
from engine.partition3d import Partition3D, partition_3d

CUBE = (-1.0, 1.0, -1.0, 1.0, -1.0, 1.0)


@functools.cache
def cube_case() -> tuple[nn.Sequential, Partition3D, DecisionSurface]:
    """A seeded 3-8-8-2 network, its partition of :data:`CUBE` and its decision surface."""
    model = random_mlp([8, 8], n_inputs=3, n_outputs=2, seed=0)
    partition = partition_3d(model, CUBE)
    return model, partition, decision_surface(partition)
