"""The exact distance from an input to a ReLU classifier's decision boundary (GeoCert).

The nearest input of another class lies in some cell of the network; in a cell the
network is affine, so the part of the cell where class ``j`` beats the input's class ``y``
is a polyhedron and its distance to ``x0`` is one small convex program (L2: a
least-distance program; L-infinity: a linear program, :mod:`engine.cell_programs`).
:func:`adversarial_distance` searches the cells best first (Jordan, Lewis & Dimakis,
"Provable Certificates for Adversarial Examples: Fitting a Ball in the Union of Polytopes",
2019): it starts in ``x0``'s cell, solves its class pieces, and queues the neighbour across
every facet (one neuron flipped) whose distance to ``x0`` is below the best piece found,
with that distance as its priority. When the nearest queued facet is no nearer than the
best piece, every input nearer than it has been searched: the distance is exact, and the
chain of cells walked to the nearest piece is its certificate.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from torch import nn

from engine.adversarial_attack import norm_of, ray_boundary
from engine.adversarial_milp import milp_boundary_distance
from engine.cell_programs import NORMS, CellPolyhedron, cell_polyhedron, least_distance
from engine.linf_programs import WARM_HIGHS, CellLinfPrograms
from engine.networks import NetworkLayers, network_layers
from engine.segment_walk import segment_crossings

#: Default budget of cells explored.
MAX_CELLS = 20_000

#: ``progress(cells_explored, lower_bound, upper_bound)``, called after every cell; raise
#: in it to stop the search.
SearchProgress = Callable[[int, float, float], None]


class CellBudgetExceeded(RuntimeError):
    """The search explored its budget of cells before proving the distance.

    Attributes
    ----------
    cells_explored : cells searched.
    lower_bound : no input of another class is nearer than this (proven).
    upper_bound : the nearest input of another class found so far (inf if none).
    """

    def __init__(self, cells_explored: int, lower_bound: float, upper_bound: float) -> None:
        super().__init__(
            f"searched {cells_explored:,} cells without finishing: the distance is between "
            f"{lower_bound:.6g} (proven) and {upper_bound:.6g} (found); raise the cell budget"
        )
        self.cells_explored = cells_explored
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound


@dataclass(frozen=True)
class AdversarialDistance:
    """The exact distance from ``x0`` to the decision boundary, with its certificate.

    Attributes
    ----------
    x0 : (d,) float64 input; label : its class (the arg-max output).
    norm : ``"l2"`` or ``"linf"``.
    distance : the exact distance (in ``norm``) to the nearest input of another class.
    point : (d,) float64, that nearest input: on the boundary, ``f_label = f_j``.
    adversarial_class : j, the class that ties with ``label`` at ``point`` and wins past it.
    chain : (k+1, n_neurons) bool, the activation patterns of the cells walked from
        ``x0``'s cell (row 0) to the cell holding ``point`` (row k).
    flipped : (k,) int, the neuron flipped at each step of the chain.
    step_distances : (k,) float64, the distance from ``x0`` of each facet crossed.
    lower_bound : proven: no input of another class is nearer (equals ``distance``).
    cells_explored : cells searched; programs_solved : convex programs solved.
    kkt_residual : the largest optimality residual of the programs on the chain's
        answer (L2: KKT conditions, relative; L-infinity: primal feasibility).
    proof : ``"cells"``: the cells searched cover the ball of the distance, and the chain
        is the walk the search took; ``"milp"``: the search handed the proof to a
        mixed-integer program (:mod:`engine.adversarial_milp`) whose dual bound is
        ``lower_bound``, and the chain is the straight walk from ``x0`` to ``point``.
    """

    x0: np.ndarray
    label: int
    norm: str
    distance: float
    point: np.ndarray
    adversarial_class: int
    chain: np.ndarray
    flipped: np.ndarray
    step_distances: np.ndarray
    lower_bound: float
    cells_explored: int
    programs_solved: int
    kkt_residual: float
    proof: str = "cells"


@dataclass
class _Node:
    pattern: np.ndarray
    parent: int
    flipped: int
    facet_distance: float


def _dual_norm(row: np.ndarray, norm: str) -> float:
    return float(np.linalg.norm(row)) if norm == "l2" else float(np.abs(row).sum())


def _flipped(pattern: np.ndarray, neuron: int) -> np.ndarray:
    """A copy of ``pattern`` with ``neuron`` flipped: the neighbour across its facet."""
    flipped = pattern.copy()
    flipped[neuron] = ~flipped[neuron]
    return flipped


def _check_input(net: NetworkLayers, x0: np.ndarray, norm: str, max_cells: int) -> np.ndarray:
    if norm not in NORMS:
        raise ValueError(f"the norm must be one of {', '.join(NORMS)}, got {norm!r}")
    if not isinstance(max_cells, int | np.integer) or max_cells < 1:
        raise ValueError(f"the cell budget must be a positive whole number, got {max_cells!r}")
    x = np.asarray(x0, dtype=np.float64)
    if x.shape != (net.n_inputs,):
        raise ValueError(f"need an input of shape ({net.n_inputs},), got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("the input has NaN or infinite values")
    if net.n_outputs < 2:
        raise ValueError("the network needs at least two outputs (classes)")
    return x


def _seed_bound(net: NetworkLayers, cell: CellPolyhedron, x0: np.ndarray, y: int, norm: str):
    """An upper bound from rays along the start cell's linearised boundary directions."""
    best = np.inf
    reach = 1e3 * (1.0 + norm_of(x0, norm))
    for j in range(net.n_outputs):
        row = cell.W[y] - cell.W[j]
        if j == y or not np.any(row):
            continue
        direction = -row if norm == "l2" else -np.sign(row)
        found = ray_boundary(net, x0, direction, norm, reach)
        if found is not None:
            best = min(best, found.distance)
    return best


