"""Convex-hull membership: queries per second, against one HiGHS LP per query.

N = 2,000 standard Gaussian training points in d = 32 and 1,000 queries: 500 inside
(random convex combinations of d + 1 training points, Dirichlet(1) weights) and 500
outside (a random direction from the mean, 5% beyond the furthest training point along
it). The reference asks HiGHS, for each query, whether ``X^T lambda = q, 1^T lambda = 1,
lambda >= 0`` is feasible. Prints both rates, their ratio (target: at least 20x) and
whether the answers are identical; asserts nothing about time.

Run: ``.venv/bin/python benchmarks/hulls.py``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.reference_hull import lp_inside
from engine.hulls import hull_membership

N, D, QUERIES = 2000, 32, 1000


def make_queries(train: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(QUERIES, D) queries, the first half inside and the second outside, and the truth."""
    half = QUERIES // 2
    corners = rng.integers(0, len(train), (half, D + 1))
    inside = np.einsum("mk,mkd->md", rng.dirichlet(np.ones(D + 1), half), train[corners])
    direction = rng.standard_normal((QUERIES - half, D))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    centre = train.mean(axis=0)
    reach = (train @ direction.T).max(axis=0) - direction @ centre
    outside = centre + direction * (1.05 * reach)[:, None]
    truth = np.arange(QUERIES) < half
    return np.vstack([inside, outside]), truth


def main() -> None:
    rng = np.random.default_rng(0)
    train = rng.standard_normal((N, D))
    queries, truth = make_queries(train, rng)

    start = time.perf_counter()
    result = hull_membership(train, queries)
    fast = time.perf_counter() - start

    start = time.perf_counter()
    reference = np.array([lp_inside(train, q) for q in queries])
    slow = time.perf_counter() - start

    print(f"N = {N}, d = {D}, {QUERIES} queries ({truth.sum()} inside, {(~truth).sum()} outside)")
    print(
        f"  Frank-Wolfe + HiGHS fallback: {fast:8.2f} s  {QUERIES / fast:9.0f} queries/s"
        f"  ({result.by_lp.sum()} queries went to the LP)"
    )
    print(f"  one HiGHS LP per query:       {slow:8.2f} s  {QUERIES / slow:9.0f} queries/s")
    print(f"  ratio: {slow / fast:.1f}x (target >= 20x)")
    print(f"  identical answers: {np.array_equal(result.inside, reference)}")
    print(f"  answers match the construction: {np.array_equal(result.inside, truth)}")
    print(f"  every certificate verifies: {bool(result.verify(train, queries).all())}")


if __name__ == "__main__":
    main()
