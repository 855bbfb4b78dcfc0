"""A cell's warm-started L-infinity programs against linprog solving each one afresh."""

from __future__ import annotations

import numpy as np
import pytest

from engine.cell_programs import least_distance
from engine.linf_programs import WARM_HIGHS, CellLinfPrograms

pytestmark = pytest.mark.skipif(not WARM_HIGHS, reason="SciPy has no HiGHS bindings")


def _cell(rng, m: int, d: int):
    """A random polyhedron holding ``x0`` (rows through random points around it)."""
    x0 = rng.normal(size=d)
    G = rng.normal(size=(m, d))
    h = G @ x0 + rng.uniform(0.05, 1.0, size=m)
    return G, h, x0


@pytest.mark.parametrize(("m", "d"), [(6, 2), (20, 8), (40, 64)])
def test_facets_and_pieces_match_fresh_programs(m, d):
    rng = np.random.default_rng(m + d)
    G, h, x0 = _cell(rng, m, d)
    extra = rng.normal(size=(3, d))
    programs = CellLinfPrograms(G, h, extra, x0)
    feasible = infeasible = 0
    # Twice round, so each program starts from another one's basis.
    for _ in range(2):
        for i in range(m):
            warm = programs.to_facet(i)
            fresh = least_distance(np.vstack([G, -G[i]]), np.append(h, -h[i]), x0, "linf")
            assert (warm is None) == (fresh is None)
            if warm is not None:
                feasible += 1
                assert warm.distance == pytest.approx(fresh.distance, rel=1e-8, abs=1e-12)
                assert abs(G[i] @ warm.point - h[i]) <= 1e-8 * (1 + abs(h[i]))
                assert np.all(G @ warm.point <= h + 1e-8 * (1 + np.abs(h)))
            else:
                infeasible += 1
        for k in range(len(extra)):
            for rhs in (extra[k] @ x0 - 0.5, extra[k] @ x0 + 0.5, -1e3):
                warm = programs.to_piece(k, rhs)
                fresh = least_distance(np.vstack([G, extra[k]]), np.append(h, rhs), x0, "linf")
                assert (warm is None) == (fresh is None)
                if warm is not None:
                    assert warm.distance == pytest.approx(fresh.distance, rel=1e-8, abs=1e-12)
    assert feasible > 0
    # A point inside the half-space is its own nearest point.
    inside = programs.to_piece(0, extra[0] @ x0 + 0.5)
    assert inside.distance == pytest.approx(0.0, abs=1e-12)
    if m > 2 * d:  # some rows of a small 2-D cell are redundant: no facet, no point
        assert infeasible > 0
