"""From checked options to the list of tasks; every file is read once here, so a bad
network is one sentence (exit 2) before any worker starts."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from app.stats.tasks import NetworkSource, SliceSettings, SliceTask

#: Most files a checkpoint folder may hold.
MAX_CHECKPOINTS = 10_000


def plan_tasks(args: argparse.Namespace) -> list[SliceTask]:
    """Every (network, slice) task, networks in order; raises ValueError with a sentence."""
    if args.radius >= args.half_width:
        raise ValueError(
            f"--radius {args.radius} must be smaller than --half-width {args.half_width}"
        )
    if args.scheduler is not None and args.workers != 1:
        raise ValueError("give either --workers (this machine) or --scheduler (a Dask cluster)")
    if args.out.suffix.lower() == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ValueError(
                "writing Parquet needs pyarrow (pip install pyarrow); write a .tsv instead"
            ) from None
    settings = SliceSettings(
        seed=args.seed,
        half_width=args.half_width,
        origin_scale=args.origin_scale,
        n_segments=args.segments,
        n_centres=args.discs,
        radius=args.radius,
        max_cells=args.max_cells,
    )
    sources = _sources(args)
    return [
        SliceTask(n, source, index, settings)
        for n, source in enumerate(sources)
        for index in range(args.slices)
    ]


def _sources(args: argparse.Namespace) -> list[NetworkSource]:
    if args.preset is not None:
        return [preset_source(args.preset)]
    if args.model is not None:
        return [model_source(args.model, args.input_shape)]
    folder: Path = args.checkpoints
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder")
    from engine.model_files import MODEL_SUFFIXES

    files = sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in MODEL_SUFFIXES
    )
    if not files:
        raise ValueError(f"{folder} holds no model file ({', '.join(MODEL_SUFFIXES)})")
    if len(files) > MAX_CHECKPOINTS:
        raise ValueError(
            f"{folder} holds {len(files):,} model files, more than {MAX_CHECKPOINTS:,}"
        )
    return [model_source(path, args.input_shape) for path in files]


def preset_source(name: str) -> NetworkSource:
    """The network of preset ``name`` (a preset whose settings hold a ``network``)."""
    from app.presets.files import load_preset, preset_names

    preset = load_preset(name)
    network = preset.settings.get("network")
    if not isinstance(network, dict):
        usable = [key for key in preset_names() if "network" in load_preset(key).settings]
        raise ValueError(
            f"preset {preset.key!r} describes no network; choose one of {', '.join(usable)} "
            f"or give --model FILE"
        )
    return NetworkSource(
        label=preset.key,
        input_shape=(2,),
        widths=tuple(int(w) for w in network["widths"]),
        seed=int(network.get("seed", 0)),
        activation=str(network.get("activation", "relu")),
        n_outputs=int(network.get("n_outputs", 2)),
    )


def model_source(path: Path, input_shape: tuple[int, ...] | None) -> NetworkSource:
    """A model file, read and checked once here (workers read it again)."""
    from engine.model_files import InputShapeRequired, ModelFileError, load_model

    try:
        model = load_model(path, input_shape=input_shape)
    except InputShapeRequired as error:
        raise ValueError(f"{str(error).rstrip('.')} with --input-shape, e.g. 1,28,28") from None
    except ModelFileError as error:
        raise ValueError(str(error).rstrip(".")) from None
    if math.prod(model.input_shape) < 2:
        raise ValueError(f"{path.name} has one input: it has no 2-D slices")
    return NetworkSource(label=path.name, input_shape=model.input_shape, path=str(path.resolve()))
