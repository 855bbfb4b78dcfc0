"""Bad input never takes the app down; a crash mid-save keeps the old file; big requests
are refused before they allocate; the event loop keeps ticking while a partition computes.

The fuzz tests count the inputs they tried and print the count (run with ``-s`` to see
it); each one checks that a loader either returns a valid result or raises its own
error type with a message, and never anything else.
"""

from __future__ import annotations

import collections
import functools
import io
import itertools
import json
import time
import zipfile

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine.safe_files as safe_files
from app.playground.state import MAX_HIDDEN_LAYERS, MAX_WIDTH
from engine.network_spec import NetworkSpecError, build_network, network_spec, network_tensors
from engine.networks import random_mlp
from engine.session_file import (
    PageState,
    SessionFileError,
    parse_session,
    read_session,
    session_bytes,
    write_session,
)
from engine.weights_import import MlpShape, WeightsImportError, mlp_from_state_dict
from widgets.common.widths import parse_widths

#: Inputs each fuzz test tried, printed at the end of the module.
TRIED: collections.Counter = collections.Counter()
_FUZZ = settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


@pytest.fixture(scope="module", autouse=True)
def _report_counts():
    yield
    print("\nfuzz inputs tried:", dict(TRIED), "total", sum(TRIED.values()))


def _valid_session() -> bytes:
    model = random_mlp([8, 8], seed=2)
    return session_bytes(
        {
            "cells": PageState(
                {"network": network_spec(model), "bounds": [-1.0, 1.0, -1.0, 1.0], "layers": 2},
                {f"network.{k}": v for k, v in network_tensors(model).items()},
            ),
            "volume": PageState({"dimension": 10, "scan_position": 0.3}),
        }
    )


VALID = _valid_session()


def _loads_or_refuses(data: bytes) -> None:
    try:
        pages = parse_session(data)
    except SessionFileError as error:
        assert str(error), "an empty message"
        return
    # Whatever parses has the promised structure.
    for state in pages.values():
        assert isinstance(state.settings, dict)
        assert all(isinstance(t, torch.Tensor) for t in state.tensors.values())


@_FUZZ
@given(cut=st.integers(0, len(VALID) - 1))
def test_truncated_sessions_are_refused(cut):
    TRIED["truncated"] += 1
    with pytest.raises(SessionFileError):
        parse_session(VALID[:cut])


@_FUZZ
@given(
    flips=st.lists(
        st.tuples(st.integers(0, len(VALID) - 1), st.integers(1, 255)), min_size=1, max_size=8
    )
)
def test_sessions_with_flipped_bytes_load_or_are_refused(flips):
    TRIED["flipped bytes"] += 1
    data = bytearray(VALID)
    for position, mask in flips:
        data[position] ^= mask
    _loads_or_refuses(bytes(data))


@_FUZZ
@given(data=st.binary(max_size=2048))
def test_random_bytes_are_refused(data):
    TRIED["random bytes"] += 1
    _loads_or_refuses(data)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _with_document(document: object) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(VALID))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        target.writestr("session.json", json.dumps(document))
        target.writestr("tensors.safetensors", source.read("tensors.safetensors"))
    return out.getvalue()


@_FUZZ
@given(
    document=_JSON,
    path=st.lists(
        st.sampled_from(["format_version", "pages", "cells", "settings", "tensors", "format"]),
        max_size=3,
    ),
)
def test_wrong_json_documents_are_refused(document, path):
    TRIED["wrong JSON"] += 1
    valid = json.loads(zipfile.ZipFile(io.BytesIO(VALID)).read("session.json"))
    # Replace a part of the valid document (or all of it) with random JSON.
    target = valid
    for key in path[:-1]:
        target = target.get(key) if isinstance(target, dict) else None
    if isinstance(target, dict) and path:
        target[path[-1]] = document
        _loads_or_refuses(_with_document(valid))
    else:
        _loads_or_refuses(_with_document(document))


_LAYER = st.fixed_dictionaries(
    {"kind": st.sampled_from(["linear", "relu", "leaky_relu", "abs", "flatten", "tanh", "conv2d"])},
    optional={
        "in_features": st.integers(-2, 6) | st.text(max_size=2),
        "out_features": st.integers(-2, 6),
        "bias": st.booleans() | st.none(),
        "negative_slope": st.floats(allow_nan=True) | st.text(max_size=2),
    },
)


@_FUZZ
@given(
    spec=st.lists(_LAYER, max_size=6),
    shapes=st.dictionaries(
        st.sampled_from([f"layer{i}.{p}" for i in range(6) for p in ("weight", "bias")]),
        st.lists(st.integers(0, 6), min_size=1, max_size=2),
        max_size=8,
    ),
    poison=st.sampled_from([0.0, float("nan"), float("inf")]),
)
def test_random_architecture_specs_build_or_are_refused(spec, shapes, poison):
    TRIED["architecture specs"] += 1
    tensors = {name: torch.full(shape, poison) for name, shape in shapes.items()}
    try:
        model = build_network(spec, tensors)
    except NetworkSpecError as error:
        assert str(error)
        return
    # A network that builds is one the engine can partition.
    from engine.networks import network_layers

    assert network_layers(model).n_inputs >= 1
    assert poison == 0.0