class _Search:
    """One best-first search; its fields are the search's running state."""

    def __init__(self, net: NetworkLayers, x0: np.ndarray, norm: str, warm: bool) -> None:
        self.net, self.x0, self.norm = net, x0, norm
        self.y = int(net.forward(x0[None])[0][0].argmax())
        self.best = np.inf
        self.answer: tuple[int, np.ndarray, int, float] | None = None
        self.programs = 0
        self.warm = warm and norm == "linf" and WARM_HIGHS
        self._cell: CellPolyhedron | None = None
        self._cell_programs: CellLinfPrograms | None = None

    def _warm_programs(self, cell: CellPolyhedron) -> CellLinfPrograms:
        """The cell's L-infinity programs, built on the first one asked for."""
        if self._cell is not cell:
            self._cell = cell
            self._cell_programs = CellLinfPrograms(cell.G, cell.h, cell.W[self.y] - cell.W, self.x0)
        return self._cell_programs

    def solve(self, G: np.ndarray, h: np.ndarray):
        self.programs += 1
        return least_distance(G, h, self.x0, self.norm)

    def class_pieces(self, cell: CellPolyhedron, node: int) -> None:
        """Improve the best answer with the cell's pieces of every other class."""
        for j in range(self.net.n_outputs):
            if j == self.y:
                continue
            # f_j >= f_y on the cell: (W_y - W_j) x <= c_j - c_y.
            row, rhs = cell.W[self.y] - cell.W[j], cell.c[j] - cell.c[self.y]
            gap = row @ self.x0 - rhs
            scale = _dual_norm(row, self.norm)
            if scale == 0.0 or (gap > 0 and gap / scale >= self.best):
                continue
            if self.warm:
                self.programs += 1
                found = self._warm_programs(cell).to_piece(j, rhs)
            else:
                found = self.solve(np.vstack([cell.G, row]), np.append(cell.h, rhs))
            if found is not None and found.distance < self.best:
                self.best = found.distance
                self.answer = (node, found.point, j, found.kkt_residual)

    def facets(self, cell: CellPolyhedron, bound: float, known: Callable[[int, float], bool]):
        """(neuron, distance) of every facet of ``cell`` nearer to x0 than ``bound``, but
        those ``known(neuron, at_least)`` says need no program (the neighbour across is
        explored, or queued no farther than the facet can be)."""
        for i in range(len(cell.G)):
            row, rhs = cell.G[i], cell.h[i]
            scale = _dual_norm(row, self.norm)
            if scale == 0.0:
                continue
            at_least = abs(row @ self.x0 - rhs) / scale
            if at_least >= bound or known(i, at_least):
                continue
            if self.warm:
                self.programs += 1
                found = self._warm_programs(cell).to_facet(i)
            else:
                found = self.solve(np.vstack([cell.G, -row]), np.append(cell.h, -rhs))
            if found is not None and found.distance < bound:
                yield i, found.distance


