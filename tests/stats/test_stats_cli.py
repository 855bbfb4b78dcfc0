"""``splinescope stats`` end to end: the same table from 1 process, 2 processes and a Dask
cluster; files written; every hostile argument refused with exit 2 and one sentence."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
import torch
from safetensors.torch import save_file
from torch import nn

from app.cli import main
from engine.networks import random_mlp
from engine.partition2d import partition_2d
from engine.region_stats import slice_sample

JOB = ["--preset", "cells-layer-by-layer", "--slices", "6", "--segments", "5", "--discs", "5",
       "--quiet"]  # fmt: skip


def _stats(tmp_path, *extra: str) -> str:
    out = tmp_path / "table.tsv"
    assert main(["stats", *JOB, "--out", str(out), *extra]) == 0
    return out.read_text(encoding="utf-8")


def _column(tsv: str, name: str) -> list[str]:
    lines = [line.split("\t") for line in tsv.splitlines()]
    index = lines[0].index(name)
    return [line[index] for line in lines[1:]]


def test_the_table_holds_the_exact_cell_count_of_every_slice(tmp_path):
    tsv = _stats(tmp_path)
    model = random_mlp([8, 8, 8], n_inputs=2, n_outputs=2, seed=4)  # the preset's network
    expected = []
    for index in range(6):
        sample = slice_sample(2, 0, index)
        plane = (sample.origin, sample.u, sample.v)
        expected.append(str(partition_2d(model, sample.bounds, plane=plane).n_regions))
    assert _column(tsv, "n_cells") == expected
    assert _column(tsv, "slice_index") == [str(i) for i in range(6)]


def test_two_processes_write_the_same_table_as_one(tmp_path):
    assert _stats(tmp_path, "--workers", "2") == _stats(tmp_path)


def test_a_dask_cluster_writes_the_same_table_as_one_process(tmp_path):
    distributed = pytest.importorskip("distributed")
    try:
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
    except Exception as error:  # any failure to start means: it cannot be tested here
        pytest.skip(f"a Dask LocalCluster cannot start here: {error}")
    try:
        on_dask = _stats(tmp_path, "--scheduler", cluster.scheduler_address)
    finally:
        cluster.close()
    assert on_dask == _stats(tmp_path)


def test_checkpoints_give_one_row_per_slice_of_each_file_and_a_figure(tmp_path):
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    for epoch in (1, 2):
        torch.manual_seed(epoch)
        model = nn.Sequential(
            nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 6), nn.ReLU(), nn.Linear(6, 2)
        )
        save_file({k: v.contiguous() for k, v in model.state_dict().items()},
                  folder / f"epoch{epoch}.safetensors")  # fmt: skip
    (folder / "notes.txt").write_text("not a model")
    out, figure = tmp_path / "runs.parquet", tmp_path / "runs.svg"
    code = main(["stats", "--checkpoints", str(folder), "--slices", "3", "--quiet",
                 "--out", str(out), "--figure", str(figure)])  # fmt: skip
    assert code == 0
    import pyarrow.parquet as pq

    table = pq.read_table(out).to_pydict()
    assert table["network"] == ["epoch1.safetensors"] * 3 + ["epoch2.safetensors"] * 3
    assert all(n >= 1 for n in table["n_cells"])
    svg = ET.parse(figure).getroot()
    texts = " ".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    assert f"Cell areas ({sum(table['n_cells']):,} cells)" in texts
    assert "Cells per slice (6 slices)" in texts
    assert len(list(svg.iter("{http://www.w3.org/2000/svg}rect"))) > 2


def test_the_png_figure_has_blue_bars(tmp_path):
    figure = tmp_path / "cells.png"
    _stats(tmp_path, "--figure", str(figure))
    from PySide6.QtGui import QColor, QImage

    image = QImage(str(figure))
    assert (image.width(), image.height()) == (2000, 900)
    colours = {image.pixelColor(x, y).name() for x in range(0, 2000, 7) for y in range(0, 900, 7)}
    assert QColor("#3b75af").name() in colours


@pytest.mark.parametrize(
    ("arguments", "sentence"),
    [
        ([], "one of the arguments --preset --model --checkpoints is required"),
        (["--preset", "no-such"], "unknown preset 'no-such'"),
        (["--preset", "xor-4"], "describes no network"),
        (["--model", "missing.safetensors"], "missing.safetensors"),
        (["--checkpoints", "no-such-folder"], "is not a folder"),
        (["--preset", "cells-layer-by-layer", "--slices", "0"], "0 is not between 1"),
        (["--preset", "cells-layer-by-layer", "--slices", "2.5"], "'2.5' is not a whole number"),
        (["--preset", "cells-layer-by-layer", "--radius", "nan"], "must be a finite number"),
        (["--preset", "cells-layer-by-layer", "--half-width", "-1"], "must be a finite number"),
        (["--preset", "cells-layer-by-layer", "--radius", "1"], "must be smaller than"),
        (["--preset", "cells-layer-by-layer", "--workers", "0"], "0 is not between 1"),
        (["--preset", "cells-layer-by-layer", "--out", "x.csv"], "must end in .tsv or .parquet"),
        (["--preset", "cells-layer-by-layer", "--figure", "x.jpg"], "must end in .png or .svg"),
        (
            ["--preset", "cells-layer-by-layer", "--workers", "2", "--scheduler", "tcp://x:1"],
            "either --workers",
        ),
        (["--preset", "cells-layer-by-layer", "--input-shape", "1,-2"], "positive sizes"),
    ],
)
def test_a_bad_argument_exits_2_with_one_sentence(tmp_path, capsys, arguments, sentence):
    with pytest.raises(SystemExit) as refused:
        code = main(["stats", *arguments, "--out", str(tmp_path / "t.tsv")])
        raise SystemExit(code)
    assert refused.value.code == 2
    assert sentence in capsys.readouterr().err
    assert not (tmp_path / "t.tsv").exists()


def test_an_empty_checkpoint_folder_is_refused(tmp_path, capsys):
    assert main(["stats", "--checkpoints", str(tmp_path), "--quiet"]) == 2
    assert "holds no model file" in capsys.readouterr().err


def test_too_many_cells_stops_with_one_sentence_and_no_table(tmp_path, capsys):
    out = tmp_path / "t.tsv"
    code = main(["stats", *JOB, "--max-cells", "5", "--out", str(out)])
    assert code == 1
    assert "more than 5 cells; raise --max-cells" in capsys.readouterr().err
    assert not out.exists()


def test_the_areas_column_sums_to_the_square_over_the_mean(tmp_path):
    tsv = _stats(tmp_path, "--half-width", "0.5")
    means = np.array(_column(tsv, "area_mean"), dtype=float)
    counts = np.array(_column(tsv, "n_cells"), dtype=float)
    np.testing.assert_allclose(means * counts, 1.0, rtol=1e-9)


def test_ctrl_c_stops_the_workers_and_writes_nothing(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "never.tsv"
    command = [sys.executable, str(root / "main.py"), "stats", "--preset", "cells-layer-by-layer",
               "--slices", "100000", "--workers", "2", "--out", str(out)]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=root, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        first = process.stderr.readline()  # the first progress line: the workers are busy
        assert first.startswith("stats: ") and "/100000 slices" in first, first
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        rest = process.communicate(timeout=60)[1]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130
    assert "stopped (Ctrl-C); nothing was written" in rest
    assert not out.exists()


def test_a_scheduler_that_is_not_an_address_is_one_sentence_and_exit_1(tmp_path, capsys):
    pytest.importorskip("distributed")
    out = tmp_path / "t.tsv"
    code = main(["stats", *JOB, "--scheduler", "not an address", "--out", str(out)])
    assert code == 1
    assert "could not reach the Dask scheduler at not an address" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.filterwarnings("ignore:`torch.jit.trace:DeprecationWarning")
def test_a_torchscript_cnn_is_sliced_through_its_input_shape(tmp_path, capsys):
    torch.manual_seed(0)
    cnn = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(27, 4), nn.ReLU(), nn.Linear(4, 2)).eval()  # fmt: skip
    path = tmp_path / "cnn.pt"
    torch.jit.trace(cnn, torch.zeros(1, 1, 8, 8)).save(str(path))
    assert main(["stats", "--model", str(path), "--slices", "2", "--quiet"]) == 2
    assert "with --input-shape, e.g. 1,28,28" in capsys.readouterr().err
    out = tmp_path / "cnn.tsv"
    code = main(["stats", "--model", str(path), "--input-shape", "1,8,8", "--slices", "2",
                 "--quiet", "--out", str(out)])  # fmt: skip
    assert code == 0
    counts = [int(n) for n in _column(out.read_text(), "n_cells")]
    assert len(counts) == 2 and min(counts) > 1
