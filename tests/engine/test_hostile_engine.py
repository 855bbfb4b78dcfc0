"""Hostile inputs for the engine, each measured in its own process (issue 18).

Classes of input (hypothesis draws their sizes, exponents and seeds): one very wide layer
partitioned in 2-D and 3-D with the default cell limit; weights scaled past float64's
exact range; Linear layers that overflow when composed; bounds that are huge, or too
small for their magnitude; slicing planes far away with short directions; segments with
huge or non-finite ends; hull coordinates that are huge, non-finite or far beyond a tiny
training set; network files too deep, too wide or too large, as specs and as weights.
Each case runs in a child forked by :mod:`tests.engine.hostile_engine_runner` (a machine
with 512 MB free, so the default budget is 256 MB) and must raise its documented error,
finish in under 5 s and peak under 1 GB resident. The count of cases and the worst time
and memory are printed at the end (``pytest -s``).
"""

from __future__ import annotations

import math
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.input_checks import MAX_MAGNITUDE, MIN_RELATIVE_EXTENT
from engine.network_spec import MAX_HIDDEN_LAYERS, MAX_HIDDEN_WIDTH, MAX_PARAMETERS
from tests.hostile_child import hostile_child, hostile_settings

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="fork, wait4 and /proc are Linux's"
)

RANGE = "InputRangeError"
BUDGET = "MemoryBudgetError"
SPEC = "NetworkSpecError"
_CASES = hostile_settings(max_examples=6)


@pytest.fixture(scope="module")
def runner():
    yield from hostile_child("tests.engine.hostile_engine_runner", "hostile engine")


def _check(runner, kind: str, params: dict, error: str, label: str) -> dict:
    """Run one case; assert its documented error, its time and its memory."""
    result = runner.ask({"kind": kind, "params": params}, f"{kind}: {label}")
    assert result["error"] is not None, f"{label}: computed without complaint"
    assert error in result["error"], f"{label}: {result['error']} {result['message']}"
    return result


# -- heavy work: the memory budget --------------------------------------------------------------


@_CASES
@given(width=st.integers(2_000, MAX_HIDDEN_WIDTH), seed=st.integers(0, 9))
def test_one_wide_layer_stops_at_the_budget_in_2d(runner, width, seed):
    result = _check(
        runner, "wide_layer", {"k": 2, "width": width, "seed": seed}, BUDGET, f"{width} ReLUs"
    )
    assert "zoom in" in result["message"]


@_CASES
@given(width=st.integers(500, 4_000), seed=st.integers(0, 9))
def test_one_wide_layer_stops_at_the_budget_in_3d(runner, width, seed):
    _check(runner, "wide_layer", {"k": 3, "width": width, "seed": seed}, BUDGET, f"{width} ReLUs")


# -- magnitudes float64 cannot hold ----------------------------------------------------------


@_CASES
@given(
    exponent=st.integers(151, 307),
    widths=st.lists(st.integers(1, 32), min_size=1, max_size=4),
    k=st.sampled_from([2, 3]),
    seed=st.integers(0, 9),
)
def test_weights_scaled_past_the_exact_range(runner, exponent, widths, k, seed):
    params = {"exponent": exponent, "widths": widths, "seed": seed, "k": k, "n_inputs": k}
    _check(runner, "scaled_weights", params, RANGE, f"x1e{exponent}, {widths}")


@_CASES
@given(exponent=st.integers(76, 200))
def test_linear_layers_that_overflow_when_composed(runner, exponent):
    _check(runner, "composed_overflow", {"exponent": exponent}, RANGE, f"1e{exponent} twice")


@_CASES
@given(
    magnitude=st.floats(MAX_MAGNITUDE * 1.01, 1e308),
    k=st.sampled_from([2, 3]),
    flip=st.booleans(),
)
def test_bounds_past_the_exact_range(runner, magnitude, k, flip):
    bounds = [-magnitude, magnitude] * k if flip else [0.0, magnitude] * k
    _check(runner, "bounds", {"k": k, "bounds": bounds}, RANGE, f"bounds {magnitude:.3g}")


