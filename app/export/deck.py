"""The index page of a deck of figures written by ``splinescope export --deck``."""

from __future__ import annotations

import html
from pathlib import Path


def write_deck_index(folder: Path, rows: list[dict[str, str]], theme: str) -> Path:
    """``index.html`` listing every figure of a deck: file, preset, view and size."""
    lines = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8"><title>Splinescope talk figures</title>',
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:.3em .8em;"
        "text-align:left;vertical-align:top}img{max-width:480px;border:1px solid #ccc}</style>",
        "</head><body>",
        f"<h1>Splinescope talk figures</h1><p>Theme: {html.escape(theme)}. Made by "
        "<code>splinescope export --deck</code>.</p>",
        "<table><tr><th>figure</th><th>preset</th><th>page</th><th>view</th><th>size</th>"
        "<th>files</th></tr>",
    ]
    for row in rows:
        files = " ".join(
            f'<a href="{html.escape(name)}">{html.escape(name)}</a>' for name in row["files"]
        )
        lines.append(
            f'<tr><td><img src="{html.escape(row["files"][0])}" alt="{html.escape(row["title"])}">'
            f"<br>{html.escape(row['title'])}</td><td>{html.escape(row['preset'])}</td>"
            f"<td>{html.escape(row['page'])}</td><td>{html.escape(row['view'])}</td>"
            f"<td>{html.escape(row['size'])}</td><td>{files}</td></tr>"
        )
    lines += ["</table></body></html>", ""]
    path = folder / "index.html"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
