"""Models saved as TorchScript, ONNX or a state_dict come back through
engine.model_files.load_model with the original's outputs (float64) and the original's
exact cells; a hand-written ONNX graph matches onnx's own reference evaluator."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from onnx.reference import ReferenceEvaluator
from safetensors.torch import save_file

from engine.model_builder import BATCH, NodeRefused, per_sample_shape
from engine.model_files import (
    InputShapeRequired,
    ModelFileError,
    ReadCancelled,
    check_input_shape,
    load_model,
)
from engine.partition2d import partition_2d
from tests.engine.model_file_cases import (
    Residual,
    SmallCnn,
    every_op_graph,
    float64_copy,
    mlp,
    save_onnx,
    save_torchscript,
    seeded,
)

BOUNDS = (-1.5, 1.5, -1.5, 1.5)
MODELS = {"mlp": (mlp, (2,)), "cnn": (SmallCnn, (1, 6, 6)), "residual": (Residual, (2,))}
#: (model, how it is saved): every model both as TorchScript and as ONNX; the CNN scripted
#: (aten::conv2d), traced (aten::_convolution) and exported with a dynamic batch (its view
#: becomes Shape-Gather-Unsqueeze-Concat-Reshape; a constant [1, -1] target is covered by
#: the per_sample_shape cases below).
CASES = [
    ("mlp", "script"),
    ("mlp", "onnx"),
    ("residual", "trace"),
    ("residual", "onnx-dynamic-batch"),
    ("cnn", "script"),
    ("cnn", "trace"),
    ("cnn", "onnx-dynamic-batch"),
]


def _save(model, tmp_path, how: str, input_shape):
    if how.startswith("onnx"):
        path = tmp_path / "model.onnx"
        return save_onnx(model, path, input_shape, dynamic_batch=how.endswith("batch")), None
    return save_torchscript(model, tmp_path / "model.pt", how, input_shape), input_shape


@functools.cache
def _original_cells(name: str) -> int:
    """Cell count of the original float64 model ``name`` over the test's slice."""
    make, input_shape = MODELS[name]
    original = float64_copy(seeded(make(), seed=len(name)))
    return partition_2d(original, BOUNDS, plane=_plane(input_shape, seed=2)).n_regions


def _plane(input_shape, seed: int):
    """A 2-D slice through the input space (None for 2 inputs: the plane itself)."""
    if input_shape == (2,):
        return None
    rng = np.random.default_rng(seed)
    return tuple(rng.uniform(-1, 1, input_shape) for _ in range(3))


@pytest.mark.parametrize(("name", "how"), CASES)
def test_a_saved_model_comes_back_with_its_outputs_and_cells(tmp_path, name, how):
    make, input_shape = MODELS[name]
    model = seeded(make(), seed=len(name))
    path, given_shape = _save(model, tmp_path, how, input_shape)

    imported = load_model(path, input_shape=given_shape)

    assert imported.kind == ("onnx" if how.startswith("onnx") else "torchscript")
    assert imported.input_shape == input_shape and imported.name == "model"
    original = float64_copy(model)
    x = torch.from_numpy(np.random.default_rng(1).uniform(-2, 2, (64, *input_shape)))
    with torch.no_grad():
        torch.testing.assert_close(imported.module(x), original(x), rtol=1e-12, atol=1e-12)
    cells = partition_2d(imported.module, BOUNDS, plane=_plane(input_shape, seed=2))
    assert cells.n_regions == _original_cells(name) > 10


@pytest.mark.parametrize("suffix", [".safetensors", ".pt"])
def test_a_state_dict_comes_back_as_its_relu_mlp(tmp_path, suffix):
    model = seeded(mlp(), seed=4)
    path = tmp_path / f"weights{suffix}"
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, path) if suffix == ".safetensors" else torch.save(state, path)

    imported = load_model(path)

    assert (imported.kind, imported.input_shape, imported.name) == ("state_dict", (2,), "weights")
    original = float64_copy(model)
    x = torch.from_numpy(np.random.default_rng(5).uniform(-2, 2, (64, 2)))
    with torch.no_grad():
        torch.testing.assert_close(imported.module(x), original(x), rtol=1e-12, atol=1e-12)
    bounds = (-2.0, 2.0, -2.0, 2.0)
    cells = partition_2d(imported.module, bounds)
    assert cells.n_regions == partition_2d(original, bounds).n_regions


