"""The textbook convex-hull membership test, one linear program per query.

This is the yardstick the certified method (``engine.hulls.hull_membership``) is measured
against, for speed (``benchmarks/hulls.py``) and for its answers (``tests/engine/test_hulls.py``).
It shares nothing with the engine: a query ``q`` is inside the hull of the training rows
``X`` exactly when ``X^T lambda = q, 1^T lambda = 1, lambda >= 0`` is feasible, which
scipy's HiGHS decides with a zero objective.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize


def lp_inside(train: np.ndarray, query: np.ndarray) -> bool:
    """Whether ``query`` (d,) lies in the convex hull of ``train`` (N, d), by HiGHS.

    Raises RuntimeError when HiGHS neither finds a solution nor proves infeasibility.
    """
    n = len(train)
    result = optimize.linprog(
        np.zeros(n),
        A_eq=np.vstack([train.T, np.ones(n)]),
        b_eq=np.append(query, 1.0),
        bounds=(0, None),
        method="highs",
    )
    if result.status not in (0, 2):  # 0: feasible, 2: infeasible
        raise RuntimeError(f"HiGHS could not decide a hull query: {result.message}")
    return result.status == 0
