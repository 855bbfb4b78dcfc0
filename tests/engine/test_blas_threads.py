"""One BLAS thread while a partition runs, and the caller's setting back afterwards."""

from __future__ import annotations

import threading

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from engine import blas_threads
from engine.blas_threads import one_blas_thread
from engine.networks import random_mlp
from engine.partition2d import partition_2d


def _blas_threads() -> set[int]:
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


def test_blas_is_limited_inside_and_restored_after():
    with threadpool_limits(limits=2, user_api="blas"):
        with one_blas_thread():
            assert _blas_threads() == {1}
        assert _blas_threads() == {2}


def test_overlapping_blocks_restore_the_original_when_the_last_leaves():
    # OpenBLAS takes its thread count from the main thread, so the main thread enters
    # first and reads it; another thread's block opens and closes inside its block.
    seen: list[int] = []

    def other() -> None:
        with one_blas_thread():
            seen.append(blas_threads._users)

    with threadpool_limits(limits=2, user_api="blas"):
        with one_blas_thread():
            worker = threading.Thread(target=other)
            worker.start()
            worker.join(10)
            assert seen == [2]
            # The other block has left while this one is still inside: still one thread.
            assert _blas_threads() == {1}
        assert _blas_threads() == {2}


def test_a_partition_leaves_the_blas_setting_as_it_found_it():
    with threadpool_limits(limits=2, user_api="blas"):
        part = partition_2d(random_mlp([8, 8], seed=0), (-1.0, 1.0, -1.0, 1.0))
        assert part.n_regions > 1
        assert _blas_threads() == {2}
    assert np.isfinite(part.A).all()
