"""The hull experiments' runs in the result cache (:mod:`engine.result_cache`).

:func:`cached_experiment` runs an experiment generator, or replays its last progress
step from the cache: the final :class:`~engine.experiments.ExperimentProgress` (its
counts, message and result, table included) comes back exactly as the run yielded it,
each number with its Python or numpy type, each series with its arrays' dtypes.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import numpy as np

from engine.experiments import ExperimentProgress, ExperimentResult, Series
from engine.result_cache import CacheEntry, cached_steps, expect_array

#: The array dtypes a cached series may have.
SERIES_DTYPES = ("float64", "float32", "int64", "int32")

_SCALARS: dict[str, type] = {
    "bool": bool,
    "int": int,
    "float": float,
    "str": str,
    "float64": np.float64,
    "float32": np.float32,
    "int64": np.int64,
    "int32": np.int32,
    "bool_": np.bool_,
}
_TAGS = {kind: tag for tag, kind in _SCALARS.items()}


def cached_experiment(
    name: str, start: Callable[[], Generator[ExperimentProgress, None, object]]
) -> Generator[ExperimentProgress, None, object]:
    """``start()``'s progress, or its last step from the cache (keyed by ``name`` and by
    ``start``: its function and bound arguments)."""
    return cached_steps(f"experiment-{name}", start, start, _encode, _decode)


def encode_scalar(value: Any) -> list[Any]:
    """``[tag, value]`` for a table cell (TypeError for a type that is not kept)."""
    if value is None:
        return ["none", None]
    tag = _TAGS.get(type(value))
    if tag is None:
        raise TypeError(f"a {type(value).__name__} is not cached")
    plain = value.item() if isinstance(value, np.generic) else value
    if isinstance(plain, float) and not np.isfinite(plain):
        return [tag, repr(plain)]  # nan, inf, -inf: JSON has no words for them
    return [tag, plain]


def decode_scalar(tagged: Any) -> Any:
    """The value :func:`encode_scalar` described (ValueError for anything else)."""
    tag, plain = tagged
    if tag == "none":
        return None
    kind = _SCALARS[tag]
    if isinstance(plain, str) and tag != "str":
        if plain not in ("nan", "inf", "-inf") or "float" not in tag:
            raise ValueError(f"cached {tag} {plain!r}")
        plain = float(plain)
    if not isinstance(plain, bool | int | float | str):
        raise ValueError(f"cached {tag} is a {type(plain).__name__}")
    return kind(plain)


def _encode(
    last: ExperimentProgress, returned: object
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    if not isinstance(last, ExperimentProgress) or returned is not last.result:
        raise TypeError("only a run whose last step carries its result is cached")
    result = last.result
    arrays: dict[str, np.ndarray] = {}
    series = []
    for i, line in enumerate(result.series):
        for part in ("x", "y", "stderr"):
            array = getattr(line, part)
            if array is None:
                continue
            if array.ndim != 1 or str(array.dtype) not in SERIES_DTYPES:
                raise TypeError(f"series {part} of shape {array.shape}, {array.dtype}")
            arrays[f"series{i}.{part}"] = array
        series.append(
            {
                "name": line.name,
                "group": line.group,
                "dtypes": [str(line.x.dtype), str(line.y.dtype)]
                + ([] if line.stderr is None else [str(line.stderr.dtype)]),
                "exact": bool(line.exact),
                "variant": int(line.variant),
            }
        )
    values = {
        "done": int(last.done),
        "total": int(last.total),
        "message": str(last.message),
        "title": result.title,
        "x_label": result.x_label,
        "y_label": result.y_label,
        "log_x": bool(result.log_x),
        "series": series,
        "markers": [[str(label), encode_scalar(x)] for label, x in result.markers],
        "header": [str(h) for h in result.header],
        "rows": [[encode_scalar(v) for v in row] for row in result.rows],
    }
    return arrays, values


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("cached text is not text")
    return value


def _decode(entry: CacheEntry) -> tuple[ExperimentProgress, ExperimentResult]:
    values, arrays = entry.values, entry.arrays
    series = []
    for i, line in enumerate(values["series"]):
        dtypes = line["dtypes"]
        if len(dtypes) not in (2, 3) or any(d not in SERIES_DTYPES for d in dtypes):
            raise ValueError("cached series dtypes")
        x = expect_array(arrays, f"series{i}.x", dtypes[0], (None,))
        y = expect_array(arrays, f"series{i}.y", dtypes[1], (len(x),))
        stderr = None
        if len(dtypes) == 3:
            stderr = expect_array(arrays, f"series{i}.stderr", dtypes[2], (len(x),))
        series.append(
            Series(
                _text(line["name"]),
                _text(line["group"]),
                x,
                y,
                stderr,
                exact=bool(line["exact"]),
                variant=int(line["variant"]),
            )
        )
    if len(arrays) != sum(len(line["dtypes"]) for line in values["series"]):
        raise ValueError("cached experiment has arrays no series names")
    result = ExperimentResult(
        title=_text(values["title"]),
        x_label=_text(values["x_label"]),
        y_label=_text(values["y_label"]),
        log_x=bool(values["log_x"]),
        series=tuple(series),
        markers=tuple((_text(label), decode_scalar(x)) for label, x in values["markers"]),
        header=tuple(_text(h) for h in values["header"]),
        rows=tuple(tuple(decode_scalar(v) for v in row) for row in values["rows"]),
    )
    progress = ExperimentProgress(
        int(values["done"]), int(values["total"]), _text(values["message"]), result
    )
    return progress, result
