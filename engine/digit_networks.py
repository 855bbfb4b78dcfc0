"""A digits autoencoder's two halves, as torch models or as numpy layers.

The Paths page's networks come from torch training (``nn.Sequential`` stacks of Linear and
ReLU, float64) or from the shipped file read without torch
(:class:`engine.networks.NetworkLayers`, :mod:`engine.shipped_digit_layers`). Every routine
of the engine takes either; this module runs either on images and codes, importing torch
only for a torch model (which exists only once torch is imported).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.networks import NetworkLayers

if TYPE_CHECKING:
    from torch import nn


def network_outputs(model: nn.Sequential | NetworkLayers, x: np.ndarray) -> np.ndarray:
    """(N, n_out) float64 outputs of ``model`` at the (N, n_in) inputs ``x``: numpy's
    matrix products for layers, torch's float64 forward for a torch model."""
    x = np.asarray(x, dtype=np.float64)
    if isinstance(model, NetworkLayers):
        return model.forward(x)[0]
    import torch

    with torch.no_grad():
        return model(torch.as_tensor(x)).numpy()


def torch_network(model: nn.Sequential | NetworkLayers) -> nn.Sequential:
    """``model`` as a float64 torch ``nn.Sequential`` (built from layers, weights exact)."""
    if isinstance(model, NetworkLayers):
        from engine.torch_networks import torch_model

        return torch_model(model).eval()
    return model


def input_size(model: nn.Sequential | NetworkLayers) -> int:
    """How many inputs ``model`` takes."""
    return model.n_inputs if isinstance(model, NetworkLayers) else int(model[0].in_features)


def output_size(model: nn.Sequential | NetworkLayers) -> int:
    """How many outputs ``model`` gives."""
    return model.n_outputs if isinstance(model, NetworkLayers) else int(model[-1].out_features)


def hidden_widths(model: nn.Sequential | NetworkLayers) -> tuple[int, ...]:
    """The widths of ``model``'s Linear layers before its last, input side first."""
    if isinstance(model, NetworkLayers):
        return model.widths
    widths = [int(m.out_features) for m in model if hasattr(m, "out_features")]
    return tuple(widths[:-1])


@dataclass(frozen=True)
class Autoencoder:
    """An encoder and a decoder, each Linear and ReLU layers in float64: torch models
    (``nn.Sequential``) or numpy layers (:class:`engine.networks.NetworkLayers`).

    ``encoder``: (N, n_pixels) -> (N, latent_dim); ``decoder``: (N, latent_dim) ->
    (N, n_pixels). Both end in a Linear layer, so the decoder is piecewise affine on the
    whole latent space.
    """

    encoder: nn.Sequential | NetworkLayers
    decoder: nn.Sequential | NetworkLayers

    @property
    def latent_dim(self) -> int:
        return output_size(self.encoder)

    @property
    def n_pixels(self) -> int:
        return input_size(self.encoder)

    def encode(self, x: np.ndarray) -> np.ndarray:
        """(N, n_pixels) -> (N, latent_dim) float64 latent codes."""
        return network_outputs(self.encoder, x)

    def decode(self, z: np.ndarray) -> np.ndarray:
        """(N, latent_dim) -> (N, n_pixels) float64 decoded images (not clipped)."""
        return network_outputs(self.decoder, z)
