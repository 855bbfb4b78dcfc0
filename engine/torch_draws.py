"""Uniform draws equal, bit for bit, to torch's seeded CPU generator's, without torch.

``torch.Generator().manual_seed(seed)`` followed by ``torch.rand(shape, generator=...,
dtype=torch.float64)`` is a Mersenne Twister (MT19937) seeded by ``init_genrand`` with the
seed's low 32 bits, whose 32-bit outputs are paired into 64-bit words (first output high)
and kept to 53 bits: ``x = (word & (2**53 - 1)) * 2**-53``, in row-major order.
:class:`TorchUniform` reproduces that stream with numpy's MT19937, so code that must give
the numbers it always gave (the Volume page's Monte-Carlo runs and distance samples)
needs no torch import, about a second of start-up. ``tests/engine/test_torch_draws.py``
checks the equality against torch itself.

:class:`TorchGenerator` adds ``Tensor.normal_``'s zero-mean draws (what
:func:`engine.networks.random_mlp` initialises its weights with), so the network a
training starts from can be shown before torch is imported. Their Box-Muller transform
calls the C library's ``log``, ``cos`` and ``sin`` (``logf``, ``cosf``, ``sinf`` in
float32) as torch's CPU kernel does on its default build; its AVX2 build (which AVX-512
machines run too) uses its own float32 functions, reproduced by :mod:`engine.torch_float_maths`
(:func:`torch_uses_avx2` guesses which build runs; a caller that must be exact on any
build compares with torch's numbers once torch is imported).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import itertools
import math
import os
import sys

import numpy as np

from engine.torch_float_maths import avx_log, avx_sincos

#: The Mersenne Twister's state length (32-bit words).
_STATE_WORDS = 624
#: Draws converted per step: bounds the temporary 64-bit words to 8 MB.
_CHUNK = 1 << 20
_MANTISSA = np.uint64((1 << 53) - 1)
#: torch's float32 uniforms keep 24 bits of one 32-bit output.
_FLOAT_MANTISSA = np.uint64((1 << 24) - 1)
#: Tensors of at least this many elements are filled by Box-Muller in blocks of 16.
_NORMAL_BLOCK = 16


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


@functools.lru_cache(maxsize=1)
def _c_maths() -> tuple:
    """The C library's ``logf``, ``cosf``, ``sinf`` (float32 in, float32 out)."""
    name = "libm.so.6" if sys.platform.startswith("linux") else ctypes.util.find_library("m")
    libm = ctypes.CDLL(name)
    functions = []
    for symbol in ("logf", "cosf", "sinf"):
        function = getattr(libm, symbol)
        function.argtypes, function.restype = [ctypes.c_float], ctypes.c_float
        functions.append(function)
    return tuple(functions)


def torch_uses_avx2() -> bool:
    """Whether torch's CPU kernels run their AVX2 build here (as it does on x86 machines
    with AVX2 and FMA, AVX-512 ones included, unless ``ATEN_CPU_CAPABILITY=default``)."""
    if os.environ.get("ATEN_CPU_CAPABILITY", "").strip().lower() == "default":
        return False
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            for line in itertools.islice(cpuinfo, 64):
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return {"avx2", "fma"} <= flags
    except OSError:
        pass
    return False


class TorchGenerator(TorchUniform):
    """The draws of ``torch.Generator().manual_seed(seed)`` that weights are initialised
    with: float64 uniforms (:meth:`rand`) and zero-mean normals (:meth:`normal`), in the
    order torch draws them, the cached second Box-Muller sample included.

    ``avx2`` says which float32 maths torch's kernel uses (default: this machine's)."""

    def __init__(self, seed: int, *, avx2: bool | None = None) -> None:
        super().__init__(seed)
        self._next_normal: float | None = None  # torch's next_double_normal_sample
        self._avx2 = torch_uses_avx2() if avx2 is None else bool(avx2)

    def _float_uniforms(self, count: int) -> np.ndarray:
        """(count,) float32: torch's float32 uniforms, one 32-bit output each."""
        raw = self._bits.random_raw(count)
        return ((raw & _FLOAT_MANTISSA).astype(np.float64) * 2.0**-24).astype(np.float32)

    def normal(self, count: int, std: float, dtype: type = np.float64) -> np.ndarray:
        """(count,) ``dtype``: what ``tensor.normal_(0.0, std, generator=...)`` writes into
        a contiguous tensor of ``count`` elements of ``dtype`` (float32 or float64)."""
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"normal draws are float32 or float64, not {dtype}")
        if count < _NORMAL_BLOCK:
            return np.array([self._serial_normal(std) for _ in range(int(count))], dtype=dtype)
        draw = self._float_uniforms if dtype == np.float32 else self._double_uniforms
        data = draw(int(count))
        whole = count - count % _NORMAL_BLOCK
        data[:whole] = self._box_muller(data[:whole], std)
        if count % _NORMAL_BLOCK:  # torch redraws the last 16 elements
            data[count - _NORMAL_BLOCK :] = self._box_muller(draw(_NORMAL_BLOCK), std)
        return data

    def _double_uniforms(self, count: int) -> np.ndarray:
        return self.rand(1, count).reshape(-1)

    def _serial_normal(self, std: float) -> float:
        """One double normal sample of ``at::normal_distribution<double>``: a pair is
        drawn, the cosine one returned and the sine one kept for the next call."""
        if self._next_normal is not None:
            sample, self._next_normal = self._next_normal, None
        else:
            u1, u2 = self._double_uniforms(2)
            radius = math.sqrt(-2.0 * math.log1p(-u2))
            theta = 2.0 * math.pi * u1
            self._next_normal = radius * math.sin(theta)
            sample = radius * math.cos(theta)
        return sample * std + 0.0

    def _box_muller(self, uniforms: np.ndarray, std: float) -> np.ndarray:
        """(16 k,) normals from (16 k,) uniforms: in each block of 16, the first 8 with
        the last 8 make 8 pairs (cosines first, sines last)."""
        blocks = uniforms.reshape(-1, 2, 8)
        u1, u2 = 1 - blocks[:, 0], blocks[:, 1]
        if uniforms.dtype == np.float64:
            radius = np.array([math.sqrt(-2.0 * math.log(u)) for u in u1.ravel()])
            theta = (2.0 * math.pi * u2).ravel()
            cosine = np.array([math.cos(t) for t in theta])
            sine = np.array([math.sin(t) for t in theta])
        elif self._avx2:
            radius = np.sqrt(np.float32(-2.0) * avx_log(u1.ravel()))
            sine, cosine = avx_sincos(np.float32(2.0 * math.pi) * u2.ravel())
        else:
            logf, cosf, sinf = _c_maths()
            radius = np.sqrt(np.float32(-2.0) * np.array([logf(u) for u in u1.ravel()], np.float32))
            theta = (2.0 * math.pi * u2.astype(np.float64)).astype(np.float32).ravel()
            cosine = np.array([cosf(t) for t in theta], dtype=np.float32)
            sine = np.array([sinf(t) for t in theta], dtype=np.float32)
        scale = uniforms.dtype.type(std)
        pairs = np.stack([radius * cosine * scale, radius * sine * scale])
        return pairs.reshape(2, -1, 8).transpose(1, 0, 2).reshape(-1)
