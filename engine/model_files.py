"""Import a piecewise-linear model from a file: TorchScript, ONNX, or an MLP's state_dict.

:func:`load_model` reads the file with a bound (a regular file of at most
:data:`MAX_MODEL_BYTES`; never a device, a FIFO or a folder) and returns an
:class:`ImportedModel`: a float64 ``torch.nn.Module`` in eval mode, built only from the
standard layers and torch functions that :func:`engine.pl_graph.trace_piecewise_linear`
traces, and its per-sample input shape. Which reader runs is decided by the file:

- ``.onnx``: :mod:`engine.onnx_model` (checked with ``onnx.checker``; the input shape is
  read from the graph's input, its first axis being the batch);
- ``.pt``/``.pth`` holding TorchScript code (``torch.jit.save``):
  :mod:`engine.torchscript_model` (its module docstring says what loading a hostile
  archive can and cannot execute); TorchScript does not store the input shape, so
  ``input_shape`` is required;
- ``.safetensors``, or ``.pt``/``.pth`` of tensors only (``torch.save(model.state_dict())``):
  the MLP the weights imply, with ReLU between its layers (:mod:`engine.weights_import`;
  File > Import weights… chooses another activation).

Before it is returned, the module is traced by the engine, which also checks that the
traced graph reproduces the module. Every failure is a :class:`ModelFileError` (a
``ValueError``) whose message is one sentence; :class:`InputShapeRequired` says that the
file does not state an input shape and one must be given.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from engine.model_builder import InputShapeRequired, ModelFileError
from engine.pl_graph import trace_piecewise_linear
from engine.safe_files import ReadCancelled, UnreadableFileError, read_regular_file
from engine.torchscript_model import (
    check_archive,
    is_torchscript_archive,
    torchscript_to_module,
)
from engine.weights_import import (
    WeightsImportError,
    infer_mlp_shape,
    mlp_from_state_dict,
    parse_state_dict,
)

__all__ = [
    "MAX_INPUT_ENTRIES",
    "MAX_MODEL_BYTES",
    "MODEL_SUFFIXES",
    "ImportedModel",
    "InputShapeRequired",
    "ModelFileError",
    "ReadCancelled",
    "check_input_shape",
    "load_model",
]

#: Suffixes :func:`load_model` reads.
MODEL_SUFFIXES = (".onnx", ".pt", ".pth", ".safetensors")
#: Largest model file read.
MAX_MODEL_BYTES = 256 << 20
#: Most axes and entries of one input sample.
MAX_INPUT_AXES = 4
MAX_INPUT_ENTRIES = 1 << 20
#: ``progress(fraction)`` with fraction in [0, 1]; it may raise ReadCancelled to stop.
Progress = Callable[[float], None]


@dataclass(frozen=True)
class ImportedModel:
    """A model read from a file.

    Attributes
    ----------
    module : float64 ``torch.nn.Module`` in eval mode, mapping ``(N, *input_shape)`` to
        ``(N, ...)``; the engine's tracer accepts it.
    input_shape : per-sample input shape (no batch axis), e.g. ``(1, 28, 28)``.
    name : the file's name without its suffix.
    kind : ``"torchscript"``, ``"onnx"`` or ``"state_dict"``.
    """

    module: nn.Module
    input_shape: tuple[int, ...]
    name: str
    kind: str


def check_input_shape(shape: Sequence) -> tuple[int, ...]:
    """``shape`` as a tuple of 1 to :data:`MAX_INPUT_AXES` positive ints with at most
    :data:`MAX_INPUT_ENTRIES` entries; raises :class:`ModelFileError` otherwise."""
    sizes = tuple(shape)
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in sizes):
        raise ModelFileError(f"The input shape {sizes} must be whole numbers.")
    if not 1 <= len(sizes) <= MAX_INPUT_AXES or any(n < 1 for n in sizes):
        raise ModelFileError(
            f"The input shape {sizes} must be 1 to {MAX_INPUT_AXES} positive sizes, "
            "for example 1, 28, 28."
        )
    if math.prod(sizes) > MAX_INPUT_ENTRIES:
        raise ModelFileError(
            f"The input shape {sizes} has {math.prod(sizes):,} entries per sample, more than "
            f"the {MAX_INPUT_ENTRIES:,} Splinescope imports."
        )
    return sizes


def load_model(
    path: str | os.PathLike,
    *,
    input_shape: Sequence[int] | None = None,
    progress: Progress | None = None,
) -> ImportedModel:
    """Read the model in ``path``.

    Parameters
    ----------
    path : a ``.onnx``, ``.pt``/``.pth`` (TorchScript or a state_dict) or ``.safetensors``
        file.
    input_shape : per-sample input shape, e.g. ``(1, 28, 28)`` or ``(2,)``; required for
        TorchScript and for an ONNX file that leaves a size open, checked against what
        the file states otherwise.
    progress : optional ``progress(fraction)`` called while reading (from the calling
        thread); raise :class:`engine.safe_files.ReadCancelled` in it to stop.

    Returns
    -------
    ImportedModel

    Raises
    ------
    ModelFileError
        One sentence saying what is wrong (:class:`InputShapeRequired` when the shape
        must be given).
    ReadCancelled
        Raised by ``progress``.
    """
    path = Path(os.fspath(path))
    shape = None if input_shape is None else check_input_shape(input_shape)
    suffix = path.suffix.lower()
    if suffix not in MODEL_SUFFIXES:
        raise ModelFileError(
            f"{path.name} is not a model file Splinescope reads: choose a "
            f"{', '.join(MODEL_SUFFIXES)} file."
        )
    report = progress or (lambda fraction: None)
    data = _read(path, lambda done, total: report(0.5 * done / max(total, 1)))
    report(0.5)
    if suffix == ".onnx":
        from engine.onnx_model import onnx_to_module  # onnx is imported only when needed

        module, shape = onnx_to_module(data, path.name, shape)
        kind = "onnx"
    elif suffix != ".safetensors" and _torch_file(data, path.name):
        module = torchscript_to_module(data, path.name, shape, MAX_MODEL_BYTES)
        kind = "torchscript"
    else:
        module, shape = _state_dict_mlp(data, path.name, suffix, shape)
        kind = "state_dict"
    report(0.8)
    try:
        trace_piecewise_linear(module, shape)
    except (ValueError, RuntimeError, TypeError) as error:
        raise ModelFileError(
            f"{path.name} was read, but the engine cannot partition it: {error}."
        ) from error
    report(1.0)
    return ImportedModel(module.eval(), shape, path.stem, kind)


def _read(path: Path, progress: Callable[[int, int], None]) -> bytes:
    try:
        return read_regular_file(path, MAX_MODEL_BYTES, "model file", progress)
    except FileNotFoundError as error:
        raise ModelFileError(f"{path} does not exist.") from error
    except IsADirectoryError as error:
        raise ModelFileError(f"{path} is a folder: choose a model file inside it.") from error
    except UnreadableFileError as error:
        raise ModelFileError(str(error)) from error
    except OSError as error:
        raise ModelFileError(
            f"{path.name} could not be read ({error.strerror or type(error).__name__})."
        ) from error


def _torch_file(data: bytes, name: str) -> bool:
    """Whether the bytes of a ``.pt``/``.pth`` file are TorchScript (else a ``torch.save``
    of tensors); a damaged zip, a zip bomb or a file of another kind is refused."""
    if data.startswith(b"PK"):
        check_archive(data, name, MAX_MODEL_BYTES)
        return is_torchscript_archive(data)
    if not data.startswith(b"\x80"):
        raise ModelFileError(
            f"{name} is neither TorchScript nor a torch.save file: it starts like neither a "
            "zip archive nor a pickle."
        )
    return False


def _state_dict_mlp(data: bytes, name: str, suffix: str, shape):
    try:
        state = parse_state_dict(data, name, suffix)
        for key, tensor in state.items():
            if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
                raise ModelFileError(
                    f"{name} cannot be shown: its weights {key!r} hold NaN or infinite values."
                )
        mlp_shape = infer_mlp_shape(state)
        module = mlp_from_state_dict(state, mlp_shape)
    except WeightsImportError as error:
        raise ModelFileError(str(error)) from error
    implied = (mlp_shape.n_inputs,)
    if shape is not None and shape != implied:
        raise ModelFileError(
            f"{name} holds an MLP with {implied[0]} inputs, not the input shape {shape}."
        )
    return module, implied
