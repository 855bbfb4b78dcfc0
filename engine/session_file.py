"""The ``.splinescope`` session file: read, validate and write, with no Qt.

A session is a zip archive holding two members:

- ``session.json``: ``{"format": "splinescope-session", "format_version": 1,
  "pages": {key: {"settings": {...}, "tensors": [names...]}}}``, the settings of every
  page that saved some (plain JSON values);
- ``tensors.safetensors``: every page's tensors, stored as ``"{key}/{name}"``.

Reading never executes anything from the file: JSON and safetensors only, never pickle.
Every read is bounded: only a regular file of at most :data:`MAX_SESSION_BYTES` is opened
(never a device or a FIFO); the archive's directory may list at most
:data:`MAX_MEMBERS` members; each member's declared size, and its ratio to its compressed
size, are checked before it is inflated, and it is read in chunks against a running cap.
Every structural fault raises :class:`SessionFileError` with a message saying what is
wrong and what to do, and writing goes through :func:`engine.safe_files.write_atomically`,
so a crash mid-save keeps the previous file.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported by the functions that read tensors, not at start-up
    import torch

from engine.safe_files import (
    READ_CHUNK_BYTES,
    OutputPathError,
    UnreadableFileError,
    open_regular_file,
    write_bytes_atomically,
)

FORMAT_NAME = "splinescope-session"
FORMAT_VERSION = 1
SESSION_SUFFIX = ".splinescope"
DOCUMENT_MEMBER = "session.json"
TENSORS_MEMBER = "tensors.safetensors"
#: Largest ``session.json`` read (settings are small; anything bigger is not ours).
MAX_DOCUMENT_BYTES = 16 << 20
#: Largest tensor member read; a bigger one is refused before it is decompressed.
MAX_TENSOR_BYTES = 1 << 30
#: Largest session file opened (both members and the zip's own records).
MAX_SESSION_BYTES = MAX_TENSOR_BYTES + MAX_DOCUMENT_BYTES + (1 << 20)
#: Most members an archive's directory may list (a session has two).
MAX_MEMBERS = 64
#: Largest inflated/compressed ratio of a member declaring more than
#: :data:`RATIO_FLOOR_BYTES` (the tensors are stored, 1:1; a zip bomb inflates 1,000:1).
MAX_RATIO = 100
RATIO_FLOOR_BYTES = MAX_DOCUMENT_BYTES
#: The zip "encrypted" flag bit: zipfile would raise RuntimeError asking for a password.
ENCRYPTED_FLAG = 0x1
#: ``progress(fraction)`` in [0, 1]; it may raise :class:`engine.safe_files.ReadCancelled`.
Progress = Callable[[float], None]
#: Page keys and tensor names: short identifiers, so a key never collides with a path.
_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,128}$")


class SessionFileError(ValueError):
    """A session that cannot be read or written; ``str(error)`` is for the user."""


@dataclass(frozen=True)
class PageState:
    """What one page keeps in a session.

    Attributes
    ----------
    settings : plain JSON values (numbers, strings, lists, dicts; no NaN).
    tensors : named tensors (weights, plane vectors, histories), any shape and dtype.
    """

    settings: dict = field(default_factory=dict)
    tensors: dict[str, torch.Tensor] = field(default_factory=dict)


def _check_name(name: object, what: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise SessionFileError(
            f"{what} {name!r} is not a valid name (letters, digits, '_', '.', '-'; "
            "at most 128 characters)."
        )
    return name


def _check_finite_json(value: object, where: str) -> None:
    """Refuse NaN and infinities in settings: JSON cannot hold them portably."""
    if isinstance(value, float) and not math.isfinite(value):
        raise SessionFileError(f"The setting {where} is {value}; settings must be finite.")
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_finite_json(item, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_finite_json(item, f"{where}[{index}]")


def session_bytes(pages: Mapping[str, PageState]) -> bytes:
    """The bytes of a session file holding ``pages`` (key -> PageState)."""
    from safetensors.torch import save

    document = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "pages": {}}
    flat: dict[str, torch.Tensor] = {}
    for key, state in pages.items():
        _check_name(key, "The page key")
        _check_finite_json(state.settings, key)
        for name, tensor in state.tensors.items():
            _check_name(name, f"Page {key}'s tensor")
            flat[f"{key}/{name}"] = tensor.detach().cpu().contiguous().clone()
        document["pages"][key] = {
            "settings": state.settings,
            "tensors": sorted(state.tensors),
        }
    try:
        text = json.dumps(document, indent=1, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise SessionFileError(f"A page's settings cannot be saved as JSON: {error}") from error
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(DOCUMENT_MEMBER, text, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr(TENSORS_MEMBER, save(flat), compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()


def write_session(path: str | os.PathLike, pages: Mapping[str, PageState]) -> Path:
    """Write ``pages`` to ``path`` atomically (the old file survives any failure).

    Raises
    ------
    SessionFileError
        For settings that are not JSON or a path that cannot be written; the message
        says which.
    """
    data = session_bytes(pages)
    try:
        return write_bytes_atomically(path, data)
    except OutputPathError as error:
        raise SessionFileError(str(error)) from error
    except OSError as error:
        raise SessionFileError(
            f"Could not write {path}: {error.strerror or error}. The previous file, if "
            "any, is unchanged. Free some disk space or choose another folder."
        ) from error


def _check_directory(stream) -> None:
    """Refuse an archive whose end record lists more members, or a larger directory, than
    a session has, before :mod:`zipfile` builds one object per listed member."""
    size = stream.seek(0, io.SEEK_END)
    tail_start = max(0, size - (22 + 0xFFFF))
    stream.seek(tail_start)
    tail = stream.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return  # not a zip: zipfile says so
    _, _, _, members, directory_size, _, _ = struct.unpack("<4H2LH", tail[at + 4 : at + 22])
    if at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":
        raise SessionFileError(
            "it is a ZIP64 archive, which a session never is; the file is damaged or not a "
            "Splinescope session."
        )
    if members > MAX_MEMBERS or directory_size > MAX_MEMBERS * 1024:
        raise SessionFileError(
            f"its directory lists {members:,} members ({directory_size:,} bytes); a session "
            f"has at most {MAX_MEMBERS}. The file is damaged or not a Splinescope session."
        )


def _check_sizes(info: zipfile.ZipInfo, limit: int) -> None:
    """Refuse a member whose declared size, inflation ratio or encryption no session has."""
    name = info.filename
    if info.flag_bits & ENCRYPTED_FLAG:
        raise SessionFileError(
            f"its {name} is marked as encrypted, which a session never is; the file is "
            "damaged or not a Splinescope session."
        )
    if info.file_size > limit:
        raise SessionFileError(
            f"its {name} claims {info.file_size:,} bytes, more than the {limit:,} a session "
            "may hold; the file is damaged or not a Splinescope session."
        )
    stored = info.compress_type == zipfile.ZIP_STORED
    if stored and info.compress_size != info.file_size:
        raise SessionFileError(
            f"its {name} is stored as {info.compress_size:,} bytes but claims "
            f"{info.file_size:,}; the file is damaged."
        )
    if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * info.compress_size:
        raise SessionFileError(
            f"its {name} would inflate {info.compress_size:,} bytes to {info.file_size:,} "
            f"(more than {MAX_RATIO} times), which no session does; the file is damaged or "
            "built to exhaust memory."
        )


def _member(
    archive: zipfile.ZipFile, name: str, limit: int, progress: Callable[[int], None] | None = None
) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise SessionFileError(
            f"it has no {name}: it is not a Splinescope session or it is damaged."
        ) from None
    _check_sizes(info, limit)
    bound = min(limit, info.file_size)
    data = bytearray()
    with archive.open(info) as stream:
        while chunk := stream.read(min(READ_CHUNK_BYTES, bound + 1 - len(data))):
            data += chunk
            if len(data) > bound:
                raise SessionFileError(
                    f"its {name} is larger than the {bound:,} bytes it claims or may hold."
                )
            if progress is not None:
                progress(len(chunk))
    return bytes(data)


def _document(data: bytes) -> dict:
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise SessionFileError(f"its {DOCUMENT_MEMBER} is not UTF-8 text.") from None
    except json.JSONDecodeError as error:
        raise SessionFileError(
            f"its {DOCUMENT_MEMBER} is not valid JSON ({error.msg}, line {error.lineno})."
        ) from None
    except RecursionError:
        raise SessionFileError(f"its {DOCUMENT_MEMBER} is nested too deeply.") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise SessionFileError("it is not a Splinescope session (no session format tag).")
    version = document.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise SessionFileError(f"its format_version {version!r} is not a positive whole number.")
    if version > FORMAT_VERSION:
        raise SessionFileError(
            f"it was saved by a newer Splinescope (session format {version}; this version "
            f"reads format {FORMAT_VERSION} and older). Update Splinescope to open it."
        )
    pages = document.get("pages")
    if not isinstance(pages, dict):
        raise SessionFileError("its page list is missing or not a mapping.")
    for key, entry in pages.items():
        _check_name(key, "The page key")
        if not isinstance(entry, dict) or not isinstance(entry.get("settings"), dict):
            raise SessionFileError(f"the {key} page's settings are missing or not a mapping.")
        names = entry.get("tensors", [])
        if not isinstance(names, list):
            raise SessionFileError(f"the {key} page's tensor list is not a list.")
        for name in names:
            _check_name(name, f"Page {key}'s tensor")
    return document


def _tensors(data: bytes) -> dict[str, torch.Tensor]:
    from safetensors.torch import load

    try:
        return load(data)
    except Exception as error:  # safetensors raises its own SafetensorError and others
        raise SessionFileError(
            f"its weights ({TENSORS_MEMBER}) are damaged or incomplete ({error})."
        ) from None


def _pages(document: dict, flat: dict[str, torch.Tensor]) -> dict[str, PageState]:
    pages: dict[str, PageState] = {}
    listed: set[str] = set()
    for key, entry in document["pages"].items():
        tensors = {}
        for name in entry.get("tensors", []):
            stored = f"{key}/{name}"
            if stored not in flat:
                raise SessionFileError(f"the {key} page's tensor {name!r} is missing.")
            tensors[name] = flat[stored]
            listed.add(stored)
        pages[key] = PageState(settings=entry["settings"], tensors=tensors)
    unlisted = sorted(set(flat) - listed)
    if unlisted:
        raise SessionFileError(f"it holds a tensor {unlisted[0]!r} that no page lists.")
    return pages


def _parse_stream(stream, progress: Progress | None) -> dict[str, PageState]:
    """The pages of a session archive read from the seekable binary ``stream``."""
    total = max(1, stream.seek(0, io.SEEK_END))
    done = 0

    def advance(n_bytes: int) -> None:
        nonlocal done
        done += n_bytes
        if progress is not None:
            progress(min(1.0, done / total))

    _check_directory(stream)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, NotImplementedError):
        raise SessionFileError(
            "it is not a Splinescope session, or it was cut short (not a complete zip archive)."
        ) from None
    try:
        with archive:
            for name, limit in (
                (DOCUMENT_MEMBER, MAX_DOCUMENT_BYTES),
                (TENSORS_MEMBER, MAX_TENSOR_BYTES),
            ):
                if name in archive.NameToInfo:
                    _check_sizes(archive.NameToInfo[name], limit)
            document = _document(_member(archive, DOCUMENT_MEMBER, MAX_DOCUMENT_BYTES, advance))
            flat = _tensors(_member(archive, TENSORS_MEMBER, MAX_TENSOR_BYTES, advance))
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        ValueError,
        NotImplementedError,
    ) as error:
        if isinstance(error, SessionFileError):
            raise
        raise SessionFileError(
            f"it is damaged ({type(error).__name__}: {error}); it may have been cut short."
        ) from None
    return _pages(document, flat)


def parse_session(data: bytes, *, progress: Progress | None = None) -> dict[str, PageState]:
    """The pages of a session file's bytes (key -> PageState).

    Parameters
    ----------
    data : the whole file.
    progress : called with the fraction read, in [0, 1]; it may raise
        :class:`engine.safe_files.ReadCancelled`, which passes through.

    Raises
    ------
    SessionFileError
        Whatever is wrong: not a zip, too many members, missing or oversized members, a
        member inflating far beyond its compressed size, invalid JSON, a newer format, a
        tensor listed but missing (or present but unlisted). The message is a sentence
        fragment to follow "The session cannot be opened: ".
    """
    return _parse_stream(io.BytesIO(data), progress)


def read_session(
    path: str | os.PathLike, *, progress: Progress | None = None
) -> dict[str, PageState]:
    """The pages of the session file at ``path``, read with every bound of this module.

    ``progress`` is as for :func:`parse_session` (a worker passes one to report and to
    stop the read).

    Raises
    ------
    SessionFileError
        ``"Cannot open NAME: ..."``, saying what is wrong and what to do: a missing or
        unreadable file, a folder, a device or a FIFO, a file over
        :data:`MAX_SESSION_BYTES`, or any fault :func:`parse_session` names.
    """
    path = Path(path)
    try:
        with open_regular_file(path, MAX_SESSION_BYTES, "session") as stream:
            try:
                return _parse_stream(stream, progress)
            except SessionFileError as error:
                raise SessionFileError(f"Cannot open {path.name}: {error}") from None
    except UnreadableFileError as error:
        raise SessionFileError(f"Cannot open {path.name}: {error}") from None
    except FileNotFoundError:
        raise SessionFileError(f"Cannot open {path}: the file does not exist.") from None
    except IsADirectoryError:
        raise SessionFileError(f"Cannot open {path}: it is a folder, not a file.") from None
    except PermissionError:
        raise SessionFileError(
            f"Cannot open {path}: you are not allowed to read it. Check its permissions."
        ) from None
    except OSError as error:
        raise SessionFileError(f"Cannot open {path}: {error.strerror or error}.") from None


def check_finite(tensors: Mapping[str, torch.Tensor], where: str) -> None:
    """Raise SessionFileError naming the first floating-point tensor with NaN or infinity."""
    for name, tensor in tensors.items():
        if tensor.is_floating_point() and not bool(tensor.isfinite().all()):
            raise SessionFileError(
                f"{where}: {name!r} contains NaN or infinite values. The weights are "
                "unusable; load an earlier save."
            )


def whole_number(value: object, what: str, low: int, high: int) -> int:
    """``value`` if it is an int (not a bool) in ``low..high``; else SessionFileError
    saying what ``what`` must be."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SessionFileError(f"{what} must be a whole number in {low}…{high}, got {value!r}.")
    return value
