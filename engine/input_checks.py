"""Inputs the engine cannot compute exactly in float64 are refused before any work starts.

Every refusal raises :class:`InputRangeError` (a ``ValueError``) with one sentence that
names the input and says what to change. Non-finite numbers (NaN, infinity) are refused
everywhere. Two magnitude rules decide the rest.

The overflow rule: :data:`MAX_MAGNITUDE` = 1e150
---------------------------------------------------
The partition kernels multiply two quantities of the same size at most (a line's
coefficient by a coordinate, two coefficients for a squared norm, a value by a ratio), and
sum a few such products. If every quantity is at most 1e150, every product is at most
1e300, six hundred times below float64's largest number (1.8e308), so no sum of a few
thousand of them overflows. The quantities are bounded before anything is computed, by
propagating bounds through the layers in the way interval arithmetic does:

- ``m_0`` : (d,) the largest ``|x_i|`` over the domain (its corners, in input space);
  ``g_0`` : (d,) the largest ``|dx_i / ds|`` over the domain's directions (``|u|, |v|``,
  or 1 without a plane);
- for every affine layer ``(W, b)``: ``m = |W| m + |b|`` bounds every pre-activation on the
  domain and ``g = |W| g`` every coefficient of its lines; after the activation both are
  multiplied by ``max(1, |negative_slope|)``.

A network and domain are refused when ``m_0`` or any ``m``, ``g`` exceeds 1e150 (or is not
finite: two Linear layers in a row compose into one whose weights can overflow). A bound
of 1e150 leaves room for every network a file may hold: on the unit square the bound of a
He-initialised MLP grows by about ``0.8 sqrt(2 n)`` a layer of width n (measured: 2.8e79
for 64 layers of 256), so 64 layers of 4,096 stay near 1e119. Segment ends obey the same
bound (with ``m_0 = max(|a|, |b|)`` and ``g_0 = |b - a|``), and so do hull coordinates,
whose products the certificates form, and hull queries measured in training radii (the
normalised coordinates the hull solver squares).

The resolution rule: :data:`MIN_RELATIVE_EXTENT` = 1e-10
--------------------------------------------------------
A domain far from the origin and very small has few float64 numbers across it. The
kernels treat a value as zero within a rounding allowance of
``partition2d.ROUNDING_ULPS`` = 64 units in the last place of the coordinates' magnitude;
for that allowance to stay below 1.5e-4 of the domain's width (under a pixel of a
7,000-pixel figure, so no cell a reader could see is merged away), each side of the domain
must be at least 64 * 2**-52 / 1.5e-4 ~ 1e-10 of the largest coordinate. The rule is
checked on the domain's own coordinates and on its image in input space (a slicing
plane far from the origin with short directions loses the same way). Domains smaller
than that are refused; tiny magnitudes alone are not (scaling every coordinate down
changes nothing relative).

Memory
------
:func:`budgeted_partition` wraps ``partition_2d`` and ``partition_3d``: after the checks
above it plans the cells the memory budget affords (:mod:`engine.memory_budget`) and
stops the partition there with ``MemoryBudgetError`` instead of letting it grow.
"""

from __future__ import annotations

import functools
import inspect
import itertools
from collections.abc import Callable

import numpy as np

from engine import graph_kernels, memory_budget
from engine.networks import InputRangeError as InputRangeError
from engine.networks import NetworkLayers, network_layers, reusing_layers

#: Largest magnitude any coordinate, weight product or pre-activation may reach.
MAX_MAGNITUDE = 1e150
#: Smallest side of a domain relative to its largest coordinate (see the module docstring).
MIN_RELATIVE_EXTENT = 1e-10
#: Elements of ``|W|`` formed at once while bounding a layer (8 MB of float64).
_BLOCK_ELEMENTS = 1 << 20