def adversarial_distance(
    model: nn.Module,
    x0: np.ndarray,
    *,
    norm: str = "l2",
    max_cells: int = MAX_CELLS,
    progress: SearchProgress | None = None,
    warm_start: bool = True,
    milp_after: int | None = None,
) -> AdversarialDistance:
    """The exact distance from ``x0`` to ``model``'s decision boundary, best first.

    Parameters
    ----------
    model : ``nn.Sequential`` of Linear layers and piecewise-linear activations (ReLU,
        LeakyReLU, Abs) ending in a Linear layer of at least two classes.
    x0 : (d,) finite input.
    norm : ``"l2"`` or ``"linf"``.
    max_cells : stop with :class:`CellBudgetExceeded` after this many cells.
    progress : optional ``progress(cells_explored, lower_bound, upper_bound)`` after every
        cell; raise in it to stop.
    warm_start : solve a cell's L-infinity programs in one HiGHS model, each from the
        last one's basis (:mod:`engine.linf_programs`); False solves each afresh through
        ``linprog``, the reference the benchmark compares against. Same answers.
    milp_after : in L-infinity, after this many cells (if the budget allows them) prove
        the rest with one mixed-integer program over the ball of the nearest input found
        (:mod:`engine.adversarial_milp`), as soon as one is found; ``None`` searches cells
        only. Should the program not finish, the cell search carries on. The program is not
        interrupted by ``progress``: it is told before and after.

    Returns
    -------
    AdversarialDistance

    Raises
    ------
    ValueError for a bad model, input, norm or budget; CellBudgetExceeded; and
    ArithmeticError if no input of another class exists (no class ever beats x0's).
    """
    net = network_layers(model)
    x0 = _check_input(net, x0, norm, max_cells)
    if milp_after is not None and (not isinstance(milp_after, int | np.integer) or milp_after < 0):
        raise ValueError(f"milp_after must be a whole number of cells, got {milp_after!r}")
    handoff = milp_after if norm == "linf" and milp_after is not None else None
    search = _Search(net, x0, norm, warm_start)
    start = net.activation_pattern(x0[None])[0]
    # A ray's upper bound prunes facets from the first cell on; the margin keeps the
    # cells that hold the exact nearest point (at distance <= the bound) in the search.
    seed = _seed_bound(net, cell_polyhedron(net, start), x0, search.y, norm)
    prune = seed * (1.0 + 1e-7) + 1e-12
    nodes = [_Node(start, -1, -1, 0.0)]
    queued = {start.tobytes(): 0.0}
    explored: set[bytes] = set()
    heap: list[tuple[float, int]] = [(0.0, 0)]
    lower = 0.0
    while heap:
        priority, index = heapq.heappop(heap)
        key = nodes[index].pattern.tobytes()
        if key in explored:
            continue
        lower = priority
        if priority >= min(search.best, prune):
            break
        # The program needs a ball to search: an input of another class found already.
        found = min(search.best, seed)
        if handoff is not None and len(explored) >= min(handoff, max_cells) and found < np.inf:
            proven = _finish_by_milp(model, net, search, len(explored), lower, found, progress)
            if proven is not None:
                return proven
            handoff = None  # the program did not finish: the cells carry on alone
        if len(explored) >= max_cells:
            raise CellBudgetExceeded(len(explored), lower, min(search.best, seed))
        explored.add(key)
        cell = cell_polyhedron(net, nodes[index].pattern)
        search.class_pieces(cell, index)

        parent = nodes[index].pattern

        def known(neuron: int, at_least: float, parent: np.ndarray = parent) -> bool:
            neighbour = _flipped(parent, neuron).tobytes()
            return neighbour in explored or queued.get(neighbour, np.inf) <= at_least

        for neuron, distance in search.facets(cell, min(search.best, prune), known):
            pattern = _flipped(parent, neuron)
            neighbour = pattern.tobytes()
            if neighbour in explored or queued.get(neighbour, np.inf) <= distance:
                continue
            queued[neighbour] = distance
            nodes.append(_Node(pattern, index, neuron, distance))
            heapq.heappush(heap, (distance, len(nodes) - 1))
        if progress is not None:
            frontier = heap[0][0] if heap else search.best
            progress(len(explored), min(frontier, search.best), min(search.best, seed))
    if search.answer is None:
        raise ArithmeticError(
            f"no input of another class is nearer than {prune:.6g}"
            if np.isfinite(seed)
            else "no input of another class was found: no class ever beats the input's"
        )
    return _result(search, nodes, len(explored), max(lower, search.best))


