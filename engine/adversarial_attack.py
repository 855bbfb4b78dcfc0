"""Upper bounds on the distance to a classifier's decision boundary, by attack.

:func:`ray_boundary` walks a ray from an input until the predicted class changes and
bisects the change: a real input of another class, so its distance is an upper bound.
:func:`pgd_attack` is the projected-gradient attack (Madry et al. 2018) on the margin
``max_{j != y} f_j - f_y`` inside a norm ball, with a bisection on the ball's radius: the
smallest radius at which it finds an input of another class. Neither is exact; the exact
distance (:mod:`engine.adversarial_distance`) never exceeds either.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from engine.networks import NetworkLayers

#: Bisection steps: 2^-60 of the bracket is below float64 resolution of any distance.
BISECTION_STEPS = 60


@dataclass(frozen=True)
class AttackResult:
    """An input of another class found by an attack.

    Attributes
    ----------
    point : (d,) float64, classified as ``adversarial_class``.
    distance : ``|point - x0|`` in the attack's norm: an upper bound on the exact distance.
    adversarial_class : the class ``point`` gets (not the class of ``x0``).
    """

    point: np.ndarray
    distance: float
    adversarial_class: int


def norm_of(v: np.ndarray, norm: str) -> float:
    """``|v|`` in ``"l2"`` or ``"linf"``; v is (d,)."""
    return float(np.linalg.norm(v)) if norm == "l2" else float(np.abs(v).max(initial=0.0))


def predicted_class(net: NetworkLayers, x: np.ndarray) -> np.ndarray:
    """(M,) int: the arg-max output of each row of ``x`` (M, d)."""
    return net.forward(np.atleast_2d(x))[0].argmax(axis=1)


def ray_boundary(
    net: NetworkLayers, x0: np.ndarray, direction: np.ndarray, norm: str, reach: float
) -> AttackResult | None:
    """The first change of class found walking from ``x0`` along ``direction``.

    Parameters
    ----------
    x0 : (d,) the input; direction : (d,) non-zero.
    reach : walk up to this distance (in ``norm``) before giving up.

    Returns
    -------
    AttackResult on the far side of a bisected change of class, or None if none is
    found within ``reach`` (the walk doubles its step from ``reach / 2^20``).
    """
    label = int(predicted_class(net, x0)[0])
    step = np.asarray(direction, dtype=np.float64)
    length = norm_of(step, norm)
    if not length > 0:
        raise ValueError("the direction must be non-zero")
    step = step / length
    inside, t = 0.0, reach / 2.0**20
    while t <= reach:
        if predicted_class(net, x0 + t * step)[0] != label:
            break
        inside, t = t, 2.0 * t
    else:
        return None
    outside = t
    for _ in range(BISECTION_STEPS):
        middle = 0.5 * (inside + outside)
        if predicted_class(net, x0 + middle * step)[0] != label:
            outside = middle
        else:
            inside = middle
    point = x0 + outside * step
    return AttackResult(point, norm_of(point - x0, norm), int(predicted_class(net, point)[0]))


def _pgd_in_ball(
    model: torch.nn.Module, x0: torch.Tensor, label: int, radius: float, norm: str, steps: int
) -> torch.Tensor | None:
    x = x0.clone()
    step = 2.5 * radius / steps
    for _ in range(steps):
        x.requires_grad_(True)
        out = model(x[None])[0]
        others = torch.cat([out[:label], out[label + 1 :]])
        margin = others.max() - out[label]
        if margin.item() > 0:
            return x.detach()
        (grad,) = torch.autograd.grad(margin, x)
        with torch.no_grad():
            if norm == "l2":
                x = x + step * grad / (grad.norm() + 1e-300)
                delta = x - x0
                size = delta.norm()
                if size > radius:
                    delta = delta * (radius / size)
            else:
                x = x + step * grad.sign()
                delta = (x - x0).clamp(-radius, radius)
            x = x0 + delta
    with torch.no_grad():
        out = model(x[None])[0]
    return x.detach() if int(out.argmax()) != label else None


def pgd_attack(
    model: torch.nn.Module,
    net: NetworkLayers,
    x0: np.ndarray,
    norm: str = "l2",
    *,
    steps: int = 100,
    reach: float = 100.0,
    bisections: int = 20,
) -> AttackResult | None:
    """The smallest-radius projected-gradient attack found by bisecting the radius.

    Parameters
    ----------
    model : the float64 ``nn.Sequential`` classifier; net : its layers.
    x0 : (d,) float64 input.
    norm : ``"l2"`` or ``"linf"``.
    steps : gradient steps per radius; reach : the largest radius tried;
    bisections : halvings of the radius bracket.

    Returns
    -------
    AttackResult (its distance is the actual distance of the point found), or None if
    the attack fails at radius ``reach``.
    """
    x0_t = torch.as_tensor(np.asarray(x0, dtype=np.float64))
    label = int(predicted_class(net, x0)[0])
    model = model.to(torch.float64)
    found = _pgd_in_ball(model, x0_t, label, reach, norm, steps)
    if found is None:
        return None
    low, high = 0.0, norm_of((found - x0_t).numpy(), norm)
    for _ in range(bisections):
        middle = 0.5 * (low + high)
        candidate = _pgd_in_ball(model, x0_t, label, middle, norm, steps)
        if candidate is None:
            low = middle
        else:
            found, high = candidate, norm_of((candidate - x0_t).numpy(), norm)
    point = found.numpy().astype(np.float64)
    return AttackResult(point, norm_of(point - x0, norm), int(predicted_class(net, point)[0]))
