"""Hidden-layer widths typed as text (``"8, 8"``) and the activations' names, for every
form that asks for a network."""

from __future__ import annotations

ACTIVATION_TITLES = {"relu": "ReLU", "leaky_relu": "LeakyReLU (0.01)", "abs": "absolute value"}


def parse_widths(text: str, *, max_width: int, max_layers: int) -> tuple[int, ...]:
    """Hidden widths from text like ``"8,8"`` or ``"16, 16, 16"``: at most ``max_layers``
    whole numbers between 1 and ``max_width``.

    Raises
    ------
    ValueError
        With a message for the user saying what is wrong and what is expected.
    """
    items = [item.strip() for item in text.split(",")]
    if items == [""]:
        raise ValueError("Enter the hidden layer widths, e.g. 8,8.")
    problems = []
    for position, item in enumerate(items, start=1):
        if not item:
            problems.append(f"item {position} is empty")
        elif not item.isdecimal():  # isdigit() also takes "²", which int() refuses
            problems.append(f"item {position} ({item!r}) is not a whole number")
        elif len(item) > 9 or not 1 <= int(item) <= max_width:
            problems.append(f"item {position} ({item}) is not between 1 and {max_width}")
    if problems:
        raise ValueError(
            f"{'; '.join(problems).capitalize()}. Write widths as whole numbers "
            "separated by commas, e.g. 8,8."
        )
    if len(items) > max_layers:
        raise ValueError(f"{len(items)} hidden layers: use at most {max_layers}, e.g. 8,8.")
    return tuple(int(item) for item in items)
