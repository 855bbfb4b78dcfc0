"""Compiled kernels of the 3-D partition: every cell cut by the planes of one layer.

The 3-D twin of :mod:`engine.polygon_kernels`. One call of :func:`cut_cells` cuts every
cell (a convex polyhedron) by the neurons of the next layer: per cell it finds the
neurons whose plane crosses it (a bounding-sphere test, then the exact test on its
corners), then cuts it by a binary space partition: each piece is cut by the crossing
plane closest to its centre, and the piece's other candidates are re-tested on both
halves. Compiled by numba once (cached on disk); the kernels release the GIL. The
helpers are inlined into :func:`cut_cells` at numba's level (``inline="always"``) and
the work rows of :func:`clip_polyhedron` are indexed in place: every array passed to a
call or taken as a view costs two atomic reference counts, and they took about half of
the kernel's time (``perf``, 3x32).

A polyhedron is ``nv`` corners, ``nf`` faces, each a ring of corner ids counter-clockwise
seen from outside, with the neuron that made it and its exact outward unit normal. A
cut (:func:`clip_polyhedron`) clips every face ring Sutherland–Hodgman style (a crossing
point is computed once per edge, so both faces through the edge share it) and closes
each half with a cap face that runs backwards along the rim of its open surface (the
in-plane edges of its faces that have no twin), so every edge has its twin. Should the
rim not make one loop (corners within the tolerance of each other), the cap takes the
on-plane points by angle about their centroid instead.

Robustness rules (those of :mod:`engine.partition3d`): a corner within the plane's
tolerance is on it and goes to both halves; a cut is not made when fewer than three
points lie on the plane, when a half's farthest corner is within ``sliver_height``
tolerances of the plane, or when a half's volume is below ``min_volume``.

The kernels stay in one module although it is long: numba's disk cache notices changes to
the file of a compiled function only, not to the files of the functions it calls.
"""

from __future__ import annotations

# Longer than 500 lines: compiled kernels, kept in one file for numba's disk cache (above).
import math

import numpy as np
from numba import njit

#: The (7,) float64 ``rules`` every kernel takes: thickness (relative thickness times the
#: box diagonal), rounding (ulps times eps), the reach of |x|, |y| and |z| over the box,
#: the sliver height (in tolerances) and the least volume of a half.
RULES = ("thickness", "rounding", "reach_x", "reach_y", "reach_z", "sliver_height", "min_volume")


#: Rows of the work arrays of :func:`clip_polyhedron`, indexed in place (a row taken as a
#: view of its own would cost two atomic reference counts each time).
_VALUE, _CROSS_X, _CROSS_Y, _CROSS_Z = 0, 1, 2, 3
_SIDE, _SLOT_EDGE, _EDGE_POSITIVE, _EDGE_NEGATIVE, _IDENT = 0, 1, 2, 3, 4  # _IDENT: 4 and 5
_ON_PLANE, _RIM_A, _RIM_B, _RIM_OLD, _SUCCESSOR, _USES_A, _USES_B, _SCRATCH = range(6, 14)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def plane_tolerance(a, b, c, d, rules):
    """On-plane tolerance of the values of ``a x + b y + c z + d`` (module docstring)."""
    scale = abs(a) * rules[2] + abs(b) * rules[3] + abs(c) * rules[4] + abs(d)
    return max(rules[0] * math.sqrt(a * a + b * b + c * c), rules[1] * scale)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def plane_extremes(xyz, start, n, a, b, c, d):
    """Largest and smallest value of the plane on the corners ``xyz[start:start + n]``."""
    high = -np.inf
    low = np.inf
    for i in range(start, start + n):
        value = xyz[i, 0] * a + xyz[i, 1] * b + xyz[i, 2] * c + d
        high = max(high, value)
        low = min(low, value)
    return high, low


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def corner_mean(xyz, start, n):
    """Mean of the corners ``xyz[start:start + n]``: a point inside their polyhedron."""
    cx = 0.0
    cy = 0.0
    cz = 0.0
    for i in range(start, start + n):
        cx += xyz[i, 0]
        cy += xyz[i, 1]
        cz += xyz[i, 2]
    return cx / n, cy / n, cz / n


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def crosses(xyz, start, n, a, b, c, d, rules):
    """``(cuts, on)``: does the plane have corners of ``xyz[start:start + n]`` beyond its
    tolerance on both sides, and if not, is it on over them (the farthest corner
    decides)?"""
    high, low = plane_extremes(xyz, start, n, a, b, c, d)
    if high > 0.0 and low < 0.0:
        limit = plane_tolerance(a, b, c, d, rules)
        if high > limit and low < -limit:
            return True, True
    return False, high + low > 0


