"""The session file, the network spec, the weights import and safe writes, with no display."""

from __future__ import annotations

import io
import json
import os
import zipfile

import numpy as np
import pytest
import torch
from torch import nn

from engine.memory_budget import MemoryBudgetError, check_cell_budget, partition_bytes_per_cell
from engine.network_spec import NetworkSpecError, build_network, network_spec, network_tensors
from engine.networks import Abs, random_mlp
from engine.safe_files import OutputPathError, check_output_path, write_atomically
from engine.session_file import (
    FORMAT_VERSION,
    PageState,
    SessionFileError,
    parse_session,
    read_session,
    session_bytes,
    write_session,
)
from engine.weights_import import (
    MlpShape,
    WeightsImportError,
    infer_mlp_shape,
    load_state_dict_file,
    mlp_from_state_dict,
)


def _pages() -> dict[str, PageState]:
    model = random_mlp([16, 16], seed=4)
    return {
        "cells": PageState(
            {"network": network_spec(model), "bounds": [-1.0, 1.0, -1.0, 1.0], "layers": 2},
            {f"network.{k}": v for k, v in network_tensors(model).items()},
        ),
        "volume": PageState({"dimension": 10}, {}),
    }


def _rewrite(data: bytes, member: str, content: bytes) -> bytes:
    """The session ``data`` with one member's bytes replaced."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            kept = content if info.filename == member else source.read(info)
            target.writestr(info.filename, kept)
    return out.getvalue()


def test_round_trip_is_bit_identical(tmp_path):
    pages = _pages()
    path = write_session(tmp_path / "a.splinescope", pages)

    loaded = read_session(path)

    assert loaded.keys() == pages.keys()
    assert loaded["cells"].settings == pages["cells"].settings
    for name, tensor in pages["cells"].tensors.items():
        assert loaded["cells"].tensors[name].dtype == tensor.dtype
        assert torch.equal(loaded["cells"].tensors[name], tensor)
    with zipfile.ZipFile(path) as archive:
        document = json.loads(archive.read("session.json"))
    assert document["format_version"] == FORMAT_VERSION


def test_rebuilt_network_computes_the_same_outputs():
    model = nn.Sequential(
        nn.Flatten(), nn.Linear(4, 5), nn.LeakyReLU(0.2), nn.Linear(5, 3), Abs(), nn.Linear(3, 2)
    ).double()
    rebuilt = build_network(network_spec(model), network_tensors(model))
    x = torch.randn(50, 4, dtype=torch.float64)
    assert torch.equal(model(x), rebuilt(x))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(format_version=FORMAT_VERSION + 1), "newer Splinescope"),
        (lambda d: d.update(format_version="one"), "format_version"),
        (lambda d: d.update(format="something-else"), "not a Splinescope session"),
        (lambda d: d["pages"]["cells"]["tensors"].append("ghost"), "'ghost' is missing"),
        (lambda d: d["pages"].update(cells=[]), "settings are missing"),
    ],
)
def test_document_faults_are_named(change, expected):
    data = session_bytes(_pages())
    document = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("session.json"))
    change(document)
    bad = _rewrite(data, "session.json", json.dumps(document).encode())
    with pytest.raises(SessionFileError, match=expected):
        parse_session(bad)


def test_truncated_and_non_zip_files_are_refused(tmp_path):
    data = session_bytes(_pages())
    for cut in (0, 10, len(data) // 2, len(data) - 1):
        with pytest.raises(SessionFileError, match=r"cut short|damaged"):
            parse_session(data[:cut])
    (tmp_path / "notes.splinescope").write_text("hello")
    with pytest.raises(SessionFileError, match=r"Cannot open notes\.splinescope"):
        read_session(tmp_path / "notes.splinescope")
    with pytest.raises(SessionFileError, match="does not exist"):
        read_session(tmp_path / "missing.splinescope")


def test_an_archive_asking_for_an_unknown_zip_version_is_refused():
    """A flipped byte in the central directory can ask for a zip version Python cannot
    read (found by the flipped-bytes fuzz test): refused like any damaged file."""
    data = bytearray(session_bytes(_pages()))
    entry = data.index(b"PK\x01\x02")  # the first central directory header
    data[entry + 6] = 84  # "version needed to extract": 8.4
    with pytest.raises(SessionFileError, match=r"cut short|damaged"):
        parse_session(bytes(data))


@pytest.mark.parametrize("member_index", [0, 1])
def test_a_member_flagged_as_encrypted_is_refused(member_index):
    """A flipped bit in a central directory entry can mark a member as encrypted, and
    zipfile then raises RuntimeError asking for a password: refused as a damaged file."""
    data = bytearray(session_bytes(_pages()))
    entry = -1
    for _ in range(member_index + 1):
        entry = data.index(b"PK\x01\x02", entry + 1)
    data[entry + 8] |= 0x1  # general purpose flag bits, bit 0: encrypted
    with pytest.raises(SessionFileError, match="marked as encrypted"):
        parse_session(bytes(data))


def test_oversized_member_is_refused_before_reading(monkeypatch):
    import engine.session_file as session_file

    monkeypatch.setattr(session_file, "MAX_DOCUMENT_BYTES", 64)
    with pytest.raises(SessionFileError, match="more than the 64"):
        parse_session(session_bytes(_pages()))


def test_nan_settings_are_not_saved():
    with pytest.raises(SessionFileError, match="finite"):
        session_bytes({"cells": PageState({"scan": float("nan")})})


@pytest.mark.parametrize(
    ("spec", "tensors", "expected"),
    [
        ([{"kind": "linear", "in_features": 2, "out_features": 3}], {}, "missing"),
        ([{"kind": "tanh"}], {}, "not piecewise linear"),
        ([{"kind": "conv2d"}], {}, "fully connected"),
        ([{"kind": "linear", "in_features": 2, "out_features": 0}], {}, "between 1"),
        (
            [{"kind": "linear", "in_features": 2, "out_features": 3, "bias": False}],
            {"layer0.weight": torch.zeros(2, 3)},
            r"shape \(2, 3\) but the architecture needs \(3, 2\)",
        ),
        (
            [{"kind": "linear", "in_features": 2, "out_features": 1, "bias": False}],
            {"layer0.weight": torch.tensor([[1.0, float("nan")]])},
            "NaN or infinite",
        ),
        ([], {}, "no layers"),
        ("relu", {}, "no layers"),
    ],
)
def test_bad_network_specs_are_named(spec, tensors, expected):
    with pytest.raises(NetworkSpecError, match=expected):
        build_network(spec, tensors)


# -- weights import ---------------------------------------------------------------------------


def test_import_reproduces_the_trained_network(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 2))
    torch.save(model.state_dict(), tmp_path / "mlp.pt")
    from safetensors.torch import save_file

    save_file(model.state_dict(), str(tmp_path / "mlp.safetensors"))
    x = torch.randn(20, 3)
    for name in ("mlp.pt", "mlp.safetensors"):
        state = load_state_dict_file(tmp_path / name)
        shape = infer_mlp_shape(state)
        assert shape.layer_sizes == (3, 16, 8, 2)
        imported = mlp_from_state_dict(state, shape)
        assert torch.allclose(imported(x.double()), model(x).double(), atol=1e-6)


def test_import_names_what_does_not_fit(tmp_path):
    state = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2)).state_dict()
    with pytest.raises(WeightsImportError, match="2 Linear layers, the widths give 3"):
        mlp_from_state_dict(state, MlpShape(2, (8, 8), 2))
    with pytest.raises(WeightsImportError, match="the widths say 2 to 4"):
        mlp_from_state_dict(state, MlpShape(2, (4,), 2))
    with pytest.raises(WeightsImportError, match="not piecewise linear"):
        mlp_from_state_dict(state, MlpShape(2, (8,), 2, activation="tanh"))
    conv = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(8, 2)).state_dict()
    with pytest.raises(WeightsImportError, match="convolution"):
        mlp_from_state_dict(conv, MlpShape(2, (), 2))
    norm = nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)).state_dict()
    with pytest.raises(WeightsImportError, match="normalisation"):
        infer_mlp_shape(norm)
    nan_state = dict(state)
    nan_state["0.weight"] = torch.full((8, 2), float("inf"))
    with pytest.raises(WeightsImportError, match="NaN or infinite"):
        mlp_from_state_dict(nan_state, MlpShape(2, (8,), 2))


def test_a_pickled_model_is_not_executed(tmp_path):
    torch.save(nn.Linear(2, 2), tmp_path / "model.pt")  # a whole module: needs pickle
    with pytest.raises(WeightsImportError, match="will not execute"):
        load_state_dict_file(tmp_path / "model.pt")
    (tmp_path / "cut.pt").write_bytes((tmp_path / "model.pt").read_bytes()[:50])
    with pytest.raises(WeightsImportError, match="could not be read"):
        load_state_dict_file(tmp_path / "cut.pt")


# -- safe files -------------------------------------------------------------------------------


def test_output_path_problems_are_explained(tmp_path):
    assert check_output_path(tmp_path / "ok.png", suffix=".png") == tmp_path / "ok.png"
    with pytest.raises(OutputPathError, match="does not exist"):
        check_output_path(tmp_path / "nowhere" / "a.png")
    with pytest.raises(OutputPathError, match="is a folder"):
        check_output_path(tmp_path)
    with pytest.raises(OutputPathError, match=r"does not end in \.svg"):
        check_output_path(tmp_path / "a.png", suffix=".svg")
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            with pytest.raises(OutputPathError, match="read-only"):
                check_output_path(locked / "a.png")
        finally:
            locked.chmod(0o700)


def test_atomic_write_keeps_the_mode_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_atomically(target, lambda stream: stream.write(b"new"))
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin"]


# -- memory budget ----------------------------------------------------------------------------


def test_cell_budget_refuses_with_the_affordable_limit():
    per_cell = partition_bytes_per_cell(48, 16, 2)
    assert per_cell > 0
    budget = check_cell_budget(200_000, per_cell, available_bytes=8 << 30)
    assert budget.needed_bytes == 200_000 * per_cell
    with pytest.raises(MemoryBudgetError) as caught:
        check_cell_budget(10_000_000, per_cell, available_bytes=8 << 30)
    error = caught.value
    assert error.needed_bytes > error.budget_bytes == 4 << 30
    assert error.max_cells == error.budget_bytes // per_cell
    assert "zoom in" in str(error) and f"{error.max_cells:,}" in str(error)
    # More neurons, more bytes: the estimate grows with the network.
    assert partition_bytes_per_cell(512, 256, 10) > per_cell
    assert np.isfinite(per_cell)
