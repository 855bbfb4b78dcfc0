"""Subtrees of the traced-graph partition on threads, and the kernels that make the
pieces' values: the same cells as one thread and as the tensor code they replace."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import torch

from engine import graph_kernels, partition_graph
from engine.graph_pieces import packed_bits, piece_value, window_positions
from engine.graph_threads import SubtreeThreads
from engine.partition2d import partition_2d
from engine.pl_graph import trace_piecewise_linear
from engine.pl_slice import cutting_value, decision_bits, entries, push_rows
from tests.engine.test_partition_maxpool import _case


def _record(chunk, start, out):
    time.sleep(0.002 * (5 - chunk % 5))  # later tasks finish first
    out.append((chunk, start, threading.current_thread().name))


def test_subtrees_join_in_the_order_of_the_tasks_whatever_finishes_first():
    leaves = []
    with SubtreeThreads(3) as threads:
        threads.run_each(_record, ((k, 7) for k in range(12)), leaves)
    assert [(chunk, start) for chunk, start, _ in leaves] == [(k, 7) for k in range(12)]
    assert all(name.startswith("subtree") for _, _, name in leaves)
    assert len({name for _, _, name in leaves}) > 1


def test_one_thread_runs_the_subtrees_in_turn_on_the_callers_thread():
    leaves = []
    with SubtreeThreads(1) as threads:
        assert threads.kernel_threads() == 1
        threads.run_each(_record, ((k, 0) for k in range(4)), leaves)
    assert [chunk for chunk, _, _ in leaves] == [0, 1, 2, 3]
    assert {name for _, _, name in leaves} == {threading.current_thread().name}


def test_tasks_are_taken_lazily_and_an_error_stops_the_rest():
    taken = []

    def tasks():
        for k in range(100):
            taken.append(k)
            yield k, 0

    def fail_at_three(chunk, start, out):
        if chunk == 3:
            raise ValueError("cell 3 is bad")
        time.sleep(0.02)
        out.append(chunk)

    leaves = []
    with SubtreeThreads(2) as threads, pytest.raises(ValueError, match="cell 3"):
        threads.run_each(fail_at_three, tasks(), leaves)
    # At most a thread's worth of tasks past the failing one were taken.
    assert len(taken) < 10


def test_nested_subtrees_stay_on_their_thread():
    """A subtree that splits again runs its parts itself, and its kernels on one thread."""
    seen = []
    with SubtreeThreads(2) as threads:

        def outer(chunk, start, out):
            assert threads.kernel_threads() == 1
            inner = []
            threads.run_each(
                lambda c, s, o: o.append((c, threading.get_ident())), [(0, 0), (1, 0)], inner
            )
            seen.append({ident for _, ident in inner} == {threading.get_ident()})
            out.append(chunk)

        assert threads.kernel_threads() == 2
        leaves = []
        threads.run_each(outer, ((k, 0) for k in range(4)), leaves)
    assert leaves == [0, 1, 2, 3] and all(seen)


@pytest.mark.parametrize("name", ["digits-like", "pool-1d"])
def test_threaded_subtrees_give_every_cell_as_one_thread(name, monkeypatch):
    """Small chunks make many subtrees; on three threads the partition is the same, array
    for array, as on one."""
    model, sl = _case(name)
    monkeypatch.setattr(partition_graph, "CHUNK_BYTES", 20_000)
    monkeypatch.setattr(partition_graph, "CUT_BYTES", 10_000)
    subtrees = []
    run = SubtreeThreads._subtree

    def counted(self, *args):
        subtrees.append(threading.current_thread().name)
        return run(self, *args)

    monkeypatch.setattr(SubtreeThreads, "_subtree", counted)
    results = {}
    for n_threads in (1, 3):
        monkeypatch.setattr(partition_graph, "CUT_THREADS", n_threads)
        results[n_threads] = partition_2d(model, None, plane=sl)
    assert len(subtrees) > 5  # only the three-thread run starts subtrees
    one, three = results[1], results[3]
    assert three.n_regions == one.n_regions > 20
    for field in ("vertices", "offsets", "edge_neuron", "patterns", "A", "c"):
        np.testing.assert_array_equal(getattr(three, field), getattr(one, field), err_msg=field)


def _steps(name):
    model, sl = _case(name)
    return trace_piecewise_linear(model, sl.input_shape).cutting_steps


@pytest.mark.parametrize("name", ["digits-like", "pool-1d"])
def test_piece_values_are_the_tensor_codes_bit_for_bit(name):
    """The kernels' values of every ReLU-like and max-pooling step on random cells, pieces
    and decisions are exactly those of ``pl_slice.cutting_value`` on the gathered cells."""
    rng = np.random.default_rng(3)
    for step in _steps(name):
        n_cells, n_pieces = 5, 17
        shape = step.shape if step.kind == "relu" else (step.shape[0], *_input_shape(step))
        value = torch.from_numpy(rng.normal(size=(n_cells * 3, *shape)))
        parent = rng.integers(0, n_cells, n_pieces)
        if step.kind == "relu":
            decision = torch.from_numpy(rng.random((n_pieces, *step.shape)) < 0.5)
        else:
            decision = torch.from_numpy(
                rng.integers(0, step.windows.shape[1], (n_pieces, *step.shape))
            )
        taken = torch.from_numpy(value.view(n_cells, 3, -1).numpy()[parent]).reshape(
            -1, *value.shape[1:]
        )
        expected = cutting_value(step, taken, 3, decision)
        ours = piece_value(step, value, parent, decision)
        assert ours.shape == expected.shape
        np.testing.assert_array_equal(ours.numpy(), expected.numpy())
        packed = packed_bits(step, decision)
        assert packed.dtype == np.uint8
        np.testing.assert_array_equal(packed, np.packbits(decision_bits(step, decision), axis=1))


def _input_shape(step):
    """The input positions (flattened) a max-pooling step's windows index into."""
    return (int(step.windows.max()) + 1,)


