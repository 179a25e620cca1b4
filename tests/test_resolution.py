"""Resolution independence: automatic h_s, the working copy, and labels back at full size."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from scipy import ndimage
from sklearn.metrics import adjusted_rand_score

from conftest import blobs, synthetic_image
from segment import DEFAULTS, segment
from segment.bandwidth import estimate_range_bandwidth
from segment.colour import lab_lattice
from segment.meanshift import seek_modes
from segment.labels import relabel_raster
from segment.regions import form_regions
from segment.resolution import (default_spatial_bandwidth, largest_spatial_bandwidth,
                                working_min_size, working_scale, working_shape)
from segment.segmentation import default_min_size
from segment.upsample import (assign_labels, connect_regions, local_region_means,
                              upsample_labels)

EIGHT = np.ones((3, 3), bool)


# ---------------------------------------------------------------- references


def reference_assignment(lab, labels, reference):
    """Slow, obvious assignment: every pixel, every candidate, float64 arithmetic."""
    height, width = lab.shape[:2]
    h, w = labels.shape
    out = np.empty((height, width), np.int64)
    for r in range(height):
        y = (r + 0.5) * (h / height) - 0.5
        i0 = min(h - 1, max(0, int(np.floor(y + 0.5))))
        for c in range(width):
            x = (c + 0.5) * (w / width) - 0.5
            j0 = min(w - 1, max(0, int(np.floor(x + 0.5))))
            candidates = []
            for i in range(max(0, i0 - 1), min(h, i0 + 2)):
                for j in range(max(0, j0 - 1), min(w, j0 + 2)):
                    d = float(np.sum((lab[r, c].astype(np.float64)
                                      - reference[i, j].astype(np.float64)) ** 2))
                    ds = (i - y) ** 2 + (j - x) ** 2
                    candidates.append((d, ds, labels[i, j]))
            if len({label for _, _, label in candidates}) == 1:
                out[r, c] = candidates[0][2]
                continue
            out[r, c] = min(candidates, key=lambda t: (t[0], t[1]))[2]
    return out


def reference_local_means(labels, lab, radius):
    h, w = labels.shape
    out = np.empty(lab.shape, np.float32)
    for i in range(h):
        for j in range(w):
            rows = slice(max(0, i - radius), i + radius + 1)
            cols = slice(max(0, j - radius), j + radius + 1)
            same = labels[rows, cols] == labels[i, j]
            out[i, j] = (lab[rows, cols][same].astype(np.float64).sum(axis=0)
                         / same.sum()).astype(np.float32)
    return out


def random_case(seed, shape=(23, 31), work=(7, 10), n=4, channels=3):
    rng = np.random.default_rng(seed)
    lab = rng.normal(50, 20, shape + (channels,)).astype(np.float32)
    labels = rng.integers(0, n, work)
    reference = rng.normal(50, 20, work + (channels,)).astype(np.float32)
    return lab, labels, reference


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("channels", [3, 1])
def test_assignment_matches_the_reference(seed, channels):
    lab, labels, reference = random_case(seed, channels=channels)
    np.testing.assert_array_equal(assign_labels(lab, labels, reference),
                                  reference_assignment(lab, labels, reference))


def test_assignment_ties_go_to_the_nearest_candidate():
    lab = np.zeros((4, 4, 3), np.float32)  # equally far from both reference colours
    labels = np.array([[0, 1], [0, 1]])
    reference = np.zeros((2, 2, 3), np.float32)
    reference[:, 0, 0], reference[:, 1, 0] = -5.0, 5.0
    out = assign_labels(lab, labels, reference)
    np.testing.assert_array_equal(out, reference_assignment(lab, labels, reference))
    np.testing.assert_array_equal(out, np.repeat(np.repeat(labels, 2, 0), 2, 1))


@pytest.mark.parametrize("radius", [1, 2])
def test_local_region_means_match_the_reference(radius):
    rng = np.random.default_rng(radius)
    labels = rng.integers(0, 3, (9, 12))
    lab = rng.normal(50, 20, (9, 12, 3)).astype(np.float32)
    np.testing.assert_allclose(local_region_means(labels, lab, radius),
                               reference_local_means(labels, lab, radius), rtol=1e-6)


# ---------------------------------------------------------------- connectivity


def components(labels):
    """Number of 8-connected components of each label present."""
    return {int(k): ndimage.label(labels == k, structure=EIGHT)[1] for k in np.unique(labels)}


@pytest.mark.parametrize("seed", range(40))
def test_connect_regions_leaves_one_component_per_region(seed):
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(1, 14, 2))
    n = int(rng.integers(1, 6))
    labels = rng.integers(0, n, shape)
    out, order, sizes = connect_regions(labels, n)
    assert set(components(out).values()) == {1}
    np.testing.assert_array_equal(sizes, np.bincount(out.ravel()))
    np.testing.assert_array_equal(out, relabel_raster(out)[0])  # raster order
    assert len(set(order.tolist())) == order.size


@pytest.mark.parametrize("seed", range(10))
def test_connect_regions_keeps_connected_maps(seed):
    # every 8-connected component of a random map made a region of its own: the map
    # is already connected and comes back as it is
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 3, (12, 15))
    labels = np.zeros(coarse.shape, np.int64)
    top = 0
    for k in range(3):
        parts, count = ndimage.label(coarse == k, structure=EIGHT)
        labels[parts > 0] = parts[parts > 0] + top
        top += count
    labels, n = relabel_raster(labels)
    out, order, _ = connect_regions(labels, n)
    np.testing.assert_array_equal(out, labels)
    np.testing.assert_array_equal(order, np.arange(n))


def test_a_fragment_joins_the_region_it_touches_most():
    labels = np.array([[0, 0, 0, 0, 0, 0],
                       [0, 1, 1, 2, 2, 0],
                       [0, 1, 0, 0, 2, 0],
                       [0, 1, 1, 1, 2, 0],
                       [0, 0, 0, 0, 0, 0]])  # the inner 0s are cut off from the ring
    out, order, sizes = connect_regions(labels, 3)
    # 4 pixel pairs with region 1, 2 with region 2
    assert out[2, 2] == out[2, 3] == out[1, 1]
    assert set(components(out).values()) == {1}
    np.testing.assert_array_equal(sizes, [18, 8, 4])


def test_upsampled_regions_are_connected():
    truth = blobs(60, 80)
    image = cv2.resize(synthetic_image(truth, noise=12.0, seed=5), (320, 240),
                       interpolation=cv2.INTER_NEAREST)
    result = segment(image, spatial_bandwidth=40)  # scale 1/4
    assert set(components(result.labels).values()) == {1}


# ---------------------------------------------------------------- segment()


def test_scale_one_is_the_unmodified_path():
    truth = blobs(321, 481)
    image = synthetic_image(truth, noise=6.0, ramp=20.0, seed=3)
    result = segment(image)
    assert result.parameters["spatial_bandwidth"] == 10.0
    lab = lab_lattice(image)
    h_r = estimate_range_bandwidth(lab)
    points = seek_modes(lab, 10.0, h_r)
    labels, sizes, modes = form_regions(points, lab, h_r, default_min_size(321, 481),
                                        DEFAULTS["merge_threshold"])
    np.testing.assert_array_equal(result.labels, labels + 1)  # regions from 1
    np.testing.assert_array_equal(result.sizes, sizes)
    np.testing.assert_array_equal(result.modes, modes)
    np.testing.assert_array_equal(segment(image, spatial_bandwidth=10).labels, labels + 1)


def upscale(image, factor):
    height, width = image.shape[:2]
    return cv2.resize(image, (width * factor, height * factor), interpolation=cv2.INTER_LANCZOS4)


@pytest.mark.parametrize("factor", [2, 3])
def test_an_upscaled_image_gives_the_same_regions(factor):
    truth = blobs(150, 220)
    image = synthetic_image(truth, noise=4.0, ramp=10.0, seed=4)
    small = segment(image, spatial_bandwidth=10)
    big = segment(upscale(image, factor), spatial_bandwidth=10 * factor)
    assert big.shape == (150 * factor, 220 * factor)
    back = big.labels[factor // 2::factor, factor // 2::factor]
    assert adjusted_rand_score(small.labels.ravel(), back.ravel()) >= 0.95


def test_default_spatial_bandwidth_follows_the_image_size():
    truth = blobs(150, 220)
    image = upscale(synthetic_image(truth, noise=4.0, seed=4), 4)
    result = segment(image)
    assert result.parameters["spatial_bandwidth"] == default_spatial_bandwidth(600, 880)
    assert result.parameters["min_size"] == default_min_size(600, 880)
    assert result.shape == (600, 880)
    np.testing.assert_array_equal(result.sizes, np.bincount(result.labels.ravel())[1:])
    np.testing.assert_array_equal(result.labels, relabel_raster(result.labels)[0] + 1)
    assert result.modes.shape == (result.n_regions, 3)
    assert result.paint().shape == image.shape
    assert result.boundaries().shape == image.shape[:2]
    truth_big = np.kron(truth, np.ones((4, 4), int))
    assert adjusted_rand_score(truth_big.ravel(), result.labels.ravel()) >= 0.95


def test_default_rule():
    assert default_spatial_bandwidth(321, 481) == 10.0
    assert default_spatial_bandwidth(642, 962) == pytest.approx(20.0)
    assert default_spatial_bandwidth(3000, 4000) == pytest.approx(10 * np.sqrt(12e6 / 154401))
    # an extreme strip keeps a working image of 16 pixels across
    assert default_spatial_bandwidth(20, 100_000) == largest_spatial_bandwidth(20, 100_000)


def test_explicit_spatial_bandwidth_means_input_pixels():
    truth = blobs(120, 160)
    image = synthetic_image(truth, noise=4.0, seed=6)
    big = upscale(image, 2)
    # h_s = 10 on the enlarged image: no reduction, mean shift on the input itself
    lab = lab_lattice(big)
    h_r = estimate_range_bandwidth(lab)
    labels, _, _ = form_regions(seek_modes(lab, 10.0, h_r), lab, h_r,
                                default_min_size(240, 320), DEFAULTS["merge_threshold"])
    result = segment(big, spatial_bandwidth=10)
    assert result.parameters["spatial_bandwidth"] == 10.0
    np.testing.assert_array_equal(result.labels, labels + 1)
    # h_s = 20 reaches as far in the scene as h_s = 10 on the original
    wide = segment(big, spatial_bandwidth=20)
    assert wide.parameters["spatial_bandwidth"] == 20.0
    small = segment(image, spatial_bandwidth=10)
    assert adjusted_rand_score(small.labels.ravel(), wide.labels[1::2, 1::2].ravel()) >= 0.95


def test_explicit_min_size_means_input_pixels():
    assert working_min_size(2000, 642, 962, (321, 481)) == 500
    assert working_min_size(0, 642, 962, (321, 481)) == 0
    truth = blobs(120, 160)
    image = upscale(synthetic_image(truth, noise=4.0, seed=6), 2)
    result = segment(image, spatial_bandwidth=20, min_size=5000)
    assert result.parameters["min_size"] == 5000
    # regions under 5000 input pixels (1250 working pixels) are gone, up to the
    # pixels the full-resolution assignment moves
    assert result.sizes.min() >= 0.9 * 5000


def test_working_scale_and_shape():
    assert working_scale(10.0) == 1.0 and working_scale(2.0) == 1.0
    assert working_scale(25.0) == 0.4
    assert working_shape(321, 481, 1.0) == (321, 481)
    assert working_shape(3000, 4000, 0.25) == (750, 1000)


@pytest.mark.parametrize("h_s", [1e9, 201.0])
def test_too_large_spatial_bandwidth(h_s):
    image = np.zeros((321, 481, 3), np.uint8)
    with pytest.raises(ValueError, match=r"spatial_bandwidth must be in \(0, 200\.625\] pixels "
                                         r"for a 481 x 321 image .*; got"):
        segment(image, spatial_bandwidth=h_s)


def test_largest_spatial_bandwidth_is_accepted():
    image = synthetic_image(blobs(48, 64), noise=2.0)
    result = segment(image, spatial_bandwidth=largest_spatial_bandwidth(48, 64))
    assert result.shape == (48, 64)
    assert set(components(result.labels).values()) == {1}


def test_grey_input_at_a_reduced_scale():
    truth = blobs(120, 160)
    grey = synthetic_image(truth, noise=3.0, seed=7)[..., 1]
    result = segment(grey, spatial_bandwidth=30, channel_axis=None)
    assert result.shape == grey.shape and result.modes.shape == (result.n_regions, 1)
    assert result.paint().shape == grey.shape
    assert set(components(result.labels).values()) == {1}


def test_reduced_scale_is_deterministic_across_threads():
    truth = blobs(120, 160)
    image = upscale(synthetic_image(truth, noise=8.0, seed=8), 2)
    one = segment(image, spatial_bandwidth=25, n_threads=1)
    two = segment(image, spatial_bandwidth=25, n_threads=2)
    np.testing.assert_array_equal(one.labels, two.labels)
    np.testing.assert_array_equal(one.modes, two.modes)


def test_upsample_labels_follows_the_full_resolution_edge():
    # an edge at column 13 of 40 falls inside working pixel 3 of 10 (scale 1/4)
    lab = np.zeros((8, 40, 3), np.float32)
    lab[:, 13:, 0] = 60.0
    work = cv2.resize(lab, (10, 2), interpolation=cv2.INTER_AREA)
    labels = (np.arange(10)[None, :] >= 3).astype(np.int64).repeat(2, 0)
    out, order, sizes = upsample_labels(lab, labels, work, 2)
    np.testing.assert_array_equal(out, (np.arange(40)[None, :] >= 13).astype(int).repeat(8, 0))
    np.testing.assert_array_equal(sizes, [8 * 13, 8 * 27])


def test_no_staircase_along_a_slanted_edge():
    # a slanted edge on a 320 x 320 image segmented at scale 1/8: the labels follow
    # the edge at full resolution, not the 8 x 8 blocks of the working copy
    yy, xx = np.mgrid[0:320, 0:320]
    truth = (xx > 0.6 * yy + 70).astype(int)
    image = synthetic_image(truth, noise=2.0, seed=9)
    result = segment(image, spatial_bandwidth=80)
    assert result.n_regions == 2
    wrong = min((result.labels != truth).sum(), (result.labels == truth).sum())
    blocky = np.kron(truth[4::8, 4::8], np.ones((8, 8), int))
    assert (blocky != truth).sum() > 500  # what nearest-neighbour labels would get wrong
    assert wrong <= 20
