"""Qt's SVG made portable: what librsvg and browsers draw as Qt does.

``QSvgGenerator`` writes SVG Tiny 1.2: each painter state is a group whose ``transform``
is the painter's whole world matrix, and pyqtgraph's cosmetic pens become
``vector-effect="non-scaling-stroke"`` shapes inside groups scaled to data units.
librsvg ignores that effect, so a one-pixel curve in a plot scaled 20x became a band 20
pixels wide and a marker scaled 7x a blob ("giant filled shapes, no curves"). Its size in
millimetres also made each renderer pick its own pixel size.

:func:`portable_svg` rewrites such a document: every non-scaling-stroke shape has its
group's matrix applied to its coordinates (an explicit path in page pixels, so the stroke
width means pixels everywhere), groups keep their transform only for what still needs it
(text, images, scaling strokes), images Qt draws unsmoothed say so in CSS, and the page
is sized in pixels (1 px = 1 user unit).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

_MATRIX = re.compile(r"^\s*matrix\(([^)]*)\)\s*$")
_PATH_TOKEN = re.compile(r"[MLCQZmlcqzHVhvAaSsTt]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
#: Path commands whose arguments are all absolute (x, y) pairs.
_PAIR_COMMANDS = frozenset("MLCQ")
#: The cubic Bézier handle length of a quarter circle of radius 1.
_KAPPA = 0.5522847498307936

Matrix = tuple[float, float, float, float, float, float]


class UnportableShape(ValueError):
    """A shape whose geometry this module cannot rewrite (it is left as Qt wrote it)."""


def _tag(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _matrix(transform: str | None) -> Matrix | None:
    if transform is None:
        return None
    match = _MATRIX.match(transform)
    if match is None:
        return None
    values = [float(v) for v in re.split(r"[\s,]+", match.group(1).strip())]
    if len(values) != 6:
        return None
    return tuple(values)  # type: ignore[return-value]


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def _number(value: float) -> str:
    return f"{value:.6g}"


def transformed_path(d: str, m: Matrix) -> str:
    """The path data ``d`` (absolute M, L, C, Q, Z) with matrix ``m`` applied to its points."""
    tokens = _PATH_TOKEN.findall(d)
    out: list[str] = []
    numbers: list[float] = []

    def flush() -> None:
        if len(numbers) % 2:
            raise UnportableShape(f"a path has an odd number of coordinates: {d[:60]!r}")
        for i in range(0, len(numbers), 2):
            x, y = _apply(m, numbers[i], numbers[i + 1])
            out.append(f"{_number(x)},{_number(y)}")
        numbers.clear()

    for token in tokens:
        if token.isalpha():
            flush()
            if token not in _PAIR_COMMANDS and token != "Z" and token != "z":
                raise UnportableShape(f"path command {token!r} is not rewritten")
            out.append(token)
        else:
            numbers.append(float(token))
    flush()
    return " ".join(out)


def _points_path(points: str, closed: bool) -> str:
    values = [float(v) for v in re.split(r"[\s,]+", points.strip()) if v]
    if len(values) < 2 or len(values) % 2:
        raise UnportableShape("a polyline has an odd number of coordinates")
    pairs = [f"{values[i]},{values[i + 1]}" for i in range(0, len(values), 2)]
    return "M" + " L".join(pairs) + (" Z" if closed else "")


def _ellipse_path(cx: float, cy: float, rx: float, ry: float) -> str:
    kx, ky = _KAPPA * rx, _KAPPA * ry
    return (
        f"M{cx + rx},{cy} C{cx + rx},{cy + ky} {cx + kx},{cy + ry} {cx},{cy + ry} "
        f"C{cx - kx},{cy + ry} {cx - rx},{cy + ky} {cx - rx},{cy} "
        f"C{cx - rx},{cy - ky} {cx - kx},{cy - ry} {cx},{cy - ry} "
        f"C{cx + kx},{cy - ry} {cx + rx},{cy - ky} {cx + rx},{cy} Z"
    )


def shape_path(element: ET.Element) -> str:
    """The outline of a basic shape (path, polyline, polygon, line, rect, circle, ellipse)
    as absolute path data in its own coordinates."""
    tag = _tag(element)
    get = element.get
    if tag == "path":
        return get("d", "")
    if tag in ("polyline", "polygon"):
        return _points_path(get("points", ""), closed=tag == "polygon")
    if tag == "line":
        return f"M{get('x1', '0')},{get('y1', '0')} L{get('x2', '0')},{get('y2', '0')}"
    if tag == "rect":
        if get("rx") or get("ry"):
            raise UnportableShape("rounded rectangles are not rewritten")
        x, y = float(get("x", "0")), float(get("y", "0"))
        w, h = float(get("width", "0")), float(get("height", "0"))
        return f"M{x},{y} L{x + w},{y} L{x + w},{y + h} L{x},{y + h} Z"
    if tag == "circle":
        r = float(get("r", "0"))
        return _ellipse_path(float(get("cx", "0")), float(get("cy", "0")), r, r)
    if tag == "ellipse":
        return _ellipse_path(
            float(get("cx", "0")), float(get("cy", "0")), float(get("rx")), float(get("ry"))
        )
    raise UnportableShape(f"<{tag}> is not a basic shape")


#: Attributes of a shape that describe its geometry (dropped once it is a path).
_GEOMETRY = ("d", "points", "x", "y", "width", "height", "x1", "y1", "x2", "y2")
_GEOMETRY += ("cx", "cy", "r", "rx", "ry", "vector-effect")


def baked_shape(element: ET.Element, m: Matrix) -> ET.Element:
    """A ``<path>`` drawing ``element`` (a non-scaling-stroke shape) in page pixels."""
    d = transformed_path(shape_path(element), m)
    path = ET.Element(f"{{{SVG_NS}}}path")
    for name, value in element.attrib.items():
        if name not in _GEOMETRY:
            path.set(name, value)
    if _tag(element) == "polyline" and "fill" not in element.attrib:
        path.set("fill", "none")
    path.set("d", d)
    return path


def _is_bakeable(element: ET.Element) -> bool:
    return element.get("vector-effect") == "non-scaling-stroke" and len(element) == 0


def _has_geometry(element: ET.Element) -> bool:
    tag = _tag(element)
    if tag == "path":
        return bool(element.get("d", "").strip())
    if tag in ("polyline", "polygon"):
        return bool(element.get("points", "").strip())
    return True


def _split_group(group: ET.Element) -> list[ET.Element]:
    """``group`` as groups in the same order: baked shapes in ones without transform."""
    m = _matrix(group.get("transform"))
    children = list(group)
    if m is None or not any(_is_bakeable(child) for child in children):
        return [group]
    runs: list[tuple[bool, list[ET.Element]]] = []
    for child in children:
        baked = None
        if _is_bakeable(child) and not _has_geometry(child):
            continue  # an empty curve: nothing to draw, and renderers warn about it
        if _is_bakeable(child):
            try:
                baked = baked_shape(child, m)
            except (UnportableShape, ValueError, TypeError):
                baked = None
        kind = baked is not None
        if not runs or runs[-1][0] != kind:
            runs.append((kind, []))
        runs[-1][1].append(baked if baked is not None else child)
    groups = []
    for is_baked, members in runs:
        copy = ET.Element(group.tag, dict(group.attrib))
        copy.text, copy.tail = group.text, group.tail
        if is_baked:
            copy.attrib.pop("transform", None)
        copy.extend(members)
        groups.append(copy)
    return groups


def _rewrite(parent: ET.Element, *, transformed: bool = False) -> None:
    """Split the groups under ``parent``; below a transformed group nothing is baked
    (Qt never nests them: its groups hold the painter's whole matrix)."""
    rebuilt: list[ET.Element] = []
    for child in list(parent):
        if _tag(child) == "g":
            inner = transformed or child.get("transform") is not None
            _rewrite(child, transformed=inner)
            rebuilt.extend([child] if transformed else _split_group(child))
        else:
            rebuilt.append(child)
    for child in list(parent):
        parent.remove(child)
    parent.extend(rebuilt)


#: Longest path data kept in one ``<path>``: Qt's own SVG reader truncates paths of about
#: half a million characters ("Invalid path data; path truncated").
MAX_PATH_CHARS = 100_000
_SUBPATH_START = re.compile(r"(?=M)")


def split_long_path(path: ET.Element) -> list[ET.Element]:
    """``path`` as paths of at most about :data:`MAX_PATH_CHARS` characters each, split
    where a subpath starts. Only paths this long are split: the cell fills (disjoint
    rings, one path per colour) and edge curves, for which the split draws the same.
    Qt writes absolute ``M`` commands; the split is only made there."""
    d = path.get("d", "")
    if len(d) <= MAX_PATH_CHARS:
        return [path]
    pieces, current, size = [], [], 0
    for subpath in (s for s in _SUBPATH_START.split(d) if s.strip()):
        if current and size + len(subpath) > MAX_PATH_CHARS:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(subpath)
        size += len(subpath)
    pieces.append("".join(current))
    parts = []
    for piece in pieces:
        part = ET.Element(path.tag, dict(path.attrib))
        part.set("d", piece)
        parts.append(part)
    parts[-1].tail = path.tail
    return parts


def _split_long_paths(root: ET.Element) -> None:
    for parent in list(root.iter()):
        children = list(parent)
        if not any(_tag(c) == "path" and len(c.get("d", "")) > MAX_PATH_CHARS for c in children):
            continue
        for child in children:
            parent.remove(child)
        for child in children:
            parent.extend(split_long_path(child) if _tag(child) == "path" else [child])


def portable_svg(svg: str) -> str:
    """Qt's SVG document ``svg`` rewritten to draw the same in librsvg and browsers.

    Raises ValueError when ``svg`` is not an SVG document.
    """
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as error:
        raise ValueError(f"the SVG could not be read: {error}") from None
    if _tag(root) != "svg":
        raise ValueError("the document is not an SVG")
    box = [float(v) for v in re.split(r"[\s,]+", root.get("viewBox", "").strip()) if v]
    if len(box) == 4:
        root.set("width", _number(box[2]))
        root.set("height", _number(box[3]))
    root.set("version", "1.1")
    root.attrib.pop("baseProfile", None)
    _rewrite(root)
    _split_long_paths(root)
    for image in root.iter(f"{{{SVG_NS}}}image"):
        if image.get("image-rendering") == "optimizeSpeed":
            # Qt draws such images unsmoothed; librsvg and browsers smooth them unless
            # told in CSS (8x8 digits became grey blurs).
            image.set("style", "image-rendering:pixelated")
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
