"""torch's float32 ``log``, ``sin`` and ``cos`` on AVX2 machines, in numpy, bit for bit.

torch's CPU kernel for ``Tensor.normal_`` on float32 tensors of 16 or more elements
(its AVX2 build, also used on AVX-512 machines) computes the Box-Muller transform with
the Cephes-based ``log256_ps`` and ``sincos256_ps`` of ``ATen/native/cpu/avx_mathfun.h``.
These are plain float32 arithmetic, with every product that feeds a sum contracted into
one fused multiply-add (the compiler does so), which this module reproduces: same
constants, same order, same roundings. :mod:`engine.torch_draws` uses them; its tests
check the draws against torch.
"""

from __future__ import annotations

import numpy as np

_F32 = np.float32
_ONE = _F32(1.0)
_HALF = _F32(0.5)
_LOG_POLY = tuple(
    _F32(v)
    for v in (
        7.0376836292e-2,
        -1.1514610310e-1,
        1.1676998740e-1,
        -1.2420140846e-1,
        1.4249322787e-1,
        -1.6668057665e-1,
        2.0000714765e-1,
        -2.4999993993e-1,
        3.3333331174e-1,
    )
)
_LOG_Q1 = _F32(-2.12194440e-4)
_LOG_Q2 = _F32(0.693359375)
_SQRT_HALF = _F32(0.707106781186547524)
_MIN_NORMAL = np.array(0x00800000, dtype=np.int32).view(np.float32)
_HALF_BITS = np.array(0.5, dtype=np.float32).view(np.int32)
_MINUS_DP = tuple(
    _F32(v) for v in (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8)
)
_SIN_POLY = tuple(_F32(v) for v in (-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1))
_COS_POLY = tuple(
    _F32(v) for v in (2.443315711809948e-005, -1.388731625493765e-003, 4.166664568298827e-002)
)
_FOUR_OVER_PI = _F32(1.27323954473516)
_SIGN_BIT = np.int32(-(2**31))


def fused_multiply_add(a, b, c) -> np.ndarray:
    """float32 ``a * b + c`` rounded once, as the ``vfmadd`` instruction gives it.

    The product of two float32 is exact in float64; the float64 sum is corrected where it
    would round to a float32 tie the exact sum is not on (TwoSum's error term says which
    way), so rounding it to float32 rounds the exact value."""
    product = np.asarray(a, dtype=np.float64) * np.asarray(b, dtype=np.float64)
    addend = np.asarray(c, dtype=np.float64)
    total = product + addend
    back = total - product
    error = (product - (total - back)) + (addend - back)
    rounded = total.astype(np.float32)
    toward = np.nextafter(rounded, np.where(total > rounded, np.inf, -np.inf).astype(np.float32))
    midpoint = 0.5 * (rounded.astype(np.float64) + toward.astype(np.float64))
    tie = (total == midpoint) & (rounded.astype(np.float64) != total) & (error != 0.0)
    if np.any(tie):
        total = np.where(tie, np.nextafter(total, np.copysign(np.inf, error)), total)
        rounded = total.astype(np.float32)
    return rounded


def avx_log(x: np.ndarray) -> np.ndarray:
    """(n,) float32 ``log256_ps(x)`` for positive float32 ``x`` (n,)."""
    x = np.maximum(np.asarray(x, dtype=np.float32), _MIN_NORMAL)
    bits = x.view(np.int32)
    exponent = (bits.view(np.uint32) >> 23).astype(np.int32) - 0x7F
    x = ((bits & ~0x7F800000) | _HALF_BITS).view(np.float32)
    e = exponent.astype(np.float32) + _ONE
    below = x < _SQRT_HALF
    tmp = np.where(below, x, _F32(0.0))
    x = x - _ONE
    e = e - np.where(below, _ONE, _F32(0.0))
    x = x + tmp
    z = x * x
    y = np.full_like(x, _LOG_POLY[0])
    for coefficient in _LOG_POLY[1:]:
        y = fused_multiply_add(y, x, coefficient)
    y = y * x
    y = fused_multiply_add(y, z, e * _LOG_Q1)
    y = fused_multiply_add(-z, _HALF, y)
    x = x + y
    return fused_multiply_add(e, _LOG_Q2, x)


def avx_sincos(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(n,) float32 sine and cosine of float32 ``x`` (n,), as ``sincos256_ps`` gives them."""
    x = np.asarray(x, dtype=np.float32)
    sign_sin = x.view(np.int32) & _SIGN_BIT
    x = np.abs(x)
    octant = (((x * _FOUR_OVER_PI).astype(np.int32)) + 1) & ~1
    y = octant.astype(np.float32)
    sign_sin = sign_sin ^ ((octant & 4) << 29)
    sign_cos = (~(octant - 2) & 4) << 29
    sine_first = (octant & 2) == 0
    for dp in _MINUS_DP:
        x = fused_multiply_add(y, dp, x)
    z = x * x
    cos_poly = np.full_like(x, _COS_POLY[0])
    for coefficient in _COS_POLY[1:]:
        cos_poly = fused_multiply_add(cos_poly, z, coefficient)
    cos_poly = cos_poly * z
    cos_poly = fused_multiply_add(cos_poly, z, -(z * _HALF)) + _ONE
    sin_poly = np.full_like(x, _SIN_POLY[0])
    for coefficient in _SIN_POLY[1:]:
        sin_poly = fused_multiply_add(sin_poly, z, coefficient)
    sin_poly = fused_multiply_add(sin_poly * z, x, x)
    sine = np.where(sine_first, sin_poly, cos_poly)
    cosine = np.where(sine_first, cos_poly, sin_poly)
    return (sine.view(np.int32) ^ sign_sin).view(np.float32), (
        cosine.view(np.int32) ^ sign_cos
    ).view(np.float32)
