"""Hostile files for every reader of a user's file, each measured in its own process.

Classes of input (hypothesis draws their sizes, counts and headers): devices, FIFOs and
sockets named like our files; sparse files over the cap; zip bombs (honest and lying
about their sizes), directory floods and stored members lying about their size as
sessions; gzip bombs (no header, a small promise, a huge promise) and raw files promising
huge dimensions as MNIST IDX files; compressed torch records and safetensors headers
claiming gigabytes as weights. Each case runs in a child forked by
:mod:`tests.sessions.hostile_runner` and must raise the reader's documented error (naming
the file), leave its folder unchanged, finish in under 5 s and peak under 1 GB resident.
The count of cases and the worst time and memory are printed at the end.
"""

from __future__ import annotations

import os
import socket
import struct
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.digits import MAX_IDX_BYTES, save_idx
from engine.session_file import MAX_SESSION_BYTES
from engine.weights_import import MAX_WEIGHTS_BYTES
from tests.hostile_child import hostile_child, hostile_settings

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="fork, wait4 and /proc are Linux's"
)

#: The documented error of each reader (a name in the raised exception's MRO).
ERRORS = {"session": "SessionFileError", "mnist": "ValueError", "weights": "WeightsImportError"}
SUFFIXES = {"session": ".splinescope", "mnist": "-idx3-ubyte", "weights": ".pt"}
_CASES = hostile_settings(max_examples=12)


@pytest.fixture(scope="module")
def runner():
    yield from hostile_child("tests.sessions.hostile_runner", "hostile")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    label_file = folder / "labels-idx1-ubyte"
    import numpy as np

    save_idx(label_file, np.zeros(10, np.uint8))
    return folder


def _case_folder(workspace: Path) -> Path:
    number = len(list(workspace.glob("case*")))
    folder = workspace / f"case{number}"
    folder.mkdir()
    return folder


def _check(runner, reader: str, path: Path, label: str, extra: list[str] | None = None) -> None:
    """Run one case; assert the documented error, an unchanged folder, time and memory."""
    case = {"reader": reader, "paths": [str(path), *(extra or [])], "folder": str(path.parent)}
    result = runner.ask(case, f"{reader}: {label}")
    assert result["error"] is not None, f"{label}: read without complaint"
    assert ERRORS[reader] in result["error"], f"{label}: {result['error']} {result['message']}"
    assert path.name in result["message"] or str(path) in result["message"], result["message"]
    assert result["disk_unchanged"], f"{label}: the folder changed"


# -- not regular files -------------------------------------------------------------------------


@pytest.mark.parametrize("reader", sorted(ERRORS))
@pytest.mark.parametrize("kind", ["fifo", "zero", "urandom", "socket", "oversized"])
def test_files_that_are_not_ours_to_read(runner, workspace, reader, kind):
    folder = _case_folder(workspace)
    path = folder / f"{kind}{SUFFIXES[reader]}"
    server = None
    if kind == "fifo":
        os.mkfifo(path)
    elif kind in ("zero", "urandom"):
        path.symlink_to(f"/dev/{kind}")
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
    else:
        cap = {"session": MAX_SESSION_BYTES, "mnist": MAX_IDX_BYTES, "weights": MAX_WEIGHTS_BYTES}
        with open(path, "wb") as stream:
            stream.truncate(cap[reader] + 1)  # sparse
    extra = [str(workspace / "labels-idx1-ubyte")] if reader == "mnist" else None
    try:
        _check(runner, reader, path, kind, extra)
    finally:
        if server is not None:
            server.close()


# -- sessions ----------------------------------------------------------------------------------

_DEFLATED_ZEROS: dict[int, bytes] = {}


def _deflated_zeros(megabytes: int) -> bytes:
    """A raw deflate stream of ``megabytes`` MB of zeros (cached: built once per size)."""
    if megabytes not in _DEFLATED_ZEROS:
        packer = zlib.compressobj(1, zlib.DEFLATED, -15)
        block = bytes(1 << 20)
        parts = [packer.compress(block) for _ in range(megabytes)]
        _DEFLATED_ZEROS[megabytes] = b"".join([*parts, packer.flush()])
    return _DEFLATED_ZEROS[megabytes]


def _zip_bytes(members: list[tuple[str, int, bytes, int]]) -> bytes:
    """A zip archive written by hand from the format: ``(name, method, data, declared)``
    per member, ``declared`` being the inflated size it claims (the truth or a lie)."""
    body, directory = b"", b""
    for name, method, data, declared in members:
        crc = zlib.crc32(data) if method == zipfile.ZIP_STORED else 0
        fields = (20, 0, method, 0, 0x21, crc, len(data), declared, len(name.encode()))
        local = struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields, 0)
        directory += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, 0, len(body)
        )
        directory += name.encode()
        body += local + name.encode() + data
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), len(body), 0
    )
    return body + directory + end


_DOCUMENT = b'{"format": "splinescope-session", "format_version": 1, "pages": {}}'


