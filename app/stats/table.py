"""The table of slice rows: TSV (stdout or a file) or Parquet."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path

from app.stats.tasks import SliceRow

#: Columns, in order (the area histogram goes to the figure, not the table).
COLUMNS = tuple(
    f.name for f in fields(SliceRow) if f.name not in ("area_histogram", "network_index")
)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return format(value, ".12g")
    return str(value).replace("\t", " ").replace("\n", " ")


def tsv_text(rows: Sequence[SliceRow]) -> str:
    """The rows as tab-separated text with a header line."""
    lines = ["\t".join(COLUMNS)]
    lines += ["\t".join(_cell(getattr(row, name)) for name in COLUMNS) for row in rows]
    return "\n".join(lines) + "\n"


def write_table(rows: Sequence[SliceRow], path: Path) -> None:
    """Write the rows to ``path`` (.tsv or .parquet) or to stdout for ``-``."""
    if str(path) == "-":
        sys.stdout.write(tsv_text(rows))
        sys.stdout.flush()
    elif path.suffix.lower() == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        columns = {name: [getattr(row, name) for row in rows] for name in COLUMNS}
        pq.write_table(pa.table(columns), path)
    else:
        path.write_text(tsv_text(rows), encoding="utf-8")
