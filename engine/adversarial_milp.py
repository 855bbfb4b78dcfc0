"""The exact L-infinity distance to the decision boundary as one mixed-integer program.

The best-first search (:mod:`engine.adversarial_distance`) proves its lower bound by
covering the ball of the distance with cells, and in 64 dimensions a ball of radius 0.1
can meet thousands of them: test digit 2 of the digits classifier needs about 2,500 cells
in L2 but more than 20,000 in L-infinity, a linear program each. A mixed-integer program
(Tjeng, Xiao & Tedrake, "Evaluating Robustness of Neural Networks with Mixed Integer
Programming", 2019) proves the same bound by branching on the few neurons whose sign is
not fixed inside the ball: one binary per such neuron, the others are affine there.

:func:`milp_boundary_distance` minimises ``t = |x - x0|_inf`` over ``x`` in the ball of a
known adversarial radius, with every hidden neuron's activation written exactly (big-M
rows from interval bounds over the ball) and one binary per other class saying which class
reaches the input's. HiGHS's branch and bound returns the optimum and its dual bound. The
answer is then re-solved exactly in the cell HiGHS ended in (the cell's own linear program,
:func:`engine.cell_programs.least_distance`), and the chain of cells is the straight walk
from ``x0`` to it (:func:`engine.segment_walk.segment_crossings`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

from engine.cell_programs import NearestPoint, cell_polyhedron, least_distance
from engine.networks import HiddenLayer, NetworkLayers

#: HiGHS's options: stop at a relative gap far below the distances' 1e-9 agreement, and
#: tolerances tight enough that a binary cannot sit 1e-6 inside (which loosens the bound).
_HIGHS_OPTIONS = {
    "disp": False,
    "presolve": True,
    "mip_rel_gap": 1e-10,
    "mip_feasibility_tolerance": 1e-9,
    "primal_feasibility_tolerance": 1e-9,
    "dual_feasibility_tolerance": 1e-9,
}


@dataclass(frozen=True)
class MilpBound:
    """What the mixed-integer program proved.

    Attributes
    ----------
    nearest : the exact nearest point of the class piece HiGHS's answer lies in (its cell's
        own program), or None when that re-solve found the piece empty.
    adversarial_class : the class of that piece.
    pattern : (n_neurons,) bool, the activation pattern of its cell.
    lower_bound : HiGHS's dual bound: no input of another class is nearer.
    nodes : branch-and-bound nodes explored; unstable : binaries (neurons not fixed by the
        interval bounds over the ball).
    """

    nearest: NearestPoint | None
    adversarial_class: int
    pattern: np.ndarray
    lower_bound: float
    nodes: int
    unstable: int


def _activation(z: np.ndarray, slope: float) -> np.ndarray:
    return np.where(z > 0, z, slope * z)


def _interval_bounds(net: NetworkLayers, x0: np.ndarray, radius: float):
    """Per layer (lower, upper) pre-activation bounds over ``|x - x0|_inf <= radius``,
    and the output's (lower, upper)."""
    low, high = x0 - radius, x0 + radius
    bounds = []
    for layer in net.hidden:
        z_low, z_high = _affine_bounds(layer.weight, layer.bias, low, high)
        bounds.append((z_low, z_high))
        ends = np.stack(
            [_activation(z_low, layer.negative_slope), _activation(z_high, layer.negative_slope)]
        )
        # The activation is convex (slope <= 1): its minimum over [l, u] is at 0 when 0 is inside.
        inside = _activation(np.clip(0.0, z_low, z_high), layer.negative_slope)
        low, high = np.minimum(ends.min(axis=0), inside), ends.max(axis=0)
    return bounds, _affine_bounds(net.out_weight, net.out_bias, low, high)


def _affine_bounds(weight, bias, low, high):
    positive, negative = np.maximum(weight, 0.0), np.minimum(weight, 0.0)
    return (
        positive @ low + negative @ high + bias,
        positive @ high + negative @ low + bias,
    )


class _Program:
    """The program's columns and rows, built layer by layer.

    Columns: ``x`` (d), ``t``, then per hidden layer its outputs ``a`` and the binaries of
    its unstable neurons, then one binary per candidate class.
    """

    def __init__(self, d: int) -> None:
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integer: list[int] = []
        self.rows: list[tuple[dict[int, float], float, float]] = []
        self.x = self.columns(d, -np.inf, np.inf)
        self.t = self.columns(1, 0.0, np.inf)[0]

    def columns(self, n: int, lower, upper, integer: bool = False) -> np.ndarray:
        start = len(self.lower)
        self.lower.extend(np.broadcast_to(lower, n).tolist())
        self.upper.extend(np.broadcast_to(upper, n).tolist())
        self.integer.extend([int(integer)] * n)
        return np.arange(start, start + n)

    def row(self, terms: dict[int, float], lower: float, upper: float) -> None:
        self.rows.append((terms, lower, upper))

    def solve(self, time_limit: float):
        matrix = lil_matrix((len(self.rows), len(self.lower)))
        for r, (terms, _, _) in enumerate(self.rows):
            for column, value in terms.items():
                matrix[r, column] += value
        cost = np.zeros(len(self.lower))
        cost[self.t] = 1.0
        with warnings.catch_warnings():  # SciPy warns that it passes HiGHS's own options on
            warnings.simplefilter("ignore", RuntimeWarning)
            return milp(
                cost,
                constraints=LinearConstraint(
                    matrix.tocsr(), [r[1] for r in self.rows], [r[2] for r in self.rows]
                ),
                integrality=np.array(self.integer),
                bounds=Bounds(self.lower, self.upper),
                options={**_HIGHS_OPTIONS, "time_limit": time_limit},
            )


