"""engine.partition2d: the exact 2-D cells, checked against independent evidence.

Nothing here trusts the implementation to check itself. The evidence is:

- the model itself, evaluated with torch in float64 (activation patterns, outputs);
- brute-force point-in-convex-polygon tests of dense random samples against every cell;
- plain geometry computed here (shoelace areas, convexity, edge positions);
- a deliberately plain reference implementation (``benchmarks/reference_partition.py``)
  on tiny networks.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from torch import nn

from benchmarks.reference_partition import reference_partition_2d
from engine.networks import Abs, random_mlp
from engine.partition2d import TooManyRegionsError, partition_2d
from engine.pattern_keys import packed_pattern_keys, pattern_colour_keys
from tests.torch_reference import (
    assert_maps_match_model,
    hidden_widths,
    pattern_mismatch,
    torch_eval,
    torch_patterns,
    torch_pre_activations,
)

UNIT = (-1.0, 1.0, -1.0, 1.0)

#: A point is inside a cell if its signed distance to every edge is >= -IN_TOL * scale.
IN_TOL = 1e-12
#: A point is strictly inside if its distance to every edge of its cell exceeds this.
STRICT_TOL = 1e-9
#: Cells whose centroid is this far from their edges have their pattern checked there.
CENTROID_TOL = 1e-10


# --------------------------------------------------------------------------------------
# Plain geometry on the CSR polygons
# --------------------------------------------------------------------------------------


def _next_position(offsets: np.ndarray) -> np.ndarray:
    nxt = np.arange(1, offsets[-1] + 1)
    nxt[offsets[1:] - 1] = offsets[:-1]
    return nxt


def _edges(part):
    """Start and end point of every ring edge, in ring order."""
    offsets = np.asarray(part.offsets)
    indices = np.asarray(part.indices)
    verts = np.asarray(part.vertices)
    p = verts[indices]
    q = verts[indices[_next_position(offsets)]]
    return p, q


def _local_edges(part):
    """Edges relative to the first corner of their ring (no cancellation far from 0)."""
    offsets = np.asarray(part.offsets)
    p, q = _edges(part)
    first = np.repeat(p[offsets[:-1]], np.diff(offsets), axis=0)
    return p - first, q - first, first


def shoelace(part) -> np.ndarray:
    p, q, _ = _local_edges(part)
    cross = p[:, 0] * q[:, 1] - q[:, 0] * p[:, 1]
    return 0.5 * np.add.reduceat(cross, np.asarray(part.offsets)[:-1])


def centroids(part) -> np.ndarray:
    p, q, first = _local_edges(part)
    cross = p[:, 0] * q[:, 1] - q[:, 0] * p[:, 1]
    offsets = np.asarray(part.offsets)[:-1]
    area6 = 3.0 * np.add.reduceat(cross, offsets)
    cx = np.add.reduceat((p[:, 0] + q[:, 0]) * cross, offsets) / area6
    cy = np.add.reduceat((p[:, 1] + q[:, 1]) * cross, offsets) / area6
    return np.stack([cx, cy], axis=1) + first[offsets]


def cell_distances(part, points: np.ndarray) -> np.ndarray:
    """(R, M): for every cell and point, the minimum signed distance to the cell's edges.

    Positive inside, negative outside (the cells are convex and counter-clockwise).
    Vectorised brute force over all cells; chunked over the points.
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    p, q = _edges(part)
    d = q - p
    length = np.hypot(d[:, 0], d[:, 1])
    ok = length > 0
    nx = np.where(ok, -d[:, 1] / np.where(ok, length, 1.0), 0.0)
    ny = np.where(ok, d[:, 0] / np.where(ok, length, 1.0), 0.0)
    offsets = np.asarray(part.offsets)[:-1]
    out = np.empty((len(offsets), len(points)))
    chunk = max(1, 4_000_000 // max(1, len(p)))
    for start in range(0, len(points), chunk):
        pts = points[start : start + chunk]
        dist = nx[:, None] * (pts[None, :, 0] - p[:, None, 0]) + ny[:, None] * (
            pts[None, :, 1] - p[:, None, 1]
        )
        dist[~ok] = np.inf
        out[:, start : start + chunk] = np.minimum.reduceat(dist, offsets, axis=0)
    return out


def _scale(bounds) -> float:
    return max(1.0, float(np.max(np.abs(bounds))))


def _domain_area(bounds) -> float:
    xmin, xmax, ymin, ymax = bounds
    return (xmax - xmin) * (ymax - ymin)


def sample_points(bounds, n: int, seed: int = 0) -> np.ndarray:
    xmin, xmax, ymin, ymax = bounds
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n)])


def boundary_points(bounds, n: int = 9) -> np.ndarray:
    """The corners and points along every side of the rectangle."""
    xmin, xmax, ymin, ymax = bounds
    s = np.linspace(0.0, 1.0, n)
    xs = xmin + s * (xmax - xmin)
    ys = ymin + s * (ymax - ymin)
    return np.concatenate(
        [
            np.column_stack([xs, np.full(n, ymin)]),
            np.column_stack([xs, np.full(n, ymax)]),
            np.column_stack([np.full(n, xmin), ys]),
            np.column_stack([np.full(n, xmax), ys]),
        ]
    )


# --------------------------------------------------------------------------------------
# The exactness check
# --------------------------------------------------------------------------------------


