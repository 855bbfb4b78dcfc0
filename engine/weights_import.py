"""Import the ``state_dict`` of a plain ``nn.Sequential`` MLP trained elsewhere.

A state dict holds weights but no architecture: the caller gives the layer widths and
the activation (:class:`MlpShape`), and :func:`mlp_from_state_dict` checks that the
weights fit them before building the model. :func:`infer_mlp_shape` reads the widths the
weights imply, to pre-fill a dialog. Files are read with ``torch.load(...,
weights_only=True)`` or safetensors: loading never runs code from the file. Only a regular
file of at most :data:`MAX_WEIGHTS_BYTES` is read (never a device or a FIFO).
"""

from __future__ import annotations

import io
import os
import pickle
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from torch import nn

from engine.network_spec import NetworkSpecError, build_network
from engine.networks import ACTIVATIONS
from engine.safe_files import UnreadableFileError, read_regular_file

WEIGHT_SUFFIXES = (".pt", ".pth", ".safetensors")
#: Largest weights file read (an MLP of 60 million float32 weights).
MAX_WEIGHTS_BYTES = 256 << 20
#: Keys that betray layers a state dict of Linear layers cannot hold.
_NORMALISATION_KEYS = ("running_mean", "running_var", "num_batches_tracked")


class WeightsImportError(ValueError):
    """Weights that cannot be read or do not fit the given shape; says what to do."""


@dataclass(frozen=True)
class MlpShape:
    """``n_inputs -> widths... -> n_outputs`` with one activation between the layers."""

    n_inputs: int
    widths: tuple[int, ...]
    n_outputs: int
    activation: str = "relu"
    negative_slope: float = 0.01

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        return (self.n_inputs, *self.widths, self.n_outputs)


def _check_torch_archive(data: bytes, name: str) -> None:
    """Refuse a ``torch.save`` zip whose records could inflate beyond the file: torch
    stores every record uncompressed, so any compressed or size-lying record is foreign."""
    if not data.startswith(b"PK"):
        return  # the legacy format, or not torch at all: torch.load says which
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            records = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        return  # torch.load names the damage
    for record in records:
        if record.compress_type != zipfile.ZIP_STORED or record.compress_size != record.file_size:
            raise WeightsImportError(
                f"{name}: its record {record.filename!r} is compressed or claims "
                f"{record.file_size:,} bytes in {record.compress_size:,}; torch.save never "
                "writes that. Is it a complete torch.save file?"
            )


