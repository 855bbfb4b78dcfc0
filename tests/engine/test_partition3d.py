"""engine.partition3d: the exact 3-D cells, checked against independent evidence.

Nothing here trusts the implementation to check itself. The evidence is:

- the model itself, evaluated with torch in float64 (activation patterns, outputs);
- brute-force point-in-convex-polyhedron tests of random samples against every cell,
  with face planes computed here from the face rings;
- plain geometry computed here (volumes by the divergence theorem, face planes, edge
  pairing, sections by a plane);
- the exact 2-D partition (``engine.partition2d``) of a plane through the box;
- a deliberately plain reference implementation (``benchmarks/reference_partition3d.py``)
  on small networks.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest
import torch
from torch import nn

from benchmarks.reference_partition3d import reference_partition_3d
from benchmarks.reference_partition3d import volume as reference_volume
from engine.networks import Abs, random_mlp
from engine.partition2d import TooManyRegionsError, partition_2d
from engine.partition3d import Partition3D, partition_3d
from engine.pattern_keys import pattern_colour_keys
from tests.torch_reference import (
    ACTIVATIONS,
    MAP_RTOL,
    assert_maps_match_model,
    hidden_widths,
    pattern_mismatch,
    torch_eval,
    torch_modules,
    torch_pre_activations,
)

CUBE = (-1.0, 1.0, -1.0, 1.0, -1.0, 1.0)

#: A point is inside a cell if its signed distance to every face is >= -IN_TOL * scale.
#: (A few times the engine's on-plane thickness, 1e-12 of the box diagonal: a corner may
#: stray that far from a face's plane, which matters on needles and slivers.)
IN_TOL = 1e-11
#: A point is strictly inside if its distance to every face of its cell exceeds this.
STRICT_TOL = 1e-9
#: Cells whose centroid is this far from their faces have their pattern checked there.
CENTROID_TOL = 1e-10


# --------------------------------------------------------------------------------------
# Plain geometry on the polyhedra, computed here
# --------------------------------------------------------------------------------------


def _next_position(offsets: np.ndarray) -> np.ndarray:
    nxt = np.arange(1, offsets[-1] + 1)
    nxt[offsets[1:] - 1] = offsets[:-1]
    return nxt


def torch_neuron_gradients(model, points, neurons, plane=None) -> np.ndarray:
    """(M, 3) gradient of hidden neuron ``neurons[i]``'s pre-activation at ``points[i]``,
    with respect to the 3-D coordinates (torch autograd, float64)."""
    x3 = torch.tensor(np.asarray(points, dtype=np.float64).reshape(-1, 3), requires_grad=True)
    if plane is None:
        x = x3
    else:
        basis = torch.from_numpy(np.stack([np.asarray(a, dtype=np.float64) for a in plane[1:]]))
        x = torch.from_numpy(np.asarray(plane[0], dtype=np.float64)) + x3 @ basis
    pre = []
    mods = torch_modules(model)
    for m, nxt in zip(mods, [*mods[1:], None], strict=True):
        x = m(x)
        if isinstance(m, nn.Linear) and isinstance(nxt, ACTIVATIONS):
            pre.append(x)
    z = torch.cat(pre, 1)
    z[torch.arange(len(z)), torch.as_tensor(neurons)].sum().backward()
    return x3.grad.numpy()


class Faces:
    """Face rings of a partition as plain arrays, with their planes.

    A face's normal is Newell's (from its corners), except on slivers, whose corners
    cannot fix a normal (they may stray from the plane by the on-plane tolerance across a
    width not much larger): there it is the gradient of the face's neuron from torch (or
    the axis of the box side), oriented like Newell's.
    """

    def __init__(self, part, model=None, plane=None):
        self.offsets = np.asarray(part.face_offsets)
        self.ring = np.asarray(part.vertices)[np.asarray(part.face_indices)]
        self.cell = np.repeat(np.arange(part.n_regions), np.diff(part.cell_offsets))
        counts = np.diff(self.offsets)
        ring_face = np.repeat(np.arange(len(counts)), counts)
        self.mean = np.add.reduceat(self.ring, self.offsets[:-1], axis=0) / counts[:, None]
        p = self.ring - self.mean[ring_face]
        q = p[_next_position(self.offsets)]
        newell = np.stack(
            [
                (p[:, 1] - q[:, 1]) * (p[:, 2] + q[:, 2]),
                (p[:, 2] - q[:, 2]) * (p[:, 0] + q[:, 0]),
                (p[:, 0] - q[:, 0]) * (p[:, 1] + q[:, 1]),
            ],
            axis=1,
        )
        area_vector = 0.5 * np.add.reduceat(newell, self.offsets[:-1], axis=0)
        self.area = np.linalg.norm(area_vector, axis=1)
        self.extent = np.maximum.reduceat(np.linalg.norm(p, axis=1), self.offsets[:-1])
        ok = self.area > 0
        normal = np.where(ok[:, None], area_vector / np.where(ok, self.area, 1)[:, None], 0)
        self.sliver = self.area <= 1e-6 * self.extent**2
        if model is not None:
            neuron = np.asarray(part.face_neuron)
            fix = np.flatnonzero(self.sliver & (neuron >= 0))
            if fix.size:
                g = torch_neuron_gradients(model, self.mean[fix], neuron[fix], plane)
                g /= np.linalg.norm(g, axis=1, keepdims=True)
                g *= np.where(np.einsum("fk,fk->f", g, area_vector[fix]) < 0, -1.0, 1.0)[:, None]
                normal[fix] = g
            fix = np.flatnonzero(self.sliver & (neuron < 0))
            if fix.size:
                axis = np.argmax(np.abs(area_vector[fix]), axis=1)
                normal[fix] = 0.0
                normal[fix, axis] = np.sign(area_vector[fix, axis])
        self.normal = normal
        self.level = np.einsum("fk,fk->f", self.normal, self.mean)


def cell_distances(part, points: np.ndarray, faces: Faces | None = None) -> np.ndarray:
    """(R, M): for every cell and point, the minimum signed distance to the cell's faces.

    Positive inside, negative outside (convex cells with outward faces). Vectorised brute
    force over all cells; chunked over the points.
    """
    faces = Faces(part) if faces is None else faces
    points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    starts = np.asarray(part.cell_offsets)[:-1]
    out = np.empty((part.n_regions, len(points)))
    chunk = max(1, 4_000_000 // max(1, len(faces.level)))
    usable = faces.area > 0
    for start in range(0, len(points), chunk):
        pts = points[start : start + chunk]
        dist = faces.level[:, None] - faces.normal @ pts.T
        dist[~usable] = np.inf
        out[:, start : start + chunk] = np.minimum.reduceat(dist, starts, axis=0)
    return out


def polyhedron_volumes(part) -> np.ndarray:
    """(R,) volumes by the divergence theorem over fan triangles, relative to each cell's
    first vertex (independent of ``part.volumes``)."""
    offsets = np.asarray(part.face_offsets)
    verts = np.asarray(part.vertices)
    idx = np.asarray(part.face_indices)
    face_cell = np.repeat(np.arange(part.n_regions), np.diff(part.cell_offsets))
    slot_cell = np.repeat(face_cell, np.diff(offsets))
    origin = verts[np.asarray(part.vertex_offsets)[:-1]][slot_cell]
    p = verts[idx] - origin
    q = p[_next_position(offsets)]
    first = np.repeat(p[offsets[:-1]], np.diff(offsets), axis=0)
    six = np.einsum("ik,ik->i", first, np.cross(p, q))
    return np.bincount(slot_cell, weights=six, minlength=part.n_regions) / 6.0


def cell_vertex_means(part) -> np.ndarray:
    vo = np.asarray(part.vertex_offsets)
    return np.add.reduceat(np.asarray(part.vertices), vo[:-1], axis=0) / np.diff(vo)[:, None]


def _scale(bounds) -> float:
    return max(1.0, float(np.max(np.abs(bounds))))


def _box_volume(bounds) -> float:
    b = np.asarray(bounds, dtype=np.float64)
    return float(np.prod(b[1::2] - b[0::2]))


def sample_points(bounds, n: int, seed: int = 0) -> np.ndarray:
    b = np.asarray(bounds, dtype=np.float64)
    rng = np.random.default_rng(seed)
    return rng.uniform(b[0::2], b[1::2], size=(n, 3))


def boundary_points(bounds, n: int = 5) -> np.ndarray:
    """The corners of the box and grids on its six faces."""
    b = np.asarray(bounds, dtype=np.float64)
    s = np.linspace(0.0, 1.0, n)
    grids = []
    for axis in range(3):
        others = [k for k in range(3) if k != axis]
        g0, g1 = np.meshgrid(s, s)
        for end in (0, 1):
            pts = np.empty((n * n, 3))
            pts[:, axis] = b[2 * axis + end]
            for k, g in zip(others, (g0, g1), strict=True):
                pts[:, k] = b[2 * k] + g.ravel() * (b[2 * k + 1] - b[2 * k])
            grids.append(pts)
    return np.concatenate(grids)


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
    needles: bool = False,
):
    """Every property of an exact 3-D partition that independent evidence can confirm.

    ``needles``: near-coincident planes make needles and wafers thinner than a few
    on-plane tolerances, whose volume sign, centroid and face orientation are rounding
    noise (and whose corners may coincide); with ``needles=True`` those checks are made
    on the solid cells only. Everything else (covering, patterns, maps, closed surfaces,
    total volume, faces on their neuron's zero set) holds for every cell regardless.
    """
    bounds = tuple(float(b) for b in bounds)
    b = np.asarray(bounds)
    scale = _scale(bounds)
    in_tol = IN_TOL * scale
    strict_tol = min(STRICT_TOL * scale, 1e-6 * float(np.min(b[1::2] - b[0::2])))
    widths = hidden_widths(model)
    n_hidden = len(widths)
    k = n_hidden if n_layers is None else n_layers
    n_neurons = sum(widths[:k])
    map_layers = None if k == n_hidden else k

    # ---- structure ------------------------------------------------------------------
    assert isinstance(part, Partition3D)
    R = part.n_regions
    verts = np.asarray(part.vertices)
    vo = np.asarray(part.vertex_offsets)
    co = np.asarray(part.cell_offsets)
    fo = np.asarray(part.face_offsets)
    fi = np.asarray(part.face_indices)
    assert R >= 1
    assert verts.ndim == 2 and verts.shape[1] == 3 and np.all(np.isfinite(verts))
    assert vo.shape == co.shape == (R + 1,)
    assert vo[0] == 0 and vo[-1] == len(verts) and np.all(np.diff(vo) >= 4)
    assert co[0] == 0 and co[-1] == part.n_faces and np.all(np.diff(co) >= 4)
    assert fo[0] == 0 and fo[-1] == len(fi) and np.all(np.diff(fo) >= 3)
    face_cell = np.repeat(np.arange(R), np.diff(co))
    slot_cell = np.repeat(face_cell, np.diff(fo))
    # every face indexes only its own cell's vertices
    assert np.all((fi >= vo[slot_cell]) & (fi < vo[slot_cell + 1]))
    np.testing.assert_array_equal(part.face_cell, face_cell)
    assert part.patterns.shape == (R, n_neurons) and part.patterns.dtype == np.bool_
    np.testing.assert_array_equal(part.cell_pattern(R - 1), part.patterns[R - 1])
    np.testing.assert_array_equal(part.colour_keys, pattern_colour_keys(part.patterns))
    np.testing.assert_array_equal(part.layer_of_neuron, np.repeat(np.arange(k), widths[:k]))
    assert part.n_layers == k and part.n_layers_total == n_hidden
    assert part.is_complete == (k == n_hidden)
    n_out = torch_eval(model, np.zeros((1, 3)), plane, map_layers).shape[1]
    assert part.A.shape == (R, n_out, 3) and part.c.shape == (R, n_out)
    np.testing.assert_array_equal(part.bounds, bounds)
    for r in (0, R // 2, R - 1):
        corners, rings = part.polyhedron(r)
        np.testing.assert_array_equal(corners, verts[vo[r] : vo[r + 1]])
        assert len(rings) == co[r + 1] - co[r]
        for f, ring in zip(range(co[r], co[r + 1]), rings, strict=True):
            np.testing.assert_array_equal(corners[ring], verts[fi[fo[f] : fo[f + 1]]])

    # every vertex lies in the box, and is used by a face of its cell
    assert np.all(verts >= b[0::2] - in_tol) and np.all(verts <= b[1::2] + in_tol)
    used = np.zeros(len(verts), dtype=bool)
    used[fi] = True
    assert used.all(), f"{np.sum(~used)} vertices are in no face"
    # no vertex is stored twice in a cell
    if not needles:
        key = np.column_stack([np.repeat(np.arange(R), np.diff(vo)), verts])
        assert len(np.unique(key, axis=0)) == len(verts), "a cell stores a corner twice"

    # ---- closed surfaces: every directed edge has its reverse in the same cell ---------
    a = fi
    bnext = fi[_next_position(fo)]
    assert np.all(a != bnext), "a face repeats a corner"
    forward = a * len(verts) + bnext
    backward = bnext * len(verts) + a
    assert len(np.unique(forward)) == len(forward), "a directed edge is used twice"
    assert np.all(np.isin(backward, forward)), "a cell's surface is not closed"

    # ---- volumes ---------------------------------------------------------------------
    box = _box_volume(bounds)
    volumes = polyhedron_volumes(part)
    faces = Faces(part, model, plane)
    surface = np.bincount(face_cell, weights=faces.area, minlength=R)
    # Solid: thicker on average than a thousand times the inside tolerance.
    solid = volumes > 1e3 * in_tol * surface
    assert solid.any()
    if not needles:
        assert np.all(volumes > 0), f"{np.sum(volumes <= 0)} cells have no volume"
        assert np.all(solid), f"{np.sum(~solid)} cells are needles or wafers"
    assert abs(volumes.sum() - box) <= 1e-9 * box, (volumes.sum(), box)
    np.testing.assert_allclose(part.volumes, volumes, rtol=1e-9, atol=1e-15 * box)

    # ---- faces: planar, outward, made by their neuron ----------------------------------
    ring_face = np.repeat(np.arange(part.n_faces), np.diff(fo))
    distance = np.abs(
        np.einsum("ik,ik->i", faces.ring, faces.normal[ring_face]) - faces.level[ring_face]
    )
    # A sliver's own normal is too inexact to judge it by (its vertices are checked on
    # their neuron's zero set below); every face of reasonable shape is flat.
    shapely = ~faces.sliver[ring_face]
    assert np.max(distance[shapely]) <= 1e-9 * scale, (
        f"a face is not planar: {np.max(distance[shapely]):.3g}"
    )
    centre = cell_vertex_means(part)
    outward = np.einsum("fk,fk->f", faces.normal, faces.mean - centre[face_cell])
    # Faces whose normal can be trusted: not slivers, not specks. (Slivers are oriented
    # consistently with their neighbours: the edge pairing above checks every face.)
    good = ~faces.sliver & (faces.area > 1e-12 * scale**2) & solid[face_cell]
    assert good.sum() >= (0.1 if needles else 0.9) * part.n_faces
    assert np.all(outward[good] > 0), f"{np.sum(outward[good] <= 0)} faces point inward"
    # (a sliver narrower than the on-plane tolerance has a rough area: it may tilt)
    np.testing.assert_allclose(part.face_areas, faces.area, rtol=1e-9, atol=1e-11 * scale**2)
    # A face's corners may stray from its plane by the tolerance: its Newell normal is as
    # good as that over its width.
    tilt = 1e-9 + 10 * in_tol * faces.extent[good] ** 2 / faces.area[good]
    error = np.linalg.norm(part.face_normals[good] - faces.normal[good], axis=1)
    assert np.all(error <= tilt), f"{np.sum(error > tilt)} face normals disagree"

    face_neuron = np.asarray(part.face_neuron)
    assert face_neuron.shape == (part.n_faces,)
    assert np.all((face_neuron == -1) | ((face_neuron >= 0) & (face_neuron < n_neurons)))
    layer_of = np.asarray(part.layer_of_neuron)
    expected_layer = np.append(layer_of, -1)[face_neuron]
    np.testing.assert_array_equal(part.face_layer, expected_layer)
    boundary = face_neuron == -1
    on_side = np.zeros(part.n_faces, dtype=bool)
    for axis in range(3):
        for end in (0, 1):
            near = np.abs(faces.ring[:, axis] - b[2 * axis + end]) <= in_tol
            on_side |= np.logical_and.reduceat(near, fo[:-1])
    assert np.all(on_side[boundary]), "a box-labelled face is not on the box boundary"
    # A neuron's face lies on its zero set: at every corner and at the face's centre.
    inner = np.flatnonzero(~boundary[ring_face])
    if inner.size:
        at = np.concatenate([faces.ring[inner], faces.mean[~boundary]])
        j = np.concatenate([face_neuron[ring_face[inner]], face_neuron[~boundary]])
        pre, mag = torch_pre_activations(model, at, plane)
        rows = np.arange(len(j))
        z = np.abs(pre[rows, j])
        allowed = 1e-9 * np.maximum(1.0, mag[rows, j])
        bad = np.flatnonzero(z > allowed)
        assert bad.size == 0, (
            f"{bad.size} face corners are not on the zero set of their neuron, e.g. "
            f"{at[bad[0]]} neuron {j[bad[0]]}: |z| = {z[bad[0]]:.3g}"
        )

    # ---- every vertex: the cell map agrees with the model there (continuity) -------------
    assert_maps_match_model(
        part, model, verts, np.repeat(np.arange(R), np.diff(vo)), plane, map_layers, "vertices"
    )

    # ---- unique patterns -------------------------------------------------------------
    if n_neurons:
        n_unique = np.unique(part.patterns, axis=0).shape[0]
        assert n_unique == R, f"{R - n_unique} repeated patterns"
    else:
        assert R == 1

    # ---- every cell is a real cell: its centroid has its pattern --------------------------
    cen = np.asarray(part.centroids)
    assert cen.shape == (R, 3)
    own = faces.level - np.einsum("fk,fk->f", faces.normal, cen[face_cell])
    own[faces.area == 0] = np.inf
    own = np.minimum.reduceat(own, co[:-1])
    assert np.all(own[solid] > -in_tol), "a centroid lies outside its own cell"
    roomy = np.flatnonzero(own > CENTROID_TOL * scale)
    assert roomy.size >= 1
    if n_neurons:
        wrong = np.flatnonzero(pattern_mismatch(model, cen[roomy], part.patterns[roomy], plane))
        assert wrong.size == 0, (
            f"{wrong.size} cells have a pattern that differs from the model's at their "
            f"centroid, e.g. cell {roomy[wrong[0]]} at {cen[roomy[wrong[0]]]}"
        )
    np.testing.assert_array_equal(part.locate(cen[roomy]), roomy)
    inner_cells = np.flatnonzero(solid)
    assert_maps_match_model(
        part, model, cen[inner_cells], inner_cells, plane, map_layers, "centroids"
    )

    # ---- random samples: each in exactly one cell, with its pattern and map ------------
    parts_of_points = [sample_points(bounds, n_samples, seed), boundary_points(bounds)]
    if extra_points is not None:
        parts_of_points.append(np.asarray(extra_points, dtype=np.float64).reshape(-1, 3))
    points = np.concatenate(parts_of_points)
    dist = cell_distances(part, points, faces)
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
    assert np.sum(~strict[:n_samples]) <= 0.01 * n_samples, "too many samples on faces"

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
    # (a point on a face of a needle may find the needle deepest: its map is checked at
    # its corners above)
    use = np.flatnonzero(strict | solid[best]) if needles else np.arange(len(points))
    assert_maps_match_model(part, model, points[use], best[use], plane, map_layers, "samples")
    np.testing.assert_allclose(
        part.evaluate(points[strict]),
        torch_eval(model, points[strict], plane, map_layers),
        rtol=0,
        atol=MAP_RTOL * max(1.0, float(np.abs(torch_eval(model, points, plane, map_layers)).max())),
    )

    # ---- outside the box: -1 -------------------------------------------------------------
    mid = 0.5 * (b[0::2] + b[1::2])
    size = b[1::2] - b[0::2]
    outside = [mid + np.eye(3)[k] * s * 0.6 * size[k] for k in range(3) for s in (-1, 1)]
    outside.append(b[1::2] + size)
    np.testing.assert_array_equal(part.locate(np.array(outside)), -1)
    assert np.all(np.isnan(part.evaluate(np.array(outside))))


# --------------------------------------------------------------------------------------
# Networks under test
# --------------------------------------------------------------------------------------


def _leaky(widths, seed, slope=0.1, n_inputs=3):
    model = random_mlp(widths, n_inputs=n_inputs, seed=seed, activation="leaky_relu")
    for i, m in enumerate(model):
        if isinstance(m, nn.LeakyReLU):
            model[i] = nn.LeakyReLU(slope)
    return model


def _random_slice(d, seed):
    rng = np.random.default_rng(seed)
    return tuple(rng.normal(size=d) * (0.3 if k == 0 else 1.0) for k in range(4))


CASES = {
    "relu-8": lambda: (random_mlp([8], n_inputs=3, seed=1), CUBE, None),
    "relu-8-8": lambda: (
        random_mlp([8, 8], n_inputs=3, seed=2),
        (-2.0, 1.5, -0.5, 3.0, -1.0, 0.5),
        None,
    ),
    "relu-12-12-12": lambda: (random_mlp([12, 12, 12], n_inputs=3, seed=3), CUBE, None),
    "leaky0.1-8-8": lambda: (_leaky([8, 8], seed=4), CUBE, None),
    "abs-6-6": lambda: (random_mlp([6, 6], n_inputs=3, seed=5, activation="abs"), CUBE, None),
    "slice-10d-8-8": lambda: (
        random_mlp([8, 8], n_inputs=10, seed=6),
        CUBE,
        _random_slice(10, 6),
    ),
    "relu-8-8-out1": lambda: (random_mlp([8, 8], n_inputs=3, n_outputs=1, seed=7), CUBE, None),
}


@functools.cache
def _case(name):
    return CASES[name]()


@functools.cache
def _partition(name, layers=None):
    model, bounds, plane = _case(name)
    return partition_3d(model, bounds, plane=plane, layers=layers)


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


@pytest.mark.parametrize("name", ["relu-8-8", "relu-12-12-12", "abs-6-6", "slice-10d-8-8"])
def test_layers_nest(name):
    model, bounds, plane = _case(name)
    widths = hidden_widths(model)
    n_hidden = len(widths)
    parts = [_partition(name, k) for k in range(n_hidden + 1)]
    box = _box_volume(bounds)

    zero = parts[0]
    assert zero.n_regions == 1 and zero.patterns.shape == (1, 0)
    assert zero.n_faces == 6 and np.all(zero.face_neuron == -1)
    np.testing.assert_allclose(polyhedron_volumes(zero), [box], rtol=1e-12)
    check_exact(zero, model, bounds, plane=plane, n_layers=0, n_samples=200)

    counts = [p.n_regions for p in parts]
    assert counts == sorted(counts), f"counts decrease with depth: {counts}"
    full = _partition(name)
    assert full.n_regions == parts[-1].n_regions
    assert {r.tobytes() for r in full.patterns} == {r.tobytes() for r in parts[-1].patterns}

    for k in range(1, n_hidden):
        check_exact(parts[k], model, bounds, plane=plane, n_layers=k, n_samples=1000)

    for k in range(n_hidden):
        coarse, fine = parts[k], parts[k + 1]
        n_k = sum(widths[:k])
        dist = cell_distances(coarse, cell_vertex_means(fine))
        owner = np.argmax(dist, axis=0)
        assert np.all(dist[owner, np.arange(fine.n_regions)] >= -IN_TOL * _scale(bounds))
        # every vertex of a fine cell lies in its coarse cell
        fine_owner = np.repeat(owner, np.diff(fine.vertex_offsets))
        faces = Faces(coarse, model, plane)
        for r in np.unique(owner)[:: max(1, coarse.n_regions // 50)]:
            pts = fine.vertices[fine_owner == r]
            mine = faces.cell == r
            d = faces.level[mine][:, None] - faces.normal[mine] @ pts.T
            assert np.all(d >= -1e-9 * _scale(bounds))
        np.testing.assert_array_equal(fine.patterns[:, :n_k], coarse.patterns[owner])
        grouped = np.bincount(owner, weights=polyhedron_volumes(fine), minlength=coarse.n_regions)
        np.testing.assert_allclose(grouped, polyhedron_volumes(coarse), rtol=1e-9, atol=1e-12 * box)


# --------------------------------------------------------------------------------------
# Cross-checks: the plain reference, and the 2-D engine on a plane through the box
# --------------------------------------------------------------------------------------


def _assert_same_as_reference(model, bounds=CUBE, layers=None, plane=None):
    part = partition_3d(model, bounds, plane=plane, layers=layers)
    ref = reference_partition_3d(model, bounds, plane=plane, layers=layers)
    assert part.n_regions == len(ref)
    ours = {part.patterns[r].tobytes(): r for r in range(part.n_regions)}
    volumes = polyhedron_volumes(part)
    box = _box_volume(bounds)
    for poly, pattern in ref:
        r = ours.get(pattern.tobytes())
        assert r is not None, "a reference cell is missing"
        assert volumes[r] == pytest.approx(reference_volume(poly), rel=1e-9, abs=1e-12 * box)


@pytest.mark.parametrize(
    ("widths", "seed", "activation"),
    [
        ([5], 0, "relu"),
        ([4, 4], 2, "relu"),
        ([4, 4], 3, "abs"),
        ([6, 5], 5, "leaky_relu"),
        ([10, 10], 7, "relu"),
    ],
)
def test_matches_reference_implementation(widths, seed, activation):
    model = random_mlp(widths, n_inputs=3, seed=seed, activation=activation)
    _assert_same_as_reference(model)


def _section_polygons(part, origin, u, v):
    """Every cell cut by the plane ``origin + s u + t v`` (u, v orthonormal): the (s, t)
    polygon of each cell that meets it, computed here from the faces' edges."""
    verts = np.asarray(part.vertices)
    normal = np.cross(u, v)
    height = (verts - origin) @ normal
    fo = np.asarray(part.face_offsets)
    fi = np.asarray(part.face_indices)
    a, b = fi, fi[_next_position(fo)]
    ha, hb = height[a], height[b]
    cross = ha * hb < 0
    t = ha[cross] / (ha[cross] - hb[cross])
    points = verts[a[cross]] + t[:, None] * (verts[b[cross]] - verts[a[cross]])
    slot_cell = np.repeat(
        np.repeat(np.arange(part.n_regions), np.diff(part.cell_offsets)), np.diff(fo)
    )
    zero = np.flatnonzero(height == 0)
    cell = np.concatenate(
        [slot_cell[cross], np.repeat(np.arange(part.n_regions), np.diff(part.vertex_offsets))[zero]]
    )
    points = np.concatenate([points, verts[zero]])
    st = np.column_stack([(points - origin) @ u, (points - origin) @ v])
    sections = {}
    for r in np.unique(cell):
        pts = np.unique(np.round(st[cell == r], 13), axis=0)
        if len(pts) < 3:
            continue
        c = pts.mean(axis=0)
        order = np.argsort(np.arctan2(pts[:, 1] - c[1], pts[:, 0] - c[0]))
        sections[r] = pts[order]
    return sections


def _clip(poly: np.ndarray, rect) -> np.ndarray:
    """Sutherland–Hodgman of a counter-clockwise polygon against a rectangle."""
    s0, s1, t0, t1 = rect
    for axis, limit, keep_below in ((0, s0, False), (0, s1, True), (1, t0, False), (1, t1, True)):
        out = []
        n = len(poly)
        for i in range(n):
            p, q = poly[i], poly[(i + 1) % n]
            dp = (p[axis] - limit) * (1 if keep_below else -1)
            dq = (q[axis] - limit) * (1 if keep_below else -1)
            if dp <= 0:
                out.append(p)
            if dp * dq < 0:
                out.append(p + dp / (dp - dq) * (q - p))
        if len(out) < 3:
            return np.zeros((0, 2))
        poly = np.array(out)
    return poly


def _area(poly: np.ndarray) -> float:
    if len(poly) < 3:
        return 0.0
    x, y = poly[:, 0] - poly[0, 0], poly[:, 1] - poly[0, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


@pytest.mark.parametrize(
    ("name", "origin", "u", "v"),
    [
        ("relu-12-12-12", (0.0, 0.0, 0.3), (1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
        ("relu-12-12-12", (0.1, -0.05, 0.2), (0.8, 0.0, 0.6), (0.36, 0.8, -0.48)),
        ("abs-6-6", (-0.2, 0.1, 0.0), (0.0, 0.6, 0.8), (1.0, 0.0, 0.0)),
        ("leaky0.1-8-8", (0.05, 0.0, -0.1), (0.36, 0.48, 0.8), (0.8, -0.6, 0.0)),
    ],
)
def test_slice_agrees_with_partition_2d(name, origin, u, v):
    """The 3-D cells cut by a plane are the 2-D cells of that plane (partition_2d)."""
    model, _, plane = _case(name)
    assert plane is None
    origin, u, v = (np.asarray(a, dtype=np.float64) for a in (origin, u, v))
    assert abs(u @ v) < 1e-12 and abs(u @ u - 1) < 1e-12 and abs(v @ v - 1) < 1e-12
    part = _partition(name)
    # A square of the plane well inside the cube.
    rect = (-0.5, 0.5, -0.4, 0.5)
    flat = partition_2d(model, rect, plane=(origin, u, v))
    area_2d = {}
    for r in range(flat.n_regions):
        area_2d[flat.patterns[r].tobytes()] = area_2d.get(flat.patterns[r].tobytes(), 0) + _area(
            flat.polygon(r)
        )
    area_3d = {}
    for r, poly in _section_polygons(part, origin, u, v).items():
        a = _area(_clip(poly, rect))
        if a > 0:
            key = part.patterns[r].tobytes()
            area_3d[key] = area_3d.get(key, 0.0) + a
    total = (rect[1] - rect[0]) * (rect[3] - rect[2])
    assert sum(area_3d.values()) == pytest.approx(total, rel=1e-9)
    assert sum(area_2d.values()) == pytest.approx(total, rel=1e-9)
    visible = {k for k, a in area_3d.items() if a > 1e-9 * total}
    visible_2d = {k for k, a in area_2d.items() if a > 1e-9 * total}
    assert visible == visible_2d
    for key in set(area_3d) | set(area_2d):
        assert area_3d.get(key, 0.0) == pytest.approx(area_2d.get(key, 0.0), abs=1e-9 * total)
    assert len(visible) > 5


def test_reference_implementation_is_itself_exact():
    """The yardstick passes sampling evidence too (so a disagreement means something)."""
    model = random_mlp([5, 4], n_inputs=3, seed=9)
    reference = reference_partition_3d(model, CUBE)
    volumes = np.array([reference_volume(poly) for poly, _ in reference])
    assert np.all(volumes > 0)
    assert volumes.sum() == pytest.approx(8.0, rel=1e-12)
    pts = sample_points(CUBE, 1000, seed=1)
    inside = []
    for poly, _ in reference:
        depth = np.full(len(pts), np.inf)
        for face in poly:
            f = np.array(face)
            n = np.cross(f[1] - f[0], f[2] - f[0])
            n /= np.linalg.norm(n)
            depth = np.minimum(depth, (f[0] - pts) @ n)
        inside.append(depth)
    inside = np.array(inside)
    best = np.argmax(inside, axis=0)
    strict = inside[best, np.arange(len(pts))] > STRICT_TOL
    assert np.all((inside >= -IN_TOL).sum(axis=0) >= 1)
    assert np.all((inside > STRICT_TOL).sum(axis=0) <= 1)
    patterns = np.array([pat for _, pat in reference])
    assert not pattern_mismatch(model, pts[strict], patterns[best[strict]]).any()


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


def _check_all_depths(model, bounds=CUBE, extra_points=None, **kwargs):
    part = partition_3d(model, bounds)
    check_exact(part, model, bounds, extra_points=extra_points, **kwargs)
    assert partition_3d(model, bounds, layers=0).n_regions == 1
    for k in range(1, len(hidden_widths(model))):
        sub = partition_3d(model, bounds, layers=k)
        kwargs["n_samples"] = 500
        check_exact(sub, model, bounds, n_layers=k, extra_points=extra_points, **kwargs)
    return part


_W3 = [[1.0, 0.5, -0.3], [-0.4, 1.0, 0.2], [0.3, -0.2, 1.0]]


@pytest.mark.parametrize("bias", [0.0, 0.3, -0.3])
def test_zero_weight_row(bias):
    w = [_W3[0], [0.0, 0.0, 0.0], *_W3[1:]]
    model = _net([(w, [0.1, bias, -0.2, 0.05])], tail=[5])
    part = _check_all_depths(model)
    assert np.all(part.patterns[:, 1] == (bias > 0))
    _assert_same_as_reference(model, layers=1)


def test_zero_weight_row_in_a_deeper_layer():
    w2 = [[0.5, -1.0, 0.3], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 1.0, -1.0]]
    model = _net([(_W3, [0.1, -0.2, 0.05]), (w2, [0.1, 0.0, 0.2, -0.3])])
    part = _check_all_depths(model)
    assert not part.patterns[:, 4].any()
    assert part.patterns[:, 5].all()


def test_coincident_hyperplanes():
    # The same plane four times: duplicated, doubled, and negated (opposite side on).
    w = [[1.0, 2.0, -1.0], [1.0, 2.0, -1.0], [2.0, 4.0, -2.0], [-1.0, -2.0, 1.0], [0.5, -1.0, 0.3]]
    b = [0.25, 0.25, 0.5, -0.25, 0.0]
    model = _net([(w, b)], tail=[4])
    g = np.linspace(-1, 1, 11)
    xx, zz = np.meshgrid(g, g)
    on_plane = np.column_stack([xx.ravel(), (zz.ravel() - xx.ravel() - 0.25) / 2, zz.ravel()])
    on_plane = on_plane[np.all(np.abs(on_plane) <= 1, axis=1)]
    part = _check_all_depths(model, extra_points=on_plane)
    assert partition_3d(model, CUBE, layers=1).n_regions == 4
    _assert_same_as_reference(model, layers=1)
    np.testing.assert_array_equal(part.patterns[:, 0], part.patterns[:, 1])
    np.testing.assert_array_equal(part.patterns[:, 0], part.patterns[:, 2])
    np.testing.assert_array_equal(part.patterns[:, 0], ~part.patterns[:, 3])


def test_coincident_hyperplanes_in_a_deeper_layer():
    w2 = [[0.5, -1.0, 0.3], [0.5, -1.0, 0.3], [1.0, 1.0, -1.0]]
    model = _net([(_W3, [0.1, -0.2, 0.05]), (w2, [0.1, 0.1, -0.3])])
    part = _check_all_depths(model)
    np.testing.assert_array_equal(part.patterns[:, 3], part.patterns[:, 4])


def test_hyperplanes_through_corners_edges_and_faces():
    # x + y + z = 1 passes through three corners of the cube; x + y + z + 3 = 0 touches
    # only the corner (-1, -1, -1); x - y = 0 contains two of its edges; x + y = 2 touches
    # the edge x = y = 1; z = 1 is its top face; x = 0.25, y = -0.5 and x + y = -0.25
    # meet in one line, and z = 0.5 crosses it in one point.
    w = [
        [1.0, 1.0, 1.0],
        [1.0, 1.0, 1.0],
        [1.0, -1.0, 0.0],
        [1.0, 1.0, 0.0],
        [0.0, 0.0, 1.0],
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [1.0, 1.0, 0.0],
        [0.0, 0.0, 1.0],
    ]
    b = [-1.0, 3.0, 0.0, -2.0, -1.0, -0.25, 0.5, 0.25, -0.5]
    model = _net([(w, b)], tail=[6], seed=1)
    corners = boundary_points(CUBE, n=3)
    special = np.concatenate([corners, [[0.25, -0.5, 0.5], [0.25, -0.5, 0.0], [0.0, 0.0, 0.0]]])
    part = _check_all_depths(model, extra_points=special)
    _assert_same_as_reference(model, layers=1)
    # The point where four planes meet is a corner of the partition.
    assert np.min(np.linalg.norm(part.vertices - [0.25, -0.5, 0.5], axis=1)) < 1e-12


def _lattice_net(widths, seed, weights, biases, activation):
    """Weights and biases drawn from a few small integers and halves: many planes
    coincide, meet in one line or point, or vanish on whole cells (exactly)."""
    rng = np.random.default_rng(seed)
    modules: list[nn.Module] = []
    n_in = 3
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
    ("widths", "seed", "activation"),
    [
        ([6], 0, nn.ReLU),
        ([5, 5], 4, Abs),
        ([8, 8], 4, nn.ReLU),
        ([4, 4, 4], 1, functools.partial(nn.LeakyReLU, 0.5)),
    ],
    ids=["relu-6", "abs-5-5", "relu-8-8", "leaky-4-4-4"],
)
def test_integer_lattice_networks(widths, seed, activation):
    model = _lattice_net(widths, seed, (-1.0, 0.0, 1.0), (-0.5, 0.0, 0.5), activation)
    g = np.linspace(-1, 1, 9)
    grid = np.stack(np.meshgrid(g, g, g), -1).reshape(-1, 3)
    _check_all_depths(model, extra_points=grid)
    _assert_same_as_reference(model)


@pytest.mark.parametrize(
    ("seed", "eps"),
    [
        (13, 1e-15),
        (14, 1e-13),
        (15, 1e-11),
        (16, 1e-9),
        (17, 1e-9),
        (18, 1e-7),
        (19, 1e-11),
        (20, 1e-12),
    ],
)
def test_near_coincident_hyperplanes(seed, eps):
    """A lattice network jittered by ``eps``: coincident planes become slivers ~eps thick."""
    model = _lattice_net([5, 5], seed, (-1.0, 0.0, 1.0), (-0.5, 0.0, 0.5), nn.ReLU)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in model.parameters():
            param.add_(eps * torch.randn(param.shape, generator=gen, dtype=torch.float64))
    _check_all_depths(model, needles=True)


def test_all_dead_layer():
    model = random_mlp([8, 8], n_inputs=3, seed=11)
    with torch.no_grad():
        model[0].bias.fill_(-100.0)
    part = _check_all_depths(model)
    assert part.n_regions == 1
    assert not part.patterns[:, :8].any()


def test_all_dead_middle_layer():
    model = random_mlp([6, 6, 6], n_inputs=3, seed=12)
    with torch.no_grad():
        model[2].bias.fill_(-100.0)
    part = _check_all_depths(model)
    assert part.n_regions == partition_3d(model, CUBE, layers=1).n_regions


def test_large_input_range():
    model = random_mlp([6, 6], n_inputs=3, seed=13)
    bounds = (-1000.0, 1000.0, -1000.0, 1000.0, -500.0, 800.0)
    part = partition_3d(model, bounds)
    check_exact(part, model, bounds)
    _assert_same_as_reference(model, bounds, layers=1)


def test_matches_reference_on_a_slice():
    model = random_mlp([5, 4], n_inputs=6, seed=8)
    plane = _random_slice(6, 8)
    _assert_same_as_reference(model, plane=plane)


# --------------------------------------------------------------------------------------
# Limits and bad input
# --------------------------------------------------------------------------------------


def test_too_many_regions():
    model = random_mlp([8, 8], n_inputs=3, seed=0)
    with pytest.raises(TooManyRegionsError) as info:
        partition_3d(model, CUBE, max_regions=20)
    assert isinstance(info.value, ValueError)
    assert info.value.n_regions > 20 and info.value.max_regions == 20
    n = partition_3d(model, CUBE).n_regions
    assert n > 20
    assert partition_3d(model, CUBE, max_regions=n).n_regions == n


def test_two_inputs_need_a_slice():
    with pytest.raises(ValueError, match="plane"):
        partition_3d(random_mlp([4], n_inputs=2), CUBE)
    with pytest.raises(ValueError, match="plane"):
        partition_3d(random_mlp([4], n_inputs=5), CUBE)


def test_dependent_slice_vectors_are_rejected():
    model = random_mlp([4], n_inputs=4, seed=1)
    e = np.eye(4)
    with pytest.raises(ValueError, match="independent"):
        partition_3d(model, CUBE, plane=(np.zeros(4), e[0], e[1], e[0] + 2 * e[1]))
    with pytest.raises(ValueError, match="independent"):
        partition_3d(model, CUBE, plane=(np.zeros(4), e[0], e[1], np.zeros(4)))
    with pytest.raises(ValueError):
        partition_3d(model, CUBE, plane=(np.zeros(4), e[0], e[1]))
    with pytest.raises(ValueError):
        partition_3d(model, CUBE, plane=(np.zeros(3), e[0], e[1], e[2]))


@pytest.mark.parametrize(
    "bounds",
    [
        (1.0, -1.0, -1.0, 1.0, -1.0, 1.0),
        (-1.0, 1.0, -1.0, 1.0, 1.0, 1.0),
        (-1, 1, -1, 1),
        (0, 1) * 2 + (0, np.nan),
    ],
)
def test_bad_bounds_are_rejected(bounds):
    with pytest.raises(ValueError):
        partition_3d(random_mlp([4], n_inputs=3), bounds)


def test_bad_layers_are_rejected():
    with pytest.raises(ValueError):
        partition_3d(random_mlp([4, 4], n_inputs=3), CUBE, layers=3)


def test_unsupported_network_is_rejected():
    model = nn.Sequential(nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 2))
    with pytest.raises(ValueError, match="Tanh"):
        partition_3d(model, CUBE)


def test_neuron_faces_form_its_bent_plane():
    part = _partition("relu-8-8")
    model, _, _ = _case("relu-8-8")
    faces = Faces(part)
    for neuron in (0, 9):
        ids = part.neuron_faces(neuron)
        assert len(ids) > 0
        np.testing.assert_array_equal(part.face_neuron[ids], neuron)
        pre, mag = torch_pre_activations(model, faces.mean[ids])
        assert np.all(np.abs(pre[:, neuron]) <= 1e-9 * np.maximum(1, mag[:, neuron]))
    # the faces of a neuron come in pairs, one from each side: equal total areas
    area = faces.area
    for neuron in range(part.patterns.shape[1]):
        ids = part.neuron_faces(neuron)
        on = part.patterns[part.face_cell[ids], neuron]
        assert area[ids][on].sum() == pytest.approx(area[ids][~on].sum(), rel=1e-9, abs=1e-12)


def test_groups_of_cells_cut_in_parallel_threads(monkeypatch):
    """Cells are cut in groups on several threads: the same cells as one group."""
    import engine.partition3d as partition3d

    model, bounds, _ = _case("relu-12-12-12")
    monkeypatch.setattr(partition3d, "_THREADS", 1)
    single = partition_3d(model, bounds)
    monkeypatch.setattr(partition3d, "_THREADS", 3)
    monkeypatch.setattr(partition3d, "_PAIRS_PER_THREAD", 50)
    grouped = partition_3d(model, bounds)
    check_exact(grouped, model, bounds, n_samples=1000)
    assert grouped.n_regions == single.n_regions
    assert {r.tobytes() for r in grouped.patterns} == {r.tobytes() for r in single.patterns}
    # The groups' pieces are joined (on threads) in the order of the cells: the very
    # same arrays as one group's, so no offset is shifted wrong at a seam.
    for name in (
        "vertices", "vertex_offsets", "cell_offsets", "face_offsets", "face_indices",
        "face_neuron", "face_normals", "patterns",
    ):  # fmt: skip
        np.testing.assert_array_equal(getattr(grouped, name), getattr(single, name), name)
    with pytest.raises(TooManyRegionsError):
        partition_3d(model, bounds, max_regions=single.n_regions - 1)


# --------------------------------------------------------------------------------------
# The compiled polyhedron cut, against plain geometry
# --------------------------------------------------------------------------------------


def _random_convex_polyhedron(rng: np.random.Generator):
    """Corners (k, 3), triangle faces (outward, counter-clockwise) and their normals of
    the convex hull of a few random points."""
    from scipy.spatial import ConvexHull

    points = rng.uniform(-1.0, 1.0, size=(int(rng.integers(5, 14)), 3))
    hull = ConvexHull(points)
    used = np.unique(hull.simplices)
    renumber = np.full(len(points), -1)
    renumber[used] = np.arange(len(used))
    faces = renumber[hull.simplices]
    corners = points[used]
    normals = hull.equations[:, :3]
    a, b, c = (corners[faces[:, k]] for k in range(3))
    flip = np.einsum("fk,fk->f", np.cross(b - a, c - a), normals) < 0
    faces[flip] = faces[flip][:, ::-1]
    return corners, faces.astype(np.int64), normals


def _clipped_volume(corners, faces, plane, sign) -> float:
    """Volume of the polyhedron on the ``sign`` side of ``plane``, built here: its corners
    on that side plus every edge's crossing with the plane, then their convex hull."""
    from scipy.spatial import ConvexHull, QhullError

    value = corners @ plane[:3] + plane[3]
    points = [p for p, v in zip(corners, value, strict=True) if sign * v >= 0]
    edges = {tuple(sorted((f[k], f[(k + 1) % 3]))) for f in faces for k in range(3)}
    for i, j in edges:
        if value[i] * value[j] < 0:
            t = value[i] / (value[i] - value[j])
            points.append(corners[i] + t * (corners[j] - corners[i]))
    try:
        return float(ConvexHull(np.array(points)).volume) if len(points) >= 4 else 0.0
    except QhullError:  # flat
        return 0.0


def _volume(xyz: np.ndarray, rings) -> float:
    """Volume of outward face rings, by the reference implementation's formula."""
    return reference_volume([[tuple(xyz[i]) for i in ring] for ring in rings])


def _clip_polyhedron(corners, faces, normals, plane, rules):
    from engine import polyhedron_kernels as kernels

    nv, nf = len(corners), len(faces)
    ring = faces.reshape(-1).copy()
    n_ring = len(ring)
    halves = {
        "xyz": np.empty((2, nv + n_ring, 3)),
        "nv": np.zeros(2, dtype=np.int64),
        "length": np.empty((2, nf + 1), dtype=np.int64),
        "label": np.empty((2, nf + 1), dtype=np.int64),
        "normal": np.empty((2, nf + 1, 3)),
        "nf": np.zeros(2, dtype=np.int64),
        "ring": np.empty((2, 3 * n_ring + nv), dtype=np.int64),
    }
    limit = kernels.plane_tolerance(*plane, rules)
    made = kernels.clip_polyhedron(
        np.ascontiguousarray(corners), 0, nv, np.arange(0, n_ring, 3), np.full(nf, 3),
        np.arange(nf, dtype=np.int64), np.ascontiguousarray(normals), 0, nf, ring, *plane,
        limit, 99, rules, *halves.values(),
        np.empty((14, 2 * (nv + n_ring) + nf + 2), dtype=np.int64),
        np.empty((4, 2 * (nv + n_ring) + nf + 2)),
    )  # fmt: skip
    out = []
    for h in range(2):
        lengths = halves["length"][h, : halves["nf"][h]]
        starts = np.concatenate([[0], np.cumsum(lengths)])
        rings = [halves["ring"][h, s:e] for s, e in itertools.pairwise(starts)]
        out.append((halves["xyz"][h, : halves["nv"][h]], rings, halves["label"][h, : len(rings)],
                    halves["normal"][h, : len(rings)]))  # fmt: skip
    return made, limit, out


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("through", ["none", "one corner", "two corners", "three corners"])
def test_clip_polyhedron_matches_a_plain_clip(seed, through):
    """The kernel's cut of one polyhedron against hulls built here, on random convex
    polyhedra, including planes through one, two or three of their corners."""
    rules = np.array([1e-12 * np.sqrt(12.0), 64 * 2.2e-16, 1.0, 1.0, 1.0, 8.0, 1e-36 * 12**1.5])
    rng = np.random.default_rng(seed)
    n_cut = 0
    for _ in range(25):
        corners, faces, normals = _random_convex_polyhedron(rng)
        pick = rng.choice(len(corners), size=3, replace=False)
        if through == "none":
            normal = rng.normal(size=3)
            point = corners.mean(axis=0) + 0.2 * rng.normal(size=3)
        elif through == "one corner":
            normal, point = rng.normal(size=3), corners[pick[0]]
        elif through == "two corners":
            edge = corners[pick[1]] - corners[pick[0]]
            normal, point = np.cross(edge, rng.normal(size=3)), corners[pick[0]]
        else:
            p, q, r = corners[pick]
            normal, point = np.cross(q - p, r - p), p
        plane = np.append(normal, -normal @ point)
        made, limit, halves = _clip_polyhedron(corners, faces, normals, plane, rules)
        value = corners @ plane[:3] + plane[3]
        if not (value.max() > limit and value.min() < -limit):
            assert not made
            continue
        if not made:  # a degenerate cut (a sliver): allowed only when one side is thin
            assert min(value.max(), -value.min()) <= 8.0 * limit * (1 + 1e-9)
            continue
        n_cut += 1
        total = 0.0
        for sign, (xyz, rings, labels, face_normals) in zip((1.0, -1.0), halves, strict=True):
            # Closed surface: every edge is used once each way.
            edges = [(r[k], r[(k + 1) % len(r)]) for r in rings for k in range(len(r))]
            assert sorted(edges) == sorted((b, a) for a, b in edges)
            assert all(len(r) >= 3 for r in rings)
            assert np.all(sign * (xyz @ plane[:3] + plane[3]) >= -limit)
            volume = _volume(xyz, rings)
            assert volume == pytest.approx(
                _clipped_volume(corners, faces, plane, sign), rel=1e-9, abs=1e-13
            )
            total += volume
            # The cap is last, made by the plane, with the exact outward normal.
            assert labels[-1] == 99
            np.testing.assert_allclose(
                face_normals[-1], -sign * plane[:3] / np.linalg.norm(plane[:3]), rtol=1e-12
            )
            cap = xyz[rings[-1]]
            assert np.all(np.abs(cap @ plane[:3] + plane[3]) <= limit * (1 + 1e-9))
            # Every other face keeps the label and normal of the face it was cut from.
            for ring_, label, face_normal in zip(
                rings[:-1], labels[:-1], face_normals[:-1], strict=True
            ):
                np.testing.assert_array_equal(face_normal, normals[label])
                level = normals[label] @ corners[faces[label][0]]
                assert np.all(np.abs(xyz[ring_] @ normals[label] - level) <= 1e-12)
        whole = _volume(corners, list(faces))
        assert total == pytest.approx(whole, rel=1e-12)
    assert n_cut > 0 or through == "three corners"


def test_polyhedron_kernel_is_cached_and_releases_the_gil():
    from engine import polyhedron_kernels

    assert polyhedron_kernels.cut_cells.targetoptions["nogil"] is True
    assert polyhedron_kernels.cut_cells._cache.__class__.__name__ == "FunctionCache"


def test_progress_reports_each_layer_and_can_stop_the_partition():
    from engine.partition3d import PartitionCancelled

    model = random_mlp([6, 6], n_inputs=3, seed=4)
    seen = []
    full = partition_3d(model, CUBE, progress=lambda *args: seen.append(args))
    assert seen == [(1, 2, partition_3d(model, CUBE, layers=1).n_regions), (2, 2, full.n_regions)]

    def stop(done, total, cells):
        raise PartitionCancelled

    with pytest.raises(PartitionCancelled):
        partition_3d(model, CUBE, progress=stop)