def check_exact(
    part,
    model,
    bounds,
    *,
    plane=None,
    n_layers=None,
    extra_points=None,
    n_samples: int = 3000,
    seed: int = 0,
    check_centroids: bool = True,
):
    """Every property of an exact partition that independent evidence can confirm."""
    bounds = tuple(float(b) for b in bounds)
    xmin, xmax, ymin, ymax = bounds
    scale = _scale(bounds)
    in_tol = IN_TOL * scale
    strict_tol = min(STRICT_TOL * scale, 1e-6 * min(xmax - xmin, ymax - ymin))
    widths = hidden_widths(model)
    n_hidden = len(widths)
    k = n_hidden if n_layers is None else n_layers
    n_neurons = sum(widths[:k])
    map_layers = None if k == n_hidden else k

    # ---- structure ------------------------------------------------------------------
    offsets = np.asarray(part.offsets)
    indices = np.asarray(part.indices)
    verts = np.asarray(part.vertices)
    n_regions = part.n_regions
    assert n_regions >= 1
    assert offsets.shape == (n_regions + 1,)
    assert offsets[0] == 0 and np.all(np.diff(offsets) >= 3), "every ring needs >= 3 vertices"
    assert indices.shape == (offsets[-1],)
    assert indices.min() >= 0 and indices.max() < len(verts)
    assert np.all(np.isfinite(verts))
    assert part.patterns.shape == (n_regions, n_neurons)
    assert part.patterns.dtype == np.bool_
    np.testing.assert_array_equal(part.layer_of_neuron, np.repeat(np.arange(k), widths[:k]))
    assert part.n_layers == k
    n_out = torch_eval(model, np.zeros((1, 2)), plane, map_layers).shape[1]
    assert part.A.shape == (n_regions, n_out, 2)
    assert part.c.shape == (n_regions, n_out)
    np.testing.assert_array_equal(part.bounds, bounds)
    for r in (0, n_regions // 2, n_regions - 1):
        np.testing.assert_array_equal(part.polygon(r), verts[indices[offsets[r] : offsets[r + 1]]])

    # every vertex lies in the domain
    assert np.all(verts[:, 0] >= xmin - in_tol) and np.all(verts[:, 0] <= xmax + in_tol)
    assert np.all(verts[:, 1] >= ymin - in_tol) and np.all(verts[:, 1] <= ymax + in_tol)

    # ---- areas, orientation, convexity ----------------------------------------------
    domain = _domain_area(bounds)
    areas = shoelace(part)
    assert np.all(areas > 0), f"{np.sum(areas <= 0)} cells are clockwise or empty"
    np.testing.assert_allclose(part.areas, areas, rtol=1e-9, atol=1e-15 * domain)
    assert abs(areas.sum() - domain) <= 1e-9 * domain, (areas.sum(), domain)

    p, q = _edges(part)
    e = q - p
    e_next = e[_next_position(offsets)]
    turn = e[:, 0] * e_next[:, 1] - e[:, 1] * e_next[:, 0]
    size = np.hypot(*e.T) * np.hypot(*e_next.T)
    assert np.all(turn >= -1e-9 * size - in_tol**2), "a cell is not convex"

    # ---- unique patterns -------------------------------------------------------------
    if n_neurons:
        n_unique = np.unique(part.patterns, axis=0).shape[0]
        assert n_unique == n_regions, f"{n_regions - n_unique} repeated patterns"
    else:
        assert n_regions == 1

    # ---- edges: which neuron made them --------------------------------------------------
    edge_neuron = np.asarray(part.edge_neuron)
    assert edge_neuron.shape == (offsets[-1],)
    assert np.all((edge_neuron == -1) | ((edge_neuron >= 0) & (edge_neuron < n_neurons)))
    layer_of = np.asarray(part.layer_of_neuron)
    expected_layer = np.where(edge_neuron >= 0, layer_of[np.maximum(edge_neuron, 0)], -1)
    np.testing.assert_array_equal(part.edge_layer, expected_layer)

    boundary = edge_neuron == -1
    bp, bq = p[boundary], q[boundary]
    on_side = (
        ((np.abs(bp[:, 0] - xmin) <= in_tol) & (np.abs(bq[:, 0] - xmin) <= in_tol))
        | ((np.abs(bp[:, 0] - xmax) <= in_tol) & (np.abs(bq[:, 0] - xmax) <= in_tol))
        | ((np.abs(bp[:, 1] - ymin) <= in_tol) & (np.abs(bq[:, 1] - ymin) <= in_tol))
        | ((np.abs(bp[:, 1] - ymax) <= in_tol) & (np.abs(bq[:, 1] - ymax) <= in_tol))
    )
    assert np.all(on_side), f"{np.sum(~on_side)} boundary-labelled edges are not on the boundary"

    neuron_edges = np.flatnonzero(~boundary)
    if neuron_edges.size:
        mid = 0.5 * (p[neuron_edges] + q[neuron_edges])
        pre, mag = torch_pre_activations(model, mid, plane)
        j = edge_neuron[neuron_edges]
        rows = np.arange(len(j))
        z = np.abs(pre[rows, j])
        allowed = 1e-9 * np.maximum(1.0, mag[rows, j])
        bad = np.flatnonzero(z > allowed)
        assert bad.size == 0, (
            f"{bad.size} edges are not on the zero set of their neuron, e.g. edge "
            f"{neuron_edges[bad[0]]} neuron {j[bad[0]]}: |z(midpoint)| = {z[bad[0]]:.3g}"
        )

    # ---- every vertex: the cell map agrees with the model there (continuity) -------------
    ring_cell = np.repeat(np.arange(n_regions), np.diff(offsets))
    assert_maps_match_model(part, model, p, ring_cell, plane, map_layers, "ring vertices")

    # ---- every cell is a real cell: its centroid has its pattern --------------------------
    if check_centroids:
        cen = centroids(part)
        own = distance_to_own_cell(part, np.arange(n_regions), cen)
        assert np.all(own > -in_tol), "a centroid lies outside its own cell"
        # Cells thinner than the engine's merge tolerance may carry a neighbour's
        # pattern; anything a little wider must be right.
        roomy = np.flatnonzero(own > CENTROID_TOL * scale)
        assert roomy.size >= 1
        if n_neurons:
            wrong = np.flatnonzero(pattern_mismatch(model, cen[roomy], part.patterns[roomy], plane))
            assert wrong.size == 0, (
                f"{wrong.size} cells have a pattern that differs from the model's at their "
                f"centroid, e.g. cell {roomy[wrong[0]]} at {cen[roomy[wrong[0]]]}"
            )
        np.testing.assert_array_equal(part.locate(cen[roomy]), roomy)
        assert_maps_match_model(
            part, model, cen, np.arange(n_regions), plane, map_layers, "centroids"
        )

    # ---- dense sampling -----------------------------------------------------------------
    random_pts = sample_points(bounds, n_samples, seed)
    parts_of_points = [random_pts, boundary_points(bounds)]
    if extra_points is not None:
        parts_of_points.append(np.asarray(extra_points, dtype=np.float64).reshape(-1, 2))
    points = np.concatenate(parts_of_points)
    dist = cell_distances(part, points)
    inside = dist >= -in_tol
    count = inside.sum(axis=0)
    best = np.argmax(dist, axis=0)
    best_dist = dist[best, np.arange(len(points))]
    strict = best_dist > strict_tol

    assert np.all(count >= 1), f"{np.sum(count == 0)} points are in no cell, e.g. " + str(
        points[np.flatnonzero(count == 0)[0]]
    )
    overlap = np.flatnonzero(strict & (count > 1))
    assert overlap.size == 0, f"cells overlap at {points[overlap[0]]}"
    assert np.sum(~strict[:n_samples]) <= 0.01 * n_samples, "too many samples on edges"

    located = np.asarray(part.locate(points))
    assert located.shape == (len(points),)
    np.testing.assert_array_equal(located[strict], best[strict])
    located_ok = (located >= 0) & inside[np.maximum(located, 0), np.arange(len(points))]
    assert np.all(located_ok), f"locate() gives a cell not containing {points[~located_ok][0]}"

    if n_neurons:
        wrong = np.flatnonzero(
            pattern_mismatch(model, points[strict], part.patterns[best[strict]], plane)
        )
        assert wrong.size == 0, (
            f"{wrong.size} sample points disagree with their cell's pattern, e.g. "
            f"{points[strict][wrong[0]]} in cell {best[strict][wrong[0]]}"
        )

    assert_maps_match_model(part, model, points, best, plane, map_layers, "samples")

    # ---- outside the bounds: -1 ---------------------------------------------------------
    w, h = xmax - xmin, ymax - ymin
    outside = np.array(
        [
            [xmin - 0.1 * w, 0.5 * (ymin + ymax)],
            [xmax + 0.1 * w, 0.5 * (ymin + ymax)],
            [0.5 * (xmin + xmax), ymin - 0.1 * h],
            [0.5 * (xmin + xmax), ymax + 0.1 * h],
            [xmax + w, ymax + h],
        ]
    )
    np.testing.assert_array_equal(part.locate(outside), -1)


class _Rings:
    """Polygons in the CSR layout of a partition, for cell_distances."""

    def __init__(self, polygons):
        self.vertices = np.concatenate(polygons)
        self.indices = np.arange(len(self.vertices))
        self.offsets = np.concatenate([[0], np.cumsum([len(poly) for poly in polygons])])


def distance_to_own_cell(part, cells, points) -> np.ndarray:
    """Minimum signed distance of ``points[i]`` to the edges of cell ``cells[i]``."""
    return np.array(
        [
            cell_distances(_Rings([part.polygon(r)]), points[i : i + 1])[0, 0]
            for i, r in enumerate(cells)
        ]
    )


# --------------------------------------------------------------------------------------
# Networks under test
# --------------------------------------------------------------------------------------


def _leaky(widths, seed, slope=0.1):
    model = random_mlp(widths, seed=seed, activation="leaky_relu")
    for i, m in enumerate(model):
        if isinstance(m, nn.LeakyReLU):
            model[i] = nn.LeakyReLU(slope)
    return model


def _random_plane(d, seed):
    rng = np.random.default_rng(seed)
    return (0.3 * rng.normal(size=d), rng.normal(size=d), rng.normal(size=d))


CASES = {
    "relu-8": lambda: (random_mlp([8], seed=1), UNIT, None),
    "relu-8-8": lambda: (random_mlp([8, 8], seed=2), (-2.0, 1.5, -0.5, 3.0), None),
    "relu-16-16-16": lambda: (random_mlp([16, 16, 16], seed=3), UNIT, None),
    "leaky0.1-10-10": lambda: (_leaky([10, 10], seed=4), UNIT, None),
    "abs-6-6": lambda: (random_mlp([6, 6], seed=5, activation="abs"), UNIT, None),
    "plane-10d-12-12": lambda: (
        random_mlp([12, 12], n_inputs=10, seed=6),
        UNIT,
        _random_plane(10, 6),
    ),
    "relu-32-32-32": lambda: (random_mlp([32, 32, 32], seed=0), UNIT, None),
    "relu-8-8-out1": lambda: (random_mlp([8, 8], n_outputs=1, seed=7), UNIT, None),
    "relu-8-8-out3": lambda: (random_mlp([8, 8], n_outputs=3, seed=8), UNIT, None),
}


@functools.cache
def _case(name):
    return CASES[name]()


@functools.cache
def _partition(name, layers=None):
    model, bounds, plane = _case(name)
    return partition_2d(model, bounds, plane=plane, layers=layers)


@pytest.mark.parametrize("name", list(CASES))
def test_partition_is_exact(name):
    model, bounds, plane = _case(name)
    part = _partition(name)
    assert part.n_regions > 1
    check_exact(part, model, bounds, plane=plane)
    if plane is None:
        assert part.plane is None
    else:
        for got, want in zip(part.plane, plane, strict=True):
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", list(CASES))
def test_layers_nest(name):
    model, bounds, plane = _case(name)
    n_hidden = len(hidden_widths(model))
    widths = hidden_widths(model)
    parts = [_partition(name, k) for k in range(n_hidden + 1)]
    domain = _domain_area(bounds)

    # layers=0: the whole rectangle, one cell
    zero = parts[0]
    assert zero.n_regions == 1
    assert zero.patterns.shape == (1, 0)
    np.testing.assert_allclose(shoelace(zero), [domain], rtol=1e-12)

    counts = [pt.n_regions for pt in parts]
    assert counts == sorted(counts), f"counts decrease with depth: {counts}"

    # layers=None is layers=L
    full = _partition(name)
    assert full.n_regions == parts[-1].n_regions
    assert {r.tobytes() for r in full.patterns} == {r.tobytes() for r in parts[-1].patterns}

    for k in range(1, n_hidden):
        check_exact(parts[k], model, bounds, plane=plane, n_layers=k, n_samples=1000)

    for k in range(n_hidden):
        coarse, fine = parts[k], parts[k + 1]
        n_k = sum(widths[:k])
        dist = cell_distances(coarse, centroids(fine))
        owner = np.argmax(dist, axis=0)
        assert np.all(dist[owner, np.arange(fine.n_regions)] >= -IN_TOL * _scale(bounds))
        np.testing.assert_array_equal(fine.patterns[:, :n_k], coarse.patterns[owner])
        grouped = np.bincount(owner, weights=shoelace(fine), minlength=coarse.n_regions)
        np.testing.assert_allclose(grouped, shoelace(coarse), rtol=1e-9, atol=1e-12 * domain)


# --------------------------------------------------------------------------------------
# Brute-force cross-check against the plain reference implementation
# --------------------------------------------------------------------------------------


def _polygon_area(poly: np.ndarray) -> float:
    x, y = poly[:, 0] - poly[0, 0], poly[:, 1] - poly[0, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


@pytest.mark.parametrize(
    ("widths", "seed", "activation"),
    [
        ([4], 0, "relu"),
        ([4], 1, "relu"),
        ([3, 3], 2, "relu"),
        ([3, 3], 3, "abs"),
        ([5, 4], 4, "relu"),
        ([5, 4], 5, "leaky_relu"),
        ([16, 16, 16], 6, "relu"),
        ([32, 32], 7, "abs"),
    ],
)
def test_matches_reference_implementation(widths, seed, activation):
    model = random_mlp(widths, seed=seed, activation=activation)
    bounds = (-1.5, 1.0, -1.0, 1.25)
    part = partition_2d(model, bounds)
    reference = reference_partition_2d(model, bounds)
    assert part.n_regions == len(reference)

    ours = {pat.tobytes(): a for pat, a in zip(part.patterns, shoelace(part), strict=True)}
    theirs = {pat.tobytes(): _polygon_area(poly) for poly, pat in reference}
    assert set(ours) == set(theirs)
    for key, area in theirs.items():
        assert ours[key] == pytest.approx(area, rel=1e-9, abs=1e-12)


def test_matches_reference_implementation_on_a_plane():
    model = random_mlp([6, 5], n_inputs=5, seed=8)
    plane = _random_plane(5, 8)
    part = partition_2d(model, UNIT, plane=plane)
    reference = reference_partition_2d(model, UNIT, plane=plane)
    assert part.n_regions == len(reference)
    ours = {pat.tobytes(): a for pat, a in zip(part.patterns, shoelace(part), strict=True)}
    theirs = {pat.tobytes(): _polygon_area(poly) for poly, pat in reference}
    assert set(ours) == set(theirs)
    for key, area in theirs.items():
        assert ours[key] == pytest.approx(area, rel=1e-9, abs=1e-12)


def test_reference_implementation_is_itself_exact():
    """The yardstick passes the same sampling evidence (so a disagreement means something)."""
    model = random_mlp([5, 4], seed=9)
    reference = reference_partition_2d(model, UNIT)
    polys = [poly for poly, _ in reference]
    fake = _Rings(polys)
    areas = np.array([_polygon_area(poly) for poly in polys])
    assert np.all(areas > 0)
    assert areas.sum() == pytest.approx(4.0, rel=1e-12)
    pts = sample_points(UNIT, 2000, seed=1)
    dist = cell_distances(fake, pts)
    best = np.argmax(dist, axis=0)
    strict = dist[best, np.arange(len(pts))] > STRICT_TOL
    assert np.all((dist >= -IN_TOL).sum(axis=0) >= 1)
    assert np.all((dist > STRICT_TOL).sum(axis=0) <= 1)
    patterns = np.array([pat for _, pat in reference])
    np.testing.assert_array_equal(torch_patterns(model, pts[strict]), patterns[best[strict]])


# --------------------------------------------------------------------------------------
# Degenerate networks
# --------------------------------------------------------------------------------------


def _net(hidden, *, n_out=2, seed=0, activation=nn.ReLU, tail=None):
    """A Sequential with the given hidden (W, b) layers, then optional random hidden
    widths ``tail``, then a random output layer."""
    gen = torch.Generator().manual_seed(seed)
    modules: list[nn.Module] = []
    n_in = np.asarray(hidden[0][0]).shape[1]
    for w, b in hidden:
        w = np.asarray(w, dtype=np.float64)
        lin = nn.Linear(w.shape[1], w.shape[0], dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.copy_(torch.as_tensor(b, dtype=torch.float64))
        modules += [lin, activation()]
        n_in = w.shape[0]
    for width in [*(tail or []), n_out]:
        lin = nn.Linear(n_in, width, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.normal_(0.0, float(np.sqrt(2.0 / n_in)), generator=gen)
            lin.bias.normal_(0.0, 0.1, generator=gen)
        modules += [lin, activation()]
        n_in = width
    modules.pop()
    return nn.Sequential(*modules)


def _assert_same_as_reference(model, bounds=UNIT, layers=None):
    part = partition_2d(model, bounds, layers=layers)
    reference = reference_partition_2d(model, bounds, layers=layers)
    assert part.n_regions == len(reference)
    ours = {pat.tobytes(): a for pat, a in zip(part.patterns, shoelace(part), strict=True)}
    theirs = {pat.tobytes(): _polygon_area(poly) for poly, pat in reference}
    assert set(ours) == set(theirs)
    domain = _domain_area(bounds)
    for key, area in theirs.items():
        assert ours[key] == pytest.approx(area, rel=1e-9, abs=1e-12 * domain)


def _check_all_depths(model, bounds=UNIT, extra_points=None, **kwargs):
    part = partition_2d(model, bounds)
    check_exact(part, model, bounds, extra_points=extra_points, **kwargs)
    assert partition_2d(model, bounds, layers=0).n_regions == 1
    for k in range(1, len(hidden_widths(model))):
        sub = partition_2d(model, bounds, layers=k)
        check_exact(sub, model, bounds, n_layers=k, extra_points=extra_points, n_samples=500)
    return part


def test_zero_weight_row_with_zero_bias():
    w = [[1.0, 0.5], [0.0, 0.0], [-0.3, 1.0]]
    model = _net([(w, [0.1, 0.0, -0.2])], tail=[5])
    part = _check_all_depths(model)
    assert not part.patterns[:, 1].any(), "a neuron that is 0 everywhere is off"
    _assert_same_as_reference(model, layers=1)


@pytest.mark.parametrize("bias", [0.3, -0.3])
def test_zero_weight_row_with_nonzero_bias(bias):
    w = [[1.0, 0.5], [0.0, 0.0], [-0.3, 1.0]]
    model = _net([(w, [0.1, bias, -0.2])], tail=[5])
    part = _check_all_depths(model)
    assert np.all(part.patterns[:, 1] == (bias > 0))
    _assert_same_as_reference(model, layers=1)


def test_zero_weight_row_in_a_deeper_layer():
    w1 = [[1.0, 0.5], [-0.4, 1.0], [0.7, -0.6]]
    w2 = [[0.5, -1.0, 0.3], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 1.0, -1.0]]
    model = _net([(w1, [0.1, -0.2, 0.05]), (w2, [0.1, 0.0, 0.2, -0.3])])
    part = _check_all_depths(model)
    assert not part.patterns[:, 4].any()
    assert part.patterns[:, 5].all()


def test_parallel_hyperplanes():
    w = [[1.0, 1.0], [2.0, 2.0], [1.0, -1.0]]
    model = _net([(w, [0.0, -0.5, 0.25])], tail=[4])
    _check_all_depths(model)
    assert partition_2d(model, UNIT, layers=1).n_regions == 6
    _assert_same_as_reference(model, layers=1)


def test_coincident_hyperplanes():
    # The same line four times: duplicated, doubled, and negated (opposite side on).
    w = [[1.0, 2.0], [1.0, 2.0], [2.0, 4.0], [-1.0, -2.0], [0.5, -1.0]]
    b = [0.25, 0.25, 0.5, -0.25, 0.0]
    model = _net([(w, b)], tail=[4])
    on_line = np.column_stack([np.linspace(-1, 1, 21), -(np.linspace(-1, 1, 21) + 0.25) / 2])
    part = _check_all_depths(model, extra_points=on_line)
    assert partition_2d(model, UNIT, layers=1).n_regions == 4
    _assert_same_as_reference(model, layers=1)
    np.testing.assert_array_equal(part.patterns[:, 0], part.patterns[:, 1])
    np.testing.assert_array_equal(part.patterns[:, 0], part.patterns[:, 2])
    np.testing.assert_array_equal(part.patterns[:, 0], ~part.patterns[:, 3])


def test_coincident_hyperplanes_in_a_deeper_layer():
    w1 = [[1.0, 0.5], [-0.4, 1.0], [0.7, -0.6]]
    w2 = [[0.5, -1.0, 0.3], [0.5, -1.0, 0.3], [1.0, 1.0, -1.0]]
    model = _net([(w1, [0.1, -0.2, 0.05]), (w2, [0.1, 0.1, -0.3])])
    part = _check_all_depths(model)
    np.testing.assert_array_equal(part.patterns[:, 3], part.patterns[:, 4])


def test_hyperplanes_through_corners_and_crossings():
    # x = 0.25 and y = -0.5 cross at (0.25, -0.5); x + y = -0.25 passes through it too.
    # x - y = 0 is the diagonal through two corners, x + 2y + 1 = 0 passes through the
    # corner (1, -1), x + y + 2 = 0 only touches the corner (-1, -1), y = 1 runs along
    # the top side.
    w = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, -1.0], [1.0, 2.0], [1.0, 1.0], [0.0, 1.0]]
    b = [-0.25, 0.5, 0.25, 0.0, 1.0, 2.0, -1.0]
    model = _net([(w, b)], tail=[6], seed=1)
    special = np.array(
        [[0.25, -0.5], [-1, -1], [1, 1], [1, -1], [-1, 1], [0.0, 0.0], [-1.0, 0.0], [0.5, 1.0]]
    )
    part = _check_all_depths(model, extra_points=special)
    _assert_same_as_reference(model, layers=1)
    # The crossing point is a vertex of the partition.
    assert np.min(np.hypot(*(np.asarray(part.vertices) - [0.25, -0.5]).T)) < 1e-12


def _lattice_net(widths, seed, weights, biases, activation):
    """Weights and biases drawn from a few small integers and halves: many hyperplanes
    coincide, cross in one point, or vanish on whole cells (exactly representable)."""
    rng = np.random.default_rng(seed)
    modules: list[nn.Module] = []
    n_in = 2
    for width in [*widths, 2]:
        lin = nn.Linear(n_in, width, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(rng.choice(weights, size=(width, n_in))))
            lin.bias.copy_(torch.from_numpy(rng.choice(biases, size=width)))
        modules += [lin, activation()]
        n_in = width
    modules.pop()
    return nn.Sequential(*modules)


@pytest.mark.parametrize(
    ("widths", "seed", "weights", "biases", "activation"),
    [
        ([6], 0, (-1.0, 0.0, 1.0), (-0.5, 0.0, 0.5), nn.ReLU),
        ([5, 5], 4, (-1.0, 0.0, 1.0), (-0.5, 0.0, 0.5), Abs),
        ([10, 10], 4, (-1.0, 0.0, 1.0), (-0.5, 0.0, 0.5), nn.ReLU),
        ([4, 4, 4], 1, (-1.0, 0.0, 1.0), (-0.5, 0.0, 0.5), Abs),
        ([4, 4, 4], 1, (-1.0, 0.0, 1.0), (-0.5, 0.0, 0.5), functools.partial(nn.LeakyReLU, 0.5)),
        ([10, 10], 0, (-2.0, -1.0, 0.0, 1.0, 2.0), (-1.0, -0.5, 0.0, 0.5, 1.0), nn.ReLU),
    ],
    ids=["relu-6", "abs-5-5", "relu-10-10", "abs-4-4-4", "leaky-4-4-4", "relu-10-10-wide"],
)
def test_integer_lattice_networks(widths, seed, weights, biases, activation):
    model = _lattice_net(widths, seed, weights, biases, activation)
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 17), np.linspace(-1, 1, 17)), -1)
    _check_all_depths(model, extra_points=grid.reshape(-1, 2))
    _assert_same_as_reference(model)


