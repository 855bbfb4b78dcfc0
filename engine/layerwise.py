"""What every layer-by-layer partition shares: affine maps carried through the layers.

A cell's map has one row per domain coordinate and a last row for the constant: on the
cell, feature ``j`` equals ``maps[cell, :-1, j] @ x + maps[cell, -1, j]``. The 2-D and
3-D partitions cut cells differently but carry their maps and patterns the same way.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Protocol, TypeVar

import numpy as np

from engine import map_kernels
from engine.heap import keep_freed_memory
from engine.networks import NetworkLayers

#: Threads that compute the maps of the pieces, and the least work worth one (map values).
THREADS = max(1, min(4, os.cpu_count() or 1))
VALUES_PER_THREAD = 500_000
#: Map values of the cells multiplied at once (a chunk that stays in the cache).
CHUNK_VALUES = 1 << 20
#: Next layers this narrow (the output layer, often) are made by a kernel that multiplies
#: as it goes, with no masked copy of the maps (the copy would cost more than the product).
NARROW_OUTPUTS = 8
#: Groups of cells per thread when a layer is cut on several.
GROUPS_PER_THREAD = 4

R = TypeVar("R")

# Every partition frees and reallocates its working arrays layer after layer.
keep_freed_memory()

#: ``progress(layers_done, n_layers, n_cells)``, called after each layer of a partition.
LayerProgress = Callable[[int, int, int], None]


class PartitionCancelled(Exception):
    """Raised from a partition's ``progress`` callback to stop it between two layers."""


def domain_diagonal(bounds: np.ndarray) -> float:
    """Length of the diagonal of a box ``(xmin, xmax, ymin, ymax, ...)``."""
    return float(np.linalg.norm(bounds[1::2] - bounds[0::2]))