@njit(cache=True, nogil=True, error_model="numpy")
def _bigger_rows(array, need):
    """``array`` (n, k) with room for ``need`` rows (a bigger copy when it has not)."""
    if need <= array.shape[0]:
        return array
    bigger = np.empty((max(need, 2 * array.shape[0]), array.shape[1]), array.dtype)
    for i in range(array.shape[0]):
        for k in range(array.shape[1]):
            bigger[i, k] = array[i, k]
    return bigger


@njit(cache=True, nogil=True, error_model="numpy")
def _bigger(array, need):
    """``array`` (n,) with room for ``need`` entries (a bigger copy when it has not)."""
    if need <= array.shape[0]:
        return array
    bigger = np.empty(max(need, 2 * array.shape[0]), array.dtype)
    for i in range(array.shape[0]):
        bigger[i] = array[i]
    return bigger


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def polyhedron_volume(xyz, corner0, face_start, face_length, ring, face0, n_faces):
    """Volume of a polyhedron with outward face rings: every face is a fan of triangles
    from its first corner, each making a signed tetrahedron with corner ``corner0``."""
    ox = xyz[corner0, 0]
    oy = xyz[corner0, 1]
    oz = xyz[corner0, 2]
    six = 0.0
    for f in range(face0, face0 + n_faces):
        s = face_start[f]
        m = face_length[f]
        first = corner0 + ring[s]
        fx = xyz[first, 0] - ox
        fy = xyz[first, 1] - oy
        fz = xyz[first, 2] - oz
        for k in range(m):
            p = corner0 + ring[s + k]
            q = corner0 + ring[s + (k + 1) % m]
            px = xyz[p, 0] - ox
            py = xyz[p, 1] - oy
            pz = xyz[p, 2] - oz
            qx = xyz[q, 0] - ox
            qy = xyz[q, 1] - oy
            qz = xyz[q, 2] - oz
            six += fx * (py * qz - pz * qy) + fy * (pz * qx - px * qz) + fz * (px * qy - py * qx)
    return six / 6.0


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _cap_area(xyz, corner0, ring, start, n):
    """Area of the planar ring ``ring[start:start + n]`` (corner ids from ``corner0``)."""
    first = corner0 + ring[start]
    sx = 0.0
    sy = 0.0
    sz = 0.0
    for k in range(n):
        p = corner0 + ring[start + k]
        q = corner0 + ring[start + (k + 1) % n]
        px = xyz[p, 0] - xyz[first, 0]
        py = xyz[p, 1] - xyz[first, 1]
        pz = xyz[p, 2] - xyz[first, 2]
        qx = xyz[q, 0] - xyz[first, 0]
        qy = xyz[q, 1] - xyz[first, 1]
        qz = xyz[q, 2] - xyz[first, 2]
        sx += py * qz - pz * qy
        sy += pz * qx - px * qz
        sz += px * qy - py * qx
    return 0.5 * math.sqrt(sx * sx + sy * sy + sz * sz)


