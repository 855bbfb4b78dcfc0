"""Benchmark of the latent jigsaw (engine.latent_jigsaw) against the partition it maps.

Random He-initialised ReLU MLPs with 2 inputs and 2 outputs on [-1, 1]^2, float64,
seed 0; the projection is the PCA of 400 uniform points' activations of the last hidden
layer. For every network: cells, the median time of the partition (the reference, same
run), of pushing every cell forward (with orientations and folds) and of one hover lookup
(``cells_at``, done on the GUI thread), and the ratio jigsaw / partition; then the 3-D
jigsaw (three PCA axes, engine.latent_jigsaw3d) and its ratio to the partition. It asserts
nothing about time.

Usage (from the repository root)::

    python benchmarks/latent_jigsaw.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from benchmarks.timing import format_seconds, median_time  # noqa: E402
from engine.latent_jigsaw import hidden_activations, latent_jigsaw, pca_projection  # noqa: E402
from engine.latent_jigsaw3d import latent_jigsaw_3d  # noqa: E402
from engine.networks import random_mlp  # noqa: E402
from engine.partition2d import partition_2d  # noqa: E402

BOUNDS = (-1.0, 1.0, -1.0, 1.0)
NETWORKS = [(16, 16, 16), (32, 32, 32), (64, 64, 64, 64)]


def main() -> None:
    partition_2d(random_mlp((4,)), BOUNDS)  # load the compiled kernels
    points = np.random.default_rng(0).uniform(-1.0, 1.0, size=(400, 2))
    header = (
        f"{'network':>10} {'cells':>9} {'partition':>11} {'jigsaw':>11} {'ratio':>7} "
        f"{'hover':>10} {'folds':>7} {'3-D':>11} {'ratio':>7}"
    )
    print(header)
    print("-" * len(header))
    for widths in NETWORKS:
        model = random_mlp(widths, seed=0)
        layer = len(widths)
        projection = pca_projection(hidden_activations(model, points, layer))
        partition_s, partition = median_time(lambda m=model: partition_2d(m, BOUNDS), 3, 20.0)
        jigsaw_s, jigsaw = median_time(
            lambda m=model, p=partition, q=projection, k=layer: latent_jigsaw(m, p, k, q), 3, 20.0
        )
        centre = jigsaw.vertices.mean(axis=0)
        hover_s, _ = median_time(lambda j=jigsaw, c=centre: j.cells_at(c), 9, 5.0)
        projection3 = pca_projection(hidden_activations(model, points, layer), 3)
        space_s, _ = median_time(
            lambda m=model, p=partition, q=projection3, k=layer: latent_jigsaw_3d(m, p, k, q),
            3,
            20.0,
        )
        name = f"{widths[0]}x{len(widths)}"
        print(
            f"{name:>10} {partition.n_regions:>9,} {format_seconds(partition_s):>11} "
            f"{format_seconds(jigsaw_s):>11} {jigsaw_s / partition_s:>7.2f} "
            f"{format_seconds(hover_s):>10} {len(jigsaw.fold_pairs):>7,} "
            f"{format_seconds(space_s):>11} {space_s / partition_s:>7.2f}"
        )
    print("ratio: time of the jigsaw / time of the partition it maps (same run).")


if __name__ == "__main__":
    main()
