"""``splinescope regions``: the TSV and figure of cells around test digits."""

from __future__ import annotations

import numpy as np
import pytest

from app.cli import main
from engine.digits_cnn import digits_cnn, digits_split, load_digits_cnn
from engine.region_stats_samples import cells_near_samples


def test_regions_writes_the_counts_and_their_histograms(tmp_path):
    out, figure = tmp_path / "regions.tsv", tmp_path / "regions.svg"
    code = main(["regions", "--images", "3", "--radius", "0.05", "--out", str(out),
                 "--figure", str(figure)])  # fmt: skip
    assert code == 0
    rows = [line.split("\t") for line in out.read_text().splitlines()]
    assert rows[0] == ["sample", "label", "trained", "untrained"] and len(rows) == 4
    test = digits_split()[1]
    expected = cells_near_samples(
        {"trained": load_digits_cnn().double(), "untrained": digits_cnn(0).double()},
        test.images[:3, None],
        test.labels[:3],
        radius=0.05,
    )
    counts = np.array([[int(r[2]), int(r[3])] for r in rows[1:]]).T
    np.testing.assert_array_equal(counts, expected.counts)
    assert [int(r[1]) for r in rows[1:]] == test.labels[:3].tolist()
    svg = figure.read_text()
    assert "trained (3 samples)" in svg and "untrained (3 samples)" in svg
    assert svg.count("<rect") > 2


@pytest.mark.parametrize("argument", [["--radius", "0"], ["--images", "400"]])
def test_a_bad_argument_is_one_line_and_exit_2(argument, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["regions", *argument])
    assert stopped.value.code == 2
    assert "splinescope regions: error: argument" in capsys.readouterr().err