@_FUZZ
@given(
    sizes=st.lists(st.integers(1, 5), min_size=2, max_size=5),
    claimed=st.lists(st.integers(1, 5), min_size=2, max_size=5),
    activation=st.sampled_from(["relu", "leaky_relu", "abs", "tanh", "sigmoid"]),
)
def test_random_width_specs_import_or_are_refused(sizes, claimed, activation):
    TRIED["width specs"] += 1
    layers = []
    for n_in, n_out in itertools.pairwise(sizes):
        layers += [torch.nn.Linear(n_in, n_out), torch.nn.ReLU()]
    state = torch.nn.Sequential(*layers[:-1]).state_dict()
    shape = MlpShape(claimed[0], tuple(claimed[1:-1]), claimed[-1], activation)
    try:
        model = mlp_from_state_dict(state, shape)
    except WeightsImportError as error:
        assert str(error)
        return
    assert claimed == sizes and activation in ("relu", "leaky_relu", "abs")
    assert len(model) == 2 * len(sizes) - 3


@_FUZZ
@given(text=st.text(alphabet=st.sampled_from("0123456789,, x-.²٣ \t"), max_size=12) | st.text())
def test_random_width_strings_parse_or_say_what_is_wrong(text):
    TRIED["width strings"] += 1
    try:
        widths = parse_widths(text, max_width=MAX_WIDTH, max_layers=MAX_HIDDEN_LAYERS)
    except ValueError as error:
        message = str(error)
        assert "e.g. 8,8" in message, message
        return
    assert 1 <= len(widths) and all(1 <= w <= 256 for w in widths)


def test_the_hidden_width_field_explains_8_x():
    with pytest.raises(ValueError) as caught:
        parse_widths("8,,x", max_width=MAX_WIDTH, max_layers=MAX_HIDDEN_LAYERS)
    assert str(caught.value) == (
        "Item 2 is empty; item 3 ('x') is not a whole number. Write widths as whole "
        "numbers separated by commas, e.g. 8,8."
    )


# -- a crash mid-save -------------------------------------------------------------------------


def _pages(seed: int) -> dict[str, PageState]:
    model = random_mlp([4], seed=seed)
    return {"cells": PageState({"network": network_spec(model)}, network_tensors(model))}


