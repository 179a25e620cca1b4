"""The automatic range bandwidth: colour spread, proportionality, clipping, and
segment()'s use of it."""

import numpy as np
import pytest
from conftest import blobs, synthetic_image

from segment import segment
from segment.bandwidth import (
    RANGE_BASE,
    SPREAD_REFERENCE,
    colour_spread,
    estimate_range_bandwidth,
)
from segment.colour import lab_lattice


def test_colour_spread_is_the_rms_distance_from_the_mean_colour():
    rng = np.random.default_rng(1)
    lab = rng.normal((50, 5, -5), (12, 4, 3), (40, 30, 3)).astype(np.float32)
    flat = lab.reshape(-1, 3).astype(np.float64)
    rms = np.sqrt(np.mean(np.sum((flat - flat.mean(axis=0)) ** 2, axis=1)))
    assert colour_spread(lab) == pytest.approx(rms, rel=1e-6)


def test_colour_spread_of_a_large_image_is_measured_on_a_grid():
    # 1200 x 1000 = 1.2 MP, read on every third pixel: the same spread within 1 %
    rng = np.random.default_rng(2)
    lab = rng.normal((50, 0, 0), (20, 8, 8), (1200, 1000, 3)).astype(np.float32)
    full = float(np.sqrt(lab.reshape(-1, 3).astype(np.float64).var(axis=0).sum()))
    assert colour_spread(lab) == pytest.approx(full, rel=0.01)


def test_grey_lattice_uses_lightness_alone():
    lab = np.zeros((4, 4, 1), np.float32)
    lab[:, 2:] = 30.0
    assert colour_spread(lab) == pytest.approx(15.0)


@pytest.mark.parametrize("scale", [0.6, 1.0, 1.5, 1.9])
def test_range_bandwidth_grows_in_proportion_to_the_spread(scale):
    # two colours: spread = half their distance
    lab = np.zeros((10, 10, 3), np.float32)
    lab[:, 5:, 0] = 2 * SPREAD_REFERENCE * scale
    assert estimate_range_bandwidth(lab) == pytest.approx(RANGE_BASE * scale, rel=1e-5)


@pytest.mark.parametrize("scale, expected", [(0.1, 0.5), (0.0, 0.5), (5.0, 2.0), (100.0, 2.0)])
def test_range_bandwidth_is_clipped(scale, expected):
    lab = np.zeros((10, 10, 3), np.float32)
    lab[:, 5:, 0] = 2 * SPREAD_REFERENCE * scale
    assert estimate_range_bandwidth(lab) == pytest.approx(RANGE_BASE * expected)


def test_base_and_exponent():
    lab = np.zeros((10, 10, 3), np.float32)
    lab[:, 5:, 0] = 2 * SPREAD_REFERENCE * 1.3
    assert estimate_range_bandwidth(lab, base=6.0, exponent=0.0) == pytest.approx(6.0)
    assert estimate_range_bandwidth(lab, base=6.0, exponent=2.0) == pytest.approx(6.0 * 1.69)


def test_segment_resolves_none_to_the_estimate_and_records_it():
    image = synthetic_image(blobs(36, 48), noise=3.0, seed=4)
    h_r = estimate_range_bandwidth(lab_lattice(image))
    auto = segment(image)
    explicit = segment(image, range_bandwidth=h_r)
    assert auto.parameters["range_bandwidth"] == h_r
    np.testing.assert_array_equal(auto.labels, explicit.labels)
    # a different, explicit h_r is honoured
    assert segment(image, range_bandwidth=3.0, merge_threshold=0).parameters[
        "range_bandwidth"] == 3.0


def test_muted_image_gets_a_smaller_range_bandwidth_than_a_colourful_one():
    truth = blobs(36, 48)
    colourful = synthetic_image(truth, noise=3.0, seed=5)
    muted_lab = np.array([[50, 0, 0], [54, 2, 2], [46, -2, 3], [52, 3, -2], [48, 0, 4],
                          [56, -3, -3]], np.float64)
    muted = synthetic_image(truth, noise=3.0, seed=5, colours=muted_lab)
    assert (segment(muted).parameters["range_bandwidth"]
            < segment(colourful).parameters["range_bandwidth"])
