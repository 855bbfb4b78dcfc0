"""Stable colour keys of activation patterns: the same pattern gets the same key in
every run, so a cell keeps its colour when a view is recomputed."""

from __future__ import annotations

import numpy as np


def packed_pattern_keys(packed: np.ndarray, n_bits: int) -> np.ndarray:
    """(R,) uint64 stable hash (FNV-1a over the bytes, then a 64-bit finaliser) of every
    pattern given packed: ``packed`` (R, ceil(n_bits / 8)) uint8 as
    ``np.packbits(patterns, axis=1)`` packs (R, n_bits) bool patterns."""
    key = np.full(len(packed), 0xCBF29CE484222325, dtype=np.uint64)
    prime = np.uint64(0x100000001B3)
    with np.errstate(over="ignore"):
        for column in np.asarray(packed, dtype=np.uint8).T:
            key = (key ^ column.astype(np.uint64)) * prime
        key ^= np.uint64(n_bits)
        key = (key ^ (key >> np.uint64(29))) * np.uint64(0xBF58476D1CE4E5B9)
        key ^= key >> np.uint64(32)
    return key


def pattern_colour_keys(patterns: np.ndarray) -> np.ndarray:
    """(R,) uint64 stable hash of every row of ``patterns`` (R, n_bits) bool: the key
    :func:`packed_pattern_keys` gives the packed rows."""
    patterns = np.asarray(patterns, dtype=bool)
    return packed_pattern_keys(np.packbits(patterns, axis=1), patterns.shape[1])