@pytest.mark.parametrize(
    ("seed", "eps"),
    [
        (13, 1e-15),
        (14, 1e-15),
        (13, 1e-13),
        (14, 1e-13),
        # ~1e-11 apart, just above the merge threshold: needle-tip pieces and slivers
        # inside a neuron's tolerance band used to give empty or repeated-pattern cells.
        *[(seed, 1e-11) for seed in range(10, 22)],
        (13, 1e-9),
        (14, 1e-9),
    ],
)
def test_near_coincident_hyperplanes(seed, eps):
    """A lattice network jittered by ``eps``: coincident lines become slivers ~eps wide."""
    model = _lattice_net([5, 5], seed, (-1.0, 0.0, 1.0), (-0.5, 0.0, 0.5), nn.ReLU)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in model.parameters():
            param.add_(eps * torch.randn(param.shape, generator=gen, dtype=torch.float64))
    _check_all_depths(model)


def test_all_dead_layer():
    model = random_mlp([8, 8], seed=11)
    with torch.no_grad():
        model[0].bias.fill_(-100.0)
    part = _check_all_depths(model)
    assert part.n_regions == 1
    assert not part.patterns[:, :8].any()


def test_all_dead_middle_layer():
    model = random_mlp([8, 8, 8], seed=12)
    with torch.no_grad():
        model[2].bias.fill_(-100.0)
    part = _check_all_depths(model)
    assert part.n_regions == partition_2d(model, UNIT, layers=1).n_regions


