"""How numbers and indexed names are written in the panels: ``f₁``, ``−0.125``."""

from __future__ import annotations

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
MINUS = "−"


def subscript(index: int) -> str:
    """``12`` -> ``₁₂``."""
    return str(index).translate(_SUBSCRIPTS)


def output_names(n_out: int, name: str = "f") -> list[str]:
    """``["f₁", "f₂", ...]``: outputs are numbered from 1 on screen."""
    return [f"{name}{subscript(i + 1)}" for i in range(n_out)]


def format_number(value: float, digits: int = 3, *, sign: bool = False) -> str:
    """A number with a true minus sign (and an explicit plus when ``sign``)."""
    text = f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"
    return text.replace("-", MINUS)
