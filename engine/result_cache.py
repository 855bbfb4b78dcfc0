"""A cache on disk for deterministic, expensive results (trained weights, experiments).

A result is stored under a key: the SHA-256 of its kind, :data:`CACHE_VERSION` and a
fingerprint of every input it depends on (:func:`fingerprint`: numbers, strings, arrays
by their bytes, dataclasses by their fields, functions by their qualified names). A file
is one safetensors container, ``<kind>-<key>.safetensors``: named arrays, and JSON text in
its header's metadata (the version, the full key and the result's plain values).

Nothing read from the cache is trusted: a file larger than :data:`MAX_ENTRY_BYTES`, one
that does not parse, carries another version or key, or whose arrays do not have the
names, shapes and dtypes its decoder expects is ignored, and the result is computed again
(and stored over it). Writes are atomic (a temporary file renamed into place), so two
processes that store the same result at once leave one whole file. A cache that cannot be
written (a read-only or full disk) only costs the time it would have saved.

The cache is off unless a process turns it on (:func:`use_result_cache`): the command
line's ``export`` does, unless ``--no-cache``. Its folder is ``$SPLINESCOPE_CACHE_DIR``
if set, else ``$XDG_CACHE_HOME/splinescope``, else ``~/.cache/splinescope``.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import struct
import sys
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.safe_files import read_regular_file, write_bytes_atomically

#: Part of every key: bump it when an engine change alters a cached result.
CACHE_VERSION = "splinescope-results-1"
#: The environment variable naming the cache folder (tests point it at a temporary one).
CACHE_FOLDER_VARIABLE = "SPLINESCOPE_CACHE_DIR"
#: The largest cache file read (bytes); a larger one is ignored.
MAX_ENTRY_BYTES = 256 << 20
#: The largest safetensors header read (bytes).
MAX_HEADER_BYTES = 16 << 20


def default_cache_folder(environ: Mapping[str, str] = os.environ) -> Path:
    """``$SPLINESCOPE_CACHE_DIR``, else ``$XDG_CACHE_HOME/splinescope``, else
    ``~/.cache/splinescope``."""
    if environ.get(CACHE_FOLDER_VARIABLE):
        return Path(environ[CACHE_FOLDER_VARIABLE]).expanduser()
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "splinescope"


def fingerprint(value: Any) -> Any:
    """A JSON-ready description of ``value`` that changes whenever the value does.

    Arrays and tensors are described by dtype, shape and a SHA-256 of their bytes;
    dataclasses by their type and fields; functions and ``functools.partial`` objects by
    qualified name and bound arguments. Raises TypeError for anything else (an input that
    cannot be fingerprinted must not be cached).
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return {"float": value.hex()}
    if isinstance(value, np.generic):
        return fingerprint(value.item())
    # A tensor exists only once torch is imported: the deck's parent process, which only
    # names the cache folder, does not import it (1.5 s of processor time before the
    # children start).
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        value = value.detach().cpu().contiguous().numpy()
    if isinstance(value, np.ndarray):
        data = np.ascontiguousarray(value)
        digest = hashlib.sha256(data.tobytes()).hexdigest()
        return {"array": str(data.dtype), "shape": list(data.shape), "sha256": digest}
    if isinstance(value, list | tuple):
        return [fingerprint(v) for v in value]
    if isinstance(value, Mapping):
        return {"mapping": sorted([str(k), fingerprint(v)] for k, v in value.items())}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: fingerprint(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"type": _qualified_name(type(value)), "fields": fields}
    if isinstance(value, functools.partial):
        return {
            "partial": fingerprint(value.func),
            "args": fingerprint(value.args),
            "keywords": fingerprint(value.keywords),
        }
    if callable(value) and hasattr(value, "__qualname__"):
        return {"function": _qualified_name(value)}
    raise TypeError(f"cannot fingerprint a {type(value).__name__}")


def _qualified_name(thing: Any) -> str:
    return f"{thing.__module__}.{thing.__qualname__}"


