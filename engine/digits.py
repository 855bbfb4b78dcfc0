"""Images of handwritten digits, offline: scikit-learn's 8x8 digits and MNIST IDX files.

:func:`load_digits` returns the 1,797 8x8 digits that ship inside scikit-learn (no
download). :func:`load_mnist_idx` reads the MNIST IDX files a user already has on disk,
raw (``*-ubyte``) or gzipped (``*.gz``). Both give a :class:`DigitImages`: grey levels in
[0, 1] as float64 and int64 class labels. A file that is not an IDX file of the expected
kind, or is cut short, raises a ``ValueError`` that says what is wrong with which file.

Reading is bounded: only a regular file of at most :data:`MAX_IDX_BYTES` is opened (never
a device or a FIFO), a gzip stream is inflated in chunks, the header's promised size is
checked against the same cap before the values are read, and inflation stops at the cap,
so a gzip bomb costs at most :data:`MAX_IDX_BYTES` of memory.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import math
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.safe_files import READ_CHUNK_BYTES, open_regular_file

#: The IDX magic numbers: two zero bytes, the element type (0x08, unsigned byte), the rank.
IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801

_GZIP_SIGNATURE = b"\x1f\x8b"
#: Largest IDX file read, on disk and inflated (MNIST's and Fashion-MNIST's largest,
#: the 60,000 training images, is 47,040,016 bytes).
MAX_IDX_BYTES = 64 << 20
#: Largest size of scikit-learn's digits file, on disk and inflated (57 kB and 441 kB).
MAX_SKLEARN_DIGITS_BYTES = 4 << 20


@dataclass(frozen=True)
class DigitImages:
    """Grey-level images of digits with their class labels.

    Attributes
    ----------
    images : (N, h, w) float64 grey levels in [0, 1] (0 is the background).
    labels : (N,) int64 classes 0..9.
    """

    images: np.ndarray
    labels: np.ndarray

    def __post_init__(self) -> None:
        if self.images.ndim != 3 or self.labels.shape != (len(self.images),):
            raise ValueError(
                f"need (N, h, w) images and (N,) labels, got {self.images.shape} "
                f"and {self.labels.shape}"
            )

    @property
    def flat(self) -> np.ndarray:
        """(N, h*w) float64: each image as one row, row by row."""
        return self.images.reshape(len(self.images), -1)

    @property
    def shape(self) -> tuple[int, int]:
        """``(h, w)`` of one image."""
        return int(self.images.shape[1]), int(self.images.shape[2])

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, indices: np.ndarray) -> DigitImages:
        """The images at ``indices`` (any integer index array), in that order."""
        indices = np.asarray(indices, dtype=np.int64)
        return DigitImages(self.images[indices], self.labels[indices])


def load_digits() -> DigitImages:
    """scikit-learn's 8x8 handwritten digits: 1,797 images, grey levels 0..16 scaled to [0, 1].

    The values are read from the file scikit-learn ships (``sklearn/datasets/data/
    digits.csv.gz``: 64 grey levels then the label on each line) as its own
    ``load_digits`` reads them, without importing scikit-learn (0.9 s of imports on the
    Paths page's way to its first result). Raises ``ValueError`` when the file is not
    there or not as expected."""
    spec = importlib.util.find_spec("sklearn")  # finds the package, imports nothing
    if spec is None or not spec.submodule_search_locations:
        raise ValueError("scikit-learn's 8x8 digits need scikit-learn, which is not installed")
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"
    text = bytearray()
    with open_regular_file(path, MAX_SKLEARN_DIGITS_BYTES, "scikit-learn digits file") as raw:
        for chunk in _inflated(iter(lambda: raw.read(READ_CHUNK_BYTES), b""), str(path)):
            text += chunk
            if len(text) > MAX_SKLEARN_DIGITS_BYTES:
                raise ValueError(f"{path}: inflates to more than the digits it should hold")
    table = np.loadtxt(io.BytesIO(text), delimiter=",", ndmin=2)
    if table.shape[1] != 65 or not np.all(np.isin(table[:, -1], np.arange(10))):
        raise ValueError(f"{path}: not 64 grey levels and a label 0..9 on each line")
    images = table[:, :-1].reshape(-1, 8, 8) / 16.0
    return DigitImages(images, table[:, -1].astype(np.int64))


def _inflated(raw: Iterator[bytes], name: str) -> Iterator[bytes]:
    """The inflated chunks of a gzip stream (one or more members) given in chunks."""
    inflater = zlib.decompressobj(wbits=31)
    try:
        for chunk in raw:
            data = chunk
            while data:
                if inflater.eof:  # the next member, after any zero padding
                    data = data.lstrip(b"\0")
                    if not data:
                        break
                    if not data.startswith(_GZIP_SIGNATURE[: len(data)]):
                        raise ValueError(f"{name}: the gzip stream is damaged or cut short")
                    inflater = zlib.decompressobj(wbits=31)
                yield inflater.decompress(data, READ_CHUNK_BYTES)
                data = inflater.unconsumed_tail or inflater.unused_data
        while not inflater.eof and (tail := inflater.decompress(b"", READ_CHUNK_BYTES)):
            yield tail
    except zlib.error as error:
        message = f"{name}: the gzip stream is damaged or cut short ({error})"
        raise ValueError(message) from None
    if not inflater.eof:
        raise ValueError(f"{name}: the gzip stream is damaged or cut short (it ends early)")


def _decoded_chunks(path: str | Path) -> Iterator[bytes]:
    """The bytes of an IDX file, raw or gzipped, in chunks, at most :data:`MAX_IDX_BYTES`
    inflated (a longer stream raises ``ValueError`` once the cap is passed)."""
    path = Path(path)
    with open_regular_file(path, MAX_IDX_BYTES, "MNIST IDX file") as stream:
        first = stream.read(READ_CHUNK_BYTES)
        raw = iter(lambda: stream.read(READ_CHUNK_BYTES), b"")

        def chunks() -> Iterator[bytes]:
            yield first
            yield from raw

        decoded = _inflated(chunks(), path.name) if first[:2] == _GZIP_SIGNATURE else chunks()
        total = 0
        for chunk in decoded:
            total += len(chunk)
            if total > MAX_IDX_BYTES:
                raise ValueError(
                    f"{path.name}: it inflates to more than the {MAX_IDX_BYTES:,} bytes an "
                    "MNIST IDX file may hold; it is not an MNIST file, or it is damaged."
                )
            yield chunk


def _idx_bytes(path: str | Path, magic: int) -> tuple[bytearray, int, int]:
    """``(data, header, extra)``: the file's first bytes, at most the header's promise,
    and how many bytes follow that promise. Checks the magic number and the promised
    size against the cap as soon as the header is read."""
    name = Path(path).name
    rank = magic & 0xFF
    header = 4 + 4 * rank
    data = bytearray()
    expected = None  # the header's promise, once read
    extra = 0
    for chunk in _decoded_chunks(path):
        room = len(chunk) if expected is None else max(0, expected - len(data))
        data += chunk[:room]
        extra += len(chunk) - room
        if len(data) >= 4 and int.from_bytes(data[:4], "big") != magic:
            break  # _read_idx names the wrong magic number
        if expected is None and len(data) >= header:
            dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(rank)]
            expected = header + math.prod(dims)
            if expected > MAX_IDX_BYTES:
                raise ValueError(
                    f"{name}: the header promises {'x'.join(map(str, dims))} values "
                    f"({expected:,} bytes), more than the {MAX_IDX_BYTES:,} an MNIST IDX "
                    "file may hold"
                )
            extra += max(0, len(data) - expected)
            del data[expected:]
    return data, header, extra


def _read_idx(path: str | Path, magic: int, kind: str) -> np.ndarray:
    """The uint8 array stored in an IDX file whose magic number must be ``magic``."""
    name = Path(path).name
    data, header, extra = _idx_bytes(path, magic)
    if len(data) < 4:
        raise ValueError(f"{name}: {len(data)} bytes is too short for an IDX file")
    found = int.from_bytes(data[:4], "big")
    if found != magic:
        raise ValueError(
            f"{name}: not an IDX {kind} file (magic number 0x{found:08x}, expected 0x{magic:08x})"
        )
    if len(data) < header:
        raise ValueError(f"{name}: truncated header ({len(data)} of {header} bytes)")
    rank = magic & 0xFF
    dims = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(rank))
    expected = header + math.prod(dims)
    if len(data) < expected:
        raise ValueError(
            f"{name}: truncated: the header promises {'x'.join(map(str, dims))} values "
            f"({expected} bytes) but the file has {len(data)} bytes"
        )
    if extra:
        raise ValueError(
            f"{name}: {extra} bytes after the {'x'.join(map(str, dims))} values the header promises"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def load_idx_images(path: str | Path) -> np.ndarray:
    """The images of an IDX image file (``*-images-idx3-ubyte`` or ``.gz``).

    Returns
    -------
    (N, h, w) float64 grey levels 0..255 scaled to [0, 1].

    Raises
    ------
    ValueError : wrong magic number, truncated header or data, or trailing bytes; not a
        regular file (:class:`engine.safe_files.UnreadableFileError`), or more than
        :data:`MAX_IDX_BYTES` on disk or inflated.
    OSError : the file does not exist or cannot be read.
    """
    return _read_idx(path, IMAGES_MAGIC, "image").astype(np.float64) / 255.0


def load_idx_labels(path: str | Path) -> np.ndarray:
    """The labels of an IDX label file (``*-labels-idx1-ubyte`` or ``.gz``): (N,) int64."""
    return _read_idx(path, LABELS_MAGIC, "label").astype(np.int64)


def load_mnist_idx(images_path: str | Path, labels_path: str | Path) -> DigitImages:
    """MNIST-style images and labels from a pair of IDX files.

    Raises
    ------
    ValueError : either file is not a valid IDX file of its kind, or they hold different
        numbers of items.
    """
    images = load_idx_images(images_path)
    labels = load_idx_labels(labels_path)
    if len(images) != len(labels):
        raise ValueError(
            f"{Path(images_path).name} holds {len(images)} images but "
            f"{Path(labels_path).name} holds {len(labels)} labels"
        )
    return DigitImages(images, labels)


def save_idx(path: str | Path, values: np.ndarray) -> None:
    """Write a uint8 array as an IDX file (gzipped if ``path`` ends in ``.gz``).

    Rank 3 arrays are written as image files, rank 1 as label files.
    """
    values = np.asarray(values)
    if values.dtype != np.uint8 or values.ndim not in (1, 3):
        raise ValueError(f"need a uint8 array of rank 1 or 3, got {values.dtype} {values.shape}")
    magic = IMAGES_MAGIC if values.ndim == 3 else LABELS_MAGIC
    header = magic.to_bytes(4, "big") + b"".join(int(n).to_bytes(4, "big") for n in values.shape)
    data = header + values.tobytes()
    if str(path).endswith(".gz"):
        data = gzip.compress(data)
    Path(path).write_bytes(data)


def train_test_split(
    digits: DigitImages, test_fraction: float = 0.2, seed: int = 0
) -> tuple[DigitImages, DigitImages]:
    """Split ``digits`` at random (seeded) into a training and a test set.

    Parameters
    ----------
    test_fraction : share of the images that go to the test set, in [0, 1).
    seed : the same seed gives the same split.

    Returns
    -------
    (train, test), each keeping the images' relative order.
    """
    if not 0.0 <= test_fraction < 1.0:
        raise ValueError(f"the test fraction must be in [0, 1), got {test_fraction}")
    n = len(digits)
    n_test = round(test_fraction * n)
    order = np.random.default_rng(seed).permutation(n)
    test = np.sort(order[:n_test])
    train = np.sort(order[n_test:])
    return digits.subset(train), digits.subset(test)