@pytest.mark.parametrize("failure", ["write", "fsync", "replace"])
def test_a_save_killed_midway_keeps_the_old_file(tmp_path, monkeypatch, failure):
    path = tmp_path / "work.splinescope"
    write_session(path, _pages(seed=1))
    before = path.read_bytes()

    class Killed(Exception):
        pass

    def die(*_args, **_kwargs):
        raise Killed

    if failure == "write":
        real = safe_files.write_atomically

        def partial(target, write):
            def half(stream):
                stream.write(session_bytes(_pages(seed=2))[:100])  # partial output, then death
                raise Killed

            return real(target, half)

        monkeypatch.setattr(safe_files, "write_atomically", partial)
    else:
        monkeypatch.setattr(safe_files.os, failure, die)

    with pytest.raises(Killed):
        write_session(path, _pages(seed=2))
    monkeypatch.undo()

    assert path.read_bytes() == before
    assert read_session(path).keys() == {"cells"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work.splinescope"]


# -- never freeze, never explode (GUI) --------------------------------------------------------


def test_a_ten_million_cell_request_is_refused_not_attempted(qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    import engine.memory_budget as memory_budget
    from app.cells.page import CellsPage

    # A 16 GB machine with all of it free: still not enough for 10 million cells.
    monkeypatch.setattr(memory_budget, "available_memory_bytes", lambda: 16 << 30)
    page = CellsPage()
    qtbot.addWidget(page)
    page.show()
    page.start()
    qtbot.waitUntil(lambda: page.controller.result is not None, timeout=30_000)
    requested = []
    page.controller.partition_requested.connect(requested.append)
    limit = page.controller.max_regions

    page.raise_cell_limit(10_000_000)

    box = page.findChild(QMessageBox, "memoryBudgetBox")
    assert box is not None and box.isVisible()
    assert "10,000,000 cells" in box.text() and "zoom in" in box.text()
    assert requested == [], "the partition was attempted"
    assert page.controller.max_regions == limit
    box.close()
    page.shutdown()


def test_the_event_loop_keeps_ticking_while_a_large_partition_computes(qtbot):
    from PySide6.QtCore import QTimer

    from app.cells.controller import CellsController

    model = random_mlp([64, 64, 64, 64], seed=5)
    controller = CellsController(model, (-1.0, 1.0, -1.0, 1.0))
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    qtbot.wait(50)
    started = time.perf_counter()
    with qtbot.waitSignal(controller.partition_ready, timeout=120_000) as blocker:
        controller.request_partition()
    finished = time.perf_counter()
    timer.stop()
    controller.shutdown()
    during = [t for t in ticks if t >= started] + [finished]
    gaps = [b - a for a, b in zip([started, *during[:-1]], during, strict=True)]
    max_gap_ms = 1000 * max(gaps)
    cells = blocker.args[0].partition.n_regions
    print(
        f"\nevent loop during a {cells:,}-cell partition ({1000 * (finished - started):.0f} ms): "
        f"{len(during)} ticks, longest gap {max_gap_ms:.1f} ms (timer interval 5 ms)"
    )
    assert cells > 10_000
    assert len(during) > 10
    assert max_gap_ms < 200


# -- the Paths page's section: its networks, data and pair ---------------------------------


@functools.cache
def _digits():
    from app.paths.controller import load_source

    return load_source()


def _load_digits(*files: str):
    if files:
        raise OSError(f"{files[0]} does not exist")
    return _digits()


@functools.cache
def _valid_paths_state() -> PageState:
    from app.paths.controller import PairRequest, PathsSettings, TrainedNetworks
    from app.paths.session import paths_page_state
    from engine.digit_models import Autoencoder

    networks = {
        dim: TrainedNetworks(
            Autoencoder(
                random_mlp([6], n_inputs=64, n_outputs=dim, seed=dim),
                random_mlp([6], n_inputs=dim, n_outputs=64, seed=dim + 1),
            ),
            random_mlp([5], n_inputs=64, n_outputs=10, seed=dim + 2),
        )
        for dim in (2, 16)
    }
    return paths_page_state(
        _digits(), 16, PathsSettings(hidden=(6,)), networks, PairRequest(3, 40, 7), 2, (4, None)
    )


_PATHS_KEYS = [
    "data", "kind", "files", "digest", "latent_dim", "training", "hidden", "seed",
    "survey_pairs", "pair", "gallery_seed", "random_classes", "models", "encoder",
    "decoder", "classifier", "in_features", "out_features",
]  # fmt: skip


@_FUZZ
@given(
    value=_JSON,
    path=st.lists(st.sampled_from(_PATHS_KEYS) | st.integers(0, 3), min_size=1, max_size=4),
    poison=st.none() | st.tuples(st.integers(0, 40), st.sampled_from(["nan", "inf", "cut"])),
)
def test_damaged_paths_sections_restore_or_are_refused(value, path, poison):
    """Random JSON anywhere in the Paths page's settings, a poisoned or cut weight: the
    section either parses into networks that fit the digits or is refused with a message."""
    import copy

    from app.paths.session import parse_paths_state

    TRIED["paths sections"] += 1
    valid = _valid_paths_state()
    settings = copy.deepcopy(valid.settings)
    target = settings
    for key in path[:-1]:
        if isinstance(target, dict) and key in target:
            target = target[key]
        elif isinstance(target, list) and isinstance(key, int) and key < len(target):
            target = target[key]
    last = path[-1]
    if isinstance(target, dict) and isinstance(last, str):
        target[last] = value
    elif isinstance(target, list) and isinstance(last, int) and last < len(target):
        target[last] = value
    tensors = dict(valid.tensors)
    if poison is not None:
        names = sorted(tensors)
        name, kind = names[poison[0] % len(names)], poison[1]
        tensor = tensors[name]
        if kind == "cut":
            tensors[name] = tensor[..., :-1].contiguous()
        else:
            tensors[name] = torch.full_like(tensor, float(kind))
    try:
        session = parse_paths_state(PageState(settings, tensors), load=_load_digits)
    except SessionFileError as error:
        assert str(error)
        return
    for nets in session.networks.values():
        assert nets.autoencoder.n_pixels == 64 and nets.autoencoder.latent_dim in (2, 16)
        for model in (nets.autoencoder.encoder, nets.autoencoder.decoder, nets.classifier):
            assert all(bool(torch.isfinite(p).all()) for p in model.parameters())
    if session.pair is not None:
        assert max(session.pair.index_a, session.pair.index_b) < len(session.source.test)


def test_the_valid_paths_section_restores_bit_for_bit():
    from app.paths.session import parse_paths_state

    state = _valid_paths_state()
    session = parse_paths_state(state, load=_load_digits)
    assert session.latent_dim == 16 and session.pair.index_c == 7
    assert session.random_classes == (4, None) and session.gallery_seed == 2
    for dim, nets in session.networks.items():
        parts = (nets.autoencoder.encoder, nets.autoencoder.decoder, nets.classifier)
        for part, model in zip(("encoder", "decoder", "classifier"), parts, strict=True):
            for name, tensor in network_tensors(model).items():
                assert torch.equal(tensor, state.tensors[f"models.{dim}.{part}.{name}"])
