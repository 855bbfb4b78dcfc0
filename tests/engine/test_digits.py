"""Digit images: scikit-learn's 8x8 set and MNIST IDX files the tests write themselves."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.digits import (
    DigitImages,
    load_digits,
    load_idx_images,
    load_idx_labels,
    load_mnist_idx,
    save_idx,
    train_test_split,
)


def _idx_bytes(magic: int, values: np.ndarray) -> bytes:
    """An IDX file written by hand from the format's definition (big-endian header)."""
    header = magic.to_bytes(4, "big")
    for n in values.shape:
        header += int(n).to_bytes(4, "big")
    return header + values.astype(np.uint8).tobytes()


@pytest.fixture
def tiny_mnist():
    rng = np.random.default_rng(5)
    images = rng.integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    labels = rng.integers(0, 10, size=7, dtype=np.uint8)
    return images, labels


def test_sklearn_digits_are_the_1797_eight_by_eight_images_scaled_to_unit_range():
    from sklearn.datasets import load_digits as sklearn_digits

    digits = load_digits()
    assert digits.images.shape == (1797, 8, 8) and digits.images.dtype == np.float64
    assert digits.labels.dtype == np.int64 and set(digits.labels) == set(range(10))
    assert digits.images.min() == 0.0 and digits.images.max() == 1.0
    np.testing.assert_array_equal(digits.flat * 16, sklearn_digits().data)
    assert digits.flat.shape == (1797, 64) and digits.shape == (8, 8)
    # Bit for bit what scikit-learn's own reader gives (the shipped models' digest).
    bunch = sklearn_digits()
    np.testing.assert_array_equal(digits.images, np.asarray(bunch.images) / 16.0)
    np.testing.assert_array_equal(digits.labels, bunch.target)


def test_sklearn_digits_are_read_without_importing_sklearn():
    """The Paths page's first result waits for these digits: scikit-learn's imports (0.9 s)
    are not on its way."""
    code = (
        "import sys; from engine.digits import load_digits; d = load_digits(); "
        "print(len(d), any(m == 'sklearn' or m.startswith('sklearn.') for m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["1797", "False"]


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_files_round_trip_raw_and_gzipped(tmp_path, tiny_mnist, suffix):
    images, labels = tiny_mnist
    image_file = tmp_path / f"images-idx3-ubyte{suffix}"
    label_file = tmp_path / f"labels-idx1-ubyte{suffix}"
    image_bytes, label_bytes = _idx_bytes(0x803, images), _idx_bytes(0x801, labels)
    if suffix:
        image_bytes, label_bytes = gzip.compress(image_bytes), gzip.compress(label_bytes)
    image_file.write_bytes(image_bytes)
    label_file.write_bytes(label_bytes)

    digits = load_mnist_idx(image_file, label_file)
    np.testing.assert_array_equal(digits.images * 255, images)
    np.testing.assert_array_equal(digits.labels, labels)
    assert digits.labels.dtype == np.int64 and digits.shape == (5, 4)


def test_save_idx_writes_what_the_format_defines(tmp_path, tiny_mnist):
    images, labels = tiny_mnist
    save_idx(tmp_path / "i.gz", images)
    save_idx(tmp_path / "l", labels)
    assert gzip.decompress((tmp_path / "i.gz").read_bytes()) == _idx_bytes(0x803, images)
    assert (tmp_path / "l").read_bytes() == _idx_bytes(0x801, labels)
    np.testing.assert_array_equal(load_idx_labels(tmp_path / "l"), labels)


def test_a_label_file_given_as_images_names_the_wrong_magic(tmp_path, tiny_mnist):
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(_idx_bytes(0x801, tiny_mnist[1]))
    with pytest.raises(ValueError, match=r"labels-idx1-ubyte: not an IDX image file.*0x00000801"):
        load_idx_images(path)


def test_a_text_file_is_rejected_by_its_magic(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello, these are not digits")
    with pytest.raises(ValueError, match="not an IDX label file"):
        load_idx_labels(path)


@pytest.mark.parametrize("cut", [3, 10, 20, 50])
def test_truncated_image_files_are_rejected(tmp_path, tiny_mnist, cut):
    data = _idx_bytes(0x803, tiny_mnist[0])
    path = tmp_path / "short-idx3-ubyte"
    path.write_bytes(data[:cut])
    with pytest.raises(ValueError, match=r"short-idx3-ubyte: (truncated|3 bytes is too short)"):
        load_idx_images(path)


def test_a_truncated_gzip_stream_is_rejected(tmp_path, tiny_mnist):
    data = gzip.compress(_idx_bytes(0x803, tiny_mnist[0]))
    path = tmp_path / "cut.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"cut\.gz: the gzip stream is damaged or cut short"):
        load_idx_images(path)


def test_trailing_bytes_and_count_mismatch_are_rejected(tmp_path, tiny_mnist):
    images, labels = tiny_mnist
    (tmp_path / "long").write_bytes(_idx_bytes(0x803, images) + b"\x00\x00")
    with pytest.raises(ValueError, match="2 bytes after"):
        load_idx_images(tmp_path / "long")
    save_idx(tmp_path / "images", images)
    save_idx(tmp_path / "labels", labels[:5])
    with pytest.raises(ValueError, match="holds 7 images but labels holds 5 labels"):
        load_mnist_idx(tmp_path / "images", tmp_path / "labels")


def test_the_split_is_seeded_disjoint_and_complete():
    digits = load_digits()
    train, test = train_test_split(digits, 0.25, seed=3)
    again, _ = train_test_split(digits, 0.25, seed=3)
    other, _ = train_test_split(digits, 0.25, seed=4)
    assert len(test) == round(0.25 * 1797) and len(train) + len(test) == 1797
    np.testing.assert_array_equal(train.images, again.images)
    assert not np.array_equal(train.labels, other.labels)
    rows = {row.tobytes() for row in digits.flat}
    assert {row.tobytes() for row in train.flat} | {row.tobytes() for row in test.flat} == rows
    with pytest.raises(ValueError, match="test fraction"):
        train_test_split(digits, 1.0)


def test_mismatched_shapes_are_refused():
    with pytest.raises(ValueError, match=r"\(N, h, w\) images"):
        DigitImages(np.zeros((3, 64)), np.zeros(3, np.int64))