def _finish_by_milp(
    model: nn.Module,
    net: NetworkLayers,
    search: _Search,
    explored: int,
    lower: float,
    upper: float,
    progress: SearchProgress | None,
) -> AdversarialDistance | None:
    """Prove the distance with one mixed-integer program over the ball of ``upper``
    (None when HiGHS does not finish, or its cell's own program finds the piece empty)."""
    if progress is not None:
        progress(explored, lower, upper)
    found = milp_boundary_distance(net, search.x0, search.y, upper * (1.0 + 1e-7) + 1e-12)
    if progress is not None:
        progress(explored, max(lower, found.lower_bound) if found else lower, upper)
    if found is None or found.nearest is None:
        return None
    if search.best <= found.nearest.distance:
        point, j, residual = search.answer[1], search.answer[2], search.answer[3]
        distance = search.best
    else:
        point, j = found.nearest.point, found.adversarial_class
        distance, residual = found.nearest.distance, found.nearest.kkt_residual
    walk = segment_crossings(model, search.x0, point)
    patterns, flipped, steps = [walk.patterns[0]], [], []
    for k in range(walk.n_crossings):
        for _, neuron, _ in walk.flips(k):
            patterns.append(_flipped(patterns[-1], neuron))
            flipped.append(neuron)
            steps.append(walk.t[k] * distance)
    return AdversarialDistance(
        x0=search.x0,
        label=search.y,
        norm=search.norm,
        distance=distance,
        point=point,
        adversarial_class=j,
        chain=np.array(patterns),
        flipped=np.array(flipped, dtype=np.int64),
        step_distances=np.array(steps, dtype=np.float64),
        lower_bound=min(max(lower, found.lower_bound), distance),
        cells_explored=explored,
        programs_solved=search.programs,
        kkt_residual=residual,
        proof="milp",
    )


def _result(search: _Search, nodes: list[_Node], explored: int, lower: float):
    node, point, j, residual = search.answer
    chain = []
    while node >= 0:
        chain.append(nodes[node])
        node = nodes[node].parent
    chain.reverse()
    return AdversarialDistance(
        x0=search.x0,
        label=search.y,
        norm=search.norm,
        distance=search.best,
        point=point,
        adversarial_class=j,
        chain=np.array([n.pattern for n in chain]),
        flipped=np.array([n.flipped for n in chain[1:]], dtype=np.int64),
        step_distances=np.array([n.facet_distance for n in chain[1:]]),
        lower_bound=min(lower, search.best),
        cells_explored=explored,
        programs_solved=search.programs,
        kkt_residual=residual,
    )