def test_parallel_hyperplanes_thinner_than_tolerance():
    gap = 1e-13
    w = [[1.0, 0.0], [1.0, 0.0], [0.3, 1.0]]
    model = _net([(w, [-0.1, -0.1 - gap, 0.2])], tail=[5], seed=2)
    ys = np.linspace(-1, 1, 41)
    sliver = np.concatenate(
        [
            np.column_stack([np.full(41, 0.1 + 0.5 * gap), ys]),
            np.column_stack([np.full(41, 0.1), ys]),
            np.column_stack([np.full(41, 0.1 + gap), ys]),
        ]
    )
    # The sliver may be merged into a neighbour; everything else must hold.
    _check_all_depths(model, extra_points=sliver)


def test_large_input_range():
    model = random_mlp([8, 8], seed=13)
    bounds = (-1000.0, 1000.0, -1000.0, 1000.0)
    part = partition_2d(model, bounds)
    check_exact(part, model, bounds)
    _assert_same_as_reference(model, bounds, layers=1)


# --------------------------------------------------------------------------------------
# Limits and bad input
# --------------------------------------------------------------------------------------


def test_too_many_regions():
    model = random_mlp([16, 16], seed=0)
    with pytest.raises(TooManyRegionsError) as info:
        partition_2d(model, UNIT, max_regions=20)
    assert isinstance(info.value, ValueError)
    assert info.value.n_regions >= 20
    n = partition_2d(model, UNIT).n_regions
    assert n > 20
    assert partition_2d(model, UNIT, max_regions=n).n_regions == n


