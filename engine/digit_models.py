"""ReLU networks trained on digit images: a classifier and an autoencoder.

Both are plain ``nn.Sequential`` stacks of ``nn.Linear`` and ``nn.ReLU``, so every
geometric routine of the engine (partitions, paths, probes) takes them as they are. The
training functions are generators: they yield a :class:`EpochProgress` after every epoch
and *return* the trained float64 model, so a worker can report progress and a caller can
stop at any yield (closing the generator simply abandons the run). Training runs in
float32 on one torch thread; the returned models are float64 copies, which is what the
engine computes geometry in. Everything is seeded.
"""

from __future__ import annotations

import copy
from collections.abc import Generator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from engine.digit_networks import Autoencoder
from engine.networks import network_layers, random_mlp
from engine.training import one_torch_thread


@dataclass(frozen=True)
class EpochProgress:
    """How a training run stands after an epoch.

    Attributes
    ----------
    epoch : epochs completed (1-based).
    epochs : epochs the run will train in all.
    loss : mean training loss over the epoch's batches (cross-entropy for the classifier,
        mean squared error per pixel for the autoencoder).
    accuracy : the classifier's accuracy on the whole training set after the epoch, in
        [0, 1]; NaN for the autoencoder.
    """

    epoch: int
    epochs: int
    loss: float
    accuracy: float

    @property
    def fraction(self) -> float:
        """Share of the run completed, in [0, 1]."""
        return self.epoch / self.epochs if self.epochs else 1.0


def autoencoder_from(encoder: nn.Sequential, decoder: nn.Sequential) -> Autoencoder:
    """An :class:`Autoencoder` of an encoder and a decoder built apart (e.g. read from a
    session file), checked to fit together; both are moved to float64 in place (lossless).

    Parameters
    ----------
    encoder : Linear/ReLU stack ``n_pixels -> ... -> latent_dim``, Linear first and last.
    decoder : Linear/ReLU stack ``latent_dim -> ... -> n_pixels``, Linear first and last.

    Raises
    ------
    ValueError
        Naming what does not fit (a part that is not analysable, does not start or end
        with a Linear layer, or whose sizes do not chain).
    """
    for part, model in (("encoder", encoder), ("decoder", decoder)):
        network_layers(model)  # raises ValueError for what the engine cannot analyse
        if not (isinstance(model[0], nn.Linear) and isinstance(model[-1], nn.Linear)):
            raise ValueError(f"the {part} must start and end with a Linear layer")
    n_pixels, latent_dim = encoder[0].in_features, encoder[-1].out_features
    if decoder[0].in_features != latent_dim or decoder[-1].out_features != n_pixels:
        raise ValueError(
            f"the encoder maps {n_pixels} pixels to {latent_dim} latent values but the "
            f"decoder maps {decoder[0].in_features} to {decoder[-1].out_features}"
        )
    return Autoencoder(encoder.to(torch.float64).eval(), decoder.to(torch.float64).eval())


def _as_float64(model: nn.Sequential) -> nn.Sequential:
    return copy.deepcopy(model).to(torch.float64).eval()


def _batches(n: int, batch_size: int, generator: torch.Generator) -> list[torch.Tensor]:
    order = torch.randperm(n, generator=generator)
    return list(torch.split(order, max(1, min(batch_size, n))))


def _check_epochs(epochs: int, batch_size: int, learning_rate: float) -> None:
    if epochs < 0 or batch_size < 1 or not learning_rate > 0:
        raise ValueError(
            f"need epochs >= 0, batch size >= 1 and a positive learning rate, got "
            f"{epochs}, {batch_size}, {learning_rate}"
        )


