"""Benchmark of the exact 2-D partition of a CNN sliced through three digit images.

The digits CNN of ``engine.digits_cnn`` (8x8 input; Conv 1->6, BatchNorm, ReLU, 2x2
max-pooling; Conv 6->16, BatchNorm, ReLU, 2x2 max-pooling; Linear 64->32, ReLU, Linear
32->10) is trained, seeded, for a few epochs on scikit-learn's digits, then partitioned exactly in
the plane through three test images (``engine.slices.plane_through``, margin 0.1) with
``engine.partition2d.partition_2d``. Prints the cells, the median time, cells per second,
the process's peak resident memory and the time of the plain per-cell reference
(``benchmarks/reference_cnn_partition.py``), measured in the same run on a square around
the anchors' centre (the reference would take minutes on the whole slice), with the
engine's time on that square and the speed ratio. ``--lenet28`` adds a LeNet-5 on 28x28
inputs (untrained, seeded) on such a square, to show the memory large convolutions need.
``--mnist28`` adds the Networks page's MNIST CNN (``engine.mnist_cnn``) trained, seeded,
on the same digits enlarged to 28x28 (3x3 per pixel, padded by 2: real MNIST is not on
the machine), cut in the share of its triangle through the three enlarged test images
the page starts with (``MNIST_EXTENT``, 3%), with its time, cells/s and peak RSS beside
the digits CNN's whole slice measured in the same run. ``--against REV`` also times the
whole slice with the engine of git revision REV (in a second process that trains the same
seeded model), alternating runs with this tree's, and prints both medians, wall-clock and
CPU (all threads), and their ratios, and whether both trees' partitions are the same bit
for bit (a hash of every array of :data:`DIGEST_FIELDS`). It asserts nothing about time.

Usage (from the repository root)::

    python benchmarks/cnn_partition.py            # digits CNN, with the reference
    python benchmarks/cnn_partition.py --lenet28  # also a 28x28 LeNet-5 (no reference)
    python benchmarks/cnn_partition.py --mnist28 --no-reference  # the page's MNIST CNN
    python benchmarks/cnn_partition.py --against main --no-reference --repeats 7
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import platform
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from benchmarks.previous_tree import PreviousPartitions  # noqa: E402
from benchmarks.reference_cnn_partition import reference_cnn_partition_2d  # noqa: E402
from benchmarks.timing import format_seconds, median_time  # noqa: E402
from engine.digits_cnn import digits_split, train_digits_cnn  # noqa: E402
from engine.mnist_cnn import digits_at_28, train_mnist_cnn  # noqa: E402
from engine.partition2d import partition_2d  # noqa: E402
from engine.slices import plane_through, shrunk_about_centre  # noqa: E402

MNIST_EXTENT = 0.03  # app.networks.state.MNIST_EXTENT (benchmarks do not import app/)

#: The digits CNN's whole slice, partitioned by another tree's engine on each request.
_DIGITS_SERVER = r"""
import hashlib, sys, time
import numpy as np
from engine.digits_cnn import digits_split, train_digits_cnn
from engine.partition2d import partition_2d
from engine.slices import plane_through
train_set, test_set = digits_split()
model = train_digits_cnn(train_set.images, train_set.labels, seed=0)
chosen = [int(np.flatnonzero(test_set.labels == k)[0]) for k in (0, 3, 8)]
sl = plane_through(*(test_set.images[i][None] for i in chosen), margin=0.1)
for line in sys.stdin:
    if line.strip() == "digest":  # of the last partition, in the answer's cells field
        print(0, 0, partition_digest(part, DIGEST_FIELDS), flush=True)
        continue
    start, cpu = time.perf_counter(), time.process_time()
    part = partition_2d(model, None, plane=sl)
    print(time.perf_counter() - start, time.process_time() - cpu, part.n_regions, flush=True)
"""

#: The partition's arrays that another tree's engine must give bit for bit.
DIGEST_FIELDS = (
    "vertices", "offsets", "indices", "edge_neuron", "packed_patterns", "layer_of_neuron",
    "A", "c", "neuron_unit", "neuron_entry",
)  # fmt: skip


def partition_digest(part, fields) -> int:
    """A 60-bit hash of the dtypes, shapes and bytes of a partition's ``fields``."""
    digest = hashlib.sha256()
    for name in fields:
        array = np.ascontiguousarray(getattr(part, name))
        digest.update(f"{name} {array.dtype.str} {array.shape}".encode())
        digest.update(array.tobytes())
    return int(digest.hexdigest()[:15], 16)