def _hidden_layer(program: _Program, layer: HiddenLayer, inputs, input_offset, z_low, z_high):
    """Add one layer: its outputs' columns (and the binaries of unstable neurons).

    ``inputs`` are the previous layer's columns and ``input_offset`` a constant added to
    them (``x0`` for the input layer, whose columns hold ``x - x0``). Returns
    ``(outputs, binaries, stable_on)`` with -1 where a neuron has no binary.
    """
    s = layer.negative_slope
    outputs = program.columns(layer.n_neurons, -np.inf, np.inf)
    binaries = np.full(layer.n_neurons, -1)
    stable_on = z_low >= 0
    for i in range(layer.n_neurons):
        w = layer.weight[i]
        b = float(layer.bias[i] + w @ input_offset)
        z = {int(c): float(v) for c, v in zip(inputs, w, strict=True) if v != 0.0}
        low, high = float(z_low[i]), float(z_high[i])
        if low >= 0.0 or high <= 0.0:  # stable: a = z or a = s z
            slope = 1.0 if low >= 0.0 else s
            program.row(
                {**{c: -slope * v for c, v in z.items()}, outputs[i]: 1.0}, slope * b, slope * b
            )
            continue
        delta = program.columns(1, 0.0, 1.0, integer=True)[0]
        binaries[i] = delta
        a = int(outputs[i])
        # a >= z and a >= s z; a <= z + (1 - s)(-low)(1 - delta); a <= s z + (1 - s) high delta.
        program.row({**{c: -v for c, v in z.items()}, a: 1.0}, b, np.inf)
        program.row({**{c: -s * v for c, v in z.items()}, a: 1.0}, s * b, np.inf)
        program.row(
            {**{c: -v for c, v in z.items()}, a: 1.0, delta: (1 - s) * (-low)},
            -np.inf,
            b + (1 - s) * (-low),
        )
        program.row(
            {**{c: -s * v for c, v in z.items()}, a: 1.0, delta: -(1 - s) * high}, -np.inf, s * b
        )
        # The sign: z <= high delta and z >= low (1 - delta).
        program.row({**z, delta: -high}, -np.inf, -b)
        program.row({**z, delta: low}, low - b, np.inf)
    return outputs, binaries, stable_on


def milp_boundary_distance(
    net: NetworkLayers, x0: np.ndarray, label: int, radius: float, *, time_limit: float = 600.0
) -> MilpBound | None:
    """The exact L-infinity distance from ``x0`` to an input of another class than ``label``.

    Parameters
    ----------
    net : the network's layers; x0 : (d,) float64, classified ``label``.
    radius : a known upper bound (an input of another class at this distance): the program
        searches ``|x - x0|_inf <= radius`` only.
    time_limit : seconds HiGHS may take.

    Returns
    -------
    MilpBound, or None when HiGHS found no input of another class in the ball or did not
    finish (the caller keeps its own bounds).
    """
    d = net.n_inputs
    layer_bounds, (out_low, out_high) = _interval_bounds(net, x0, radius)
    program = _Program(d)
    # The x columns hold y = x - x0: |y_k| <= t <= radius.
    for k in program.x:
        program.lower[k], program.upper[k] = -radius, radius
        program.row({int(k): 1.0, int(program.t): -1.0}, -np.inf, 0.0)
        program.row({int(k): -1.0, int(program.t): -1.0}, -np.inf, 0.0)
    program.upper[program.t] = radius
    inputs, offset = program.x, x0
    binaries, stable = [], []
    for layer, (z_low, z_high) in zip(net.hidden, layer_bounds, strict=True):
        inputs, layer_binaries, layer_stable = _hidden_layer(
            program, layer, inputs, offset, z_low, z_high
        )
        offset = np.zeros(layer.n_neurons)
        binaries.append(layer_binaries)
        stable.append(layer_stable)
    # f_j - f_label >= 0 for the chosen class j; a class that cannot win in the ball is left out.
    margin_low = out_low - out_high[label]
    candidates = [
        j for j in range(net.n_outputs) if j != label and out_high[j] - out_low[label] >= 0
    ]
    if not candidates:
        return None
    choose = program.columns(len(candidates), 0.0, 1.0, integer=True)
    program.row({int(c): 1.0 for c in choose}, 1.0, 1.0)
    for j, beta in zip(candidates, choose, strict=True):
        row = net.out_weight[j] - net.out_weight[label]
        rhs = float(net.out_bias[label] - net.out_bias[j])
        big = float(-margin_low[j])  # f_j - f_label >= margin_low[j] anywhere in the ball
        terms = {int(c): float(v) for c, v in zip(inputs, row, strict=True) if v != 0.0}
        program.row({**terms, int(beta): -big}, rhs - big, np.inf)
    result = program.solve(time_limit)
    if result.status != 0 or result.x is None:
        return None
    solution = result.x
    pattern = np.concatenate(
        [
            np.where(b >= 0, solution[np.maximum(b, 0)] > 0.5, on)
            for b, on in zip(binaries, stable, strict=True)
        ]
    )
    j = candidates[int(np.argmax(solution[choose]))]
    cell = cell_polyhedron(net, pattern)
    row, rhs = cell.W[label] - cell.W[j], cell.c[j] - cell.c[label]
    nearest = least_distance(np.vstack([cell.G, row]), np.append(cell.h, rhs), x0, "linf")
    return MilpBound(
        nearest=nearest,
        adversarial_class=j,
        pattern=pattern,
        lower_bound=float(result.mip_dual_bound),
        nodes=int(result.mip_node_count),
        unstable=int(sum((b >= 0).sum() for b in binaries)),
    )
