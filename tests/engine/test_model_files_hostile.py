"""Damaged, foreign and hostile model files are refused by load_model with one sentence
that says what is wrong, before anything large is allocated or run."""

from __future__ import annotations

import os
import zipfile

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from safetensors.torch import save_file
from torch import nn

from engine.model_files import ModelFileError, load_model
from tests.engine.model_file_cases import (
    gemm_relu_graph,
    initializer,
    mlp,
    onnx_file,
    save_onnx,
    save_torchscript,
    seeded,
)


def _refused(path, match: str, **kwargs) -> str:
    with pytest.raises(ModelFileError, match=match) as caught:
        load_model(path, **kwargs)
    message = str(caught.value)
    assert message[-1] in ".?" and "\n" not in message and len(message) < 1200
    return message


def _linear_graph(tmp_path, weight, *, dims=("N", 2), then=(), check=True, domains=()):
    """``y = x @ w``, or ``h = x @ w`` followed by the nodes ``then`` (which end in ``y``)."""
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h" if then else "y"]), *then]
    path = tmp_path / "model.onnx"
    return onnx_file(path, nodes, [weight], list(dims), check=check, domains=domains)


@pytest.mark.parametrize("suffix", [".onnx", ".pt"])
def test_a_truncated_file_is_refused(tmp_path, suffix):
    whole = tmp_path / f"whole{suffix}"
    if suffix == ".onnx":
        save_onnx(seeded(mlp(), seed=1), whole, (2,))
    else:
        save_torchscript(seeded(mlp(), seed=1), whole, "trace", (2,))
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 2 // 3])
    _refused(cut, "cut short|not a complete|could not be read|not a valid", input_shape=(2,))


@pytest.mark.parametrize("suffix", [".onnx", ".pt", ".pth"])
def test_a_file_of_another_kind_is_refused(tmp_path, suffix):
    path = tmp_path / f"picture{suffix}"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    _refused(path, "not an ONNX model|not a valid ONNX|starts like neither a zip archive nor")


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    path = tmp_path / "bomb.pt"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("archive/constants.pkl", b"")
        archive.writestr("archive/code/__torch__.py", bytes(16 << 20))
    assert path.stat().st_size < 1 << 20
    _refused(path, "built to exhaust memory", input_shape=(2,))


def test_an_onnx_operator_that_is_not_piecewise_linear_is_named(tmp_path):
    tanh = helper.make_node("Tanh", ["h"], ["y"], name="squash")
    path = _linear_graph(tmp_path, initializer("w", np.eye(2)), then=[tanh])
    message = _refused(path, r"ONNX node 1 'squash' \(Tanh\) is not piecewise linear")
    assert "Splinescope supports: Gemm, MatMul, Conv" in message


def test_an_unsupported_torchscript_operator_is_named(tmp_path):
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)).eval()
    path = save_torchscript(model, tmp_path / "tanh.pt", "script", (2,))
    expected = r"node \d+ \(aten::tanh\) is not piecewise linear; Splinescope supports: linear"
    _refused(path, expected, input_shape=(2,))


def test_a_nan_initializer_is_refused(tmp_path):
    path = _linear_graph(tmp_path, initializer("w", [[1.0, np.nan], [0.0, 1.0]]))
    _refused(path, "the tensor 'w' has NaN or infinite values")


@pytest.mark.parametrize("suffix", [".safetensors", ".pt"])
def test_a_state_dict_with_an_infinite_weight_is_refused_naming_its_key(tmp_path, suffix):
    state = {
        k: v.clone()
        for k, v in nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).state_dict().items()
    }
    state["2.bias"][1] = float("-inf")
    path = tmp_path / f"weights{suffix}"
    save_file(state, path) if suffix == ".safetensors" else torch.save(state, path)
    message = _refused(path, "its weights '2.bias' hold NaN or infinite values")
    assert message.startswith(f"weights{suffix} cannot be shown") and message.count(". ") == 0


def test_a_nan_torchscript_weight_is_refused(tmp_path):
    model = seeded(mlp(), seed=2)
    with torch.no_grad():
        model[2].weight[0, 0] = float("inf")
    path = save_torchscript(model, tmp_path / "inf.pt", "script", (2,))
    _refused(path, "NaN or infinite", input_shape=(2,))


def test_a_huge_declared_tensor_is_refused_before_it_is_read(tmp_path):
    weight = TensorProto(name="w", data_type=TensorProto.DOUBLE, dims=[1 << 20, 1 << 20])
    weight.raw_data = b""
    path = _linear_graph(tmp_path, weight, check=False)
    _refused(path, "more than 33,554,432 weights")


