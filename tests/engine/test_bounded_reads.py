"""Bounded reads and leftover temporary files: devices, FIFOs, sockets and oversized files
are refused without blocking; zip and gzip bombs are refused before they inflate; a
killed writer's temporary file is removed later, and nothing else ever is."""

from __future__ import annotations

import gzip
import io
import os
import socket
import subprocess
import sys
import zipfile
import zlib

import numpy as np
import pytest
import torch

import engine.session_file as session_file
from engine.digits import MAX_IDX_BYTES, load_idx_images, load_mnist_idx, save_idx
from engine.network_spec import network_spec, network_tensors
from engine.networks import random_mlp
from engine.safe_files import (
    PendingFile,
    UnreadableFileError,
    open_regular_file,
    read_regular_file,
    remove_stale_temporary_files,
    stale_temporary_files,
    temporary_file_writer,
    write_bytes_atomically,
)
from engine.session_file import PageState, SessionFileError, parse_session, read_session
from engine.weights_import import WeightsImportError, load_state_dict_file

posix_only = pytest.mark.skipif(os.name != "posix", reason="devices and FIFOs are POSIX")


def _session() -> bytes:
    model = random_mlp([4], seed=0)
    pages = {"cells": PageState({"network": network_spec(model)}, network_tensors(model))}
    return session_file.session_bytes(pages)


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# -- regular files only ---------------------------------------------------------------------


@posix_only
def test_a_fifo_a_device_and_a_socket_are_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "zero.splinescope"
    link.symlink_to("/dev/zero")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "sock"))
    try:
        for path, kind in [
            (fifo, "FIFO"),
            ("/dev/zero", "device"),
            (link, "device"),
            (tmp_path / "sock", "socket"),
        ]:
            with pytest.raises(UnreadableFileError, match=kind):
                open_regular_file(path, 1 << 20, "session")
            with pytest.raises(SessionFileError, match=f"Cannot open .*{kind}"):
                read_session(path)
            with pytest.raises(ValueError, match=kind):
                load_idx_images(path)
    finally:
        server.close()
    weights = tmp_path / "w.pt"
    weights.symlink_to("/dev/zero")
    with pytest.raises(WeightsImportError, match=r"w\.pt is a device"):
        load_state_dict_file(weights)


def test_a_file_over_the_cap_is_refused_by_its_size_before_it_is_read(tmp_path):
    path = tmp_path / "big.splinescope"
    with open(path, "wb") as stream:
        stream.truncate(session_file.MAX_SESSION_BYTES + 1)  # sparse: no disk used
    with pytest.raises(SessionFileError, match=r"big\.splinescope is [\d,]+ bytes, more than"):
        read_session(path)
    small = tmp_path / "small"
    small.write_bytes(b"x" * 100)
    with pytest.raises(UnreadableFileError, match="more than the 99 an MNIST IDX file"):
        read_regular_file(small, 99, "MNIST IDX file")
    assert read_regular_file(small, 100, "session") == b"x" * 100


def test_a_folder_is_still_named_as_a_folder(tmp_path):
    with pytest.raises(SessionFileError, match="it is a folder, not a file"):
        read_session(tmp_path)


# -- zip members checked before they inflate ---------------------------------------------------


def _rewrite(data: bytes, member: str, content: bytes, compress: int) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    members[member] = content
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, payload in members.items():
            kind = compress if name == member else zipfile.ZIP_STORED
            archive.writestr(name, payload, compress_type=kind)
    return buffer.getvalue()


def test_a_zip_bomb_member_is_refused_by_its_ratio_before_it_inflates():
    bomb = _rewrite(_session(), "tensors.safetensors", bytes(64 << 20), zipfile.ZIP_DEFLATED)
    assert len(bomb) < 200_000
    with pytest.raises(SessionFileError, match="more than 100 times"):
        parse_session(bomb)


def test_a_member_that_lies_about_its_size_is_refused():
    stored = _rewrite(_session(), "tensors.safetensors", bytes(1 << 20), zipfile.ZIP_STORED)
    data = bytearray(stored)
    entry = data.rfind(b"PK\x01\x02")  # the central record of the last member, the tensors
    data[entry + 24 : entry + 28] = (1000).to_bytes(4, "little")  # declared: 1,000 bytes
    with pytest.raises(SessionFileError, match="stored as"):
        parse_session(bytes(data))


def test_an_archive_listing_thousands_of_members_is_refused_before_they_are_parsed():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(5000):
            archive.writestr(f"m{number}", b"")
    with pytest.raises(SessionFileError, match="lists 5,000 members"):
        parse_session(buffer.getvalue())


