"""The digits networks shipped with Splinescope, and the seeded script that trains them.

The Paths page needs a classifier and a 2-D autoencoder of scikit-learn's 8x8 digits before
it shows anything; training them takes seconds, so a fresh install reads them from
``resources/models/digits-paths.safetensors`` instead. This module trains them, writes
that file and reads it back. Run it to train them again, reproducibly::

    python -m engine.shipped_digit_networks [--out FILE]

The recipe is :data:`SHIPPED_RECIPE`: the digits split 80/20 with seed 0, a
``64 -> 64 -> 32 -> 10`` classifier trained 30 epochs and a ``64 -> 64 -> 32 -> 2 -> 32
-> 64 -> 64`` autoencoder trained 150 epochs, both with seed 0 (the page's defaults).
Training runs on one torch thread, so the same seed gives the same weights on the same
machine and torch build; elsewhere float rounding may differ, and the contract is the
same quality (see :func:`network_quality`).

The file is plain safetensors: tensors ``{part}.layer{i}.weight|bias`` for the parts
``encoder``, ``decoder``, ``classifier``, and the metadata ``"recipe"`` (JSON of the
recipe), ``"layers"`` (JSON of each part's :func:`engine.network_spec.network_spec`) and
``"data_digest"`` (BLAKE2b of the training images and labels it was trained on).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from engine.digit_models import (
    Autoencoder,
    autoencoder_from,
    run_to_end,
    train_autoencoder,
    train_classifier,
)
from engine.digits import DigitImages, load_digits, train_test_split
from engine.network_spec import NetworkSpecError, build_network, network_spec, network_tensors
from engine.safe_files import write_atomically
from engine.shipped_digit_layers import (
    PARTS,
    SHIPPED_FILE,
    SHIPPED_RECIPE,
    part_tensors,
    read_networks_file,
    training_digest,
)


@dataclass(frozen=True)
class DigitNetworks:
    """A digits classifier and autoencoder, and how they were trained.

    Attributes
    ----------
    autoencoder : float64 encoder ``(N, 64) -> (N, latent_dim)`` and decoder back.
    classifier : float64 Linear/ReLU ``(N, 64) -> (N, 10)`` class scores.
    recipe : the training recipe (keys of :data:`SHIPPED_RECIPE`).
    data_digest : BLAKE2b hex digest of the training images and labels.
    """

    autoencoder: Autoencoder
    classifier: nn.Sequential
    recipe: Mapping[str, object]
    data_digest: str


def digits_split(recipe: Mapping[str, object] = SHIPPED_RECIPE) -> tuple[DigitImages, DigitImages]:
    """The recipe's (train, test) split of scikit-learn's digits."""
    return train_test_split(
        load_digits(), float(recipe["test_fraction"]), seed=int(recipe["split_seed"])
    )


def train_digit_networks(
    train: DigitImages, recipe: Mapping[str, object] = SHIPPED_RECIPE
) -> DigitNetworks:
    """Train the recipe's classifier, then its autoencoder, on ``train`` (seconds)."""
    hidden, seed = [int(w) for w in recipe["hidden"]], int(recipe["seed"])
    classifier = run_to_end(
        train_classifier(
            train.flat,
            train.labels,
            hidden,
            epochs=int(recipe["classifier_epochs"]),
            seed=seed,
        )
    )
    autoencoder = run_to_end(
        train_autoencoder(
            train.flat,
            hidden,
            int(recipe["latent_dim"]),
            epochs=int(recipe["autoencoder_epochs"]),
            seed=seed,
        )
    )
    return DigitNetworks(autoencoder, classifier, dict(recipe), training_digest(train))


def networks_bytes(networks: DigitNetworks) -> bytes:
    """The safetensors bytes of ``networks`` (the module docstring gives the layout)."""
    from safetensors.torch import save

    models = _parts(networks)
    tensors = {
        f"{part}.{name}": tensor
        for part, model in models.items()
        for name, tensor in network_tensors(model).items()
    }
    metadata = {
        "recipe": json.dumps(dict(networks.recipe), sort_keys=True),
        "layers": json.dumps({part: network_spec(model) for part, model in models.items()}),
        "data_digest": networks.data_digest,
    }
    return save(tensors, metadata=metadata)


def save_digit_networks(networks: DigitNetworks, path: str | Path) -> None:
    """Write ``networks`` to ``path`` (atomically: a crash leaves the old file)."""
    data = networks_bytes(networks)
    write_atomically(Path(path), lambda stream: stream.write(data))


def load_digit_networks(path: str | Path = SHIPPED_FILE) -> DigitNetworks:
    """Read networks written by :func:`save_digit_networks`.

    Raises
    ------
    OSError
        The file cannot be read (missing, not a regular file, over 16 MB).
    ValueError
        One sentence naming what is wrong with its contents (damaged tensors, missing or
        malformed metadata, layers that do not fit their weights or each other).
    """
    from safetensors.torch import load

    contents, tensors = read_networks_file(path, load)
    models = {}
    for part in PARTS:
        try:
            models[part] = build_network(contents.layers.get(part), part_tensors(tensors, part))
        except NetworkSpecError as error:
            raise ValueError(f"{contents.name}: the {part}: {error}") from None
    autoencoder = autoencoder_from(models["encoder"], models["decoder"])
    classifier = models["classifier"].to(torch.float64).eval()
    return DigitNetworks(autoencoder, classifier, contents.recipe, contents.data_digest)


def _parts(networks: DigitNetworks) -> dict[str, nn.Sequential]:
    auto = networks.autoencoder
    return {"encoder": auto.encoder, "decoder": auto.decoder, "classifier": networks.classifier}


@torch.no_grad()
def network_quality(networks: DigitNetworks, test: DigitImages) -> tuple[float, float]:
    """``(reconstruction_mse, accuracy)`` on ``test``: the autoencoder's mean squared error
    per pixel and the classifier's share of correct classes."""
    x = test.flat
    mse = float(np.mean((networks.autoencoder.decode(networks.autoencoder.encode(x)) - x) ** 2))
    scores = networks.classifier(torch.as_tensor(x, dtype=torch.float64)).numpy()
    return mse, float(np.mean(scores.argmax(axis=1) == test.labels))


def max_weight_difference(a: DigitNetworks, b: DigitNetworks) -> float:
    """The largest absolute difference between matching weights of two networks sets."""
    largest = 0.0
    for part, model in _parts(a).items():
        other = network_tensors(_parts(b)[part])
        for name, tensor in network_tensors(model).items():
            if other.get(name) is None or other[name].shape != tensor.shape:
                return float("inf")
            largest = max(largest, float((tensor - other[name]).abs().max()))
    return largest


def main(argv: list[str] | None = None) -> int:
    """Train the shipped networks and write them (``--out``, default the shipped file)."""
    parser = argparse.ArgumentParser(
        prog="python -m engine.shipped_digit_networks", description=main.__doc__
    )
    parser.add_argument("--out", type=Path, default=SHIPPED_FILE)
    args = parser.parse_args(argv)
    train, test = digits_split()
    networks = train_digit_networks(train)
    mse, accuracy = network_quality(networks, test)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_digit_networks(networks, args.out)
    print(f"wrote {args.out}: test reconstruction MSE {mse:.5f}, test accuracy {accuracy:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