def apply_affine(maps: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """(C, k+1, n_out) = ``weight`` applied to every cell's map (C, k+1, n_in), plus ``bias``."""
    cells, rows = maps.shape[:2]
    out = (maps.reshape(cells * rows, -1) @ weight.T).reshape(cells, rows, -1)
    out[:, -1, :] += bias
    return out


def next_affine_maps(
    pre: np.ndarray,
    cell_on: np.ndarray,
    parent: np.ndarray,
    bits: np.ndarray,
    negative_slope: float,
    weight: np.ndarray,
    bias: np.ndarray,
) -> np.ndarray:
    """(P, k+1, n_next) maps of the next affine layer on the pieces of this layer.

    Each cell is multiplied once with the bits ``cell_on`` (C, w) and its pieces are
    corrected for the few bits of ``bits`` (P, w) in which they differ: the matrix
    product runs over the C cells, not the P pieces. ``parent`` (P,) lists the pieces
    cell after cell (non-decreasing). The cells are taken in chunks small enough that a
    chunk's masked and multiplied maps stay in the processor's cache, and only the
    pieces' maps are ever held whole; ranges of chunks run on a few threads.
    """
    pre = np.ascontiguousarray(pre, dtype=np.float64)
    cell_on = np.ascontiguousarray(cell_on)
    parent = np.ascontiguousarray(parent, dtype=np.int64)
    if len(parent) > 1 and np.any(parent[1:] < parent[:-1]):
        raise ValueError("the pieces must come cell after cell (parent non-decreasing)")
    bits = np.ascontiguousarray(bits)
    weight = np.asarray(weight, dtype=np.float64)
    weight_t = np.ascontiguousarray(weight.T)
    slope = float(negative_slope)
    n_cells, rows, width = pre.shape
    maps = np.empty((len(parent), rows, weight.shape[0]))
    # Pieces of cell c: first_piece[c] to first_piece[c + 1] - 1.
    first_piece = np.searchsorted(parent, np.arange(n_cells + 1))
    chunk = max(1, CHUNK_VALUES // max(1, rows * max(width, weight.shape[0])))

    if weight.shape[0] <= NARROW_OUTPUTS:

        def fill(lo: int, hi: int) -> None:
            p0, p1 = first_piece[lo], first_piece[hi]
            map_kernels.narrow_piece_maps(
                maps[p0:p1], p0, lo, pre[lo:hi], cell_on[lo:hi], parent, bits, weight_t,
                np.asarray(bias, dtype=np.float64), slope,
            )  # fmt: skip

        in_ranges(n_cells, min(THREADS, max(1, pre.size // VALUES_PER_THREAD)), fill)
        return maps

    def fill(lo: int, hi: int) -> None:
        for a in range(lo, hi, chunk):
            b = min(a + chunk, hi)
            masked = map_kernels.masked_maps(pre[a:b], cell_on[a:b], slope)
            base = apply_affine(masked, weight, bias)
            p0, p1 = first_piece[a], first_piece[b]
            map_kernels.piece_maps(
                maps[p0:p1], p0, a, base, pre[a:b], cell_on[a:b], parent, bits, weight_t, slope
            )

    in_ranges(n_cells, min(THREADS, max(1, maps.size // VALUES_PER_THREAD)), fill)
    return maps


#: Pools of threads kept for :func:`in_ranges`, by process and size: starting threads for
#: every call cost more than the work of a small layer (1.3 ms of wall-clock a call on a
#: loaded 2-core machine, against 0.06 ms with the threads kept).
_pools: dict[tuple[int, int], ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()
_pool_thread = threading.local()


def _mark_pool_thread() -> None:
    _pool_thread.inside = True


def _kept_pool(n_threads: int) -> ThreadPoolExecutor:
    """The pool of ``n_threads`` threads of this process (a forked child makes its own:
    it has none of its parent's threads)."""
    key = (os.getpid(), n_threads)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            pool = _pools[key] = ThreadPoolExecutor(
                n_threads, thread_name_prefix="cells", initializer=_mark_pool_thread
            )
        return pool


def in_ranges(
    n: int, n_ranges: int, work: Callable[[int, int], R], n_threads: int | None = None
) -> list[R]:
    """``work(lo, hi)`` on ``n_ranges`` consecutive ranges of ``range(n)``, on
    ``n_threads`` threads (default one per range) when there are several ranges (the
    compiled kernels release the GIL). The threads are kept for the next call; work that
    runs on one of them does its own ranges in turn (it never waits on its own pool)."""
    if n_ranges <= 1:
        return [work(0, n)]
    edges = np.linspace(0, n, n_ranges + 1).round().astype(np.int64)
    lo, hi = edges[:-1].tolist(), edges[1:].tolist()
    if getattr(_pool_thread, "inside", False):
        return [work(a, b) for a, b in zip(lo, hi, strict=True)]
    pool = _kept_pool(n_threads or n_ranges)
    futures = [pool.submit(work, a, b) for a, b in zip(lo, hi, strict=True)]
    wait(futures)  # all ranges done (or failed) before the first error is raised
    return [future.result() for future in futures]


def cut_in_groups(
    n_cells: int,
    n_groups: int,
    cut_range: Callable[[int, int], tuple[C, np.ndarray]],
    concat: Callable[[list[C]], C],
) -> tuple[C, np.ndarray]:
    """The pieces and ``cell_on`` of ``cut_range(lo, hi)`` run on ``n_groups`` threads (the
    compiled kernels release the GIL and cells never interact), joined in the order of
    the cells with ``concat``. Each thread takes a few groups of consecutive cells in
    turn, so that no thread is left with the slowest cells alone."""
    n_ranges = 1 if n_groups <= 1 else GROUPS_PER_THREAD * n_groups
    parts = in_ranges(n_cells, n_ranges, cut_range, n_groups)
    if len(parts) == 1:
        return parts[0]
    return concat([piece for piece, _ in parts]), np.concatenate([on for _, on in parts])


def join_parts(parts: list[tuple[np.ndarray, ...]], offset_fields: dict[int, int]) -> list:
    """The arrays of ``parts`` (each a tuple of arrays, field by field) joined end to end,
    copied on a few threads (numpy releases the GIL while it copies, and a serial join of
    a large 3-D layer took a tenth of its time).

    ``offset_fields`` maps the index of a CSR offsets field (``n + 1`` entries starting at
    0) to the index of the field it points into: those are joined as offsets, each
    part's shifted by the entries of that field before it.
    """
    n_fields = len(parts[0])
    lengths = np.array(
        [[len(p[f]) - (1 if f in offset_fields else 0) for f in range(n_fields)] for p in parts]
    )
    starts = np.zeros((len(parts) + 1, n_fields), dtype=np.int64)
    np.cumsum(lengths, axis=0, out=starts[1:])
    joined = []
    for f in range(n_fields):
        first = parts[0][f]
        extra = 1 if f in offset_fields else 0
        joined.append(np.empty((starts[-1, f] + extra, *first.shape[1:]), dtype=first.dtype))
    for f, target in offset_fields.items():
        joined[f][-1] = starts[-1, target]

    def copy(lo: int, hi: int) -> None:
        for i in range(lo, hi):
            for f in range(n_fields):
                a, b = starts[i, f], starts[i + 1, f]
                if f in offset_fields:
                    np.add(parts[i][f][:-1], starts[i, offset_fields[f]], out=joined[f][a:b])
                else:
                    joined[f][a:b] = parts[i][f]

    in_ranges(len(parts), min(THREADS, len(parts)), copy)
    return joined


def patterns_from_lineage(layer_bits: list[np.ndarray], lineage: list[np.ndarray]) -> np.ndarray:
    """(R, n_neurons) patterns of the final cells from every layer's bits and parents
    (ranges of cells on a few threads)."""
    if not layer_bits:
        return np.zeros((1, 0), dtype=bool)
    widths = [bits.shape[1] for bits in layer_bits]
    layer_bits = [np.ascontiguousarray(bits) for bits in layer_bits]
    patterns = np.empty((len(layer_bits[-1]), sum(widths)), dtype=bool)

    def fill(lo: int, hi: int) -> None:
        ancestor = np.arange(lo, hi)
        end = patterns.shape[1]
        for bits, parent, width in zip(
            reversed(layer_bits), reversed(lineage), reversed(widths), strict=True
        ):
            end -= width
            map_kernels.gather_rows(patterns[lo:hi], end, bits, ancestor)
            ancestor = parent[ancestor]

    in_ranges(len(patterns), min(THREADS, max(1, patterns.size // VALUES_PER_THREAD)), fill)
    return patterns


def _packed_rows(bits: np.ndarray) -> np.ndarray:
    """``np.packbits(bits, axis=1)`` of (n, w) bool ``bits``; in one run over the memory
    when the rows fill whole bytes (numpy packs short rows one at a time, four times
    slower)."""
    if bits.shape[1] % 8:
        return np.packbits(bits, axis=1)
    return np.packbits(np.ascontiguousarray(bits).reshape(-1)).reshape(len(bits), -1)


def packed_patterns_from_lineage(
    layer_bits: list[np.ndarray], lineage: list[np.ndarray]
) -> np.ndarray:
    """(R, ceil(n_neurons / 8)) uint8 the patterns of :func:`patterns_from_lineage`
    packed as ``np.packbits(patterns, axis=1)`` packs them, without the bool patterns:
    every layer's bits are packed once and their bytes gathered and shifted into place
    (a byte at a time, not a bit)."""
    if not layer_bits:
        return np.zeros((1, 0), dtype=np.uint8)
    widths = [bits.shape[1] for bits in layer_bits]
    layer_rows = [_packed_rows(bits) for bits in layer_bits]
    packed = np.zeros((len(layer_bits[-1]), (sum(widths) + 7) // 8), dtype=np.uint8)

    def fill(lo: int, hi: int) -> None:
        ancestor = np.arange(lo, hi)
        end = sum(widths)
        for rows, parent, width in zip(
            reversed(layer_rows), reversed(lineage), reversed(widths), strict=True
        ):
            end -= width
            map_kernels.gather_packed_rows(packed[lo:hi], end, rows, ancestor)
            ancestor = parent[ancestor]

    work = len(packed) * len(widths) * packed.shape[1]
    in_ranges(len(packed), min(THREADS, max(1, work // VALUES_PER_THREAD)), fill)
    return packed


class CutCells(Protocol):
    """The working set a partition cuts: ``cell`` (P,) the cell each piece came from and
    ``bits`` (P, w) its bits in the layer just cut; ``count`` pieces."""

    cell: np.ndarray
    bits: np.ndarray | None

    @property
    def count(self) -> int: ...


C = TypeVar("C", bound=CutCells)


def cut_layer_by_layer(
    net: NetworkLayers,
    n_layers: int,
    maps: np.ndarray,
    cells: C,
    cut_layer: Callable[[C, np.ndarray, int], tuple[C, np.ndarray]],
    progress: LayerProgress | None = None,
    *,
    packed: bool = False,
) -> tuple[C, np.ndarray, np.ndarray]:
    """Cut ``cells`` by the first ``n_layers`` hidden layers of ``net``, one at a time.

    Parameters
    ----------
    net : the network.
    n_layers : how many hidden layers to cut by (0..L).
    maps : (1, k+1, d) the map from the domain's coordinates to the network's input.
    cells : the domain as one cell.
    cut_layer : ``cut_layer(cells, pre, first_neuron) -> (pieces, cell_on)`` cuts every
        cell by the neurons of one layer, whose pre-activation maps are ``pre``
        (C, k+1, w) and whose global indices start at ``first_neuron``; ``cell_on``
        (C, w) are the bits of the neurons over the cells they do not cut.
    progress : called as ``progress(layers_done, n_layers, n_cells)`` after each layer;
        an exception it raises (:class:`PartitionCancelled`) stops the partition there.

    Returns
    -------
    cells : the final pieces.
    maps : (R, k+1, n) their maps to the network output when every layer is cut, else
        to the activations of the last layer cut.
    patterns : (R, n_neurons) their activation patterns over the layers cut; with
        ``packed``, (R, ceil(n_neurons / 8)) uint8 packed as ``np.packbits(patterns,
        axis=1)`` packs them (:func:`packed_patterns_from_lineage`).
    """
    n_total = len(net.hidden)
    hidden = net.hidden[:n_layers]
    # The affine layer after each hidden layer cut (None: stop at its activations).
    following = [(h.weight, h.bias) for h in hidden[1:]]
    following.append((net.out_weight, net.out_bias) if n_layers == n_total else None)
    following = following[: len(hidden)]
    if hidden:
        maps = apply_affine(maps, hidden[0].weight, hidden[0].bias)
    elif n_layers == n_total:
        maps = apply_affine(maps, net.out_weight, net.out_bias)
    layer_bits: list[np.ndarray] = []
    lineage: list[np.ndarray] = []
    first_neuron = 0
    for done, (layer, next_affine) in enumerate(zip(hidden, following, strict=True), 1):
        pre = maps
        cells, cell_on = cut_layer(cells, pre, first_neuron)
        if progress is not None:
            progress(done, len(hidden), cells.count)
        parent, on = cells.cell, cells.bits
        if next_affine is None:
            maps = np.take(pre, parent, axis=0)
            maps *= np.where(on, 1.0, layer.negative_slope)[:, None, :]
        else:
            maps = next_affine_maps(pre, cell_on, parent, on, layer.negative_slope, *next_affine)
        layer_bits.append(on)
        lineage.append(parent)
        cells.cell = np.arange(cells.count)
        first_neuron += layer.n_neurons
    if packed:
        return cells, maps, packed_patterns_from_lineage(layer_bits, lineage)
    return cells, maps, patterns_from_lineage(layer_bits, lineage)
