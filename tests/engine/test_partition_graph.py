"""engine.partition_graph: exact 2-D cells of traced CNNs, checked against independent
evidence: torch's own forward pass (outputs, and activation bits read with forward hooks
on the activation modules), plain geometry of the rings, and the same network unrolled by
hand into a dense MLP and partitioned by the MLP engine."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from engine.networks import Abs, random_mlp
from engine.partition2d import Partition2D, partition_2d
from engine.partition_graph import GraphPartition2D
from engine.slices import plane_slice, plane_through
from tests.engine.test_partition2d import cell_distances, centroids, sample_points, shoelace

MAP_RTOL = 1e-9
#: A bit whose input is this close to its kink (relative to the layer's scale) is not
#: evidence; a sample point this close to an edge is not used for patterns.
AMBIGUOUS = 1e-9


def _randomise_batchnorms(model: nn.Module, seed: int = 1) -> nn.Module:
    generator = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            n = module.num_features
            module.running_mean.copy_(0.3 * torch.randn(n, generator=generator))
            module.running_var.copy_(0.5 + torch.rand(n, generator=generator))
            with torch.no_grad():
                module.weight.copy_(1.0 + 0.3 * torch.randn(n, generator=generator))
                module.bias.copy_(0.2 * torch.randn(n, generator=generator))
    return model.eval()


class ResidualCat(nn.Module):
    """Residual addition, concatenation, average pooling and a clamp."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(1, 3, 3, padding=1)
        self.bn = nn.BatchNorm2d(3)
        self.act = nn.ReLU()
        self.body = nn.Conv2d(3, 3, 3, padding=1, groups=3)
        self.act2 = nn.LeakyReLU(0.1)
        self.side = nn.Conv2d(1, 2, 2, stride=2)
        self.clamp = nn.Hardtanh(-0.3, 0.4)
        self.pool = nn.AvgPool2d(2)
        self.head = nn.Linear(5 * 2 * 2, 6)
        self.act3 = Abs()
        self.out = nn.Linear(6, 3)

    def forward(self, x):
        h = self.act(self.bn(self.stem(x)))
        h = h + self.act2(self.body(h))
        h = torch.cat([self.pool(h), self.clamp(self.side(x))[:, :, :2, :2]], dim=1)
        return self.out(self.act3(self.head(h.flatten(1))))