def train_classifier(
    x: np.ndarray,
    labels: np.ndarray,
    hidden: Sequence[int],
    *,
    epochs: int = 30,
    seed: int = 0,
    batch_size: int = 64,
    learning_rate: float = 3e-3,
    l2: float = 1e-4,
) -> Generator[EpochProgress, None, nn.Sequential]:
    """Train a ReLU MLP ``d -> hidden... -> n_classes`` with Adam and cross-entropy.

    Parameters
    ----------
    x : (N, d) float inputs (flattened images).
    labels : (N,) int classes ``0..n_classes-1`` (``n_classes = labels.max() + 1``).
    hidden : the hidden widths; the last one is the "embedding" :func:`embed` reads.
    epochs, seed, batch_size, learning_rate, l2 : optimiser settings; ``seed`` seeds the
        initial weights and the batch order.

    Yields
    ------
    EpochProgress after every epoch.

    Returns
    -------
    The trained model as a float64 ``nn.Sequential`` of Linear and ReLU layers.
    """
    _check_epochs(epochs, batch_size, learning_rate)
    x_train = torch.as_tensor(np.asarray(x, dtype=np.float32))
    y_train = torch.as_tensor(np.asarray(labels, dtype=np.int64))
    if x_train.ndim != 2 or y_train.shape != (len(x_train),):
        raise ValueError(
            f"need (N, d) inputs and (N,) labels, got {x_train.shape}, {y_train.shape}"
        )
    n_classes = int(y_train.max()) + 1
    model = random_mlp(
        hidden, n_inputs=x_train.shape[1], n_outputs=n_classes, seed=seed, dtype=torch.float32
    )
    optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate, weight_decay=l2)
    generator = torch.Generator().manual_seed(seed)
    for epoch in range(1, epochs + 1):
        with one_torch_thread():
            total = 0.0
            for chosen in _batches(len(x_train), batch_size, generator):
                loss = nn.functional.cross_entropy(model(x_train[chosen]), y_train[chosen])
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                optimiser.step()
                total += loss.item() * len(chosen)
            with torch.no_grad():
                accuracy = float((model(x_train).argmax(dim=1) == y_train).float().mean())
        yield EpochProgress(epoch, epochs, total / len(x_train), accuracy)
    return _as_float64(model)


@torch.no_grad()
def embed(model: nn.Sequential, x: np.ndarray) -> np.ndarray:
    """The activations of ``model``'s last hidden layer (after its ReLU).

    Parameters
    ----------
    model : a classifier from :func:`train_classifier` (Linear/ReLU, ending in Linear).
    x : (N, d) inputs.

    Returns
    -------
    (N, k) float64, k the last hidden width.
    """
    body = model[:-1]
    parameter = next(model.parameters())
    out = body(torch.as_tensor(np.asarray(x), dtype=parameter.dtype))
    return out.to(torch.float64).numpy()


def train_autoencoder(
    x: np.ndarray,
    hidden: Sequence[int],
    latent_dim: int,
    *,
    epochs: int = 150,
    seed: int = 0,
    batch_size: int = 64,
    learning_rate: float = 3e-3,
    l2: float = 0.0,
) -> Generator[EpochProgress, None, Autoencoder]:
    """Train a ReLU autoencoder ``d -> hidden... -> latent -> reversed(hidden)... -> d``.

    The loss is the mean squared error per pixel. No output squashing: the decoder ends in
    a Linear layer, so it stays piecewise affine (decoded pixels may leave [0, 1] a little).

    Parameters
    ----------
    x : (N, d) float inputs (flattened images).
    hidden : the encoder's hidden widths, input side first; the decoder mirrors them.
    latent_dim : width of the code (2 for a latent plane one can draw).
    epochs, seed, batch_size, learning_rate, l2 : optimiser settings, seeded as in
        :func:`train_classifier`.

    Yields
    ------
    EpochProgress after every epoch (``accuracy`` is NaN).

    Returns
    -------
    The trained :class:`Autoencoder`, float64.
    """
    _check_epochs(epochs, batch_size, learning_rate)
    if latent_dim < 1:
        raise ValueError(f"the latent dimension must be >= 1, got {latent_dim}")
    x_train = torch.as_tensor(np.asarray(x, dtype=np.float32))
    if x_train.ndim != 2:
        raise ValueError(f"need (N, d) inputs, got {tuple(x_train.shape)}")
    d = x_train.shape[1]
    encoder = random_mlp(hidden, n_inputs=d, n_outputs=latent_dim, seed=seed, dtype=torch.float32)
    decoder = random_mlp(
        list(hidden)[::-1], n_inputs=latent_dim, n_outputs=d, seed=seed + 1, dtype=torch.float32
    )
    parameters = [*encoder.parameters(), *decoder.parameters()]
    optimiser = torch.optim.Adam(parameters, lr=learning_rate, weight_decay=l2)
    generator = torch.Generator().manual_seed(seed)
    for epoch in range(1, epochs + 1):
        with one_torch_thread():
            total = 0.0
            for chosen in _batches(len(x_train), batch_size, generator):
                batch = x_train[chosen]
                loss = nn.functional.mse_loss(decoder(encoder(batch)), batch)
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                optimiser.step()
                total += loss.item() * len(chosen)
        yield EpochProgress(epoch, epochs, total / len(x_train), float("nan"))
    return Autoencoder(_as_float64(encoder), _as_float64(decoder))


def run_to_end(run: Generator[EpochProgress, None, object]) -> object:
    """Drive a training generator to its end and return what it returns."""
    while True:
        try:
            next(run)
        except StopIteration as stop:
            return stop.value
