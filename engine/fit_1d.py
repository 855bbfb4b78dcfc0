"""Fitting a curve of one variable two ways: a small ReLU network and a polynomial.

The network is trained full-batch with Adam on the mean squared error, from weights
seeded by ``seed``, on one torch thread: the same arguments give the same network, epoch
by epoch. The polynomial is a least-squares fit in the Chebyshev basis of the training
range (``numpy.polynomial.Chebyshev.fit``), which stays well conditioned at degrees
where the monomial basis does not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from numpy.polynomial import Chebyshev
from torch import nn

from engine.networks import random_mlp
from engine.pieces_1d import Pieces1D, pieces_1d
from engine.training import one_torch_thread

#: The curves the page offers, by name.
TARGETS = ("square", "sine", "abs")


def target_values(name: str, x) -> np.ndarray:
    """(M,) float64 values of the target ``name`` (``"square"``: x², ``"sine"``: sin x,
    ``"abs"``: |x|) at ``x`` (M,)."""
    x = np.asarray(x, dtype=np.float64)
    if name == "square":
        return x * x
    if name == "sine":
        return np.sin(x)
    if name == "abs":
        return np.abs(x)
    raise ValueError(f"unknown target {name!r}; choose one of {', '.join(TARGETS)}")


def training_points(
    name: str, low: float, high: float, n: int = 41
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` evenly spaced points of the target ``name`` on ``[low, high]``: x (n,), y (n,)."""
    x = np.linspace(low, high, n)
    return x, target_values(name, x)


def fit_polynomial(x, y, degree: int, domain: tuple[float, float]) -> Chebyshev:
    """The least-squares polynomial of ``degree`` through ``x`` (N,), ``y`` (N,).

    ``domain`` (the training range) is mapped to [-1, 1] for the Chebyshev basis.
    Raises ValueError when there are no more points than coefficients would need
    (``N < degree + 1``), as the fit would not be unique.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x and y must be two equal 1-D arrays, got {x.shape} and {y.shape}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("the points must be finite numbers")
    if len(x) < degree + 1:
        raise ValueError(
            f"a polynomial of degree {degree} needs at least {degree + 1} points, got {len(x)}"
        )
    return Chebyshev.fit(x, y, degree, domain=list(domain))


@dataclass(frozen=True)
class NetworkFit:
    """The network after some epochs.

    Attributes
    ----------
    epoch, epochs : epochs done and in all.
    loss : mean squared error on the training points after ``epoch`` epochs.
    pieces : the network's exact pieces on the whole line.
    """

    epoch: int
    epochs: int
    loss: float
    pieces: Pieces1D


def iter_network_fit(
    x,
    y,
    widths: tuple[int, ...],
    *,
    epochs: int,
    seed: int,
    learning_rate: float = 0.01,
    reports: int = 40,
) -> Iterator[NetworkFit]:
    """Train a ReLU network ``1 -> widths... -> 1`` on ``x`` (N,), ``y`` (N,).

    Yields a :class:`NetworkFit` about ``reports`` times, evenly over the run, the last
    one after the final epoch; stop iterating to cancel. Inputs are not rescaled, so the
    pieces are those of the function the caller sees.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if len(x) == 0:
        raise ValueError("there are no training points in the training range")
    model = random_mlp(widths, n_inputs=1, n_outputs=1, seed=seed, dtype=torch.float64)
    optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
    inputs = torch.from_numpy(x[:, None])
    targets = torch.from_numpy(y[:, None])
    every = max(1, epochs // max(1, reports))
    done = 0
    while done < epochs:
        steps = min(every, epochs - done)
        # One torch thread while stepping, never across a yield: a caller may stop
        # iterating for good at any report.
        with one_torch_thread():
            for _ in range(steps):
                optimiser.zero_grad()
                loss = nn.functional.mse_loss(model(inputs), targets)
                loss.backward()
                optimiser.step()
            with torch.no_grad():
                current = float(nn.functional.mse_loss(model(inputs), targets))
            pieces = pieces_1d(model)
        done += steps
        yield NetworkFit(done, epochs, current, pieces)
