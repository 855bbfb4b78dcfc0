"""The exact linear pieces of a network of one input and one output, on the whole line.

A ReLU network ``f: R -> R`` is continuous and piecewise affine: the real line splits at
finitely many knots ``k_1 < ... < k_K`` and ``f(x) = slope_i x + intercept_i`` between
them, the first piece reaching to minus infinity and the last to plus infinity. The
knots are found as :func:`engine.segment_walk.segment_crossings` finds the crossings of
a segment, layer by layer (inside a piece of the first ``l`` layers every pre-activation
of layer ``l + 1`` is affine in ``x``, and each of its roots splits the piece), but on
the unbounded line, so that the last piece really is the network beyond its last knot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from torch import nn

from engine.networks import network_layers
from engine.segment_walk import TIE_TOLERANCE


@dataclass(frozen=True)
class Pieces1D:
    """A continuous piecewise-affine function of one variable.

    Attributes
    ----------
    knots : (K,) float64, sorted, where the slope changes (consecutive pieces differ).
    slopes : (K+1,) float64, the slope of every piece; ``slopes[0]`` holds on
        ``(-inf, knots[0]]``, ``slopes[K]`` on ``[knots[K-1], inf)``.
    intercepts : (K+1,) float64, ``f(x) = slopes[i] * x + intercepts[i]`` on piece ``i``.
    """

    knots: np.ndarray
    slopes: np.ndarray
    intercepts: np.ndarray

    @property
    def n_pieces(self) -> int:
        return len(self.slopes)

    def piece_of(self, x) -> np.ndarray:
        """(M,) int64: the piece holding each of the points ``x`` (M,)."""
        return np.searchsorted(self.knots, np.asarray(x, dtype=np.float64), side="right")

    def __call__(self, x) -> np.ndarray:
        """(M,) float64: the function at ``x`` (M,)."""
        x = np.asarray(x, dtype=np.float64)
        piece = self.piece_of(x)
        return self.slopes[piece] * x + self.intercepts[piece]

    def polyline(self, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
        """The graph on ``[low, high]`` as its exact corners: x (P,), y (P,) with P = 2 +
        the number of knots strictly inside."""
        inside = self.knots[(self.knots > low) & (self.knots < high)]
        x = np.r_[low, inside, high]
        return x, self(x)


def pieces_1d(model: nn.Module) -> Pieces1D:
    """The knots, slopes and intercepts of ``model`` on the whole real line.

    Parameters
    ----------
    model : ``nn.Sequential`` of Linear layers and piecewise-linear activations, with one
        input and one output.

    Returns
    -------
    Pieces1D
        Pieces on which the activation pattern is constant are merged when their slopes
        and intercepts agree exactly, so every knot is a real change of slope.
    """
    net = network_layers(model)
    if net.n_inputs != 1 or net.n_outputs != 1:
        raise ValueError(
            f"a 1-D network has one input and one output, got {net.n_inputs} and {net.n_outputs}"
        )
    cuts = np.array([-np.inf, np.inf])
    # maps[k] = (slope, offset) of every current feature on piece k: f(x) = slope x + offset
    maps = np.array([[[1.0], [0.0]]])
    for layer in net.hidden:
        pre = maps @ layer.weight.T
        pre[:, 1, :] += layer.bias
        slope, offset = pre[:, 0, :], pre[:, 1, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            root = -offset / slope
        low, high = cuts[:-1, None], cuts[1:, None]
        inside = (slope != 0) & (root > low) & (root < high)
        cuts = _merge_ties(np.concatenate([cuts, root[inside]]))
        parent = np.searchsorted(low[:, 0], _representatives(cuts), side="right") - 1
        pre = pre[parent]
        middle = _representatives(cuts)
        on = pre[:, 0, :] * middle[:, None] + pre[:, 1, :] > 0
        maps = pre * np.where(on, 1.0, layer.negative_slope)[:, None, :]

    final = maps @ net.out_weight.T
    final[:, 1, :] += net.out_bias
    slopes, intercepts = final[:, 0, 0], final[:, 1, 0]
    knots = cuts[1:-1]
    real = (slopes[1:] != slopes[:-1]) | (intercepts[1:] != intercepts[:-1])
    keep = np.r_[True, real]
    return Pieces1D(knots=knots[real], slopes=slopes[keep], intercepts=intercepts[keep])


def _representatives(cuts: np.ndarray) -> np.ndarray:
    """A point inside every interval between consecutive cuts (the ends may be infinite)."""
    low, high = cuts[:-1], cuts[1:]
    finite = cuts[np.isfinite(cuts)]
    if len(finite) == 0:
        return np.zeros(1)
    step = 1.0 + np.abs(finite).max()
    return np.where(
        np.isinf(low),
        np.where(np.isinf(high), 0.0, high - step),
        np.where(np.isinf(high), low + step, 0.5 * (low + high)),
    )


def _merge_ties(cuts: np.ndarray) -> np.ndarray:
    """Sorted cuts with any two closer than the tie tolerance (relative) merged."""
    cuts = np.sort(cuts)
    finite = cuts[1:-1]
    if len(finite) < 2:
        return cuts
    scale = max(1.0, float(np.abs(finite).max()))
    keep = np.r_[True, np.diff(finite) > TIE_TOLERANCE * scale]
    return np.r_[cuts[0], finite[keep], cuts[-1]]