def lenet5(seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    ).eval()  # fmt: skip


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs (median)")
    parser.add_argument("--lenet28", action="store_true", help="also a 28x28 LeNet-5")
    parser.add_argument(
        "--mnist28", action="store_true", help="also the page's MNIST CNN on 28x28 digits"
    )
    parser.add_argument("--no-reference", action="store_true", help="skip the reference")
    parser.add_argument(
        "--against",
        metavar="REV",
        help="also time the whole slice with git revision REV's engine, runs alternated",
    )
    parser.add_argument(
        "--window", type=float, default=0.1, help="width of the reference's square (of the slice)"
    )
    parser.add_argument(
        "--torch-threads", type=int, default=None, help="torch intra-op threads (default: torch's)"
    )
    args = parser.parse_args(argv)
    print(
        f"python {platform.python_version()}, torch {torch.__version__}, numpy "
        f"{np.__version__}, {torch.get_num_threads()} torch threads"
    )

    train_set, test_set = digits_split()
    model = train_digits_cnn(train_set.images, train_set.labels, seed=0)
    with torch.no_grad():
        guess = model(torch.from_numpy(test_set.images[:, None].astype(np.float32))).argmax(1)
    accuracy = float((guess.numpy() == test_set.labels).mean())
    # Three test images of three different classes.
    chosen = [int(np.flatnonzero(test_set.labels == k)[0]) for k in (0, 3, 8)]
    a, b, c = (test_set.images[i][None] for i in chosen)
    sl = plane_through(a, b, c, margin=0.1)
    print(f"digits CNN: test accuracy {accuracy:.3f}; plane through test images {chosen}")
    if args.torch_threads:
        # After training, so that every thread count partitions the same model.
        torch.set_num_threads(args.torch_threads)
        print(f"partitioning with {torch.get_num_threads()} torch threads")

    if args.lenet28:
        # First, so that its peak memory is measured from the trained process's baseline
        # (after a tiny partition that loads the compiled kernels).
        partition_2d(model, centre_square(sl, 0.01), plane=sl)
        lenet28_report(test_set, chosen, args.window)
    if args.mnist28:
        partition_2d(model, centre_square(sl, 0.01), plane=sl)
        mnist28_report(train_set, test_set, chosen)
    partition_2d(model, None, plane=sl)  # compile / load the kernels, first allocations
    rss_before = peak_rss_mb()
    seconds, part = median_time(lambda: partition_2d(model, None, plane=sl), args.repeats, 20.0)
    domain = float((sl.bounds[1] - sl.bounds[0]) * (sl.bounds[3] - sl.bounds[2]))
    print(
        f"engine:    {part.n_regions:8,} cells {format_seconds(seconds)} "
        f"{part.n_regions / seconds:10,.0f} cells/s   areas sum to "
        f"{part.areas.sum() / domain:.12f} of the slice   peak RSS {peak_rss_mb():.0f} MB "
        f"(before: {rss_before:.0f} MB)"
    )
    if args.against:
        against_report(args.against, lambda: partition_2d(model, None, plane=sl), args.repeats)
    if not args.no_reference:
        # The per-cell reference takes minutes on the whole slice: both time the same
        # square around the anchors' centre, a fraction of the slice's width wide.
        window = centre_square(sl, args.window)
        engine_seconds, window_part = median_time(
            lambda: partition_2d(model, window, plane=sl), args.repeats, 10.0
        )
        start = time.perf_counter()
        reference = reference_cnn_partition_2d(model, window, sl.origin, sl.u, sl.v)
        ref_seconds = time.perf_counter() - start
        print(
            f"window {args.window:g} of the slice's width: engine {window_part.n_regions:,} "
            f"cells {format_seconds(engine_seconds)}, reference {len(reference):,} cells "
            f"{format_seconds(ref_seconds)}: engine {ref_seconds / engine_seconds:.0f}x faster"
        )