@njit(cache=True, nogil=True, error_model="numpy")
def _angle_order(points, n, a, b, c, order):
    """``order[:n]``: the points ``points[:n]`` by angle about their centroid,
    counter-clockwise seen from the positive side of the plane with normal (a, b, c)."""
    norm = math.sqrt(a * a + b * b + c * c)
    if norm == 0.0:
        norm = 1.0
    nx = a / norm
    ny = b / norm
    nz = c / norm
    # e1 = normal x (the axis it is least aligned with), e2 = normal x e1.
    ax = 0.0
    ay = 0.0
    az = 0.0
    if abs(nx) <= abs(ny) and abs(nx) <= abs(nz):
        ax = 1.0
    elif abs(ny) <= abs(nz):
        ay = 1.0
    else:
        az = 1.0
    e1x = ny * az - nz * ay
    e1y = nz * ax - nx * az
    e1z = nx * ay - ny * ax
    length = math.sqrt(e1x * e1x + e1y * e1y + e1z * e1z)
    if length == 0.0:
        length = 1.0
    e1x /= length
    e1y /= length
    e1z /= length
    e2x = ny * e1z - nz * e1y
    e2y = nz * e1x - nx * e1z
    e2z = nx * e1y - ny * e1x
    cx = 0.0
    cy = 0.0
    cz = 0.0
    for k in range(n):
        cx += points[k, 0]
        cy += points[k, 1]
        cz += points[k, 2]
    cx /= max(n, 1)
    cy /= max(n, 1)
    cz /= max(n, 1)
    angle = np.empty(n)
    for k in range(n):
        dx = points[k, 0] - cx
        dy = points[k, 1] - cy
        dz = points[k, 2] - cz
        angle[k] = math.atan2(dx * e2x + dy * e2y + dz * e2z, dx * e1x + dy * e1y + dz * e1z)
        order[k] = k
    # Insertion sort (a handful of points).
    for k in range(1, n):
        key = order[k]
        m = k - 1
        while m >= 0 and angle[order[m]] > angle[key]:
            order[m + 1] = order[m]
            m -= 1
        order[m + 1] = key


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def clip_polyhedron(
    xyz,
    corner0,
    nv,
    face_start,
    face_length,
    face_label,
    face_normal,
    face0,
    nf,
    ring,
    a,
    b,
    c,
    d,
    limit,
    new_label,
    rules,
    half_xyz,
    half_nv,
    half_face_length,
    half_face_label,
    half_face_normal,
    half_nf,
    half_ring,
    iwork,
    fwork,
):
    """Cut one polyhedron by the plane ``a x + b y + c z + d = 0``.

    The polyhedron has the corners ``xyz[corner0:corner0 + nv]`` and the faces
    ``face0 .. face0 + nf - 1``; face ``f`` is the ring
    ``ring[face_start[f]:face_start[f] + face_length[f]]`` of corner ids local to
    ``corner0``. The halves (0: positive side, 1: negative side) are written to
    ``half_xyz[h, :half_nv[h]]``, ``half_face_*[h, :half_nf[h]]`` and ``half_ring[h]``
    (the face rings one after the other, the cap last), each needing room for
    ``nv + ring entries`` corners, ``nf + 1`` faces and ``3 * ring entries + nv`` ring
    entries; ``iwork`` (14, m) int64 and ``fwork`` (4, m) float64 are work space, with
    ``m >= 2 * (nv + ring entries)``.

    Returns True when the cut is made; False when the plane does not have corners
    beyond ``limit`` on both sides, or the cut is degenerate (fewer than three points on
    the plane, a half thinner than ``rules[5]`` tolerances or smaller than ``rules[6]``).
    """
    high = -np.inf
    low = np.inf
    for v in range(nv):
        p = corner0 + v
        fwork[_VALUE, v] = xyz[p, 0] * a + xyz[p, 1] * b + xyz[p, 2] * c + d
        value = fwork[_VALUE, v]
        high = max(high, value)
        low = min(low, value)
        iwork[_SIDE, v] = 1 if value > limit else (-1 if value < -limit else 0)
    if not (high > limit and low < -limit):
        return False
    gradient = math.sqrt(a * a + b * b + c * c)
    norm = gradient if gradient != 0.0 else 1.0
    height = min(high, -low) / norm
    if height <= rules[5] * (limit / norm):
        return False

    # Crossing edges, each met by two faces: one point each, from its positive end.
    n_ring = 0
    for f in range(face0, face0 + nf):
        n_ring += face_length[f]
    n_edges = 0
    slot = 0
    for f in range(face0, face0 + nf):
        s = face_start[f]
        m = face_length[f]
        for k in range(m):
            u = ring[s + k]
            w = ring[s + (k + 1) % m]
            iwork[_SLOT_EDGE, slot + k] = -1
            if iwork[_SIDE, u] * iwork[_SIDE, w] < 0:
                pos = u if iwork[_SIDE, u] > 0 else w
                neg = w if iwork[_SIDE, u] > 0 else u
                e = -1
                for q in range(n_edges):
                    if iwork[_EDGE_POSITIVE, q] == pos and iwork[_EDGE_NEGATIVE, q] == neg:
                        e = q
                        break
                if e < 0:
                    e = n_edges
                    iwork[_EDGE_POSITIVE, e] = pos
                    iwork[_EDGE_NEGATIVE, e] = neg
                    vp = fwork[_VALUE, pos]
                    vn = fwork[_VALUE, neg]
                    t = vp / (vp - vn)
                    p = corner0 + pos
                    q = corner0 + neg
                    fwork[_CROSS_X, e] = xyz[p, 0] + t * (xyz[q, 0] - xyz[p, 0])
                    fwork[_CROSS_Y, e] = xyz[p, 1] + t * (xyz[q, 1] - xyz[p, 1])
                    fwork[_CROSS_Z, e] = xyz[p, 2] + t * (xyz[q, 2] - xyz[p, 2])
                    n_edges += 1
                iwork[_SLOT_EDGE, slot + k] = e
        slot += m
    n_zero = 0
    for v in range(nv):
        if iwork[_SIDE, v] == 0:
            n_zero += 1
    room = n_zero + n_edges
    if room < 3:
        return False

    unit_x = a / norm
    unit_y = b / norm
    unit_z = c / norm
    positive_cap_length = 0
    for h in range(2):
        sign = 1 if h == 0 else -1
        # Corners: the kept ones, then the crossing points.
        count = 0
        for v in range(nv):
            if iwork[_SIDE, v] * sign >= 0:
                iwork[_IDENT + h, v] = count
                for axis in range(3):
                    half_xyz[h, count, axis] = xyz[corner0 + v, axis]
                count += 1
            else:
                iwork[_IDENT + h, v] = -1
        kept = count
        for e in range(n_edges):
            half_xyz[h, count, 0] = fwork[_CROSS_X, e]
            half_xyz[h, count, 1] = fwork[_CROSS_Y, e]
            half_xyz[h, count, 2] = fwork[_CROSS_Z, e]
            count += 1
        half_nv[h] = count
        # Faces: the clipped rings of the faces with a corner strictly on this side.
        n_out = 0
        at = 0
        slot = 0
        for f in range(face0, face0 + nf):
            s = face_start[f]
            m = face_length[f]
            inside = False
            for k in range(m):
                if iwork[_SIDE, ring[s + k]] * sign > 0:
                    inside = True
            if not inside:
                slot += m
                continue
            length = 0
            for k in range(m):
                u = ring[s + k]
                if iwork[_SIDE, u] * sign >= 0:
                    half_ring[h, at + length] = iwork[_IDENT + h, u]
                    iwork[_ON_PLANE, at + length] = 1 if iwork[_SIDE, u] == 0 else 0
                    length += 1
                if iwork[_SLOT_EDGE, slot + k] >= 0:
                    half_ring[h, at + length] = kept + iwork[_SLOT_EDGE, slot + k]
                    iwork[_ON_PLANE, at + length] = 2
                    length += 1
            slot += m
            half_face_length[h, n_out] = length
            half_face_label[h, n_out] = face_label[f]
            for axis in range(3):
                half_face_normal[h, n_out, axis] = face_normal[f, axis]
            n_out += 1
            at += length
        # The rim: in-plane edges a -> b of the faces, less those used both ways
        # (only an edge between two corners that were on the plane can be).
        n_rim = 0
        start = 0
        for f in range(n_out):
            m = half_face_length[h, f]
            for k in range(m):
                k2 = (k + 1) % m
                if iwork[_ON_PLANE, start + k] > 0 and iwork[_ON_PLANE, start + k2] > 0:
                    iwork[_RIM_A, n_rim] = half_ring[h, start + k]
                    iwork[_RIM_B, n_rim] = half_ring[h, start + k2]
                    old = iwork[_ON_PLANE, start + k] == 1 and iwork[_ON_PLANE, start + k2] == 1
                    iwork[_RIM_OLD, n_rim] = old
                    n_rim += 1
            start += m
        for v in range(count):
            iwork[_SUCCESSOR, v] = -1
            iwork[_USES_A, v] = 0
            iwork[_USES_B, v] = 0
        length = 0
        begin = -1
        for r in range(n_rim):
            twin = False
            if iwork[_RIM_OLD, r]:
                for q in range(n_rim):
                    if (
                        iwork[_RIM_OLD, q]
                        and iwork[_RIM_A, q] == iwork[_RIM_B, r]
                        and iwork[_RIM_B, q] == iwork[_RIM_A, r]
                    ):
                        twin = True
                        break
            if twin:
                continue
            iwork[_SUCCESSOR, iwork[_RIM_B, r]] = iwork[_RIM_A, r]
            iwork[_USES_A, iwork[_RIM_A, r]] += 1
            iwork[_USES_B, iwork[_RIM_B, r]] += 1
            begin = iwork[_RIM_B, r]
            length += 1
        chained = 3 <= length <= room
        for v in range(count):
            if iwork[_USES_A, v] > 1 or iwork[_USES_B, v] > 1:
                chained = False
        if chained:
            current = begin
            for step in range(length):
                half_ring[h, at + step] = current
                nxt = iwork[_SUCCESSOR, current]
                if nxt < 0 or (nxt == begin and step + 1 < length):
                    chained = False
                    break
                current = nxt
            chained = chained and current == begin
        if not chained:
            # The on-plane points by angle: corners on the plane, then crossing points.
            points = np.empty((room, 3))
            ids = np.empty(room, dtype=np.int64)
            q = 0
            for v in range(nv):
                if iwork[_SIDE, v] == 0:
                    for axis in range(3):
                        points[q, axis] = xyz[corner0 + v, axis]
                    ids[q] = iwork[_IDENT + h, v]
                    q += 1
            for e in range(n_edges):
                points[q, 0] = fwork[_CROSS_X, e]
                points[q, 1] = fwork[_CROSS_Y, e]
                points[q, 2] = fwork[_CROSS_Z, e]
                ids[q] = kept + e
                q += 1
            order = np.empty(room, dtype=np.int64)
            _angle_order(points, room, a, b, c, order)
            for k in range(room):
                # Negative half: counter-clockwise seen from the positive side.
                pick = order[k] if h == 1 else order[room - 1 - k]
                half_ring[h, at + k] = ids[pick]
            length = room
        if h == 0:
            positive_cap_length = length
        half_face_length[h, n_out] = length
        half_face_label[h, n_out] = new_label
        half_face_normal[h, n_out, 0] = -unit_x * sign
        half_face_normal[h, n_out, 1] = -unit_y * sign
        half_face_normal[h, n_out, 2] = -unit_z * sign
        half_nf[h] = n_out + 1
        if length < room:
            # A cap traced through fewer corners than lie on the plane: drop the corners
            # no face uses any more.
            total = at + length
            for v in range(count):
                iwork[_SCRATCH, v] = -1
            for k in range(total):
                iwork[_SCRATCH, half_ring[h, k]] = 0
            n_used = 0
            for v in range(count):
                if iwork[_SCRATCH, v] == 0:
                    iwork[_SCRATCH, v] = n_used
                    for axis in range(3):
                        half_xyz[h, n_used, axis] = half_xyz[h, v, axis]
                    n_used += 1
            for k in range(total):
                half_ring[h, k] = iwork[_SCRATCH, half_ring[h, k]]
            half_nv[h] = n_used

    # Each half holds the pyramid on the cap with its farthest corner as apex; only
    # when that is below the least volume are the volumes themselves needed.
    cap_start = 0
    for f in range(half_nf[0] - 1):
        cap_start += half_face_length[0, f]
    pyramid = _cap_area(half_xyz[0], 0, half_ring[0], cap_start, positive_cap_length) * height / 3.0
    if pyramid < rules[6]:
        for h in range(2):
            starts = iwork[_SCRATCH]
            s = 0
            for f in range(half_nf[h]):
                starts[f] = s
                s += half_face_length[h, f]
            volume = polyhedron_volume(
                half_xyz[h], 0, starts, half_face_length[h], half_ring[h], 0, half_nf[h]
            )
            if volume < rules[6]:
                return False
    return True


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _settle(xyz, start, n, neuron, first, n_neurons, bits, pre, cell, rules):
    """Keep, in ``neuron[first:first + n_neurons]``, the neurons whose plane crosses the
    corners ``xyz[start:start + n]``; read the bits of the others on them. Returns how
    many were kept."""
    kept = 0
    for k in range(first, first + n_neurons):
        j = neuron[k]
        cuts, on = crosses(
            xyz, start, n, pre[cell, 0, j], pre[cell, 1, j], pre[cell, 2, j], pre[cell, 3, j], rules
        )
        if cuts:
            neuron[first + kept] = j
            kept += 1
        else:
            bits[j] = on
    return kept


