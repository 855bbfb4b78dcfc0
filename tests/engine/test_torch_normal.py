"""The normal draws of :class:`engine.torch_draws.TorchGenerator` are torch's own, bit for
bit, on both of torch's CPU builds (its AVX2 kernels and its default ones)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.torch_draws import TorchGenerator, torch_uses_avx2
from engine.torch_float_maths import fused_multiply_add

ROOT = Path(__file__).resolve().parents[2]
#: Sizes that take each path: one by one (< 16, the cached pair carried over), whole
#: blocks of 16, and a partial last block that torch redraws.
SIZES = [(36, 0.8), (12, 0.1), (144, 0.4), (7, 0.1), (24, 0.4), (2, 0.1), (16, 1.0), (4001, 0.2)]


def _compare(seed: int, dtype: torch.dtype) -> list[int]:
    generator = torch.Generator().manual_seed(seed)
    ours = TorchGenerator(seed)
    wrong = []
    for count, std in SIZES:
        theirs = torch.empty(count, dtype=dtype).normal_(0.0, std, generator=generator)
        drawn = ours.normal(count, std, np.float32 if dtype == torch.float32 else np.float64)
        assert drawn.shape == (count,) and drawn.dtype == theirs.numpy().dtype
        wrong.append(int(np.sum(drawn != theirs.numpy())))
    return wrong


@pytest.mark.parametrize("seed", [0, 4, 7, -3, 2**40 + 5])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_the_normal_draws_equal_torch_normal_call_after_call(seed, dtype):
    assert _compare(seed, dtype) == [0] * len(SIZES)


def test_the_machine_guess_matches_torch():
    capability = torch.backends.cpu.get_cpu_capability()
    assert torch_uses_avx2() == (capability in ("AVX2", "AVX512"))


def test_the_default_build_of_torch_is_matched_too():
    """``ATEN_CPU_CAPABILITY=default`` makes torch use its plain C kernels (C library
    maths): the draws follow."""
    code = (
        "import torch\n"
        "from tests.engine.test_torch_normal import _compare\n"
        "assert torch.backends.cpu.get_cpu_capability() == 'DEFAULT'\n"
        "print(sum(_compare(3, torch.float32)) + sum(_compare(5, torch.float64)))\n"
    )
    env = dict(os.environ, ATEN_CPU_CAPABILITY="default")
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "0"


def test_the_fused_multiply_add_rounds_once():
    a = np.float32(1.0 + 2.0**-12)  # a * a = 1 + 2^-11 + 2^-24: a float32 tie, exactly
    tie = np.float32(1.0 + 2.0**-11)
    above = np.nextafter(tie, np.float32(2.0))
    assert a * a == tie  # numpy rounds the tie to even
    assert fused_multiply_add(a, a, np.float32(0.0)) == tie
    # A tiny addend lost in float64's sum still decides the one rounding.
    assert fused_multiply_add(a, a, np.float32(2.0**-80)) == above
    assert fused_multiply_add(a, a, np.float32(-(2.0**-80))) == tie
    assert np.array_equal(
        fused_multiply_add(np.float32([2.0, 3.0]), np.float32([0.5, 0.25]), np.float32([1, 1])),
        np.float32([2.0, 1.75]),
    )