def test_three_inputs_need_a_plane():
    model = random_mlp([4], n_inputs=3)
    with pytest.raises(ValueError):
        partition_2d(model, UNIT)


def test_parallel_plane_vectors_are_rejected():
    model = random_mlp([4], n_inputs=3)
    plane = (np.zeros(3), np.array([1.0, 2.0, 3.0]), np.array([-2.0, -4.0, -6.0]))
    with pytest.raises(ValueError):
        partition_2d(model, UNIT, plane=plane)
    with pytest.raises(ValueError):
        partition_2d(model, UNIT, plane=(np.zeros(3), np.array([1.0, 0, 0]), np.zeros(3)))


@pytest.mark.parametrize("bounds", [(1.0, -1.0, -1.0, 1.0), (-1.0, 1.0, 1.0, -1.0)])
def test_inverted_bounds_are_rejected(bounds):
    with pytest.raises(ValueError):
        partition_2d(random_mlp([4]), bounds)


def test_unsupported_network_is_rejected():
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2))
    with pytest.raises(ValueError, match="Tanh"):
        partition_2d(model, UNIT)


def test_pattern_colour_keys_are_stable():
    part = _partition("relu-8-8")
    keys = np.asarray(pattern_colour_keys(part.patterns))
    assert keys.dtype == np.uint64
    assert keys.shape == (part.n_regions,)
    assert len(np.unique(keys)) == part.n_regions
    order = np.random.default_rng(0).permutation(part.n_regions)
    np.testing.assert_array_equal(pattern_colour_keys(part.patterns[order]), keys[order])
    np.testing.assert_array_equal(pattern_colour_keys(part.patterns.copy()), keys)
    np.testing.assert_array_equal(part.colour_keys, keys)  # hashed from the packed rows


