"""Small MNIST-style IDX files for tests: scikit-learn's 8x8 digits drawn at 28x28.

Each 8x8 digit is blown up 3x3 per pixel (24x24) and padded by 2 pixels, as MNIST
centres its digits in a 28x28 frame; grey levels become bytes 0..255. Real digits, so a
network trained on them learns something, in files small enough for tests to read in
milliseconds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.digits import load_digits, save_idx


def digits_28(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, 28, 28) uint8 images and (n,) uint8 labels: the first ``n`` 8x8 digits, enlarged."""
    digits = load_digits()
    big = np.kron(digits.images[:n], np.ones((1, 3, 3)))
    images = np.pad(big, ((0, 0), (2, 2), (2, 2)))
    return np.round(255 * images).astype(np.uint8), digits.labels[:n].astype(np.uint8)


def write_mnist_files(folder: Path, n: int = 600) -> tuple[Path, Path]:
    """Write ``n`` enlarged digits as a gzipped image file and a raw label file."""
    images, labels = digits_28(n)
    images_path = Path(folder) / "train-images-idx3-ubyte.gz"
    labels_path = Path(folder) / "train-labels-idx1-ubyte"
    save_idx(images_path, images)
    save_idx(labels_path, labels)
    return images_path, labels_path