def load_state_dict_file(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """The tensors of a ``.pt``/``.pth`` (``torch.save`` of a state dict) or a
    ``.safetensors`` file. A dict holding the state dict under ``"state_dict"`` or
    ``"model"`` is unwrapped.

    Raises
    ------
    WeightsImportError
        Unreadable file, a pickled model object rather than a state dict, or content
        that is not a mapping of names to tensors.
    """
    path = Path(path)
    if path.suffix.lower() not in WEIGHT_SUFFIXES:
        raise WeightsImportError(
            f"{path.name}: expected a {', '.join(WEIGHT_SUFFIXES)} file of weights."
        )
    try:
        data = read_regular_file(path, MAX_WEIGHTS_BYTES, "weights file")
    except FileNotFoundError as error:
        raise WeightsImportError(f"{path} does not exist.") from error
    except UnreadableFileError as error:
        raise WeightsImportError(str(error)) from error
    except OSError as error:
        raise WeightsImportError(
            f"{path.name} could not be read ({type(error).__name__}: {error.strerror or error})."
        ) from error
    return parse_state_dict(data, path.name, path.suffix)


def parse_state_dict(data: bytes, name: str, suffix: str) -> dict[str, torch.Tensor]:
    """The tensors of the bytes ``data`` of a weights file called ``name``, read as
    safetensors when ``suffix`` is ``.safetensors``, else as a ``torch.save`` file.
    Raises :class:`WeightsImportError` as :func:`load_state_dict_file` does."""
    try:
        if suffix.lower() == ".safetensors":
            from safetensors.torch import load

            content = load(data)
        else:
            _check_torch_archive(data, name)
            content = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise WeightsImportError(
            f"{name} holds more than tensors (for example a whole pickled model), "
            "which Splinescope will not execute. Save model.state_dict() instead."
        ) from error
    except (
        OSError,
        RuntimeError,
        ValueError,
        EOFError,
        zipfile.BadZipFile,
        SafetensorError,
    ) as error:
        raise WeightsImportError(
            f"{name} could not be read as weights ({type(error).__name__}: "
            f"{str(error).splitlines()[0] if str(error) else 'no details'}). "
            "Is it a complete torch.save or safetensors file?"
        ) from error
    for key in ("state_dict", "model"):
        if isinstance(content, Mapping) and isinstance(content.get(key), Mapping):
            content = content[key]
    if not isinstance(content, Mapping) or not content:
        raise WeightsImportError(
            f"{name} does not hold a state dict (a mapping of names to tensors)."
        )
    bad = [str(k) for k, v in content.items() if not isinstance(v, torch.Tensor)]
    if bad or not all(isinstance(k, str) for k in content):
        raise WeightsImportError(
            f"{name}: {', '.join(bad[:3]) or 'some keys'} are not named tensors; "
            "save model.state_dict() of an nn.Sequential MLP."
        )
    return dict(content)


def _natural_key(prefix: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", prefix))


def linear_layers(
    state: Mapping[str, torch.Tensor],
) -> list[tuple[str, torch.Tensor, torch.Tensor | None]]:
    """``(prefix, weight, bias or None)`` of every linear layer, in module order.

    Raises WeightsImportError for convolution kernels, normalisation layers or stray keys.
    """
    weights: dict[str, torch.Tensor] = {}
    biases: dict[str, torch.Tensor] = {}
    for key, tensor in state.items():
        prefix, _, leaf = key.rpartition(".")
        if leaf in _NORMALISATION_KEYS:
            raise WeightsImportError(
                f"{key!r} belongs to a normalisation layer (BatchNorm): only Linear layers "
                "and piecewise-linear activations can be analysed. Fold it into the "
                "neighbouring Linear layer first."
            )
        if leaf == "weight":
            if tensor.dim() > 2:
                raise WeightsImportError(
                    f"{key!r} has shape {tuple(tensor.shape)}: a convolution kernel. "
                    "Splinescope analyses fully connected networks only."
                )
            if tensor.dim() != 2:
                raise WeightsImportError(
                    f"{key!r} has shape {tuple(tensor.shape)}: not a Linear layer's weight "
                    "(a normalisation layer?). Only Linear layers can be imported."
                )
            weights[prefix] = tensor
        elif leaf == "bias":
            biases[prefix] = tensor
        else:
            raise WeightsImportError(
                f"{key!r} is not the weight or bias of a Linear layer; save the "
                "state_dict() of an nn.Sequential of Linear layers and activations."
            )
    stray = sorted(set(biases) - set(weights))
    if stray:
        raise WeightsImportError(f"{stray[0]!r} has a bias but no weight.")
    if not weights:
        raise WeightsImportError("The file holds no Linear layer weights.")
    order = sorted(weights, key=_natural_key)
    return [(p, weights[p], biases.get(p)) for p in order]


def infer_mlp_shape(state: Mapping[str, torch.Tensor]) -> MlpShape:
    """The widths the weights imply (activation ReLU): a starting point for the user."""
    layers = linear_layers(state)
    sizes = [int(layers[0][1].shape[1])] + [int(w.shape[0]) for _, w, _ in layers]
    if len(sizes) < 3:
        return MlpShape(sizes[0], (), sizes[-1])
    return MlpShape(sizes[0], tuple(sizes[1:-1]), sizes[-1])


def mlp_from_state_dict(state: Mapping[str, torch.Tensor], shape: MlpShape) -> nn.Sequential:
    """A float64 ``nn.Sequential`` of ``shape`` carrying the weights in ``state``.

    Raises
    ------
    WeightsImportError
        The activation is not piecewise linear, the number of layers or a layer's shape
        differs from ``shape``, or a weight is NaN or infinite. The message says which.
    """
    if shape.activation not in ACTIVATIONS:
        raise WeightsImportError(
            f"The activation {shape.activation!r} is not piecewise linear: choose one of "
            f"{', '.join(ACTIVATIONS)}."
        )
    layers = linear_layers(state)
    sizes = shape.layer_sizes
    if len(layers) != len(sizes) - 1:
        found = infer_mlp_shape(state)
        raise WeightsImportError(
            f"The file has {len(layers)} Linear layers, the widths give {len(sizes) - 1}. "
            f"The weights suggest {found.n_inputs} inputs, hidden widths "
            f"{','.join(map(str, found.widths)) or '(none)'} and {found.n_outputs} outputs."
        )
    spec: list[dict] = []
    tensors: dict[str, torch.Tensor] = {}
    for number, ((prefix, weight, bias), n_in, n_out) in enumerate(
        zip(layers, sizes[:-1], sizes[1:], strict=True)
    ):
        if tuple(weight.shape) != (n_out, n_in):
            raise WeightsImportError(
                f"Layer {number + 1} ({prefix}.weight) maps {weight.shape[1]} inputs to "
                f"{weight.shape[0]} outputs, but the widths say {n_in} to {n_out}. "
                "Correct the widths to match the network that was saved."
            )
        index = len(spec)
        spec.append(
            {"kind": "linear", "in_features": n_in, "out_features": n_out, "bias": bias is not None}
        )
        tensors[f"layer{index}.weight"] = weight.to(torch.float64)
        if bias is not None:
            tensors[f"layer{index}.bias"] = bias.to(torch.float64)
        if number < len(layers) - 1:
            spec.append({"kind": shape.activation, "negative_slope": shape.negative_slope})
    try:
        return build_network(spec, tensors)
    except NetworkSpecError as error:
        raise WeightsImportError(str(error)) from error