@_CASES
@given(
    centre=st.floats(1.0, 1e100),
    ratio=st.floats(1e-15, MIN_RELATIVE_EXTENT * 0.9),
    k=st.sampled_from([2, 3]),
)
def test_domains_too_small_for_their_magnitude(runner, centre, ratio, k):
    half = centre * ratio / 2
    bounds = [centre - half, centre + half * 1.0000001] * k
    if not all(lo < hi for lo, hi in zip(bounds[::2], bounds[1::2], strict=True)):
        bounds = [centre, math.nextafter(centre, math.inf)] * k  # the closest distinct pair
    _check(runner, "bounds", {"k": k, "bounds": bounds}, RANGE, f"{ratio:.2g} of {centre:.3g}")


@_CASES
@given(
    origin=st.floats(1e3, 1e140),
    direction=st.floats(1e-20, 1e-12),
    n_inputs=st.integers(3, 64),
    seed=st.integers(0, 9),
)
def test_slicing_planes_far_away_with_short_directions(runner, origin, direction, n_inputs, seed):
    params = {"origin": origin, "direction": direction, "n_inputs": n_inputs, "seed": seed}
    _check(runner, "plane", params, RANGE, f"origin {origin:.2g}, |u| {direction:.2g}")


@_CASES
@given(
    magnitude=st.floats(MAX_MAGNITUDE * 1.01, 1.7e308),
    d=st.integers(1, 16),
    poison=st.sampled_from(["", "nan", "inf", "-inf"]),
)
def test_segments_with_huge_or_non_finite_ends(runner, magnitude, d, poison):
    a = [-magnitude] * d
    b = [magnitude] * d
    if poison:
        b[0] = float(poison)
    label = f"±{magnitude:.3g} in {d}-D, {poison or 'finite'}"
    _check(runner, "segment", {"a": a, "b": b}, RANGE, label)


@_CASES
@given(
    train_scale=st.floats(MAX_MAGNITUDE * 1.01, 1e300),
    d=st.integers(1, 64),
    n=st.integers(2, 200),
    seed=st.integers(0, 9),
)
def test_hull_coordinates_past_the_exact_range(runner, train_scale, d, n, seed):
    params = {"train_scale": train_scale, "query_scale": 1.0, "d": d, "n": n, "seed": seed}
    _check(runner, "hull", params, RANGE, f"train x{train_scale:.3g}")


@_CASES
@given(
    train_scale=st.floats(1e-300, 1e-150),
    d=st.integers(1, 64),
    poison=st.sampled_from([None, "nan", "inf"]),
)
def test_hull_queries_far_beyond_a_tiny_training_set_or_not_finite(runner, train_scale, d, poison):
    params = {
        "train_scale": train_scale,
        "query_scale": 1e20,
        "d": d,
        "n": 20,
        "seed": 0,
        "poison": poison,
    }
    _check(runner, "hull", params, RANGE, f"train x{train_scale:.3g}, poison {poison}")


# -- networks from files -------------------------------------------------------------------


def _linear(n_in: int, n_out: int) -> dict:
    return {"kind": "linear", "in_features": n_in, "out_features": n_out, "bias": True}


@_CASES
@given(depth=st.integers(MAX_HIDDEN_LAYERS + 1, 20_000), width=st.integers(1, 8))
def test_network_files_too_deep(runner, depth, width):
    spec = [_linear(2, width)]
    for _ in range(depth - 1):
        spec += [{"kind": "relu"}, _linear(width, width)]
    spec += [{"kind": "relu"}, _linear(width, 2)]
    _check(runner, "spec", {"spec": spec}, SPEC, f"{depth} layers of {width}")


@_CASES
@given(width=st.integers(MAX_HIDDEN_WIDTH + 1, 1 << 20))
def test_network_files_too_wide(runner, width):
    spec = [_linear(2, width), {"kind": "relu"}, _linear(width, 2)]
    _check(runner, "spec", {"spec": spec}, SPEC, f"width {width}")


@_CASES
@given(n_inputs=st.integers(MAX_PARAMETERS // 4_000 + 1, 1 << 20))
def test_network_files_with_too_many_parameters(runner, n_inputs):
    spec = [_linear(n_inputs, 4_000), {"kind": "relu"}, _linear(4_000, 2)]
    _check(runner, "spec", {"spec": spec}, SPEC, f"{n_inputs} x 4000 weights")


@_CASES
@given(depth=st.integers(MAX_HIDDEN_LAYERS + 2, 20_000))
def test_weights_files_too_deep(runner, depth):
    params = {"depth": depth, "width": 2}
    _check(runner, "deep_state_dict", params, "WeightsImportError", f"{depth} layers")