def against_report(revision: str, here, repeats: int) -> None:
    """This tree's whole slice and ``revision``'s, runs alternated, medians and ratios."""
    # The server hashes its partitions with this file's digest function and fields.
    server = "\n".join(
        [f"DIGEST_FIELDS = {DIGEST_FIELDS!r}", inspect.getsource(partition_digest), _DIGITS_SERVER]
    )
    previous = PreviousPartitions(revision, server=server)
    try:
        previous.ask("")  # trains its model, loads its kernels
        mine, theirs = [], []
        for _ in range(max(1, repeats)):
            start, cpu = time.perf_counter(), time.process_time()
            part = here()
            mine.append((time.perf_counter() - start, time.process_time() - cpu))
            seconds, cpu_seconds, their_cells = previous.ask("")
            theirs.append((seconds, cpu_seconds))
        their_digest = previous.ask("digest")[2]
    finally:
        previous.close()
    cells = part.n_regions
    same = partition_digest(part, DIGEST_FIELDS) == their_digest
    print(
        f"{' '.join(DIGEST_FIELDS)}: "
        + ("identical to" if same else "DIFFERENT FROM")
        + f" {previous.commit}'s"
    )
    wall, cpu = (float(np.median([r[k] for r in mine])) for k in (0, 1))
    their_wall, their_cpu = (float(np.median([r[k] for r in theirs])) for k in (0, 1))
    print(
        f"alternated with {previous.commit}: {cells:,} cells {format_seconds(wall)} here, "
        f"{their_cells:,} cells {format_seconds(their_wall)} there: {their_wall / wall:.2f}x; "
        f"CPU {cpu:.2f} s here, {their_cpu:.2f} s there: {their_cpu / cpu:.2f}x"
    )


def lenet28_report(test_set, chosen, fraction: float) -> None:
    """A LeNet-5 on 28x28 inputs on a square of the slice through the upscaled digits."""
    big = lenet5(0)
    images = [image[None] for image in digits_at_28(test_set).images[chosen]]
    big_slice = plane_through(*images, margin=0.1)
    window = centre_square(big_slice, fraction)
    rss_before = peak_rss_mb()
    start = time.perf_counter()
    big_part = partition_2d(big, window, plane=big_slice)
    print(
        f"LeNet-5 on 28x28 (untrained), window {fraction:g} of the slice through the "
        f"same digits upscaled: {big_part.n_regions:,} cells in "
        f"{time.perf_counter() - start:.2f} s, {big_part.patterns.shape[1]:,} pattern "
        f"bits per cell; peak RSS {peak_rss_mb():.0f} MB (before: {rss_before:.0f} MB)"
    )


def mnist28_report(train_set, test_set, chosen) -> None:
    """The MNIST CNN trained on the enlarged digits, cut as the Networks page first does."""
    trained = train_mnist_cnn(digits_at_28(train_set).images, train_set.labels, seed=0)
    big = trained.double()
    images = digits_at_28(test_set).images[chosen]
    plane = plane_through(*(image[None] for image in images), margin=0.1, domain="triangle")
    window = shrunk_about_centre(plane, MNIST_EXTENT)
    rss_before = peak_rss_mb()
    seconds, part = median_time(lambda: partition_2d(big, None, plane=window), 3, 60.0)
    print(
        f"MNIST CNN on 28x28 (trained 2 epochs on the enlarged digits), "
        f"{100 * MNIST_EXTENT:g}% of the triangle: {part.n_regions:,} cells "
        f"{format_seconds(seconds)} {part.n_regions / seconds:,.0f} cells/s, "
        f"{part.patterns.shape[1]:,} pattern bits per cell; peak RSS {peak_rss_mb():.0f} MB "
        f"(before: {rss_before:.0f} MB)"
    )


def centre_square(sl, fraction: float) -> tuple[float, float, float, float]:
    """A square around the anchors' centre, ``fraction`` of the slice's width wide."""
    cx, cy = sl.anchors.mean(axis=0)
    half = 0.5 * fraction * float(sl.bounds[1] - sl.bounds[0])
    return (cx - half, cx + half, cy - half, cy + half)


if __name__ == "__main__":
    main()