def _abs_product(weight: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """``|weight| @ vectors`` for (n, k) ``weight`` and (k, 2) ``vectors``, a block of rows
    at a time so that no copy of a large weight matrix is made."""
    if weight.size <= _BLOCK_ELEMENTS:
        return np.abs(weight) @ vectors
    rows = max(1, _BLOCK_ELEMENTS // max(weight.shape[1], 1))
    out = np.empty((weight.shape[0], vectors.shape[1]))
    for start in range(0, weight.shape[0], rows):
        out[start : start + rows] = np.abs(weight[start : start + rows]) @ vectors
    return out


def _too_large(values: np.ndarray) -> bool:
    """True when some value exceeds :data:`MAX_MAGNITUDE` or is not finite (NaN too)."""
    return values.size > 0 and not np.abs(values).max() <= MAX_MAGNITUDE


def check_network_magnitudes(net: NetworkLayers, reach: np.ndarray, slope: np.ndarray) -> None:
    """Refuse a network whose values or line coefficients may pass :data:`MAX_MAGNITUDE`.

    Parameters
    ----------
    net : the network.
    reach : (d,) the largest ``|x_i|`` over the domain (``m_0`` of the module docstring).
    slope : (d,) the largest ``|dx_i / ds|`` along the domain's directions (``g_0``).

    Raises
    ------
    InputRangeError
        Naming the first layer whose bound is too large or not finite.
    """
    bounds = np.stack([np.abs(reach), np.abs(slope)], axis=1)
    affine = [(layer.weight, layer.bias, layer.negative_slope) for layer in net.hidden]
    affine.append((net.out_weight, net.out_bias, 0.0))
    with np.errstate(over="ignore", invalid="ignore"):
        for index, (weight, bias, negative_slope) in enumerate(affine):
            bounds = _abs_product(weight, bounds)
            bounds[:, 0] += np.abs(bias)
            if bounds.max() <= MAX_MAGNITUDE:  # all non-negative; False for NaN
                bounds *= max(1.0, abs(negative_slope))
                continue
            where = "the output layer" if index == len(net.hidden) else f"hidden layer {index + 1}"
            worst = float(np.abs(bounds).max()) if np.isfinite(bounds).all() else np.inf
            raise InputRangeError(
                f"The values of {where} could reach {worst:.3g} on this "
                f"domain, past the {MAX_MAGNITUDE:.0e} that float64 computes exactly: scale "
                "the weights or the domain down."
            )


def check_domain_resolution(magnitude: float, extent: float, what: str) -> None:
    """Refuse a domain too small for float64 to resolve next to its magnitude.

    Parameters
    ----------
    magnitude : the largest absolute coordinate of the domain's corners.
    extent : its shortest side (in the same coordinates).
    what : how the message names the coordinates (``"input space"``, ...).
    """
    if extent < MIN_RELATIVE_EXTENT * magnitude:
        raise InputRangeError(
            f"The domain is {extent:.3g} wide in {what} but lies {magnitude:.3g} from the "
            f"origin: below {MIN_RELATIVE_EXTENT:.0e} of its magnitude float64 cannot "
            "place the cells' corners; widen it or move it nearer the origin."
        )


def _plane_vectors(plane: object, count: int, d: int) -> list[np.ndarray] | None:
    """The plane's vectors as float64 (d,) arrays, or None when the partition's own checks
    should refuse them (wrong count, shape or non-finite)."""
    try:
        vectors = [np.asarray(a, dtype=np.float64).reshape(-1) for a in plane]  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return None
    if len(vectors) != count or any(v.shape != (d,) or not np.isfinite(v).all() for v in vectors):
        return None
    return vectors


def check_partition_domain(net: NetworkLayers, bounds: object, plane: object, k: int) -> None:
    """Refuse a ``k``-D partition domain (and its network) that float64 cannot resolve.

    Malformed bounds or planes are left to the partition's own checks and messages.

    Parameters
    ----------
    net : the network.
    bounds : (2k,) ``(lo_0, hi_0, lo_1, hi_1, ...)``.
    plane : None, or ``(origin, e_1, ..., e_k)`` of (d,) vectors.
    """
    try:
        box = np.asarray(bounds, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        return
    if box.shape != (2 * k,) or not np.isfinite(box).all() or np.any(box[0::2] >= box[1::2]):
        return
    if _too_large(box):
        raise InputRangeError(
            f"The domain's bounds reach {np.abs(box).max():.3g}, past the "
            f"{MAX_MAGNITUDE:.0e} that float64 computes exactly: choose a smaller domain."
        )
    lo, hi = box[0::2], box[1::2]
    reach = np.maximum(np.abs(lo), np.abs(hi))
    check_domain_resolution(float(reach.max()), float((hi - lo).min()), "its own coordinates")
    if plane is None:
        if net.n_inputs == k:  # the input space is the domain's own
            check_network_magnitudes(net, reach, np.ones(k))
        return
    vectors = _plane_vectors(plane, k + 1, net.n_inputs)
    if vectors is None:
        return
    origin, directions = vectors[0], np.stack(vectors[1:])
    if np.linalg.matrix_rank(directions) < k:
        return  # dependent directions: the partition refuses them with its message
    corners = np.array(list(itertools.product(*zip(lo, hi, strict=True))))
    with np.errstate(over="ignore", invalid="ignore"):
        inputs = origin + corners @ directions
        steps = np.abs((hi - lo)[:, None] * directions).max(axis=1)
    if _too_large(inputs):
        raise InputRangeError(
            f"The domain reaches {float(np.nanmax(np.abs(inputs))):.3g} in input space, past "
            f"the {MAX_MAGNITUDE:.0e} that float64 computes exactly: shrink the domain or "
            "the plane's vectors."
        )
    check_domain_resolution(float(np.abs(inputs).max()), float(steps.min()), "input space")
    check_network_magnitudes(net, np.abs(inputs).max(axis=0), np.abs(directions).max(axis=0))


def check_box_and_inputs(box: np.ndarray, inputs: np.ndarray) -> None:
    """Refuse a traced model's slice that float64 cannot resolve (the rules above).

    Parameters
    ----------
    box : (4,) ``(smin, smax, tmin, tmax)``, finite and ordered.
    inputs : (3, n) the slice in input space: its derivatives along ``s`` and ``t`` and
        its value at ``s = t = 0``, flattened.
    """
    if _too_large(box):
        raise InputRangeError(
            f"The domain's bounds reach {np.abs(box).max():.3g}, past the "
            f"{MAX_MAGNITUDE:.0e} that float64 computes exactly: choose a smaller domain."
        )
    reach = np.abs(box).reshape(2, 2).max(axis=1)
    check_domain_resolution(
        float(reach.max()), float(np.diff(box)[0::2].min()), "its own coordinates"
    )
    check_step_values(inputs[None], box, "the input")
    with np.errstate(over="ignore", invalid="ignore"):
        magnitude = float((np.abs(inputs[:2]).T @ reach + np.abs(inputs[2])).max())
        steps = np.abs(np.diff(box)[0::2, None] * inputs[:2]).max(axis=1)
    check_domain_resolution(magnitude, float(steps.min()), "input space")


def check_step_values(rows: np.ndarray, box: np.ndarray, where: str) -> None:
    """Refuse values of a traced model's step that pass :data:`MAX_MAGNITUDE` on the slice.

    Inside a cell a step's values are affine in the slice's coordinates ``(s, t)``, so
    ``|a| max|s| + |b| max|t| + |c|`` bounds them over the domain and ``|a|, |b|`` bound
    the coefficients of the lines the kernels cut with (the overflow rule above).

    Parameters
    ----------
    rows : (C, 3, ...) per cell, the values' derivatives along ``s`` and ``t`` and their
        value at ``s = t = 0``.
    box : (4,) ``(smin, smax, tmin, tmax)``.
    where : names the step in the message.
    """
    if rows.size == 0:
        return
    reach = np.abs(box).reshape(2, 2).max(axis=1)
    flat = rows.reshape(rows.shape[0], 3, -1)
    with np.errstate(over="ignore", invalid="ignore"):
        a, b, c = graph_kernels.row_magnitudes(np.ascontiguousarray(flat, np.float64)).tolist()
        worst = max(a, b, a * reach[0] + b * reach[1] + c)
    if worst <= MAX_MAGNITUDE:  # False for NaN
        return
    shown = f"{worst:.3g}" if np.isfinite(worst) else "infinity"
    raise InputRangeError(
        f"The values of {where} could reach {shown} on this domain, past the "
        f"{MAX_MAGNITUDE:.0e} that float64 computes exactly: scale the weights or the "
        "domain down."
    )


def check_segment(net: NetworkLayers, a: np.ndarray, b: np.ndarray) -> None:
    """Refuse segment ends (d,) that are not finite or whose walk could overflow."""
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise InputRangeError("The segment's end points must be finite numbers.")
    if _too_large(a) or _too_large(b):
        raise InputRangeError(
            f"The segment's end points reach {max(np.abs(a).max(), np.abs(b).max()):.3g}, "
            f"past the {MAX_MAGNITUDE:.0e} that float64 computes exactly: choose nearer ends."
        )
    check_network_magnitudes(net, np.maximum(np.abs(a), np.abs(b)), np.abs(b - a))


def check_hull_points(train: np.ndarray, queries: np.ndarray) -> None:
    """Refuse hull coordinates (N, d) and (M, d) that are not finite or past
    :data:`MAX_MAGNITUDE`, and queries so far from a tiny training set that their
    normalised coordinates (distance over the set's radius) would pass it too."""
    for name, points in (("training points", train), ("queries", queries)):
        if not np.isfinite(points).all():
            raise InputRangeError(f"The {name} must be finite numbers (no NaN or infinity).")
        if points.size and _too_large(points):
            raise InputRangeError(
                f"The {name} reach {np.abs(points).max():.3g}, past the {MAX_MAGNITUDE:.0e} "
                "that float64 computes exactly: rescale the data first."
            )
    centre = train.mean(axis=0)
    spread = float(np.abs(train - centre).max()) if train.size else 0.0
    far = float(np.abs(queries - centre).max()) if queries.size else 0.0
    if spread > 0 and far / spread > MAX_MAGNITUDE:
        raise InputRangeError(
            f"A query lies {far / spread:.3g} training radii from the training set, past the "
            f"{MAX_MAGNITUDE:.0e} that float64 computes exactly: rescale the data first."
        )


def _layer_slice(net: NetworkLayers, layers: object) -> tuple[int, ...]:
    """The widths of the layers a partition with ``layers`` cuts (all when unparsable)."""
    widths = net.widths
    if isinstance(layers, int | np.integer) and 0 <= int(layers) <= len(widths):
        return widths[: int(layers)]
    return widths


def _checked_budget(
    net: NetworkLayers, bounds: object, options: dict, requested: int, k: int
) -> memory_budget.CellBudget:
    """Check a partition's domain; its memory budget for ``requested`` cells."""
    check_partition_domain(net, bounds, options["plane"], k)
    widths = _layer_slice(net, options["layers"])
    complete = len(widths) == len(net.widths)
    last = net.n_outputs if complete else (widths[-1] if widths else 0)
    return memory_budget.partition_cell_budget(widths, last, requested, k)


def budgeted_partition(k: int) -> Callable[[Callable], Callable]:
    """Guard a ``k``-D partition function: input checks, then a memory budget.

    The wrapped function must take ``model, bounds, *, plane, layers, max_regions`` (the
    first two by position or name, the rest by name). Before
    it runs, :func:`check_partition_domain` refuses what float64 cannot resolve, and the
    cell limit is lowered to what :func:`engine.memory_budget.partition_cell_budget`
    affords; a partition that reaches that lower limit raises
    :class:`engine.memory_budget.MemoryBudgetError` instead of ``TooManyRegionsError``.
    Models the engine's MLP reader does not accept are passed through unchecked, so the
    function's own reader (and its messages) decides.
    """

    def decorate(function: Callable) -> Callable:
        parameters = inspect.signature(function).parameters
        defaults = {name: p.default for name, p in parameters.items() if p.default is not p.empty}

        @functools.wraps(function)
        def guarded(model, bounds, **options):
            options = {**defaults, **options}
            try:
                net = network_layers(model)
                requested = int(options["max_regions"])
            except InputRangeError:
                raise
            except (TypeError, ValueError):
                return function(model, bounds, **options)
            budget = _checked_budget(net, bounds, options, requested, k)
            lowered = budget.affordable_cells < budget.max_cells
            if lowered:
                options["max_regions"] = budget.affordable_cells
            try:
                with reusing_layers(model, net):
                    return function(model, bounds, **options)
            except ValueError as error:  # TooManyRegionsError at the lowered limit?
                if not lowered or getattr(error, "max_regions", None) != budget.affordable_cells:
                    raise
                raise memory_budget.partition_over_budget(budget, error.n_regions) from error

        return guarded

    return decorate
