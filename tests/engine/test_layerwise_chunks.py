"""The next layer's maps made in chunks of cells on several threads: the same maps as
masking and multiplying every piece on its own, whatever the chunks and threads."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import engine.layerwise as layerwise
from engine.layerwise import next_affine_maps, packed_patterns_from_lineage
from engine.networks import random_mlp
from engine.partition2d import partition_2d
from engine.partition3d import partition_3d


def _pieces(rng, n_cells, width, per_cell_max):
    """Cells with 1..per_cell_max pieces each (some cells cut into many), in cell order,
    the pieces' bits differing from their cell's in a few places."""
    cell_on = rng.random((n_cells, width)) < 0.5
    counts = rng.integers(1, per_cell_max + 1, size=n_cells)
    parent = np.repeat(np.arange(n_cells), counts)
    bits = cell_on[parent].copy()
    flip = rng.random(bits.shape) < 0.15
    bits[flip] = ~bits[flip]
    return cell_on, parent, bits


@pytest.mark.parametrize("chunk_values", [1, 7, 50, 10**9])
@pytest.mark.parametrize("threads", [1, 3])
@pytest.mark.parametrize("n_next", [2, 3, layerwise.NARROW_OUTPUTS + 1])
def test_chunked_maps_match_piece_by_piece(monkeypatch, chunk_values, threads, n_next):
    """Both ways of making the maps: the narrow kernel (few outputs; an odd number of
    them too, which its plane case takes two at a time) and the masked maps times the
    weight (chunked)."""
    monkeypatch.setattr(layerwise, "CHUNK_VALUES", chunk_values)
    monkeypatch.setattr(layerwise, "THREADS", threads)
    monkeypatch.setattr(layerwise, "VALUES_PER_THREAD", 10)
    rng = np.random.default_rng(chunk_values + threads)
    for rows in (3, 4):
        n_cells, width = 37, 6
        pre = rng.normal(size=(n_cells, rows, width))
        cell_on, parent, bits = _pieces(rng, n_cells, width, per_cell_max=5)
        weight = rng.normal(size=(n_next, width))
        bias = rng.normal(size=n_next)
        for slope in (0.0, 0.25):
            got = next_affine_maps(pre, cell_on, parent, bits, slope, weight, bias)
            want = (pre[parent] * np.where(bits, 1.0, slope)[:, None, :]) @ weight.T
            want[:, -1, :] += bias
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_pieces_out_of_cell_order_are_refused():
    rng = np.random.default_rng(0)
    pre = rng.normal(size=(3, 3, 2))
    with pytest.raises(ValueError, match="cell after cell"):
        next_affine_maps(
            pre, np.ones((3, 2), bool), np.array([0, 2, 1]), np.ones((3, 2), bool), 0.0,
            rng.normal(size=(2, 2)), np.zeros(2),
        )  # fmt: skip


def test_a_cell_without_pieces_between_cells_with_pieces():
    rng = np.random.default_rng(1)
    pre = rng.normal(size=(4, 3, 3))
    cell_on = rng.random((4, 3)) < 0.5
    parent = np.array([0, 0, 2, 3, 3, 3])
    bits = cell_on[parent]
    weight = rng.normal(size=(2, 3))
    got = next_affine_maps(pre, cell_on, parent, bits, 0.0, weight, np.zeros(2))
    want = (pre[parent] * bits[:, None, :]) @ weight.T
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_partitions_with_tiny_chunks_equal_those_with_one_chunk(monkeypatch, seed):
    """Random networks, one with a dead neuron and two coincident ones (degenerate):
    the same cells, patterns and maps in 2-D and 3-D however the cells are chunked."""
    model2 = random_mlp([10, 10, 10], seed=seed, activation="leaky_relu" if seed else "relu")
    model3 = random_mlp([6, 6, 6], n_inputs=3, seed=seed)
    with torch.no_grad():
        model2[0].weight[1] = 0.0  # a neuron whose line is nowhere
        model2[2].weight[3] = model2[2].weight[2]  # two neurons with the same line
        model2[2].bias[3] = model2[2].bias[2]
    runs = []
    for chunk_values in (10**9, 5):
        monkeypatch.setattr(layerwise, "CHUNK_VALUES", chunk_values)
        # Tiny chunks also split the patterns' gather over ranges of cells and threads.
        monkeypatch.setattr(layerwise, "VALUES_PER_THREAD", 10**9 if chunk_values > 5 else 10)
        runs.append(
            (partition_2d(model2, (-1.0, 1.0, -1.0, 1.0)), partition_3d(model3, (-1.0, 1.0) * 3))
        )
    for whole, chunked in zip(*runs, strict=True):
        assert whole.n_regions == chunked.n_regions
        np.testing.assert_array_equal(whole.patterns, chunked.patterns)
        np.testing.assert_allclose(whole.A, chunked.A, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(whole.c, chunked.c, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("widths", [(8, 16, 8), (5, 13, 3, 9), (1,), (7, 64)])
@pytest.mark.parametrize("threads", [1, 3])
def test_packed_patterns_are_the_bits_of_every_ancestor(monkeypatch, widths, threads):
    """The packed patterns of the final pieces, against each piece's bits collected here
    by walking its ancestors one layer at a time and packed by numpy: layers of any width
    (bytes shifted into place across layer boundaries), on one or several threads."""
    monkeypatch.setattr(layerwise, "THREADS", threads)
    monkeypatch.setattr(layerwise, "VALUES_PER_THREAD", 10)
    rng = np.random.default_rng(sum(widths))
    layer_bits, lineage = [], []
    n_cells = 1
    for width in widths:
        parent = np.sort(rng.integers(0, n_cells, size=n_cells + int(rng.integers(0, 30))))
        layer_bits.append(rng.random((len(parent), width)) < 0.5)
        lineage.append(parent)
        n_cells = len(parent)
    want = np.zeros((n_cells, sum(widths)), dtype=bool)
    for piece in range(n_cells):
        ancestor, end = piece, sum(widths)
        for bits, parent in zip(reversed(layer_bits), reversed(lineage), strict=True):
            end -= bits.shape[1]
            want[piece, end : end + bits.shape[1]] = bits[ancestor]
            ancestor = parent[ancestor]
    got = packed_patterns_from_lineage(layer_bits, lineage)
    np.testing.assert_array_equal(got, np.packbits(want, axis=1))


def test_ranges_on_kept_threads_nest_and_fail_after_every_range():
    """Work on a kept thread that splits its own work again does it in turn (two threads
    each waiting on the other's pool would never finish), and a range's error is raised
    only once every other range has finished."""
    import threading
    import time

    from engine.layerwise import in_ranges

    results: list = []

    def outer(lo: int, hi: int):
        return in_ranges(hi - lo, 3, lambda a, b: (lo + a, lo + b), 2)

    runner = threading.Thread(target=lambda: results.append(in_ranges(8, 4, outer, 2)))
    runner.start()
    runner.join(30)
    assert not runner.is_alive(), "nested ranges did not finish"
    assert [pair for part in results[0] for pair in part] == [
        (0, 1), (1, 1), (1, 2), (2, 3), (3, 3), (3, 4),
        (4, 5), (5, 5), (5, 6), (6, 7), (7, 7), (7, 8),
    ]  # fmt: skip

    finished: list[int] = []

    def failing(lo: int, hi: int) -> None:
        if lo == 0:
            raise ValueError("the first range fails")
        time.sleep(0.05)
        finished.append(lo)

    with pytest.raises(ValueError, match="first range"):
        in_ranges(40, 4, failing, 2)
    assert sorted(finished) == [10, 20, 30]