def cache_key(kind: str, inputs: Any) -> str:
    """The hex SHA-256 naming the result of ``kind`` for ``inputs`` in this version."""
    text = json.dumps(
        [CACHE_VERSION, kind, fingerprint(inputs)], sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CacheEntry:
    """A stored result: named arrays and plain JSON values."""

    arrays: dict[str, np.ndarray]
    values: Any


class ResultCache:
    """Results stored in ``folder`` (made when the first one is written)."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)

    def path(self, kind: str, key: str) -> Path:
        """The file of the result of ``kind`` under ``key``."""
        return self.folder / f"{kind}-{key[:40]}.safetensors"

    def load(self, kind: str, inputs: Any) -> CacheEntry | None:
        """The stored result of ``kind`` for ``inputs``, or None (missing, unreadable,
        foreign or damaged: never an exception)."""
        try:
            key = cache_key(kind, inputs)
        except TypeError:
            return None
        try:
            data = read_regular_file(self.path(kind, key), MAX_ENTRY_BYTES, "cached result")
        except (OSError, ValueError):
            return None
        return _parse_entry(data, key)

    def store(self, kind: str, inputs: Any, arrays: Mapping[str, np.ndarray], values: Any) -> bool:
        """Store a result; returns whether it was written (False if it cannot be)."""
        from safetensors.numpy import save

        try:
            key = cache_key(kind, inputs)
            metadata = {"version": CACHE_VERSION, "key": key, "values": json.dumps(values)}
            data = save({k: np.ascontiguousarray(v) for k, v in arrays.items()}, metadata)
        except (TypeError, ValueError):
            return False
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_bytes_atomically(self.path(kind, key), data)
        except OSError:
            return False
        return True


def _parse_entry(data: bytes, key: str) -> CacheEntry | None:
    """The entry in ``data`` if it is a whole safetensors file of this version and key."""
    from safetensors.numpy import load

    if len(data) < 8:
        return None
    (header_length,) = struct.unpack("<Q", data[:8])
    if header_length > min(MAX_HEADER_BYTES, len(data) - 8):
        return None
    try:
        header = json.loads(data[8 : 8 + header_length])
        metadata = header["__metadata__"]
        if metadata["version"] != CACHE_VERSION or metadata["key"] != key:
            return None
        values = json.loads(metadata["values"])
        arrays = load(data)
    except Exception:  # a damaged file may fail in any way: it is simply not used
        return None
    return CacheEntry(arrays, values)


_active: ResultCache | None = None


def use_result_cache(folder: str | os.PathLike | None) -> None:
    """Turn the process's result cache on (in ``folder``) or off (None)."""
    global _active
    _active = None if folder is None else ResultCache(folder)


def active_result_cache() -> ResultCache | None:
    """The process's result cache, or None when it is off (the default)."""
    return _active


def expect_array(
    arrays: Mapping[str, np.ndarray], name: str, dtype: Any, shape: tuple[int | None, ...]
) -> np.ndarray:
    """``arrays[name]`` if it has ``dtype`` and ``shape`` (None: any length on that axis);
    raises ValueError otherwise (the entry is then recomputed)."""
    array = arrays.get(name)
    if not isinstance(array, np.ndarray) or array.dtype != np.dtype(dtype):
        raise ValueError(f"cached {name} is missing or not {np.dtype(dtype)}")
    if array.ndim != len(shape) or any(
        want is not None and got != want for got, want in zip(array.shape, shape, strict=True)
    ):
        raise ValueError(f"cached {name} has shape {array.shape}, not {shape}")
    return array


def cached_value(
    kind: str,
    inputs: Any,
    compute: Callable[[], Any],
    encode: Callable[[Any], tuple[dict[str, np.ndarray], Any]],
    decode: Callable[[CacheEntry], Any],
) -> Any:
    """``compute()``, or its stored result when the cache is on and holds a valid one.

    ``encode(result)`` gives the arrays and plain values to store (TypeError or
    ValueError: not stored); ``decode(entry)`` rebuilds the result, raising ValueError,
    KeyError or TypeError when the entry is not what it expects (then it is recomputed).
    """
    cache = active_result_cache()
    if cache is not None:
        entry = cache.load(kind, inputs)
        if entry is not None:
            try:
                return decode(entry)
            except (ValueError, KeyError, TypeError, IndexError):
                pass
    result = compute()
    if cache is not None:
        try:
            arrays, values = encode(result)
        except (TypeError, ValueError):
            return result
        cache.store(kind, inputs, arrays, values)
    return result


def cached_steps(
    kind: str,
    inputs: Any,
    start: Callable[[], Generator[Any, Any, Any]],
    encode: Callable[[Any, Any], tuple[dict[str, np.ndarray], Any]],
    decode: Callable[[CacheEntry], tuple[Any, Any]],
) -> Generator[Any, Any, Any]:
    """The steps of the generator ``start()``, or, when the cache holds its run, its last
    step alone (and its return value).

    ``encode(last_step, returned)`` gives what to store once the generator has returned
    (a run stopped early is not stored); ``decode(entry)`` gives ``(last_step,
    returned)`` back, raising ValueError, KeyError or TypeError for an entry it does not
    recognise.
    """
    cache = active_result_cache()
    if cache is not None:
        entry = cache.load(kind, inputs)
        if entry is not None:
            try:
                last, returned = decode(entry)
            except (ValueError, KeyError, TypeError, IndexError):
                pass
            else:
                yield last
                return returned
    steps = start()
    last = None
    try:
        while True:
            try:
                step = next(steps)
            except StopIteration as stop:
                returned = stop.value
                break
            last = step
            yield step
    finally:
        steps.close()
    if cache is not None:
        try:
            arrays, values = encode(last, returned)
        except (TypeError, ValueError):
            return returned
        cache.store(kind, inputs, arrays, values)
    return returned