def test_pattern_colour_keys_keep_the_colours_of_earlier_releases():
    # Keys written down from the release before the hash moved to engine.pattern_keys:
    # a changed hash would recolour every figure users have made.
    patterns = np.array([[1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0], [0] * 11, [1] * 11], dtype=bool)
    expected = [0xCEC21CD8D6FE706A, 0xCBD9181C0A1D645F, 0x4B71F2A634D2553A]
    np.testing.assert_array_equal(pattern_colour_keys(patterns), np.array(expected, np.uint64))
    packed = np.packbits(patterns, axis=1)
    np.testing.assert_array_equal(packed_pattern_keys(packed, 11), np.array(expected, np.uint64))


# --------------------------------------------------------------------------------------
# Decision boundary
# --------------------------------------------------------------------------------------


def _segment_distance(a0, a1, b0, b1):
    """(N, S) distances between segments a (N pairs of points) and b (S)."""

    def point_segment(pt, s0, s1):
        d = s1 - s0
        dd = np.maximum(np.einsum("...i,...i->...", d, d), 1e-300)
        t = np.clip(np.einsum("...i,...i->...", pt - s0, d) / dd, 0.0, 1.0)
        return np.linalg.norm(pt - (s0 + t[..., None] * d), axis=-1)

    a0, a1 = a0[:, None, :], a1[:, None, :]
    b0, b1 = b0[None, :, :], b1[None, :, :]

    def cross(o, p, q):
        return (p[..., 0] - o[..., 0]) * (q[..., 1] - o[..., 1]) - (p[..., 1] - o[..., 1]) * (
            q[..., 0] - o[..., 0]
        )

    crossing = (np.sign(cross(a0, a1, b0)) * np.sign(cross(a0, a1, b1)) <= 0) & (
        np.sign(cross(b0, b1, a0)) * np.sign(cross(b0, b1, a1)) <= 0
    )
    dist = np.minimum.reduce(
        [
            point_segment(a0, b0, b1),
            point_segment(a1, b0, b1),
            point_segment(b0, a0, a1),
            point_segment(b1, a0, a1),
        ]
    )
    return np.where(crossing, 0.0, dist)


def _classes(out: np.ndarray) -> np.ndarray:
    """Predicted class: argmax, or the sign of the single output."""
    return (out[:, 0] > 0).astype(int) if out.shape[1] == 1 else np.argmax(out, axis=1)


def _tie_gap(out: np.ndarray) -> np.ndarray:
    """How far from a decision tie: |f| for one output, top minus runner-up otherwise."""
    if out.shape[1] == 1:
        return np.abs(out[:, 0])
    top2 = np.sort(out, axis=1)[:, -2:]
    return top2[:, 1] - top2[:, 0]