@njit(cache=True, nogil=True, error_model="numpy")
def cut_cells(xyz, voff, foff, roff, ring, label, normal, pre, first_neuron, rules, max_regions):
    """Cut every cell by the neurons of one layer that cross it.

    Parameters
    ----------
    xyz : (N, 3) corners, cell ``c`` owning ``xyz[voff[c]:voff[c+1]]``; its faces are
        ``foff[c]`` to ``foff[c+1] - 1``; face ``f`` is the ring ``ring[roff[f]:roff[f+1]]``
        of corner ids local to its cell, with ``label`` (F,) the neuron that made it (-1:
        the box) and ``normal`` (F, 3) its outward unit normal.
    pre : (C, 4, w) float64; on cell ``c`` neuron ``j`` is ``pre[c, :3, j] . x + pre[c, 3, j]``.
    first_neuron : global index of the layer's first neuron (the label of its faces).
    rules : (7,) float64 tolerances, see :data:`RULES`.
    max_regions : stop once the cells are sure to make more pieces than this.

    Returns
    -------
    The pieces in the same layout ``xyz, voff, foff, roff, ring, label, normal``, cell
    after cell; ``cell`` (P,) the cell each came from; ``bits`` (P, w) bool the pattern
    of the layer on each; ``cell_on`` (C, w) bool the bits of the neurons over the cells
    they do not cut (the sign at the cell's centre for those that do); ``overflow``: 0,
    or the number of pieces reached when more than ``max_regions`` (the other outputs
    are then incomplete).
    """
    n_cells = len(voff) - 1
    width = pre.shape[2]
    cell_on = np.zeros((n_cells, width), dtype=np.bool_)
    out_xyz = np.empty((2 * len(xyz) + 16, 3))
    out_voff = np.zeros(2 * n_cells + 2, dtype=np.int64)
    out_foff = np.zeros(2 * n_cells + 2, dtype=np.int64)
    out_roff = np.zeros(2 * len(label) + 2, dtype=np.int64)
    out_ring = np.empty(2 * len(ring) + 16, dtype=np.int64)
    out_label = np.empty(2 * len(label) + 2, dtype=np.int64)
    out_normal = np.empty((2 * len(label) + 2, 3))
    out_cell = np.empty(2 * n_cells + 2, dtype=np.int64)
    out_bits = np.empty((2 * n_cells + 2, width), dtype=np.bool_)
    n_out = 0
    n_corners = 0
    n_faces = 0
    n_entries = 0
    # The binary space partition of one cell: a stack of pieces. Piece ``k`` has the
    # corners ``s_xyz[corner[k]:corner[k] + size[k]]``, the faces ``face[k]`` to
    # ``face[k] + n_face[k] - 1`` (rings in ``s_ring`` from ``entry[k]``), the
    # candidate neurons ``s_neuron[first[k]:first[k] + n_neurons[k]]`` and the bits
    # ``s_bits[k]``. Every piece cuts off one candidate: at most w + 1 pieces.
    depth = width + 2
    s_xyz = np.empty((depth * 16, 3))
    s_face_start = np.empty(depth * 16, dtype=np.int64)
    s_face_length = np.empty(depth * 16, dtype=np.int64)
    s_face_label = np.empty(depth * 16, dtype=np.int64)
    s_face_normal = np.empty((depth * 16, 3))
    s_ring = np.empty(depth * 64, dtype=np.int64)
    s_neuron = np.empty(depth * width + 1, dtype=np.int64)
    s_bits = np.empty((depth, width), dtype=np.bool_)
    corner = np.empty(depth, dtype=np.int64)
    size = np.empty(depth, dtype=np.int64)
    face = np.empty(depth, dtype=np.int64)
    n_face = np.empty(depth, dtype=np.int64)
    entry = np.empty(depth, dtype=np.int64)
    first = np.empty(depth, dtype=np.int64)
    n_neurons = np.empty(depth, dtype=np.int64)
    # The two halves of a cut.
    h_xyz = np.empty((2, 64, 3))
    h_nv = np.zeros(2, dtype=np.int64)
    h_face_length = np.empty((2, 32), dtype=np.int64)
    h_face_label = np.empty((2, 32), dtype=np.int64)
    h_face_normal = np.empty((2, 32, 3))
    h_nf = np.zeros(2, dtype=np.int64)
    h_ring = np.empty((2, 256), dtype=np.int64)
    iwork = np.empty((14, 256), dtype=np.int64)
    fwork = np.empty((4, 256))

    overflow = 0
    for cell in range(n_cells):
        v0 = voff[cell]
        nv = voff[cell + 1] - v0
        cx, cy, cz = corner_mean(xyz, v0, nv)
        radius2 = 0.0
        for i in range(v0, v0 + nv):
            dx = xyz[i, 0] - cx
            dy = xyz[i, 1] - cy
            dz = xyz[i, 2] - cz
            radius2 = max(radius2, dx * dx + dy * dy + dz * dz)
        radius2 *= 1.0 + 1e-9
        n_candidates = 0
        for j in range(width):
            a = pre[cell, 0, j]
            b = pre[cell, 1, j]
            c = pre[cell, 2, j]
            d = pre[cell, 3, j]
            at_centre = a * cx + b * cy + c * cz + d
            on = at_centre > 0
            if at_centre * at_centre <= (a * a + b * b + c * c) * radius2:
                cuts, side = crosses(xyz, v0, nv, a, b, c, d, rules)
                if cuts:
                    s_neuron[n_candidates] = j
                    n_candidates += 1
                else:
                    on = side
            cell_on[cell, j] = on
        # The cell is the first piece.
        f0 = foff[cell]
        nf = foff[cell + 1] - f0
        r0 = roff[f0]
        nr = roff[f0 + nf] - r0
        if nv > len(s_xyz):
            s_xyz = _bigger_rows(s_xyz, nv)
        if nf > len(s_face_start):
            s_face_start = _bigger(s_face_start, nf)
        if nf > len(s_face_length):
            s_face_length = _bigger(s_face_length, nf)
        if nf > len(s_face_label):
            s_face_label = _bigger(s_face_label, nf)
        if nf > len(s_face_normal):
            s_face_normal = _bigger_rows(s_face_normal, nf)
        if nr > len(s_ring):
            s_ring = _bigger(s_ring, nr)
        for i in range(nv):
            for axis in range(3):
                s_xyz[i, axis] = xyz[v0 + i, axis]
        for f in range(nf):
            s_face_start[f] = roff[f0 + f] - r0
            s_face_length[f] = roff[f0 + f + 1] - roff[f0 + f]
            s_face_label[f] = label[f0 + f]
            for axis in range(3):
                s_face_normal[f, axis] = normal[f0 + f, axis]
        for k in range(nr):
            s_ring[k] = ring[r0 + k]
        corner[0] = 0
        size[0] = nv
        face[0] = 0
        n_face[0] = nf
        entry[0] = 0
        first[0] = 0
        n_neurons[0] = n_candidates
        for j in range(width):
            s_bits[0, j] = cell_on[cell, j]
        top = 1
        while top > 0:
            top -= 1
            c0 = corner[top]
            nv = size[top]
            f0 = face[top]
            nf = n_face[top]
            e0 = entry[top]
            n_candidates = n_neurons[top]
            if n_candidates == 0:
                # A finished piece.
                reached = n_out + 1 + top + (n_cells - 1 - cell)
                if reached > max_regions:
                    overflow = reached
                    break
                nr = 0
                for f in range(f0, f0 + nf):
                    nr += s_face_length[f]
                if n_corners + nv > len(out_xyz):
                    out_xyz = _bigger_rows(out_xyz, n_corners + nv)
                if n_out + 2 > len(out_voff):
                    out_voff = _bigger(out_voff, n_out + 2)
                if n_out + 2 > len(out_foff):
                    out_foff = _bigger(out_foff, n_out + 2)
                if n_out + 1 > len(out_cell):
                    out_cell = _bigger(out_cell, n_out + 1)
                if n_out + 1 > len(out_bits):
                    out_bits = _bigger_rows(out_bits, n_out + 1)
                if n_faces + nf + 1 > len(out_roff):
                    out_roff = _bigger(out_roff, n_faces + nf + 1)
                if n_faces + nf > len(out_label):
                    out_label = _bigger(out_label, n_faces + nf)
                if n_faces + nf > len(out_normal):
                    out_normal = _bigger_rows(out_normal, n_faces + nf)
                if n_entries + nr > len(out_ring):
                    out_ring = _bigger(out_ring, n_entries + nr)
                for i in range(nv):
                    for axis in range(3):
                        out_xyz[n_corners + i, axis] = s_xyz[c0 + i, axis]
                for f in range(f0, f0 + nf):
                    s = s_face_start[f]
                    for k in range(s_face_length[f]):
                        out_ring[n_entries] = s_ring[s + k]
                        n_entries += 1
                    out_label[n_faces] = s_face_label[f]
                    for axis in range(3):
                        out_normal[n_faces, axis] = s_face_normal[f, axis]
                    n_faces += 1
                    out_roff[n_faces] = n_entries
                for j in range(width):
                    out_bits[n_out, j] = s_bits[top, j]
                out_cell[n_out] = cell
                n_corners += nv
                n_out += 1
                out_voff[n_out] = n_corners
                out_foff[n_out] = n_faces
                continue
            # Its candidate whose plane passes closest to its centre (the first on a tie).
            cx, cy, cz = corner_mean(s_xyz, c0, nv)
            best = 0
            best_distance = np.inf
            at = first[top]
            for k in range(n_candidates):
                j = s_neuron[at + k]
                a = pre[cell, 0, j]
                b = pre[cell, 1, j]
                c = pre[cell, 2, j]
                value = a * cx + b * cy + c * cz + pre[cell, 3, j]
                distance = value * value / (a * a + b * b + c * c)
                if distance < best_distance:
                    best_distance = distance
                    best = k
            chosen = s_neuron[at + best]
            for k in range(best, n_candidates - 1):
                s_neuron[at + k] = s_neuron[at + k + 1]
            n_others = n_candidates - 1
            a = pre[cell, 0, chosen]
            b = pre[cell, 1, chosen]
            c = pre[cell, 2, chosen]
            d = pre[cell, 3, chosen]
            limit = plane_tolerance(a, b, c, d, rules)
            nr = 0
            for f in range(f0, f0 + nf):
                nr += s_face_length[f]
            if nv + nr > h_xyz.shape[1]:
                h_xyz = np.empty((2, 2 * (nv + nr), 3))
            if nf + 1 > h_face_length.shape[1]:
                h_face_length = np.empty((2, 2 * (nf + 1)), dtype=np.int64)
                h_face_label = np.empty((2, 2 * (nf + 1)), dtype=np.int64)
                h_face_normal = np.empty((2, 2 * (nf + 1), 3))
            if 3 * nr + nv > h_ring.shape[1]:
                h_ring = np.empty((2, 2 * (3 * nr + nv)), dtype=np.int64)
            if 2 * (nv + nr) + nf + 2 > iwork.shape[1]:
                iwork = np.empty((14, 4 * (nv + nr + nf + 2)), dtype=np.int64)
                fwork = np.empty((4, 4 * (nv + nr + nf + 2)))
            made = clip_polyhedron(
                s_xyz,
                c0,
                nv,
                s_face_start,
                s_face_length,
                s_face_label,
                s_face_normal,
                f0,
                nf,
                s_ring,
                a,
                b,
                c,
                d,
                limit,
                first_neuron + chosen,
                rules,
                h_xyz,
                h_nv,
                h_face_length,
                h_face_label,
                h_face_normal,
                h_nf,
                h_ring,
                iwork,
                fwork,
            )
            if not made:
                # Not cut: the chosen neuron is read on the corners; the rest stay.
                high, low = plane_extremes(s_xyz, c0, nv, a, b, c, d)
                s_bits[top, chosen] = high + low > 0
                n_neurons[top] = n_others
                top += 1
                continue
            # The negative half, then the positive one (cut first), in the room of the
            # piece, each with the other candidates that still cross it.
            for j in range(width):
                s_bits[top + 1, j] = s_bits[top, j]
            s_bits[top, chosen] = False
            s_bits[top + 1, chosen] = True
            for k in range(n_others):
                s_neuron[at + n_others + k] = s_neuron[at + k]
            vc = c0
            fc = f0
            ec = e0
            for slot in range(2):
                h = 1 - slot
                piece = top + slot
                nvh = h_nv[h]
                nfh = h_nf[h]
                nrh = 0
                for f in range(nfh):
                    nrh += h_face_length[h, f]
                if vc + nvh > len(s_xyz):
                    s_xyz = _bigger_rows(s_xyz, vc + nvh)
                if fc + nfh > len(s_face_start):
                    s_face_start = _bigger(s_face_start, fc + nfh)
                if fc + nfh > len(s_face_length):
                    s_face_length = _bigger(s_face_length, fc + nfh)
                if fc + nfh > len(s_face_label):
                    s_face_label = _bigger(s_face_label, fc + nfh)
                if fc + nfh > len(s_face_normal):
                    s_face_normal = _bigger_rows(s_face_normal, fc + nfh)
                if ec + nrh > len(s_ring):
                    s_ring = _bigger(s_ring, ec + nrh)
                for i in range(nvh):
                    for axis in range(3):
                        s_xyz[vc + i, axis] = h_xyz[h, i, axis]
                e = ec
                for f in range(nfh):
                    s_face_start[fc + f] = e
                    s_face_length[fc + f] = h_face_length[h, f]
                    s_face_label[fc + f] = h_face_label[h, f]
                    for axis in range(3):
                        s_face_normal[fc + f, axis] = h_face_normal[h, f, axis]
                    e += h_face_length[h, f]
                for k in range(nrh):
                    s_ring[ec + k] = h_ring[h, k]
                corner[piece] = vc
                size[piece] = nvh
                face[piece] = fc
                n_face[piece] = nfh
                entry[piece] = ec
                first[piece] = at + slot * n_others
                n_neurons[piece] = _settle(
                    s_xyz,
                    vc,
                    nvh,
                    s_neuron,
                    at + slot * n_others,
                    n_others,
                    s_bits[piece],
                    pre,
                    cell,
                    rules,
                )
                vc += nvh
                fc += nfh
                ec += nrh
            top += 2
        if overflow:
            break
    return (
        out_xyz[:n_corners],
        out_voff[: n_out + 1],
        out_foff[: n_out + 1],
        out_roff[: n_faces + 1],
        out_ring[:n_entries],
        out_label[:n_faces],
        out_normal[:n_faces],
        out_cell[:n_out],
        out_bits[:n_out],
        cell_on,
        overflow,
    )