def _simple_cnn(seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return _randomise_batchnorms(
        nn.Sequential(
            nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(),
            nn.Conv2d(3, 4, 3, stride=2, dilation=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3),
        )
    )  # fmt: skip


def _transpose_cnn(seed: int) -> nn.Module:
    """Strided and dilated convolutions, a transposed convolution, PReLU, ReLU6 and
    adaptive average pooling."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(1, 2, 3, stride=2, dilation=1), nn.PReLU(2),
        nn.ConvTranspose2d(2, 2, 3, stride=2, output_padding=1), nn.ReLU6(),
        nn.Conv2d(2, 2, 3, dilation=2, groups=2), nn.AdaptiveAvgPool2d(3), nn.Flatten(),
        nn.Linear(18, 6), nn.LeakyReLU(0.2), nn.Linear(6, 2),
    ).eval()  # fmt: skip


def _anchors(shape, seed):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) for _ in range(3)]


def _residual():
    torch.manual_seed(5)
    return _randomise_batchnorms(ResidualCat())


CASES = {
    "cnn-three-anchors": lambda: (_simple_cnn(0), plane_through(*_anchors((1, 6, 6), 0))),
    "cnn-two-anchors-and-zero": lambda: (
        _simple_cnn(1),
        plane_through(*_anchors((1, 6, 6), 1)[:2], margin=0.3),
    ),
    "residual-cat-clamp": lambda: (_residual(), plane_through(*_anchors((1, 4, 4), 2))),
    "triangle-of-three-anchors": lambda: (
        _simple_cnn(3),
        plane_through(*_anchors((1, 6, 6), 4), margin=0.2, domain="triangle"),
    ),
    "transpose-prelu-adaptive": lambda: (
        _transpose_cnn(6),
        plane_through(*_anchors((1, 7, 7), 6)),
    ),
    "explicit-plane": lambda: (
        _simple_cnn(2),
        plane_slice(*_anchors((1, 6, 6), 3), (-1.5, 1.0, -0.5, 2.0)),
    ),
}


@functools.cache
def _case(name):
    return CASES[name]()


@functools.cache
def _partition(name, layers=None):
    model, sl = _case(name)
    return partition_2d(model, None, plane=sl, layers=layers)


# --------------------------------------------------------------------------------------
# Independent evidence: torch's forward pass and its activation modules' inputs
# --------------------------------------------------------------------------------------


def lift(sl, points):
    st = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    flat = sl.origin.reshape(-1) + st @ np.stack([sl.u.reshape(-1), sl.v.reshape(-1)])
    return torch.from_numpy(flat.reshape(-1, *sl.origin.shape))


def torch_outputs(model, sl, points):
    with torch.no_grad():
        return model.to(torch.float64)(lift(sl, points)).reshape(len(points), -1).numpy()


_BITS = (nn.ReLU, nn.LeakyReLU, nn.PReLU, Abs, nn.Hardtanh, nn.MaxPool1d, nn.MaxPool2d)


def torch_bits(model, sl, points):
    """(M, n) evidence bits of every activation module, in call order, and (M, n) bool
    "clear" (far enough from a kink or tie to count)."""
    bits, clear = [], []

    def hook(module, inputs, output):
        x = inputs[0].reshape(len(inputs[0]), -1)
        scale = max(1.0, float(x.abs().max()))
        if isinstance(module, nn.Hardtanh):
            for bound in (module.min_val, module.max_val):
                bits.append(x > bound)
                clear.append((x - bound).abs() > AMBIGUOUS * scale)
        elif isinstance(module, (nn.MaxPool1d, nn.MaxPool2d)):
            pool = F.max_pool2d if isinstance(module, nn.MaxPool2d) else F.max_pool1d
            args = (module.kernel_size, module.stride, module.padding, module.dilation)
            _, index = pool(inputs[0], *args, ceil_mode=module.ceil_mode, return_indices=True)
            top2 = pool(inputs[0], *args, ceil_mode=module.ceil_mode)
            # The gap to the runner-up: the maximum with the winner masked out.
            masked = inputs[0].flatten(2).scatter(2, index.flatten(2), -torch.inf)
            second = pool(masked.reshape(inputs[0].shape), *args, ceil_mode=module.ceil_mode)
            gap = (top2 - second).reshape(len(x), -1)
            bits.append(index.reshape(len(x), -1))
            clear.append((gap == 0) | (gap > AMBIGUOUS * scale))
        else:
            bits.append(x > 0)
            clear.append(x.abs() > AMBIGUOUS * scale)

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, _BITS)]
    try:
        with torch.no_grad():
            model.to(torch.float64)(lift(sl, points))
    finally:
        for h in handles:
            h.remove()
    return torch.cat([b.long() for b in bits], 1).numpy(), torch.cat(clear, 1).numpy()


def points_in_cells(part, per_cell, seed):
    """(R * per_cell, 2) random convex combinations of every cell's corners, and their cells."""
    rng = np.random.default_rng(seed)
    offsets = np.asarray(part.offsets)
    ring = part.vertices[part.indices]
    lengths = np.diff(offsets)
    cells = np.repeat(np.arange(part.n_regions), per_cell)
    points = np.empty((len(cells), 2))
    for k in range(per_cell):
        w = rng.exponential(size=len(ring))
        total = np.add.reduceat(w, offsets[:-1])
        sums = np.add.reduceat(w[:, None] * ring, offsets[:-1])
        points[k::per_cell] = sums / total[:, None]
    assert np.all(lengths >= 3)
    return points, cells


def polygon_depth(polygon: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(M,) signed distance of ``points`` to the edges of a counter-clockwise convex
    ``polygon``: positive inside."""
    p = polygon
    q = np.roll(polygon, -1, axis=0)
    d = q - p
    normal = np.stack([-d[:, 1], d[:, 0]], axis=1) / np.hypot(d[:, 0], d[:, 1])[:, None]
    return np.min(np.einsum("mkj,kj->mk", points[:, None, :] - p[None], normal), axis=1)


def check_graph_partition(part, model, sl, *, n_samples=3000, seed=0):
    bounds = tuple(part.bounds)
    xmin, xmax, ymin, ymax = bounds
    polygon = getattr(sl, "polygon", None)
    if polygon is None:
        domain = (xmax - xmin) * (ymax - ymin)
    else:
        x, y = polygon[:, 0], polygon[:, 1]
        domain = 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))
    scale = max(1.0, float(np.abs(part.bounds).max()))

    # ---- rings: counter-clockwise, convex, tiling the rectangle --------------------------
    areas = shoelace(part)
    assert np.all(areas > 0)
    assert abs(areas.sum() - domain) <= 1e-9 * domain, (areas.sum(), domain)
    verts = part.vertices
    assert np.all(verts[:, 0] >= xmin - 1e-12 * scale) and np.all(
        verts[:, 0] <= xmax + 1e-12 * scale
    )
    assert part.patterns.shape[0] == part.n_regions
    assert part.layer_of_neuron.shape == (part.patterns.shape[1],)
    assert np.unique(part.patterns, axis=0).shape[0] == part.n_regions, "repeated patterns"

    # ---- the maps reproduce torch at random points of every cell --------------------------
    points, cells = points_in_cells(part, 3, seed)
    expected = torch_outputs(model, sl, points) if part.is_complete else None
    if expected is not None:
        got = np.einsum("moi,mi->mo", part.A[cells], points) + part.c[cells]
        err = np.abs(got - expected).max(axis=1)
        allowed = MAP_RTOL * np.maximum(1.0, np.abs(expected).max(axis=1))
        assert np.all(err <= allowed), f"maps miss the model by {err.max():.3g}"

    # ---- dense samples: exactly one cell each; same cell <-> same torch pattern -----------
    samples = sample_points(bounds, n_samples, seed)
    if polygon is not None:
        depth = polygon_depth(polygon, samples)
        np.testing.assert_array_equal(part.locate(samples[depth < -1e-9 * scale]), -1)
        samples = samples[depth > 1e-9 * scale]
    dist = cell_distances(part, samples)
    inside = dist >= -1e-12 * scale
    assert np.all(inside.sum(axis=0) >= 1), "a point is in no cell"
    best = np.argmax(dist, axis=0)
    strict = dist[best, np.arange(len(samples))] > 1e-9 * scale
    assert np.all((dist > 1e-9 * scale).sum(axis=0) <= 1), "cells overlap"
    np.testing.assert_array_equal(part.locate(samples[strict]), best[strict])
    if not part.is_complete:
        return
    bits, clear = torch_bits(model, sl, samples[strict])
    usable = clear.all(axis=1)
    assert usable.mean() > 0.95
    bits, cell_of = bits[usable], best[strict][usable]
    _, pattern_id = np.unique(bits, axis=0, return_inverse=True)
    pairs = np.unique(np.stack([pattern_id.ravel(), cell_of]), axis=1)
    assert len(np.unique(pairs[0])) == pairs.shape[1], "one torch pattern spans two cells"
    assert len(np.unique(pairs[1])) == pairs.shape[1], "one cell holds two torch patterns"
    return bits, cell_of


@pytest.mark.parametrize("name", list(CASES))
def test_partition_is_exact(name):
    model, sl = _case(name)
    part = _partition(name)
    assert isinstance(part, GraphPartition2D)
    assert part.n_regions > 20
    evidence = check_graph_partition(part, model, sl)
    # ReLU-like bits are the units' (input > 0), in the order torch computes them.
    if all(op.split()[1] in ("ReLU", "LeakyReLU", "Abs") for op in part.layer_ops):
        bits, cell_of = evidence
        np.testing.assert_array_equal(part.patterns[cell_of], bits.astype(bool))


@pytest.mark.parametrize("name", ["cnn-three-anchors", "residual-cat-clamp"])
def test_layer_prefixes_nest(name):
    model, sl = _case(name)
    full = _partition(name)
    n = full.n_layers_total
    counts = []
    for k in range(n + 1):
        part = _partition(name, k)
        counts.append(part.n_regions)
        check_graph_partition(part, model, sl, n_samples=1000)
        width = int(np.sum(full.layer_of_neuron < k))
        assert part.patterns.shape[1] == width
        owner = part.locate(centroids(full))
        np.testing.assert_array_equal(full.patterns[:, :width], part.patterns[owner])
    assert counts == sorted(counts) and counts[0] == 1


def test_anchors_are_where_the_plane_says():
    model, sl = _case("cnn-three-anchors")
    a, b, c = _anchors((1, 6, 6), 0)
    for anchor, image in zip(sl.anchors, (a, b, c), strict=True):
        np.testing.assert_allclose(sl.lift(anchor[None])[0], image, atol=1e-12)
    u, v = sl.u.reshape(-1), sl.v.reshape(-1)
    np.testing.assert_allclose([u @ u, v @ v, u @ v], [1, 1, 0], atol=1e-12)
    low, high = sl.anchors.min(0), sl.anchors.max(0)
    assert sl.bounds[0] < low[0] and sl.bounds[1] > high[0]
    assert sl.bounds[2] < low[1] and sl.bounds[3] > high[1]
    part = _partition("cnn-three-anchors")
    values = part.evaluate(sl.anchors)
    with torch.no_grad():
        expected = model(torch.from_numpy(np.stack([a, b, c]))).numpy()
    np.testing.assert_allclose(values, expected, rtol=1e-9, atol=1e-12)
    # Two anchors and the zero input: the zero input is the third anchor.
    zero_plane = _case("cnn-two-anchors-and-zero")[1]
    np.testing.assert_allclose(zero_plane.lift(zero_plane.anchors[2:])[0], 0.0, atol=1e-12)


def test_triangle_domain_holds_the_anchors_and_any_model():
    model, sl = _case("triangle-of-three-anchors")
    part = _partition("triangle-of-three-anchors")
    assert np.all(part.locate(sl.anchors) >= 0)
    with torch.no_grad():
        expected = model(lift(sl, sl.anchors)).numpy()
    np.testing.assert_allclose(part.evaluate(sl.anchors), expected, rtol=1e-9, atol=1e-12)
    # An MLP sliced by a triangle goes through the graph engine, exactly as well.
    mlp = random_mlp([8, 8], n_inputs=36, seed=4)
    flat = plane_through(*(a.reshape(-1) for a in _anchors((1, 6, 6), 4)), domain="triangle")
    mlp_part = partition_2d(mlp, None, plane=flat)
    assert isinstance(mlp_part, GraphPartition2D)
    check_graph_partition(mlp_part, mlp, flat)


def test_collinear_anchors_are_refused():
    a = np.zeros((1, 3, 3))
    b = np.ones((1, 3, 3))
    with pytest.raises(ValueError, match="one line"):
        plane_through(a, b, 2 * b)


def _dense_unrolled(model: nn.Sequential, input_shape) -> nn.Sequential:
    """The same network as an MLP: every affine block between activations becomes one
    Linear whose matrix is the block applied to the basis images (by torch)."""
    layers, block = [], []
    shape = input_shape
    d = int(np.prod(shape))

    def flush(block, shape):
        eye = torch.eye(int(np.prod(shape)), dtype=torch.float64).reshape(-1, *shape)
        with torch.no_grad():
            run = nn.Sequential(*block).to(torch.float64)
            zero = run(torch.zeros((1, *shape), dtype=torch.float64))
            columns = run(eye) - zero
        lin = nn.Linear(columns.shape[0], zero[0].numel(), dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(columns.reshape(columns.shape[0], -1).T)
            lin.bias.copy_(zero.reshape(-1))
        return lin, tuple(zero.shape[1:])

    for module in model:
        if isinstance(module, (nn.ReLU, nn.LeakyReLU, Abs)):
            lin, shape = flush(block, shape)
            layers += [lin, module]
            block = []
        else:
            block.append(module)
    lin, shape = flush(block, shape)
    assert d == layers[0].in_features if layers else True
    return nn.Sequential(*layers, lin)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cnn_and_its_dense_unrolled_mlp_give_the_same_cells(seed):
    model = _simple_cnn(seed)
    sl = plane_through(*_anchors((1, 6, 6), 10 + seed))
    mlp = _dense_unrolled(model, (1, 6, 6))
    cnn_part = partition_2d(model, None, plane=sl)
    flat = (sl.origin.reshape(-1), sl.u.reshape(-1), sl.v.reshape(-1))
    mlp_part = partition_2d(mlp, sl.bounds, plane=flat)
    assert type(mlp_part) is Partition2D
    assert cnn_part.n_regions == mlp_part.n_regions
    ours = dict(
        zip(map(bytes, np.packbits(cnn_part.patterns, axis=1)), shoelace(cnn_part), strict=True)
    )
    theirs = dict(
        zip(map(bytes, np.packbits(mlp_part.patterns, axis=1)), shoelace(mlp_part), strict=True)
    )
    assert ours.keys() == theirs.keys()
    domain = float(np.prod(np.diff(sl.bounds)[[0, 2]]))
    for key, area in theirs.items():
        assert ours[key] == pytest.approx(area, rel=1e-9, abs=1e-12 * domain)


def test_mlp_models_keep_the_mlp_engine():
    model = random_mlp([8, 8], seed=3)
    part = partition_2d(model, (-1, 1, -1, 1))
    assert type(part) is Partition2D


def test_models_without_a_plane_need_two_inputs():
    model = nn.Sequential(
        nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 4), nn.Hardtanh(), nn.Linear(4, 1)
    )
    part = partition_2d(model, (-2, 2, -2, 2))
    assert isinstance(part, GraphPartition2D)
    sl = plane_slice(np.zeros(2), np.array([1.0, 0.0]), np.array([0.0, 1.0]), (-2, 2, -2, 2))
    check_graph_partition(part, model, sl)


def test_refused_models_name_the_node():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Tanh(), nn.Flatten(), nn.Linear(8, 2))
    sl = plane_through(*_anchors((1, 4, 4), 4))
    with pytest.raises(ValueError, match=r"node '_1' \(call_module Tanh '1'\)"):
        partition_2d(model, None, plane=sl)


class _Branching(nn.Module):
    """A chain of layers behind Python control flow: fx fails, forward hooks read it."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 3)
        self.act = nn.ReLU()
        self.flat = nn.Flatten()
        self.fc = nn.Linear(3 * 4 * 4, 2)

    def forward(self, x):
        if bool(torch.isfinite(x).all()):
            x = self.act(self.conv(x))
        return self.fc(self.flat(x))


def test_model_read_with_forward_hooks_is_partitioned_exactly():
    torch.manual_seed(7)
    model = _Branching().eval()
    sl = plane_through(*_anchors((1, 6, 6), 7))
    with pytest.warns(RuntimeWarning, match="forward hooks"):
        part = partition_2d(model, None, plane=sl)
    check_graph_partition(part, model, sl)


# --------------------------------------------------------------------------------------
# Magnitudes float64 cannot compute exactly (engine.input_checks' rules, traced models)
# --------------------------------------------------------------------------------------


def _scaled_cnn(weight: float, bias: float = 1.0, after: float = 1.0) -> nn.Module:
    """The simple CNN with its second convolution's weights and bias scaled, and the
    weights of the Linear layer after it."""
    model = _simple_cnn(0).double()  # float32 weights would overflow first
    with torch.no_grad():
        model[3].weight.mul_(weight)
        model[3].bias.mul_(bias)
        model[6].weight.mul_(after)
    return model


def test_a_convolution_scaled_past_the_bound_is_refused_naming_its_step():
    _, sl = _case("cnn-three-anchors")
    with pytest.raises(ValueError, match=r"The values of the input of ReLU '4' could reach"):
        partition_2d(_scaled_cnn(1e160), None, plane=sl)
    last = _scaled_cnn(1.0)
    with torch.no_grad():
        last[8].weight.mul_(1e308)
    with pytest.raises(ValueError, match=r"The values of the output could reach .*e\+30"):
        partition_2d(last, None, plane=sl)


def test_values_scaled_by_a_power_of_two_below_the_bound_keep_every_cell():
    _, sl = _case("cnn-three-anchors")
    plain = partition_2d(_scaled_cnn(1.0), None, plane=sl)
    up = 2.0**400  # about 2.6e120: exact in float64, and undone by the next layer
    scaled = partition_2d(_scaled_cnn(up, up, 1 / up), None, plane=sl)
    assert scaled.n_regions == plain.n_regions
    assert np.array_equal(scaled.patterns, plain.patterns)
    assert np.array_equal(scaled.vertices, plain.vertices)


def test_a_slice_far_past_the_bound_or_too_fine_to_resolve_is_refused():
    model, _ = _case("cnn-three-anchors")
    origin, u, v = _anchors((1, 6, 6), 0)
    with pytest.raises(ValueError, match=r"The domain.s bounds reach 1e\+200"):
        partition_2d(model, (-1e200, 1e200, -1, 1), plane=(origin, u, v))
    with pytest.raises(ValueError, match="The values of the input could reach"):
        partition_2d(model, (-1, 1, -1, 1), plane=(origin * 1e160, u, v))
    with pytest.raises(ValueError, match="float64 cannot place the cells' corners"):
        partition_2d(model, (-1, 1, -1, 1), plane=(origin * 1e12, u, v))
