"""What the Jigsaw page says under its views, in words."""

from __future__ import annotations

import numpy as np

from app.jigsaw.scene import JigsawScene

ORIENTATION_WORDS = {1: "kept", -1: "mirrored", 0: "collapsed to a segment or a point"}


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def scene_text(scene: JigsawScene) -> str:
    """``412 cells · layer 3 of 3: 300 pieces kept, 80 mirrored, 32 collapsed · 14 folds``
    (in 3-D: ``412 cells · layer 3 of 3 in 3-D: 380 flat pieces, 32 collapsed``)."""
    network, jigsaw = scene.network, scene.jigsaw
    if scene.dimensions == 3:
        depth = network.partition.n_layers_total
        flat = int(np.count_nonzero(jigsaw.rank == 2))
        return (
            f"{_plural(network.partition.n_regions, 'cell')} · layer {scene.layer} of {depth} "
            f"in 3-D: {flat:,} flat pieces, {jigsaw.n_polygons - flat:,} collapsed to a "
            f"segment or a point · test accuracy {100 * network.test_accuracy:.0f}%"
        )
    counts = {o: int(np.count_nonzero(jigsaw.orientation == o)) for o in (1, -1, 0)}
    depth = network.partition.n_layers_total
    return (
        f"{_plural(network.partition.n_regions, 'cell')} · layer {scene.layer} of {depth}: "
        f"{counts[1]:,} pieces kept, {counts[-1]:,} mirrored, {counts[0]:,} collapsed · "
        f"{_plural(len(jigsaw.fold_pairs), 'fold')} (neighbours mapped over each other) · "
        f"test accuracy {100 * network.test_accuracy:.0f}%"
    )


def hover_text(scene: JigsawScene, cell: int) -> str:
    """``cell 42: area 0.0031 in the plane → 0.0120 in layer 3, mirrored``."""
    area_in = float(scene.network.partition.areas[cell])
    area_out = float(scene.jigsaw.areas[cell])
    if scene.dimensions == 3:
        shape = "a flat piece" if scene.jigsaw.rank[cell] == 2 else ORIENTATION_WORDS[0]
        return (
            f"cell {cell}: area {area_in:.3g} in the input plane → {area_out:.3g} in layer "
            f"{scene.layer} (3-D), {shape}"
        )
    orientation = int(scene.jigsaw.orientation[cell])
    folds = int(np.count_nonzero(np.any(scene.jigsaw.fold_pairs == cell, axis=1)))
    fold_words = f", folds over {_plural(folds, 'neighbour')}" if folds else ""
    return (
        f"cell {cell}: area {area_in:.3g} in the input plane → {area_out:.3g} in layer "
        f"{scene.layer}, {ORIENTATION_WORDS[orientation]}{fold_words}"
    )