def test_leaky_slopes_scale_the_off_units():
    rows = np.arange(2 * 3 * 4, dtype=np.float64).reshape(2, 3, 4) - 10.0
    on = np.array([[True, False, True, False], [False, False, True, True], [True] * 4])
    slope = np.array([0.1, 0.2, 0.3, 0.4])
    out = graph_kernels.scaled_rows(rows, np.array([1, 0, 1]), on, slope)
    expected = rows[[1, 0, 1]] * np.where(on, 1.0, slope)[:, None, :]
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("widths", [(21, 8, 3), (8, 16, 8), (1, 1, 13, 7), (5,)])
def test_joined_bits_are_numpys_packing_of_the_joined_layers(widths):
    """Layers' bits (widths multiples of 8 or not) packed apart and joined into packed
    rows are ``np.packbits`` of the layers side by side, in the rows asked for, and
    nothing else is written."""
    rng = np.random.default_rng(sum(widths))
    widths = np.array(widths)
    layers = [rng.random((9, w)) < 0.5 for w in widths]
    packed = np.concatenate([np.packbits(bits, axis=1) for bits in layers], axis=1)
    byte_start = np.concatenate([[0], np.cumsum((widths + 7) // 8)[:-1]])
    out = np.zeros((12, (widths.sum() + 7) // 8), dtype=np.uint8)
    graph_kernels.join_packed_bits(packed, byte_start, widths, out, 2)
    np.testing.assert_array_equal(out[2:11], np.packbits(np.concatenate(layers, axis=1), axis=1))
    assert not out[:2].any() and not out[11:].any()


def test_row_magnitudes_are_the_largest_absolute_values_and_keep_nan():
    rng = np.random.default_rng(1)
    rows = rng.normal(size=(6, 3, 11)) * np.array([1.0, 100.0, 0.01])[:, None]
    np.testing.assert_array_equal(graph_kernels.row_magnitudes(rows), np.abs(rows).max(axis=(0, 2)))
    rows[2, 1, 4] = np.nan
    rows[4, 1, 0] = 1e300
    rows[5, 2, 3] = -np.inf
    out = graph_kernels.row_magnitudes(rows)
    assert np.isnan(out[1]) and out[2] == np.inf and out[0] == np.abs(rows[:, 0]).max()


@pytest.mark.parametrize("name", ["digits-like", "pool-after-conv", "pool-1d"])
def test_window_positions_read_the_entries_of_pl_slices(name):
    """A cell's row read at the windows' positions (padded windows included) is
    ``pl_slice.entries``'."""
    rng = np.random.default_rng(4)
    for step in _steps(name):
        if step.kind != "maxpool":
            continue
        channels = step.shape[0]
        value = torch.from_numpy(rng.normal(size=(4 * 3, channels, *_input_shape(step))))
        expected = entries(step, value, 3).numpy()  # (C, 3, channels, positions, k)
        rows = value.numpy().reshape(4, 3, -1)
        position = window_positions(step, rows.shape[2])
        ours = rows[:, :, position]
        np.testing.assert_array_equal(ours, expected.reshape(ours.shape))


@pytest.mark.parametrize("name", ["digits-like", "pool-1d"])
def test_packed_patterns_unpack_to_the_patterns_of_the_cells_centres(name):
    """The partition keeps its patterns packed: all of them unpacked, or one cell's, are
    the bits the model's own point evaluation decides at every cell's centre."""
    model, sl = _case(name)
    part = partition_2d(model, None, plane=sl)
    graph = trace_piecewise_linear(model, sl.input_shape)
    centres = part.centroids
    origin, u, v = (a.reshape(1, -1) for a in (sl.origin, sl.u, sl.v))
    inputs = origin + centres[:, :1] * u + centres[:, 1:] * v
    _, bits = push_rows(graph, torch.from_numpy(inputs.reshape(-1, *sl.input_shape)), 1)
    expected = np.concatenate(bits, axis=1).astype(bool)
    assert part.n_neurons % 8 != 0 and part.packed_patterns.dtype == np.uint8
    assert part.patterns.shape == (part.n_regions, part.n_neurons) == expected.shape
    np.testing.assert_array_equal(part.patterns, expected)
    for r in range(0, part.n_regions, 7):
        np.testing.assert_array_equal(part.cell_pattern(r), expected[r])