@_CASES
@given(
    megabytes=st.sampled_from([24, 200, 1000]),
    lie=st.sampled_from(["honest", "small", "zero"]),
    member=st.sampled_from(["tensors.safetensors", "session.json"]),
)
def test_session_zip_bombs(runner, workspace, megabytes, lie, member):
    folder = _case_folder(workspace)
    path = folder / "bomb.splinescope"
    declared = {"honest": megabytes << 20, "small": 4096, "zero": 0}[lie]
    bomb = (member, zipfile.ZIP_DEFLATED, _deflated_zeros(megabytes), declared)
    members = [bomb, ("tensors.safetensors", zipfile.ZIP_STORED, b"", 0)]
    if member != "session.json":
        members = [("session.json", zipfile.ZIP_STORED, _DOCUMENT, len(_DOCUMENT)), bomb]
    path.write_bytes(_zip_bytes(members))
    _check(runner, "session", path, f"{megabytes} MB bomb in {member}, {lie} size")


@_CASES
@given(members=st.integers(65, 60_000))
def test_session_directory_floods(runner, workspace, members):
    folder = _case_folder(workspace)
    path = folder / "flood.splinescope"
    with zipfile.ZipFile(path, "w") as archive:
        for number in range(members):
            archive.writestr(f"{number}", b"")
    _check(runner, "session", path, f"{members} members")


# -- MNIST IDX ---------------------------------------------------------------------------------


@_CASES
@given(
    megabytes=st.sampled_from([80, 400, 1500]),
    promise=st.sampled_from([None, (10, 28, 28), (60000, 28, 28), (2**32 - 1, 1, 1)]),
    members=st.integers(1, 3),
)
def test_mnist_gzip_bombs(runner, workspace, megabytes, promise, members):
    folder = _case_folder(workspace)
    path = folder / "bomb-idx3-ubyte.gz"
    header = b"" if promise is None else (0x803).to_bytes(4, "big")
    header += b"".join(n.to_bytes(4, "big") for n in promise or ())
    body = _deflated_zeros(megabytes // members)
    # gzip member: a header, the raw deflate stream of zeros (the IDX header is prepended
    # as a stored block of its own), and a trailer with a wrong CRC (never reached).
    member_bytes = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    stored = zlib.compressobj(0, zlib.DEFLATED, -15)
    prefix = stored.compress(header) + stored.flush(zlib.Z_FULL_FLUSH)
    first = member_bytes + prefix + body + b"\x00" * 8
    path.write_bytes(first + (member_bytes + body + b"\x00" * 8) * (members - 1))
    label = f"{megabytes} MB of zeros in {members} gzip members, header {promise}"
    _check(runner, "mnist", path, label, [str(workspace / "labels-idx1-ubyte")])


@_CASES
@given(dims=st.tuples(*[st.integers(0, 2**32 - 1)] * 3), length=st.integers(0, 4096))
def test_mnist_raw_headers_promising_anything(runner, workspace, dims, length):
    folder = _case_folder(workspace)
    path = folder / "images-idx3-ubyte"
    header = (0x803).to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in dims)
    size = 16 + dims[0] * dims[1] * dims[2]
    if size == 16 + length:
        length += 1  # a file exactly as promised is valid: make it one byte off
    path.write_bytes(header + bytes(length))
    _check(
        runner,
        "mnist",
        path,
        f"dims {dims}, {length} value bytes",
        [str(workspace / "labels-idx1-ubyte")],
    )


# -- weights -----------------------------------------------------------------------------------


@_CASES
@given(megabytes=st.sampled_from([24, 200, 1000]), lie=st.booleans())
def test_weights_with_compressed_records(runner, workspace, megabytes, lie):
    import torch

    folder = _case_folder(workspace)
    path = folder / "bomb.pt"
    good = folder.parent / "good.pt"
    if not good.exists():
        torch.save({"0.weight": torch.zeros(2, 2)}, good)
    with zipfile.ZipFile(good) as archive:
        records = [(info.filename, archive.read(info)) for info in archive.infolist()]
    members = []
    for name, data in records:
        if name.endswith("/data/0"):
            declared = 4096 if lie else megabytes << 20
            members.append((name, zipfile.ZIP_DEFLATED, _deflated_zeros(megabytes), declared))
        else:
            members.append((name, zipfile.ZIP_STORED, data, len(data)))
    path.write_bytes(_zip_bytes(members))
    _check(runner, "weights", path, f"{megabytes} MB deflated record, lie={lie}")


@_CASES
@given(header_length=st.integers(2**20, 2**64 - 1), body=st.integers(0, 4096))
def test_safetensors_headers_claiming_gigabytes(runner, workspace, header_length, body):
    folder = _case_folder(workspace)
    path = folder / "claims.safetensors"
    path.write_bytes(header_length.to_bytes(8, "little") + b"{" * body)
    _check(runner, "weights", path, f"header of {header_length:,} bytes")
