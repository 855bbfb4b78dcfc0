"""Uniform draws equal, bit for bit, to torch's seeded CPU generator's, without torch.

``torch.Generator().manual_seed(seed)`` followed by ``torch.rand(shape, generator=...,
dtype=torch.float64)`` is a Mersenne Twister (MT19937) seeded by ``init_genrand`` with the
seed's low 32 bits, whose 32-bit outputs are paired into 64-bit words (first output high)
and kept to 53 bits: ``x = (word & (2**53 - 1)) * 2**-53``, in row-major order.
:class:`TorchUniform` reproduces that stream with numpy's MT19937, so code that must give
the numbers it always gave (the Volume page's Monte-Carlo runs and distance samples)
needs no torch import, about a second of start-up. ``tests/engine/test_torch_draws.py``
checks the equality against torch itself.
"""

from __future__ import annotations

import numpy as np

#: The Mersenne Twister's state length (32-bit words).
_STATE_WORDS = 624
#: Draws converted per step: bounds the temporary 64-bit words to 8 MB.
_CHUNK = 1 << 20
_MANTISSA = np.uint64((1 << 53) - 1)


def _seeded_state(seed: int) -> np.ndarray:
    """(624,) uint32: MT19937's ``init_genrand`` state for the low 32 bits of ``seed``."""
    key = np.empty(_STATE_WORDS, dtype=np.uint32)
    word = int(seed) & 0xFFFFFFFF
    key[0] = word
    for i in range(1, _STATE_WORDS):
        word = (1812433253 * (word ^ (word >> 30)) + i) & 0xFFFFFFFF
        key[i] = word
    return key


class TorchUniform:
    """The float64 uniform draws of ``torch.Generator().manual_seed(seed)``.

    Successive :meth:`rand` calls continue the stream, as successive ``torch.rand`` calls
    on one generator do.
    """

    def __init__(self, seed: int) -> None:
        self._bits = np.random.MT19937()
        self._bits.state = {
            "bit_generator": "MT19937",
            "state": {"key": _seeded_state(seed), "pos": _STATE_WORDS},
        }

    def rand(self, rows: int, columns: int) -> np.ndarray:
        """(rows, columns) float64 in [0, 1): what ``torch.rand((rows, columns),
        generator=..., dtype=torch.float64)`` returns next."""
        out = np.empty(int(rows) * int(columns), dtype=np.float64)
        for start in range(0, out.size, _CHUNK):
            stop = min(start + _CHUNK, out.size)
            raw = self._bits.random_raw(2 * (stop - start)).reshape(-1, 2)
            words = (raw[:, 0] << np.uint64(32)) | raw[:, 1]
            np.multiply(words & _MANTISSA, 2.0**-53, out=out[start:stop])
        return out.reshape(int(rows), int(columns))
