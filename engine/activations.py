"""The piecewise-linear activations the engine knows, by name: what a network's layers
may use between their affine maps, and the slope each has below zero."""

from __future__ import annotations

#: Activation names, as layer lists and settings spell them.
ACTIVATIONS = ("relu", "leaky_relu", "abs")
#: The slope below zero of each (LeakyReLU's default slope, as ``nn.LeakyReLU()`` has it).
NEGATIVE_SLOPES = {"relu": 0.0, "leaky_relu": 0.01, "abs": -1.0}


def check_activation(kind: str) -> str:
    """``kind`` if it names an activation, else ValueError saying which do."""
    if kind not in ACTIVATIONS:
        raise ValueError(f"unknown activation {kind!r}; choose one of {', '.join(ACTIVATIONS)}")
    return kind
