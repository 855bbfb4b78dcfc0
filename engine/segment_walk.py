"""Exact walks along straight segments of the input space.

Along ``x(t) = a + t (b - a)`` every pre-activation is piecewise affine in ``t``, so the
activation pattern changes at finitely many ``t``. They are found layer by layer: inside
a piece of the first ``l`` layers the pre-activations of layer ``l + 1`` are affine in
``t``, and each of their roots splits the piece.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.input_checks import check_segment
from engine.networks import network_layers

if TYPE_CHECKING:
    from torch import nn

#: Crossings closer than this (in ``t``) are one crossing: their neurons flip together.
TIE_TOLERANCE = 1e-12


@dataclass(frozen=True)
class SegmentCrossings:
    """Where the activation pattern changes along a segment.

    Attributes
    ----------
    a, b : (d,) float64 end points of the segment.
    t : (K,) float64 sorted crossing parameters in (0, 1).
    flip_offsets : (K+1,) int64; crossing ``k`` flips the neurons
        ``flip_neuron[flip_offsets[k]:flip_offsets[k+1]]``.
    flip_neuron : (F,) int64 global index of every flipped neuron (pattern order).
    flip_layer : (F,) int64 its 0-based hidden layer.
    flip_on : (F,) bool True where the neuron turns on (off -> on) at the crossing.
    patterns : (K+1, n_neurons) bool activation pattern of every piece between crossings.
    breakpoints : (K+2,) float64 ``[0, t..., 1]``.
    outputs : (K+2, n_out) float64 network output at every breakpoint; the output along
        the segment is exactly their piecewise-linear interpolation.
    """

    a: np.ndarray
    b: np.ndarray
    t: np.ndarray
    flip_offsets: np.ndarray
    flip_neuron: np.ndarray
    flip_layer: np.ndarray
    flip_on: np.ndarray
    patterns: np.ndarray
    breakpoints: np.ndarray
    outputs: np.ndarray

    @property
    def n_crossings(self) -> int:
        return len(self.t)

    @property
    def n_cells(self) -> int:
        """Number of cells the segment passes through (pieces between crossings)."""
        return len(self.patterns)

    def points(self) -> np.ndarray:
        """(K, d) input-space position of every crossing."""
        return self.a + self.t[:, None] * (self.b - self.a)

    def flips(self, k: int) -> list[tuple[int, int, bool]]:
        """``(layer, neuron, turned_on)`` of every neuron flipped at crossing ``k``."""
        s = slice(self.flip_offsets[k], self.flip_offsets[k + 1])
        return [
            (int(layer), int(neuron), bool(on))
            for layer, neuron, on in zip(
                self.flip_layer[s], self.flip_neuron[s], self.flip_on[s], strict=True
            )
        ]

    def output_at(self, t: np.ndarray) -> np.ndarray:
        """(M, n_out) output at parameters ``t`` (M,), interpolated between breakpoints."""
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        return np.stack(
            [np.interp(t, self.breakpoints, column) for column in self.outputs.T], axis=1
        )


def segment_crossings(model: nn.Module, a, b) -> SegmentCrossings:
    """Every activation-pattern change along the segment from ``a`` to ``b``.

    Parameters
    ----------
    model : ``nn.Sequential`` of Linear layers and piecewise-linear activations.
    a, b : (d,) end points in the network's input space.

    Returns
    -------
    SegmentCrossings

    Raises
    ------
    engine.input_checks.InputRangeError
        For ends that are not finite, or whose walk could overflow float64 (see
        :mod:`engine.input_checks`).
    """
    net = network_layers(model)
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    if a.shape != (net.n_inputs,) or b.shape != (net.n_inputs,):
        raise ValueError(
            f"end points must have the network's input dimension {net.n_inputs}, got "
            f"{a.shape} and {b.shape}"
        )
    check_segment(net, a, b)

    cuts = np.array([0.0, 1.0])
    # maps[k] = (slope, offset) of every current feature along piece k: f(t) = slope t + offset
    maps = np.stack([b - a, a])[None]
    for layer in net.hidden:
        pre = maps @ layer.weight.T
        pre[:, 1, :] += layer.bias
        slope, offset = pre[:, 0, :], pre[:, 1, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            root = -offset / slope
        low, high = cuts[:-1, None], cuts[1:, None]
        inside = (slope != 0) & (root > low + TIE_TOLERANCE) & (root < high - TIE_TOLERANCE)
        cuts = _merge_ties(np.concatenate([cuts, root[inside]]))
        middle = 0.5 * (cuts[:-1] + cuts[1:])
        parent = np.searchsorted(low[:, 0], middle, side="right") - 1
        pre = pre[parent]
        on = pre[:, 0, :] * middle[:, None] + pre[:, 1, :] > 0
        maps = pre * np.where(on, 1.0, layer.negative_slope)[:, None, :]

    middle = 0.5 * (cuts[:-1] + cuts[1:])
    patterns = net.activation_pattern(a + middle[:, None] * (b - a))
    changed = np.any(patterns[1:] != patterns[:-1], axis=1)
    keep_piece = np.r_[True, changed]
    patterns = patterns[keep_piece]
    t = cuts[1:-1][changed]
    breakpoints = np.r_[0.0, t, 1.0]
    outputs = net.forward(a + breakpoints[:, None] * (b - a))[0]

    crossing, neuron = np.nonzero(patterns[1:] != patterns[:-1])
    flip_offsets = np.zeros(len(t) + 1, dtype=np.int64)
    np.cumsum(np.bincount(crossing, minlength=len(t)), out=flip_offsets[1:])
    return SegmentCrossings(
        a=a,
        b=b,
        t=t,
        flip_offsets=flip_offsets,
        flip_neuron=neuron.astype(np.int64),
        flip_layer=net.layer_of_neuron()[neuron].astype(np.int64),
        flip_on=patterns[crossing + 1, neuron],
        patterns=patterns,
        breakpoints=breakpoints,
        outputs=outputs,
    )


def _merge_ties(cuts: np.ndarray) -> np.ndarray:
    """Sorted cut parameters with any two closer than the tie tolerance merged."""
    cuts = np.sort(cuts)
    keep = np.r_[True, np.diff(cuts) > TIE_TOLERANCE]
    keep[-1] = True
    merged = cuts[keep]
    if len(merged) > 2 and merged[-1] - merged[-2] <= TIE_TOLERANCE:
        merged = np.delete(merged, -2)
    return merged