def test_a_good_session_still_reads_with_progress_up_to_one(tmp_path):
    path = tmp_path / "good.splinescope"
    path.write_bytes(_session())
    seen: list[float] = []
    pages = read_session(path, progress=seen.append)
    assert pages.keys() == {"cells"} and seen and seen[-1] == pytest.approx(1.0, abs=0.01)
    assert seen == sorted(seen)


# -- gzip inflated with a running cap -----------------------------------------------------------


def _gzip_of_zeros(header: bytes, n_zeros: int) -> bytes:
    inflater = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [inflater.compress(header)]
    block = bytes(1 << 20)
    for _ in range(n_zeros >> 20):
        parts.append(inflater.compress(block))
    return b"".join([*parts, inflater.flush()])


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"", "not an IDX image file"),
        ((0x803).to_bytes(4, "big") + (10).to_bytes(4, "big") * 3, "inflates to more than"),
        ((0x803).to_bytes(4, "big") + (60000).to_bytes(4, "big") * 3, "header promises"),
    ],
)
def test_a_gzip_bomb_is_stopped_at_the_cap(tmp_path, header, expected):
    path = tmp_path / "bomb-idx3-ubyte.gz"
    path.write_bytes(_gzip_of_zeros(header, 2 * MAX_IDX_BYTES))
    with pytest.raises(ValueError, match=f"bomb-idx3-ubyte.gz: .*{expected}"):
        load_idx_images(path)


def test_gzip_files_of_several_members_and_zero_padding_still_read(tmp_path):
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(6, 4, 4), dtype=np.uint8)
    labels = rng.integers(0, 10, size=6, dtype=np.uint8)
    save_idx(tmp_path / "images", images)
    save_idx(tmp_path / "labels", labels)
    raw = (tmp_path / "images").read_bytes()
    (tmp_path / "images.gz").write_bytes(
        gzip.compress(raw[:30]) + gzip.compress(raw[30:]) + bytes(16)
    )
    digits = load_mnist_idx(tmp_path / "images.gz", tmp_path / "labels")
    np.testing.assert_array_equal(digits.images * 255, images)


def test_a_compressed_torch_record_is_refused(tmp_path):
    good = tmp_path / "good.pt"
    torch.save({"0.weight": torch.zeros(3, 2)}, good)
    with zipfile.ZipFile(good) as archive:
        records = {info.filename: archive.read(info) for info in archive.infolist()}
    bad = tmp_path / "bad.pt"
    with zipfile.ZipFile(bad, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, payload in records.items():
            archive.writestr(name, payload)
    assert load_state_dict_file(good).keys() == {"0.weight"}
    with pytest.raises(WeightsImportError, match="compressed"):
        load_state_dict_file(bad)


# -- leftovers of killed writers -----------------------------------------------------------------


def test_a_temporary_file_carries_its_writers_pid(tmp_path):
    pending = PendingFile(tmp_path / "work.splinescope")
    assert temporary_file_writer(pending.temporary.name) == os.getpid()
    assert pending.temporary.name.startswith(f".work.splinescope.{os.getpid()}.")
    pending.discard()


@pytest.mark.skipif(os.name != "posix", reason="process ids are probed on POSIX only")
def test_only_our_own_leftovers_of_dead_processes_are_removed(tmp_path):
    dead = _dead_pid()
    write_bytes_atomically(tmp_path / "work.splinescope", b"saved")
    stale = [
        tmp_path / f".work.splinescope.{dead}.abcd1234.tmp.splinescope",
        tmp_path / f".figure.png.{dead}.x_y9zz00.tmp.png",
    ]
    kept = [
        tmp_path / f".work.splinescope.{os.getpid()}.abcd1234.tmp.splinescope",  # alive
        tmp_path / ".work.splinescope.abcd1234.tmp.splinescope",  # old name: no pid
        tmp_path / f".work.splinescope.{dead}.abcd1234.tmp.png",  # suffix not the target's
        tmp_path / f"work.splinescope.{dead}.abcd1234.tmp.splinescope",  # not hidden
        tmp_path / f".notes.txt.{dead}.abcd1234.tmp.txt.bak",
    ]
    for path in stale + kept:
        path.write_bytes(b"half")
    folder = tmp_path / f".dir.{dead}.abcd1234.tmp"
    folder.mkdir()  # a folder with the pattern's name is not ours to remove
    link = tmp_path / f".link.{dead}.abcd1234.tmp"
    link.symlink_to(tmp_path / "work.splinescope")

    assert stale_temporary_files(tmp_path) == sorted(stale)
    assert remove_stale_temporary_files([tmp_path, tmp_path, tmp_path / "missing"]) == sorted(stale)
    assert all(path.exists() for path in kept) and folder.is_dir() and link.is_symlink()
    assert (tmp_path / "work.splinescope").read_bytes() == b"saved"