def test_a_huge_declared_input_is_refused(tmp_path):
    path = _linear_graph(tmp_path, initializer("w", np.eye(2)), dims=("N", 100_000, 100_000))
    _refused(path, "declares an input of shape")


def test_a_tensor_shorter_than_its_shape_is_refused(tmp_path):
    for raw in (True, False):
        weight = TensorProto(name="w", data_type=TensorProto.DOUBLE, dims=[2, 3])
        if raw:
            weight.raw_data = np.eye(2).tobytes()
        else:
            weight.double_data.extend(np.eye(2).ravel())
        path = _linear_graph(tmp_path, weight, check=False)
        _refused(path, "declares 6 values but stores 4|is too small for the declared shape")


def test_external_data_is_refused_without_reading_it(tmp_path):
    weight = numpy_helper.from_array(np.eye(2), "w")
    weight.ClearField("raw_data")
    weight.data_location = TensorProto.EXTERNAL
    entry = weight.external_data.add()
    entry.key, entry.value = "location", "../../../../etc/passwd"
    path = _linear_graph(tmp_path, weight, check=False)
    _refused(path, "keeps the tensor 'w' in an external file")


def test_a_reshape_that_mixes_samples_is_refused(tmp_path):
    shape = numpy_helper.from_array(np.array([-1, 4], dtype=np.int64), "shape")
    reshape = helper.make_node("Reshape", ["h", "shape"], ["y"], name="mix")
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"]), reshape]
    path = onnx_file(tmp_path / "mix.onnx", nodes, [initializer("w", np.eye(2)), shape], ["N", 2])
    _refused(path, r"ONNX node 1 'mix' \(Reshape\) cannot be imported: .*does not fit|mixes")


def test_an_operator_of_another_domain_is_refused(tmp_path):
    gelu = helper.make_node("Gelu", ["h"], ["y"], domain="com.microsoft")
    path = _linear_graph(
        tmp_path, initializer("w", np.eye(2)), then=[gelu], check=False, domains=("com.microsoft",)
    )
    _refused(path, r"ONNX node 1 \(Gelu\) is from the operator set 'com.microsoft'")


def test_a_folder_is_refused(tmp_path):
    folder = tmp_path / "models.onnx"
    folder.mkdir()
    _refused(folder, "is a folder")


def test_a_device_and_a_fifo_are_refused_without_blocking(tmp_path):
    zero = tmp_path / "zero.onnx"
    zero.symlink_to("/dev/zero")
    _refused(zero, "is a device, not a file")
    fifo = tmp_path / "pipe.pt"
    os.mkfifo(fifo)
    _refused(fifo, "FIFO")


def test_a_pickled_object_is_never_unpickled(tmp_path):
    path = tmp_path / "whole_model.pt"
    torch.save(seeded(mlp(), seed=3), path)
    _refused(path, "holds more than tensors")


def test_an_unknown_suffix_and_a_missing_file_are_refused(tmp_path):
    _refused(tmp_path / "model.h5", "not a model file Splinescope reads")
    _refused(tmp_path / "missing.onnx", "does not exist")


def test_the_onnx_checker_runs(tmp_path):
    model = onnx.load(str(save_onnx(seeded(mlp(), seed=4), tmp_path / "ok.onnx", (2,))))
    model.graph.node[0].input[1] = "nowhere"
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(model.SerializeToString())
    _refused(broken, "is not a valid ONNX model")


def test_a_node_whose_value_would_be_huge_is_refused_before_it_is_computed(tmp_path):
    widen = helper.make_node("Conv", ["x", "k"], ["y"], name="widen")
    kernel = initializer("k", np.ones((4096, 1, 1, 1)))
    path = onnx_file(tmp_path / "wide.onnx", [widen], [kernel], ["N", 1, 1024, 1024])
    message = _refused(path, r"ONNX node 0 'widen' \(Conv\) cannot be imported: its value has")
    assert "4,294,967,296 entries per sample" in message


def test_byte_flipped_files_load_or_are_refused_in_one_sentence(tmp_path):
    """A few random bytes changed anywhere: either a model the engine traced comes back,
    or a ModelFileError; never another exception."""
    whole = gemm_relu_graph(tmp_path / "whole.onnx", seed=5)[0].read_bytes()
    rng = np.random.default_rng(8)
    outcomes = set()
    for _ in range(16):
        damaged = bytearray(whole)
        for at in rng.integers(len(damaged), size=3):
            damaged[at] = rng.integers(256)
        path = tmp_path / "flipped.onnx"
        path.write_bytes(bytes(damaged))
        try:
            outcomes.add(type(load_model(path)).__name__)
        except ModelFileError as error:
            assert "\n" not in str(error) and str(error).endswith(".")
            outcomes.add("refused")
    assert "refused" in outcomes
