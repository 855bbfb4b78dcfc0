"""Latent paths: exact decoded fades, strips, nearest images, views and path surveys."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.spatial.distance import cdist

from engine.digit_models import run_to_end, train_autoencoder, train_classifier
from engine.digits import load_digits, train_test_split
from engine.latent_paths import (
    class_runs,
    latent_plane,
    latent_view,
    nearest_images,
    reconstruction_keeps_class,
    strip_parameters,
    survey_paths,
    to_plane,
    walk_classifier,
    walk_latent_path,
)
from engine.networks import network_layers
from engine.segment_walk import segment_crossings


@pytest.fixture(scope="module")
def data():
    train, test = train_test_split(load_digits(), 0.2, seed=0)
    return train.subset(np.arange(400)), test


@pytest.fixture(scope="module")
def autoencoder(data):
    return run_to_end(train_autoencoder(data[0].flat, (24, 12), 2, epochs=4, seed=0))


@pytest.fixture(scope="module")
def wide_autoencoder(data):
    return run_to_end(train_autoencoder(data[0].flat, (24, 12), 6, epochs=3, seed=1))


def _decode(decoder, z: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return decoder(torch.as_tensor(z, dtype=torch.float64)).numpy()


def _pair(autoencoder, test, i=0, j=7):
    x_a, x_b = test.flat[i], test.flat[j]
    z_a, z_b = autoencoder.encode(np.stack([x_a, x_b]))
    return x_a, x_b, z_a, z_b


@pytest.mark.parametrize("which", ["autoencoder", "wide_autoencoder"])
def test_decoded_path_is_the_linear_interpolation_of_decoded_breakpoints(request, data, which):
    model = request.getfixturevalue(which)
    train, test = data
    x_a, x_b, z_a, z_b = _pair(model, test)
    path = walk_latent_path(model.decoder, z_a, z_b, x_a, x_b, train.flat)
    assert path.n_cells >= 2
    breakpoints = path.crossings.breakpoints
    at_breakpoints = _decode(model.decoder, z_a + breakpoints[:, None] * (z_b - z_a))
    t = np.random.default_rng(0).uniform(0, 1, 3000)
    truth = _decode(model.decoder, z_a + t[:, None] * (z_b - z_a))
    glued = np.stack([np.interp(t, breakpoints, column) for column in at_breakpoints.T], axis=1)
    np.testing.assert_allclose(glued, truth, atol=1e-6)
    # ... and nowhere else: between two kinks a straight line, at each kink a bend
    for k, tk in enumerate(path.crossings.t):
        left = _decode(model.decoder, z_a + (tk - 1e-4) * (z_b - z_a))
        right = _decode(model.decoder, z_a + (tk + 1e-4) * (z_b - z_a))
        middle = _decode(model.decoder, z_a + tk * (z_b - z_a))
        assert np.abs(left + right - 2 * middle).max() > 1e-12, k


def test_the_strip_samples_kinks_and_midpoints_with_their_cells(data, autoencoder):
    train, test = data
    x_a, x_b, z_a, z_b = _pair(autoencoder, test)
    path = walk_latent_path(autoencoder.decoder, z_a, z_b, x_a, x_b, train.flat, max_samples=500)
    crossings = path.crossings
    assert len(path.sample_t) == 2 * crossings.n_cells + 1
    np.testing.assert_allclose(path.sample_t[path.sample_is_kink], crossings.t)
    assert path.sample_t[0] == 0.0 and path.sample_t[-1] == 1.0
    z = z_a + path.sample_t[:, None] * (z_b - z_a)
    np.testing.assert_allclose(path.decoded, _decode(autoencoder.decoder, z), atol=1e-9)
    np.testing.assert_allclose(
        path.faded, np.outer(1 - path.sample_t, x_a) + np.outer(path.sample_t, x_b)
    )
    middles = ~path.sample_is_kink & (path.sample_t > 0) & (path.sample_t < 1)
    patterns = network_layers(autoencoder.decoder).activation_pattern(z[middles])
    np.testing.assert_array_equal(patterns, crossings.patterns[path.sample_piece[middles]])
    np.testing.assert_array_equal(path.sample_piece[middles], np.arange(crossings.n_cells))
    distances = cdist(path.decoded, train.flat)
    np.testing.assert_array_equal(path.nearest, distances.argmin(axis=1))
    np.testing.assert_allclose(path.nearest_distance, distances.min(axis=1), atol=1e-12)
    curve = _decode(autoencoder.decoder, z_a + path.curve_t[:, None] * (z_b - z_a))
    np.testing.assert_allclose(
        path.decoded_distance, cdist(curve, train.flat).min(axis=1), atol=1e-9
    )
    assert path.faded_distance[0] == pytest.approx(cdist(x_a[None], train.flat).min())


def test_the_strip_is_thinned_evenly_keeping_both_ends():
    breakpoints = np.r_[0.0, np.linspace(0.05, 0.95, 40), 1.0]
    t, is_kink = strip_parameters(breakpoints, 9)
    assert len(t) == 9 and t[0] == 0.0 and t[-1] == 1.0 and np.all(np.diff(t) > 0)
    assert set(t[is_kink]) <= set(breakpoints[1:-1])


def test_nearest_images_agree_with_brute_force_on_close_pairs():
    rng = np.random.default_rng(3)
    train = rng.uniform(0, 1, size=(5000, 64))
    images = np.vstack([train[[4, 4100]] + 1e-7, rng.uniform(0, 1, size=(30, 64))])
    index, distance = nearest_images(train, images)
    full = cdist(images, train)
    np.testing.assert_array_equal(index, full.argmin(axis=1))
    np.testing.assert_allclose(distance, full.min(axis=1), rtol=1e-12, atol=1e-15)
    assert list(index[:2]) == [4, 4100]


def test_unreached_cells_are_those_no_training_code_has_the_pattern_of(data, autoencoder):
    train, _ = data
    codes = autoencoder.encode(train.flat)
    view = latent_view(autoencoder.decoder, codes, train.labels)
    assert not view.is_slice and view.partition.n_regions > 10
    assert view.codes.shape == (len(train), 2) and np.all(view.code_cell >= 0)
    code_patterns = network_layers(autoencoder.decoder).activation_pattern(codes)
    seen = {row.tobytes() for row in code_patterns}
    expected = np.array([row.tobytes() in seen for row in view.partition.patterns])
    np.testing.assert_array_equal(view.reached, expected)
    assert 0 < view.n_unreached < view.partition.n_regions
    xmin, xmax, ymin, ymax = view.partition.bounds
    assert xmin < codes[:, 0].min() and codes[:, 0].max() < xmax
    assert ymin < codes[:, 1].min() and codes[:, 1].max() < ymax


def test_the_slice_contains_the_path_and_its_crossings(data, wide_autoencoder):
    train, test = data
    _, _, z_a, z_b = _pair(wide_autoencoder, test)
    z_c = wide_autoencoder.encode(test.flat[3:4])[0]
    plane = latent_plane(z_a, z_b, z_c)
    origin, u, v = plane
    assert abs(u @ v) < 1e-12 and np.linalg.norm(u) == pytest.approx(1) == np.linalg.norm(v)
    for point in (z_a, z_b, z_c):  # all three lie in the plane
        s, t = to_plane(point, plane)[0]
        np.testing.assert_allclose(origin + s * u + t * v, point, atol=1e-10)
    codes = wide_autoencoder.encode(train.flat)
    view = latent_view(wide_autoencoder.decoder, codes, train.labels, plane=plane, path=(z_a, z_b))
    assert view.is_slice and view.reached.all()
    crossings = segment_crossings(wide_autoencoder.decoder, z_a, z_b)
    ends = to_plane(np.stack([z_a, z_b]), plane)
    np.testing.assert_allclose(ends[1], [np.linalg.norm(z_b - z_a), 0.0], atol=1e-12)
    middles = 0.5 * (crossings.breakpoints[:-1] + crossings.breakpoints[1:])
    cells = view.partition.locate(ends[0] + middles[:, None] * (ends[1] - ends[0]))
    assert len(set(cells.tolist())) == crossings.n_cells
    np.testing.assert_array_equal(view.partition.patterns[cells], crossings.patterns)
    with pytest.raises(ValueError, match="coincide"):
        latent_plane(z_a, z_a)


def test_the_survey_counts_the_cells_of_every_random_pair(data, autoencoder):
    codes = autoencoder.encode(data[0].flat)
    survey = survey_paths(autoencoder.decoder, codes, 40, seed=2)
    again = survey_paths(autoencoder.decoder, codes, 40, seed=2)
    np.testing.assert_array_equal(survey.pairs, again.pairs)
    assert np.all(survey.pairs[:, 0] != survey.pairs[:, 1])
    for (i, j), length, count in zip(
        survey.pairs[:5], survey.lengths, survey.n_cells, strict=False
    ):
        assert count == segment_crossings(autoencoder.decoder, codes[i], codes[j]).n_cells
        assert length == pytest.approx(np.linalg.norm(codes[i] - codes[j]))
    assert survey.slope == pytest.approx(
        np.sum(survey.lengths * survey.n_cells) / np.sum(survey.lengths**2)
    )


def test_class_runs_match_dense_sampling_of_the_classifier(data):
    train, test = data
    model = run_to_end(train_classifier(train.flat, train.labels, (16, 12), epochs=6, seed=0))
    pairs = [(i, j) for i in range(12) for j in range(12, 16) if test.labels[i] != test.labels[j]]
    n_changes = 0
    for i, j in pairs[:8]:
        walk = walk_classifier(model, test.flat[i], test.flat[j])
        t = np.linspace(0, 1, 4001)
        with torch.no_grad():
            logits = model(
                torch.as_tensor(test.flat[i] + t[:, None] * (test.flat[j] - test.flat[i]))
            )
        sampled = logits.numpy().argmax(axis=1)
        stretch = np.searchsorted(walk.class_t, t, side="right")
        far = np.all(np.abs(t[:, None] - walk.class_t[None, :]) > 1e-6, axis=1)
        np.testing.assert_array_equal(walk.classes[stretch][far], sampled[far])
        assert np.all(np.diff(walk.classes) != 0)
        n_changes += len(walk.class_t)
    assert n_changes >= 1


def test_class_runs_on_a_hand_made_walk():
    breakpoints = np.array([0.0, 0.5, 1.0])
    # class 0 falls, class 1 rises: they cross at t = 0.25; class 2 overtakes at t = 0.75
    outputs = np.array([[1.0, 0.0, -1.0], [0.0, 1.0, 0.0], [0.0, 1.0, 2.0]])
    change_t, classes = class_runs(breakpoints, outputs)
    np.testing.assert_allclose(change_t, [0.25, 0.75])
    np.testing.assert_array_equal(classes, [0, 1, 2])


def test_reconstruction_keeps_class_reads_the_nearest_training_image_of_the_decoding():
    from torch import nn

    from engine.digit_models import Autoencoder

    def linear(weight: np.ndarray) -> nn.Sequential:
        layer = nn.Linear(weight.shape[1], weight.shape[0]).double()
        with torch.no_grad():
            layer.weight.copy_(torch.as_tensor(weight))
            layer.bias.zero_()
        return nn.Sequential(layer)

    # Encoding keeps pixels 0 and 1; decoding writes them back and blanks pixel 2.
    encoder = linear(np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
    decoder = linear(np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]))
    train = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    train_labels = np.array([0, 1, 2])
    images = np.array([[0.9, 0.1, 0.0], [0.1, 0.8, 0.0], [0.2, 0.1, 0.9], [0.3, 0.2, 0.1]])
    labels = np.array([0, 1, 2, 1])
    kept = reconstruction_keeps_class(
        Autoencoder(encoder, decoder), train, train_labels, images, labels
    )
    # The third loses its only bright pixel; the fourth decodes nearest to a 0.
    assert kept.tolist() == [True, True, False, False]
