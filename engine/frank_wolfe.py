"""The first-order half of :mod:`engine.hulls`: a batched Frank–Wolfe with away steps, in
torch float64, minimising ``|X^T lambda - q|^2`` over the simplex for many queries at once
and checking both certificates (inside: the iterate's residual; outside: the hyperplane
normal to ``q - p``) at every iteration. Queries it cannot settle go to the linear program
in :mod:`engine.hulls`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

#: What the solver concluded about a query.
INSIDE, OUTSIDE, UNDECIDED = 1, -1, 0


#: Every this many iterations the iterate is recomputed from its weights (no drift).
_REFRESH_EVERY = 25

#: Every this many iterations, queries whose residual is below ``_POLISH_BELOW`` (in units
#: of R) try one exact correction step (see :func:`polish_inside`).
_POLISH_EVERY = 10

_POLISH_BELOW = 0.05

_POLISH_SUPPORT_PER_DIM = 3


@dataclass
class FrankWolfeChunk:
    """Outcome of the first-order method on one chunk of queries (normalised units)."""

    status: np.ndarray  # (m,) INSIDE / OUTSIDE / UNDECIDED
    weights: np.ndarray  # (m, N) convex weights of the last iterate
    normal: np.ndarray  # (m, d) hyperplane normals (q - p) of the deciding iteration


def frank_wolfe(
    train: torch.Tensor,
    queries: torch.Tensor,
    tau: float,
    max_iterations: int,
    *,
    stop_at_certificate: bool = True,
    gap: float = 0.0,
) -> FrankWolfeChunk:
    """Away-step Frank–Wolfe on ``min |train^T lambda - q|^2`` over the simplex, batched.

    With ``stop_at_certificate`` a query leaves the loop as soon as its inside or outside
    certificate holds (in the max-norm sense of the module docstring); otherwise it leaves
    when its Euclidean duality gap ``|q - p| - lower`` is at most ``gap``.
    """
    m, n = len(queries), len(train)
    train_t = train.T.contiguous()
    sq_norms = (train * train).sum(dim=1)
    # Start at the nearest training point.
    start = (sq_norms[None, :] - 2.0 * queries @ train_t).argmin(dim=1)
    weights = torch.zeros((m, n), dtype=torch.float64)
    weights[torch.arange(m), start] = 1.0
    points = train[start].clone()
    status = np.zeros(m, dtype=np.int8)
    normals = np.full((m, train.shape[1]), np.nan)
    final_weights = np.zeros((m, n))
    active = torch.arange(m)
    q = queries
    for iteration in range(max_iterations + 1):
        if iteration % _REFRESH_EVERY == 0:
            points = weights @ train
        g = points - q  # gradient of the objective at the iterate
        scores = g @ train_t  # (a, N): g . x_i
        s_min, s_idx = scores.min(dim=1)
        gq = (g * q).sum(dim=1)
        gp = (g * points).sum(dim=1)
        excess = s_min - gq  # (q - p) . q - max_i (q - p) . x_i
        if stop_at_certificate:
            is_in = g.abs().amax(dim=1) <= tau
            if iteration % _POLISH_EVERY == _POLISH_EVERY - 1:
                near = ~is_in & (g.abs().amax(dim=1) <= _POLISH_BELOW)
                if near.any():
                    polished, ok = polish_inside(train, q[near], weights[near], tau)
                    rows_near = torch.nonzero(near).squeeze(1)[ok]
                    weights[rows_near] = polished[ok]
                    is_in[rows_near] = True
            is_out = (excess > tau * g.abs().sum(dim=1)) & ~is_in
        else:
            norm = g.norm(dim=1)
            lower = torch.where(norm > 0, excess / norm.clamp_min(1e-300), 0.0).clamp_min(0.0)
            done = norm - lower <= gap
            is_in = done & (lower <= 0)
            is_out = done & (lower > 0)
        settled = is_in | is_out
        if iteration == max_iterations:
            settled = torch.ones_like(settled)
        if settled.any():
            rows = active[settled].numpy()
            status[rows] = np.where(
                is_in[settled].numpy(), INSIDE, np.where(is_out[settled].numpy(), OUTSIDE, 0)
            )
            normals[rows] = (-g[settled]).numpy()
            final_weights[rows] = weights[settled].numpy()
            keep = ~settled
            if not keep.any():
                break
            active, weights, points, q = active[keep], weights[keep], points[keep], q[keep]
            g, scores, s_min, s_idx, gp = g[keep], scores[keep], s_min[keep], s_idx[keep], gp[keep]
        rows = torch.arange(len(active))
        away_scores = scores.masked_fill(weights <= 0, -torch.inf)
        a_max, a_idx = away_scores.max(dim=1)
        use_fw = (gp - s_min) >= (a_max - gp)
        direction = torch.where(use_fw[:, None], train[s_idx] - points, points - train[a_idx])
        lam_a = weights[rows, a_idx]
        away_cap = lam_a / (1.0 - lam_a).clamp_min(1e-300)
        step_cap = torch.where(use_fw, torch.ones_like(lam_a), away_cap)
        dd = (direction * direction).sum(dim=1)
        step = -(g * direction).sum(dim=1) / dd.clamp_min(1e-300)
        step = torch.minimum(step.clamp_min(0.0), step_cap)
        step = torch.where(dd > 0, step, torch.zeros_like(step))
        fw_step = torch.where(use_fw, step, torch.zeros_like(step))
        away_step = torch.where(use_fw, torch.zeros_like(step), step)
        weights *= (1.0 - fw_step + away_step)[:, None]
        weights[rows, s_idx] += fw_step
        weights[rows, a_idx] -= away_step
        drop = ~use_fw & (step >= step_cap)
        weights[rows[drop], a_idx[drop]] = 0.0
        weights.clamp_(min=0.0)
        points = points + step[:, None] * direction
    return FrankWolfeChunk(status, final_weights, normals)


def polish_inside(
    train: torch.Tensor, queries: torch.Tensor, weights: torch.Tensor, tau: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """One affine-scaling Newton step that makes nearly-representing weights exact.

    Keeps each query's largest weights (at most ``_POLISH_SUPPORT_PER_DIM (d + 1)``),
    and solves ``A_S mu = (q, 1)`` with ``A_S`` the kept points (with a row of ones), for
    the correction of least ``lambda^-1``-weighted norm. Where ``mu`` stays non-negative
    and reproduces the query to ``tau`` in every coordinate, it is a certificate (it is
    checked again in float64 before it is reported). Returns (m, N) weights and (m,) ok.
    """
    m, n = weights.shape
    d = train.shape[1]
    k = min(n, _POLISH_SUPPORT_PER_DIM * (d + 1))
    kept, idx = weights.topk(k, dim=1)
    kept = kept / kept.sum(dim=1, keepdim=True)
    points = train[idx]  # (m, k, d)
    aug = torch.cat([points, torch.ones((m, k, 1), dtype=points.dtype)], dim=2)
    target = torch.cat([queries, torch.ones((m, 1), dtype=queries.dtype)], dim=1)
    residual = target - (kept[:, :, None] * aug).sum(dim=1)  # (m, d + 1)
    gram = torch.einsum("mk,mki,mkj->mij", kept, aug, aug)
    solution, info = torch.linalg.solve_ex(gram, residual[:, :, None])
    correction = kept * (aug @ solution).squeeze(2)
    mu = kept + correction
    ok = (info == 0) & (mu >= 0).all(dim=1) & torch.isfinite(mu).all(dim=1)
    mu = mu.clamp_min(0.0)
    mu = mu / mu.sum(dim=1, keepdim=True)
    reproduced = (mu[:, :, None] * points).sum(dim=1)
    ok &= (reproduced - queries).abs().amax(dim=1) <= tau
    out = torch.zeros_like(weights)
    out.scatter_(1, idx, torch.where(ok[:, None], mu, kept))
    return out, ok
