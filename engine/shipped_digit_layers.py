"""The digits networks shipped with Splinescope, read as numpy layers (no torch).

The Paths page shows its first pair with the shipped classifier and autoencoder
(:mod:`engine.shipped_digit_networks` trains them and writes the file). Reading them as
:class:`engine.networks.NetworkLayers` with safetensors' numpy API, and running them with
numpy's matrix products, spares the page torch's import (about a second) before its first
result. The layers are the float64 weights the file holds, the very arrays
:func:`engine.networks.network_layers` takes from the torch models read from it. The
file's layout is in :mod:`engine.shipped_digit_networks`; reading it is shared here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.activations import NEGATIVE_SLOPES
from engine.digits import DigitImages
from engine.networks import HiddenLayer, NetworkLayers
from engine.safe_files import read_regular_file

#: Where the shipped networks live in a checkout.
SHIPPED_FILE = (
    Path(__file__).resolve().parents[1] / "resources" / "models" / "digits-paths.safetensors"
)
#: How the shipped networks are trained (the Paths page's default settings).
SHIPPED_RECIPE: Mapping[str, object] = {
    "data": "scikit-learn 8x8 digits",
    "test_fraction": 0.2,
    "split_seed": 0,
    "hidden": [64, 32],
    "latent_dim": 2,
    "classifier_epochs": 30,
    "autoencoder_epochs": 150,
    "seed": 0,
}
#: Largest networks file read (the shipped one is about 0.2 MB).
MAX_FILE_BYTES = 16 << 20
PARTS = ("encoder", "decoder", "classifier")


@dataclass(frozen=True)
class NetworksFile:
    """A networks file's contents before any network is built.

    Attributes
    ----------
    name : the file's name (for messages).
    layers : each part's layer list (JSON of :func:`engine.network_spec.network_spec`).
    recipe : how they were trained.
    data_digest : :func:`training_digest` of the images they were trained on.
    """

    name: str
    layers: Mapping[str, object]
    recipe: Mapping[str, object]
    data_digest: str


def training_digest(train: DigitImages) -> str:
    """BLAKE2b hex digest (32 characters) of training images and their labels."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(np.ascontiguousarray(train.images, dtype=np.float64).tobytes())
    digest.update(np.ascontiguousarray(train.labels, dtype=np.int64).tobytes())
    return digest.hexdigest()


def read_networks_file(path: str | Path, load) -> tuple[NetworksFile, dict[str, object]]:
    """The metadata of a networks file and its tensors, read by ``load`` (safetensors'
    ``numpy`` or ``torch`` loader of bytes).

    Raises
    ------
    OSError
        The file cannot be read (missing, not a regular file, over 16 MB).
    ValueError
        One sentence naming what is wrong: not safetensors, or no recipe, layers or digest.
    """
    data = read_regular_file(path, MAX_FILE_BYTES, "networks file")
    name = Path(path).name
    try:
        tensors = load(data)
        metadata = _metadata(data)
    except Exception as error:  # safetensors raises its own SafetensorError and others
        raise ValueError(f"{name} is not a readable safetensors file ({error}).") from None
    try:
        recipe = json.loads(metadata["recipe"])
        layers = json.loads(metadata["layers"])
        digest = str(metadata["data_digest"])
    except (KeyError, TypeError, json.JSONDecodeError) as error:
        raise ValueError(f"{name} lacks the recipe, layers or data digest ({error}).") from None
    if not isinstance(recipe, dict) or not isinstance(layers, dict):
        raise ValueError(f"{name}'s recipe and layers must be JSON objects.")
    return NetworksFile(name, layers, recipe, digest), tensors


def part_tensors(tensors: Mapping[str, object], part: str) -> dict[str, object]:
    """The tensors of one part, named as in its layer list (``layer{i}.weight``)."""
    prefix = f"{part}."
    return {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}


def _metadata(data: bytes) -> dict[str, str]:
    """The ``__metadata__`` of safetensors bytes (an 8-byte length, then a JSON header)."""
    size = int.from_bytes(data[:8], "little")
    if not 0 < size <= len(data) - 8:
        raise ValueError("its header length is out of range")
    header = json.loads(data[8 : 8 + size])
    metadata = header.get("__metadata__") if isinstance(header, dict) else None
    if not isinstance(metadata, dict):
        raise ValueError("it has no metadata")
    return metadata


@dataclass(frozen=True)
class DigitLayers:
    """The shipped networks as numpy layers.

    Attributes
    ----------
    encoder : ``(N, 64) -> (N, latent_dim)``; decoder : ``(N, latent_dim) -> (N, 64)``;
    classifier : ``(N, 64) -> (N, 10)`` class scores.
    recipe, data_digest : as in the file.
    """

    encoder: NetworkLayers
    decoder: NetworkLayers
    classifier: NetworkLayers
    recipe: Mapping[str, object]
    data_digest: str


def load_digit_layers(path: str | Path = SHIPPED_FILE) -> DigitLayers:
    """Read the networks of a file written by
    :func:`engine.shipped_digit_networks.save_digit_networks` as numpy layers.

    Only Linear/ReLU stacks that start and end with a Linear layer are read here (what the
    shipped file holds); a file with anything else is refused with a ValueError, as is one
    whose weights are not finite float64 arrays of the sizes its layer list gives.
    """
    from safetensors.numpy import load

    contents, tensors = read_networks_file(path, load)
    parts = {
        part: _relu_stack(contents.layers.get(part), part_tensors(tensors, part)) for part in PARTS
    }
    for part, layers in parts.items():
        if isinstance(layers, str):
            raise ValueError(f"{contents.name}: the {part}: {layers}")
    encoder, decoder = parts["encoder"], parts["decoder"]
    if decoder.n_inputs != encoder.n_outputs or decoder.n_outputs != encoder.n_inputs:
        raise ValueError(f"{contents.name}: the encoder and the decoder do not fit together.")
    return DigitLayers(encoder, decoder, parts["classifier"], contents.recipe, contents.data_digest)


def _relu_stack(spec: object, weights: Mapping[str, object]) -> NetworkLayers | str:
    """The layers of a ``linear, relu, ..., linear`` layer list, or why not (a sentence)."""
    if not isinstance(spec, list) or len(spec) % 2 == 0:
        return "its layer list is not an odd-length list"
    affine = []
    for index, entry in enumerate(spec):
        kind = entry.get("kind") if isinstance(entry, dict) else None
        if kind != ("linear" if index % 2 == 0 else "relu"):
            return f"layer {index} is {kind!r}: only Linear and ReLU in turn are read here"
        if kind == "relu":
            continue
        weight, bias = weights.get(f"layer{index}.weight"), weights.get(f"layer{index}.bias")
        shape = (entry.get("out_features"), entry.get("in_features"))
        if not all(isinstance(a, np.ndarray) and a.dtype == np.float64 for a in (weight, bias)):
            return f"layer {index} lacks float64 weight and bias tensors"
        if weight.shape != shape or bias.shape != shape[:1]:
            return f"layer {index}'s tensors are not {shape} and {shape[:1]}"
        if affine and affine[-1][0].shape[0] != shape[1]:
            return f"layer {index} takes {shape[1]} inputs, not {affine[-1][0].shape[0]}"
        if not (np.isfinite(weight).all() and np.isfinite(bias).all()):
            return f"layer {index} has weights that are not finite"
        affine.append((weight, bias))
    slope = NEGATIVE_SLOPES["relu"]
    hidden = tuple(HiddenLayer(w, b, "relu", slope) for w, b in affine[:-1])
    return NetworkLayers(hidden, affine[-1][0], affine[-1][1], int(affine[0][0].shape[1]))