def _check_boundary_against_samples(model, segs, seed, n=4000, step=0.02):
    """Nearby pairs of samples with different predicted classes straddle the boundary."""
    rng = np.random.default_rng(seed)
    a = sample_points(UNIT, n, seed)
    angle = rng.uniform(0, 2 * np.pi, len(a))
    b = a + step * np.column_stack([np.cos(angle), np.sin(angle)])
    keep = np.all(np.abs(b) <= 1.0, axis=1)
    a, b = a[keep], b[keep]
    differ = _classes(torch_eval(model, a)) != _classes(torch_eval(model, b))
    assert differ.sum() > 5, "the test network should have a visible decision boundary"
    a, b = a[differ], b[differ]
    d = _segment_distance(a, b, segs[:, 0], segs[:, 1]).min(axis=1)
    pair = np.linalg.norm(b - a, axis=1)
    assert np.all(d <= pair), f"{np.sum(d > pair)} class changes with no boundary nearby"
    # The class changes along the pair's segment, so it crosses the boundary itself.
    assert np.all(d <= 1e-9), f"{np.sum(d > 1e-9)} class changes miss the boundary"


@pytest.mark.parametrize(
    ("widths", "seed", "n_outputs"),
    [([16, 16], 21, 2), ([8, 8, 8], 22, 2), ([12, 12], 24, 1)],
)
def test_decision_boundary(widths, seed, n_outputs):
    from engine.decision import decision_boundary

    model = random_mlp(widths, seed=seed, n_outputs=n_outputs)
    part = partition_2d(model, UNIT)
    boundary = decision_boundary(part)
    segs = np.asarray(boundary.segments)
    cell = np.asarray(boundary.cell)
    assert segs.ndim == 3 and segs.shape[1:] == (2, 2)
    assert cell.shape == (len(segs),)
    assert len(segs) > 0
    assert np.all((cell >= 0) & (cell < part.n_regions))
    assert np.all(np.abs(segs) <= 1.0 + 1e-12)

    # On the boundary the two logits agree (the single output is zero).
    mids = segs.mean(axis=1)
    for pts in (segs[:, 0], segs[:, 1], mids):
        out = torch_eval(model, pts)
        allowed = 1e-9 * np.maximum(1.0, np.max(np.abs(out), axis=1))
        assert np.all(_tie_gap(out) <= allowed)

    # Each midpoint lies in its reported cell.
    own = distance_to_own_cell(part, cell, mids)
    assert np.all(own >= -IN_TOL)

    # Completeness per cell: wherever the logit difference changes sign on a cell's
    # corners, the boundary has a piece in that cell as long as the chord.
    if n_outputs == 1:
        a_diff, c_diff = part.A[:, 0], part.c[:, 0]
    else:
        a_diff, c_diff = part.A[:, 0] - part.A[:, 1], part.c[:, 0] - part.c[:, 1]
    seg_len = np.bincount(
        cell, weights=np.linalg.norm(segs[:, 1] - segs[:, 0], axis=1), minlength=part.n_regions
    )
    for r in range(part.n_regions):
        poly = part.polygon(r)
        g = poly @ a_diff[r] + c_diff[r]
        tol = 1e-9 * (np.abs(poly) @ np.abs(a_diff[r]) + abs(c_diff[r]) + 1.0)
        if g.max() > tol.max() and g.min() < -tol.max():
            crossings = []
            for i in range(len(poly)):
                j = (i + 1) % len(poly)
                if (g[i] > 0) != (g[j] > 0):
                    t = g[i] / (g[i] - g[j])
                    crossings.append(poly[i] + t * (poly[j] - poly[i]))
            chord = np.linalg.norm(crossings[0] - crossings[-1])
            assert seg_len[r] == pytest.approx(chord, rel=1e-6, abs=1e-12), f"cell {r}"
        elif g.min() > tol.max() or g.max() < -tol.max():
            assert seg_len[r] == 0.0, f"cell {r} has a boundary piece but no sign change"

    _check_boundary_against_samples(model, segs, seed)


def test_decision_boundary_with_three_classes():
    from engine.decision import decision_boundary

    model = random_mlp([12, 12], seed=23, n_outputs=3)
    part = partition_2d(model, UNIT)
    boundary = decision_boundary(part)
    segs = np.asarray(boundary.segments)
    assert len(segs) > 0
    mids = segs.mean(axis=1)
    for pts in (segs[:, 0], segs[:, 1], mids):
        out = torch_eval(model, pts)
        allowed = 1e-9 * np.maximum(1.0, np.max(np.abs(out), axis=1))
        assert np.all(_tie_gap(out) <= allowed), "a boundary point is not a tie for the top"
    assert np.all(distance_to_own_cell(part, np.asarray(boundary.cell), mids) >= -IN_TOL)
    _check_boundary_against_samples(model, segs, 23)


# --------------------------------------------------------------------------------------
# The compiled kernels, against plain geometry
# --------------------------------------------------------------------------------------


def _random_convex_polygon(rng: np.random.Generator) -> np.ndarray:
    """(k, 2) counter-clockwise corners of the convex hull of a few random points."""
    from scipy.spatial import ConvexHull

    points = rng.uniform(-1.0, 1.0, size=(rng.integers(3, 12), 2))
    return points[ConvexHull(points).vertices]


def _clipped_area(poly: np.ndarray, line: np.ndarray, sign: float) -> float:
    """Area of ``poly`` on the ``sign`` side of ``line``, built independently: its corners
    on that side plus every edge's crossing with the line, then their convex hull."""
    from scipy.spatial import ConvexHull, QhullError

    value = poly @ line[:2] + line[2]
    points = [p for p, v in zip(poly, value, strict=True) if sign * v >= 0]
    for i in range(len(poly)):
        j = (i + 1) % len(poly)
        if value[i] * value[j] < 0:
            t = value[i] / (value[i] - value[j])
            points.append(poly[i] + t * (poly[j] - poly[i]))
    if len(points) < 3:
        return 0.0
    try:
        return float(ConvexHull(np.array(points)).volume)
    except QhullError:  # all points on a line
        return 0.0


