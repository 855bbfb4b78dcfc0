"""Upper bounds on the number of linear regions ("cells") of a piecewise-linear network.

Three bounds, from loosest to tightest:

- the naive ``2^N``: N neurons have at most ``2^N`` activation patterns;
- Zaslavsky (1975): ``n`` hyperplanes cut ``R^d`` into at most ``sum_{i<=d} C(n, i)``
  regions. Applied layer by layer (each layer's ``n_l`` neurons cut every cell of the
  layers before it along at most ``n_l`` hyperplanes of the ``d``-dimensional cell) it
  gives ``prod_l sum_{i<=d} C(n_l, i)``, valid for ReLU, LeakyReLU and absolute value;
- Serra, Tjandraatmadja & Ramalingam, "Bounding and Counting Linear Regions of Deep
  Neural Networks" (ICML 2018), Theorem 1, for ReLU networks: a ReLU layer with ``j``
  active neurons maps a cell to at most ``j`` dimensions, so
  ``sum_{(j_1..j_L) in J} prod_l C(n_l, j_l)`` with
  ``J = {0 <= j_l <= min(d, n_1 - j_1, ..., n_{l-1} - j_{l-1}, n_l)}``.

For one layer all but the naive bound are Zaslavsky's. The counts are exact Python
integers (``2^N`` is far beyond float range for wide networks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import comb


def zaslavsky_bound(n_hyperplanes: int, dim: int = 2) -> int:
    """``sum_{i=0}^{dim} C(n, i)``: the most regions ``n`` hyperplanes cut ``R^dim`` into."""
    if n_hyperplanes < 0 or dim < 0:
        raise ValueError(f"need n_hyperplanes >= 0 and dim >= 0, got {n_hyperplanes}, {dim}")
    return sum(comb(n_hyperplanes, i) for i in range(min(dim, n_hyperplanes) + 1))


def layerwise_zaslavsky_bound(widths: Sequence[int], n_inputs: int = 2) -> int:
    """``prod_l zaslavsky_bound(n_l, n_inputs)``: Zaslavsky's bound applied layer by layer."""
    bound = 1
    for width in _checked(widths):
        bound *= zaslavsky_bound(width, n_inputs)
    return bound


def serra_bound(widths: Sequence[int], n_inputs: int = 2) -> int:
    """Theorem 1 of Serra et al. (2018): most regions of a ReLU network of these widths.

    Parameters
    ----------
    widths : (L,) hidden layer widths ``n_1..n_L``.
    n_inputs : input dimension ``n_0``.

    Returns
    -------
    int, the sum over ``J`` of ``prod_l C(n_l, j_l)`` (see the module docstring).
    """
    # Dynamic programme over layers; the state is the dimension still available,
    # min(n_0, n_1 - j_1, ..., n_{l-1} - j_{l-1}), with the summed products reaching it.
    reach = {int(n_inputs): 1}
    for width in _checked(widths):
        following: dict[int, int] = {}
        for room, total in reach.items():
            for j in range(min(room, width) + 1):
                key = min(room, width - j)
                following[key] = following.get(key, 0) + total * comb(width, j)
        reach = following
    return sum(reach.values())


def naive_bound(n_neurons: int) -> int:
    """``2^N``: the number of activation patterns of ``N`` neurons."""
    return 2 ** int(n_neurons)


@dataclass(frozen=True)
class RegionBounds:
    """Upper bounds on the cells made by the first ``k`` hidden layers, for k = 1..L.

    Attributes
    ----------
    widths : (L,) hidden layer widths.
    n_inputs : input dimension the bounds are for.
    zaslavsky : (L,) Zaslavsky's bound applied layer by layer over layers 1..k.
    serra : (L,) Serra et al.'s bound over layers 1..k, or None when the activation is not
        ReLU (the theorem relies on ReLU's dimension collapse).
    naive : (L,) ``2^(n_1 + ... + n_k)``.
    """

    widths: tuple[int, ...]
    n_inputs: int
    zaslavsky: tuple[int, ...]
    serra: tuple[int, ...] | None
    naive: tuple[int, ...]

    @property
    def tightest(self) -> tuple[int, ...]:
        """(L,) the smallest of the valid bounds for every k."""
        candidates = [self.zaslavsky, self.naive] + ([self.serra] if self.serra else [])
        return tuple(min(values) for values in zip(*candidates, strict=True))


def region_bounds(
    widths: Sequence[int], n_inputs: int = 2, activation: str = "relu"
) -> RegionBounds:
    """Every bound for the first k = 1..L hidden layers of a network of these widths."""
    widths = _checked(widths)
    prefixes = [widths[: k + 1] for k in range(len(widths))]
    return RegionBounds(
        widths=widths,
        n_inputs=int(n_inputs),
        zaslavsky=tuple(layerwise_zaslavsky_bound(p, n_inputs) for p in prefixes),
        serra=(tuple(serra_bound(p, n_inputs) for p in prefixes) if activation == "relu" else None),
        naive=tuple(naive_bound(sum(p)) for p in prefixes),
    )


def _checked(widths: Sequence[int]) -> tuple[int, ...]:
    widths = tuple(int(w) for w in widths)
    if any(w < 0 for w in widths):
        raise ValueError(f"layer widths must be non-negative, got {list(widths)}")
    return widths
