"""Greedy merging of adjacent regions, and the regions stage that runs it."""

import numpy as np
import pytest

from reference_merge import reference_merge

from segment.labels import relabel_raster
from segment.merge_cost import MERGE_COEFFICIENTS, PAIR_FEATURES
from segment.merging import merge_regions
from segment.regions import form_regions


def strip(values):
    """A 1-row label map with one region per value; the values as the one colour
    channel, with a texture channel of zeros."""
    labels = np.arange(len(values))[None, :]
    features = np.zeros((1, len(values), 2))
    features[0, :, 0] = values
    return labels, features


def coefficients(intercept=0.0, **slopes):
    """A coefficient vector for merge_regions: the intercept and the named slopes."""
    coef = np.zeros(1 + len(PAIR_FEATURES))
    coef[0] = intercept
    for name, value in slopes.items():
        coef[1 + PAIR_FEATURES.index(name)] = value
    return coef


# logit = -log(1 + d) gives P(different) = (1 + d) / (2 + d) for colour distance d
BY_COLOUR = coefficients(log_colour=-1.0)


def test_most_similar_pair_merges_first_and_threshold_stops():
    labels, values = strip([0.0, 10.0, 14.0])
    flat = np.zeros(labels.shape)

    def merged(threshold):
        return merge_regions(labels, values, 3, edge_map=flat, threshold=threshold,
                             coefficients=BY_COLOUR)

    # B-C: d = 4, P = 5/6 = 0.833; A-B: d = 10, P = 11/12 = 0.917
    out, n = merged(0.85)
    assert out.tolist() == [[0, 1, 1]] and n == 2
    # after B and C merge their mean is 12: A-BC has P = 13/14 = 0.929, no longer 0.917
    assert merged(0.92)[1] == 2
    assert merged(0.93)[1] == 1
    assert merged(0.0)[1] == 3


def test_boundary_contrast_keeps_regions_apart():
    # logit = -log(1 + 4) - log(1 + g): P = 5/6 = 0.833 at g = 0, 55/56 = 0.982 at g = 10
    labels, values = strip([0.0, 4.0])
    by_contrast = coefficients(log_colour=-1.0, log_contrast=-1.0)
    weak = np.zeros(labels.shape)
    strong = np.full(labels.shape, 10.0)
    assert merge_regions(labels, values, 2, edge_map=weak, threshold=0.9,
                         coefficients=by_contrast)[1] == 1
    assert merge_regions(labels, values, 2, edge_map=strong, threshold=0.9,
                         coefficients=by_contrast)[1] == 2


def test_small_regions_merge_into_the_most_similar_neighbour_past_the_threshold():
    labels = np.array([[0, 0, 0, 1, 2, 2, 2]])
    values = np.zeros((1, 7, 2))
    values[0, :, 0] = [0.0, 0.0, 0.0, 40.0, 100.0, 100.0, 100.0]
    merged, n = merge_regions(labels, values, 3, edge_map=np.zeros(labels.shape),
                              threshold=0.0, min_size=2, coefficients=BY_COLOUR)
    # the 1-pixel region (40) is closer to 0 than to 100
    assert merged.tolist() == [[0, 0, 0, 0, 1, 1, 1]] and n == 2


def test_merge_with_a_hub_region_bordering_many_fragments():
    # one large region touching 200 one-pixel fragments: the merge must finish
    # and absorb every fragment (min_size) while keeping the large region whole
    labels = np.zeros((3, 400), np.int64)
    labels[1, ::2] = np.arange(1, 201)
    values = np.zeros(labels.shape + (2,))
    values[1, ::2, 0] = np.linspace(30, 60, 200)
    merged, n = merge_regions(labels, values, 201, edge_map=np.zeros(labels.shape),
                              threshold=0.0, min_size=2)
    assert n == 1 and merged.max() == 0


def test_merge_regions_checks_its_inputs():
    labels, values = strip([0.0, 4.0])
    flat = np.zeros(labels.shape)
    with pytest.raises(ValueError, match="coefficients must hold"):
        merge_regions(labels, values, 2, edge_map=flat, threshold=0.5, coefficients=[1.0])
    with pytest.raises(ValueError, match="values must be"):
        merge_regions(labels, values[..., :1], 2, edge_map=flat, threshold=0.5)
    with pytest.raises(ValueError, match="edge_map must"):
        merge_regions(labels, values, 2, edge_map=flat[:, :1], threshold=0.5)


def test_form_regions_returns_consistent_sizes_and_modes():
    points = np.zeros((6, 8, 3), np.float32)
    points[..., 0], points[..., 1] = np.meshgrid(np.arange(8), np.arange(6))
    points[:, 4:, 2] = 60.0
    lab = points[..., 2:].copy()
    labels, sizes, modes = form_regions(points, lab, 6.5, 2, 0.5)
    assert labels.dtype == np.int32 and sizes.tolist() == [24, 24]
    np.testing.assert_allclose(modes.ravel(), [0.0, 60.0])


def same_partition(a, b):
    """Whether two label maps split the pixels the same way, whatever the ids."""
    pairs = np.unique(np.stack([a.ravel(), b.ravel()]), axis=1)
    return (pairs.shape[1] == np.unique(a).size == np.unique(b).size)


def tiny_region_graph(seed, shape=(11, 13), n_seeds=9):
    """A random Voronoi partition with random colours, texture and edge strengths."""
    rng = np.random.default_rng(seed)
    rows, cols = np.indices(shape)
    centres = rng.integers(0, shape, size=(n_seeds, 2))
    distance = (rows[..., None] - centres[:, 0]) ** 2 + (cols[..., None] - centres[:, 1]) ** 2
    labels, n = relabel_raster(np.argmin(distance + rng.random(distance.shape) * 1e-3, axis=2))
    colour = rng.normal(50, 15, size=(n, 3))
    values = np.concatenate([colour[labels] + rng.normal(0, 2, shape + (3,)),
                             rng.random(shape + (1,)) * 4], axis=2)
    edge_map = rng.random(shape) * 6
    return labels, values, edge_map, n


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("threshold, min_size", [(0.3, 0), (0.5, 0), (0.7, 12), (0.2, 25)])
def test_merge_regions_agrees_with_the_brute_force_reference(seed, threshold, min_size):
    labels, values, edge_map, n = tiny_region_graph(seed)
    coef = np.asarray(MERGE_COEFFICIENTS)
    if seed % 2:  # another cost surface, so that more than one order is exercised
        coef = coef + np.random.default_rng(100 + seed).normal(0, 0.3, coef.size)
    merged, m = merge_regions(labels, values, n, edge_map=edge_map, threshold=threshold,
                              min_size=min_size, coefficients=coef)
    expected = reference_merge(labels, values, edge_map, threshold, min_size, coef)
    assert m == np.unique(expected).size
    assert same_partition(merged, expected)


def test_the_reference_comparison_can_tell_partitions_apart():
    labels, values, edge_map, n = tiny_region_graph(0)
    low = reference_merge(labels, values, edge_map, 0.05, 0, MERGE_COEFFICIENTS)
    high = reference_merge(labels, values, edge_map, 0.95, 0, MERGE_COEFFICIENTS)
    assert np.unique(low).size > np.unique(high).size
    assert not same_partition(low, high)
