"""The numpy draws of :mod:`engine.torch_draws` are torch's own, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.torch_draws import TorchUniform


@pytest.mark.parametrize("seed", [0, 7, 3 * 1_000_003 + 16, -4, 2**40 + 17])
def test_the_draws_equal_torch_rand_call_after_call(seed):
    generator = torch.Generator().manual_seed(seed)
    ours = TorchUniform(seed)
    for rows, columns in [(5, 3), (1000, 7), (17, 1), (1, 16)]:
        theirs = torch.rand((rows, columns), generator=generator, dtype=torch.float64)
        drawn = ours.rand(rows, columns)
        assert drawn.shape == (rows, columns) and drawn.dtype == np.float64
        assert np.array_equal(drawn, theirs.numpy())


def test_draws_longer_than_a_chunk_continue_the_stream():
    generator = torch.Generator().manual_seed(3)
    theirs = torch.rand((3, 700_001), generator=generator, dtype=torch.float64).numpy()
    assert np.array_equal(TorchUniform(3).rand(3, 700_001), theirs)
    assert 0.0 <= theirs.min() and theirs.max() < 1.0


def test_different_seeds_draw_different_numbers():
    assert not np.array_equal(TorchUniform(1).rand(4, 4), TorchUniform(2).rand(4, 4))