def test_every_supported_onnx_operator_agrees_with_the_onnx_reference(tmp_path):
    """onnx's reference evaluator (numpy, no torch) is the independent evidence: the
    imported module and every cell's affine map reproduce it."""
    path = every_op_graph(tmp_path / "ops.onnx")
    reference = ReferenceEvaluator(str(path))

    imported = load_model(path)

    assert imported.input_shape == (1, 5, 5)
    rng = np.random.default_rng(6)
    x = rng.uniform(-2, 2, (16, 1, 5, 5))
    (expected,) = reference.run(None, {"x": x})
    with torch.no_grad():
        got = imported.module(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)

    origin, u, v = _plane((1, 5, 5), seed=7)
    cells = partition_2d(imported.module, (-1.0, 1.0, -1.0, 1.0), plane=(origin, u, v))
    points = rng.uniform(-1, 1, (60, 2))
    inputs = origin + points[:, :1, None, None] * u + points[:, 1:, None, None] * v
    (at_points,) = reference.run(None, {"x": inputs.reshape(-1, 1, 5, 5)})
    region = cells.locate(points)
    affine = np.einsum("poi,pi->po", cells.A[region], points) + cells.c[region]
    np.testing.assert_allclose(affine, at_points.reshape(len(points), -1), rtol=1e-9, atol=1e-9)
    assert cells.n_regions > 10


def test_torchscript_needs_an_input_shape_and_says_so(tmp_path):
    path = save_torchscript(seeded(mlp(), seed=1), tmp_path / "net.pt", "script", (2,))
    with pytest.raises(InputShapeRequired, match="does not store its input's shape"):
        load_model(path)
    with pytest.raises(ModelFileError, match=r"node 6 \(aten::linear\) cannot be imported"):
        load_model(path, input_shape=(3,))


def test_an_onnx_file_with_open_sizes_takes_the_given_shape(tmp_path):
    model = seeded(mlp(), seed=2)
    path = save_onnx(model, tmp_path / "net.onnx", (2,))
    with pytest.raises(ModelFileError, match=r"states an input of shape \(2,\), not \(3,\)"):
        load_model(path, input_shape=(3,))
    every_op = every_op_graph(tmp_path / "ops.onnx")
    assert load_model(every_op, input_shape=(1, 5, 5)).input_shape == (1, 5, 5)


@pytest.mark.parametrize(
    ("shape", "problem"),
    [
        ((), "1 to 4 positive sizes"),
        ((0, 3), "1 to 4 positive sizes"),
        ((1, 2, 3, 4, 5), "1 to 4 positive sizes"),
        ((2.5,), "whole numbers"),
        ((1024, 1025), "1,049,600 entries per sample"),
    ],
)
def test_bad_input_shapes_are_refused_in_one_sentence(shape, problem):
    with pytest.raises(ModelFileError, match=problem) as caught:
        check_input_shape(shape)
    assert str(caught.value).count(". ") == 0 and str(caught.value).endswith(".")


def test_a_cancelled_read_stops_with_read_cancelled(tmp_path):
    path = save_onnx(seeded(mlp(), seed=3), tmp_path / "net.onnx", (2,))

    def cancel(fraction: float) -> None:
        raise ReadCancelled

    with pytest.raises(ReadCancelled):
        load_model(path, progress=cancel)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ((BATCH, -1), (18,)),
        ((0, -1), (18,)),
        ((1, -1), (18,)),
        ((-1, 18), (18,)),
        ((0, 0, 9), (2, 9)),
        ((BATCH, 3, -1, 2), (3, 3, 2)),
    ],
)
def test_a_reshape_keeps_the_batch_first(target, expected):
    assert per_sample_shape((2, 3, 3), target) == expected


@pytest.mark.parametrize("target", [(-1, 9), (2, -1), (BATCH, -1, -1), (BATCH, BATCH), (BATCH, 4)])
def test_a_reshape_that_mixes_samples_or_does_not_fit_is_refused(target):
    with pytest.raises(NodeRefused):
        per_sample_shape((2, 3, 3), target)