def _clip(poly: np.ndarray, line: np.ndarray, tolerance: float):
    from engine.polygon_kernels import clip_ring

    n = len(poly)
    label = np.arange(n, dtype=np.int64) + 100
    out_xy = np.empty((4 * n, 2))
    out_label = np.empty(4 * n, dtype=np.int64)
    n_positive, n_negative = clip_ring(
        np.ascontiguousarray(poly),
        label,
        0,
        n,
        *line,
        tolerance,
        7,
        out_xy,
        out_label,
        np.empty((4, n)),
    )
    halves = (
        (out_xy[:n_positive], out_label[:n_positive]),
        (out_xy[n_positive : n_positive + n_negative], out_label[n_positive:][:n_negative]),
    )
    return n_positive, n_negative, halves


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("through", ["none", "one corner", "two corners"])
def test_clip_ring_matches_a_plain_clip(seed, through):
    """The kernel's Sutherland–Hodgman clip against hulls built here, on random convex
    polygons, including lines through one corner or along a diagonal."""
    rng = np.random.default_rng(seed)
    for _ in range(40):
        poly = _random_convex_polygon(rng)
        n = len(poly)
        if through == "two corners" and n < 4:
            continue
        direction = rng.normal(size=2)
        if through == "one corner":
            point = poly[rng.integers(n)]
        elif through == "two corners":
            i = int(rng.integers(n))
            point, direction = poly[i], poly[(i + 2) % n] - poly[i]
        else:
            point = poly.mean(axis=0) + 0.3 * rng.normal(size=2)
        line = np.array([-direction[1], direction[0], 0.0])
        line[2] = -line[:2] @ point
        tolerance = 1e-12 * np.hypot(*line[:2])
        value = poly @ line[:2] + line[2]
        n_positive, n_negative, halves = _clip(poly, line, tolerance)
        if not (value.max() > tolerance and value.min() < -tolerance):
            assert (n_positive, n_negative) == (0, 0)
            continue
        assert n_positive >= 3 and n_negative >= 3
        total = _polygon_area(poly)
        for sign, (xy, label) in zip((1.0, -1.0), halves, strict=True):
            area = _polygon_area(xy)
            assert area > 0, "a half is not counter-clockwise"
            assert area == pytest.approx(_clipped_area(poly, line, sign), rel=1e-9, abs=1e-14)
            # Every corner is on its side (or on the line); every edge along the line is
            # labelled with the line, every other edge with the edge of the polygon it
            # lies on.
            half_value = xy @ line[:2] + line[2]
            assert np.all(sign * half_value >= -tolerance)
            nxt = np.roll(np.arange(len(xy)), -1)
            on_line = (np.abs(half_value) <= tolerance) & (np.abs(half_value[nxt]) <= tolerance)
            assert np.all(label[on_line] == 7)
            middle = 0.5 * (xy + xy[nxt])
            for m, lab in zip(middle[~on_line], label[~on_line], strict=True):
                p, q = poly[lab - 100], poly[(lab - 100 + 1) % n]
                cross = (q - p)[0] * (m - p)[1] - (q - p)[1] * (m - p)[0]
                assert abs(cross) <= 1e-12 * np.linalg.norm(q - p), "edge label"
        assert _polygon_area(halves[0][0]) + _polygon_area(halves[1][0]) == pytest.approx(
            total, rel=1e-12
        )
        # Both halves share the crossing points exactly.
        shared = {tuple(p) for p in halves[0][0]} & {tuple(p) for p in halves[1][0]}
        assert len(shared) >= 2


@pytest.mark.parametrize("values_per_thread", [10**9, 10])
def test_piece_maps_match_the_maps_made_piece_by_piece(monkeypatch, values_per_thread):
    """The cell-map-plus-corrections kernel against masking and multiplying every piece,
    on one thread and on ranges of pieces on several."""
    import engine.layerwise as layerwise
    from engine.layerwise import next_affine_maps

    monkeypatch.setattr(layerwise, "VALUES_PER_THREAD", values_per_thread)
    monkeypatch.setattr(layerwise, "THREADS", 3)

    rng = np.random.default_rng(3)
    n_cells, rows, width, n_next = 20, 3, 9, 5
    pre = rng.normal(size=(n_cells, rows, width))
    cell_on = rng.random((n_cells, width)) < 0.5
    parent = np.sort(rng.integers(n_cells, size=60))
    bits = cell_on[parent].copy()
    flip = rng.random(bits.shape) < 0.2
    bits[flip] = ~bits[flip]
    weight = rng.normal(size=(n_next, width))
    bias = rng.normal(size=n_next)
    for slope in (0.0, 0.1, -1.0):
        got = next_affine_maps(pre, cell_on, parent, bits, slope, weight, bias)
        masked = pre[parent] * np.where(bits, 1.0, slope)[:, None, :]
        want = masked @ weight.T
        want[:, -1, :] += bias
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_kernels_are_cached_and_release_the_gil():
    """The GUI partitions in a worker thread: the kernels must not hold the GIL, and
    must be compiled once (cached on disk), not at every start."""
    from engine import map_kernels, polygon_kernels

    for kernel in (polygon_kernels.cut_cells, map_kernels.piece_maps):
        assert kernel.targetoptions["nogil"] is True
        assert kernel._cache.__class__.__name__ == "FunctionCache"


def test_groups_of_cells_cut_in_parallel_threads(monkeypatch):
    """Cells are cut in groups on several threads: the same cells as one group."""
    import engine.cell_cutting as cell_cutting

    model = random_mlp([12, 12, 12], seed=5)
    monkeypatch.setattr(cell_cutting, "CUT_THREADS", 1)
    single = partition_2d(model, UNIT)
    monkeypatch.setattr(cell_cutting, "CUT_THREADS", 3)
    monkeypatch.setattr(cell_cutting, "_PAIRS_PER_THREAD", 50)
    grouped = partition_2d(model, UNIT)
    check_exact(grouped, model, UNIT, n_samples=1000)
    assert grouped.n_regions == single.n_regions
    assert {r.tobytes() for r in grouped.patterns} == {r.tobytes() for r in single.patterns}
    with pytest.raises(TooManyRegionsError):
        partition_2d(model, UNIT, max_regions=single.n_regions - 1)


def test_progress_reports_each_layer_and_can_stop_the_partition():
    from engine.partition2d import PartitionCancelled

    model = random_mlp([16, 16, 16], seed=3)
    full = partition_2d(model, UNIT)
    seen = []
    partition_2d(model, UNIT, progress=lambda done, total, cells: seen.append((done, total, cells)))
    assert [s[:2] for s in seen] == [(1, 3), (2, 3), (3, 3)]
    assert seen[-1][2] == full.n_regions
    counts = [partition_2d(model, UNIT, layers=k).n_regions for k in (1, 2, 3)]
    assert [s[2] for s in seen] == counts

    def stop_after_first(done, total, cells):
        if done == 1:
            raise PartitionCancelled

    with pytest.raises(PartitionCancelled):
        partition_2d(model, UNIT, progress=stop_after_first)
