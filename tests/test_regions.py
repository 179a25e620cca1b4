"""Region forming: grouping of modes, greedy contrast-aware merging, pruning."""

import numpy as np
import pytest

from segment.merging import boundary_edges, merge_regions
from segment.meanshift import coarse_factor, seek_modes
from segment.regions import form_regions, group_modes, relabel_raster


def strip(values):
    """A 1-row label map with one region per value, and the values as a feature."""
    labels = np.arange(len(values))[None, :]
    return labels, np.asarray(values, float)[None, :, None]


def test_group_modes_joins_neighbours_closer_than_the_threshold():
    points = np.zeros((1, 5, 3), np.float32)
    points[0, :, 2] = [0.0, 2.0, 4.0, 10.0, 10.5]  # steps of 2, then a jump of 6
    labels, n = group_modes(points, 3.0)
    assert labels.tolist() == [[0, 0, 0, 1, 1]] and n == 2
    labels, n = group_modes(points, 1.5)
    assert labels.tolist() == [[0, 1, 2, 3, 3]] and n == 4


def test_group_modes_uses_8_connectivity():
    points = np.full((2, 2, 3), 50.0, np.float32)
    points[0, 0, 2] = points[1, 1, 2] = 0.0  # a diagonal pair of another colour
    labels, n = group_modes(points, 1.0)
    assert n == 2 and labels[0, 0] == labels[1, 1] != labels[0, 1] == labels[1, 0]


def test_relabel_raster_orders_by_first_appearance():
    out, n = relabel_raster(np.array([[5, 5, 2], [9, 2, 5]]))
    assert out.tolist() == [[0, 0, 1], [2, 1, 0]] and n == 3


def test_boundary_edges_count_pairs_and_sum_contrast():
    labels = np.array([[0, 0, 1],
                       [2, 2, 1]])
    edge_map = np.array([[0.0, 1.0, 3.0],
                         [2.0, 4.0, 5.0]])
    edges, length, contrast = boundary_edges(labels, edge_map)
    # 0-1: (0,1)-(0,2) -> (1+3)/2; 0-2: two vertical pairs -> (0+2)/2 + (1+4)/2;
    # 1-2: (1,1)-(1,2) -> (4+5)/2
    assert edges.tolist() == [[0, 1], [0, 2], [1, 2]]
    assert length.tolist() == [1, 2, 1]
    assert contrast.tolist() == [2.0, 3.5, 4.5]


def test_most_similar_pair_merges_first_and_threshold_stops():
    labels, values = strip([0.0, 10.0, 14.0])
    flat = np.zeros(labels.shape)
    merged, n = merge_regions(labels, values, 3, edge_map=flat, threshold=5.0)
    assert merged.tolist() == [[0, 1, 1]] and n == 2
    # after B and C merge their mean is 12: A is 12 away, above 11, below 13
    assert merge_regions(labels, values, 3, edge_map=flat, threshold=11.0)[1] == 2
    assert merge_regions(labels, values, 3, edge_map=flat, threshold=13.0)[1] == 1


def test_boundary_contrast_keeps_regions_apart():
    labels, values = strip([0.0, 4.0])
    weak = np.zeros(labels.shape)
    strong = np.full(labels.shape, 10.0)
    assert merge_regions(labels, values, 2, edge_map=weak, threshold=5.0)[1] == 1
    assert merge_regions(labels, values, 2, edge_map=strong, threshold=5.0,
                         edge_weight=1.0)[1] == 2


def test_small_regions_merge_into_the_most_similar_neighbour_past_the_threshold():
    labels = np.array([[0, 0, 0, 1, 2, 2, 2]])
    values = np.array([[0.0, 0.0, 0.0, 40.0, 100.0, 100.0, 100.0]])[..., None]
    merged, n = merge_regions(labels, values, 3, edge_map=np.zeros(labels.shape),
                              threshold=1.0, min_size=2)
    # the 1-pixel region (40) is closer to 0 than to 100
    assert merged.tolist() == [[0, 0, 0, 0, 1, 1, 1]] and n == 2


def test_merge_with_a_hub_region_bordering_many_fragments():
    # one large region touching 200 one-pixel fragments: the merge must finish
    # and absorb every fragment (min_size) while keeping the large region whole
    labels = np.zeros((3, 400), np.int64)
    labels[1, ::2] = np.arange(1, 201)
    values = np.zeros(labels.shape + (1,))
    values[1, ::2, 0] = np.linspace(30, 60, 200)
    merged, n = merge_regions(labels, values, 201, edge_map=np.zeros(labels.shape),
                              threshold=0.0, min_size=2)
    assert n == 1 and merged.max() == 0


def test_form_regions_returns_consistent_sizes_and_modes():
    points = np.zeros((6, 8, 3), np.float32)
    points[..., 0], points[..., 1] = np.meshgrid(np.arange(8), np.arange(6))
    points[:, 4:, 2] = 60.0
    lab = points[..., 2:].copy()
    labels, sizes, modes = form_regions(points, lab, 6.5, 2, 10.0)
    assert labels.dtype == np.int32 and sizes.tolist() == [24, 24]
    np.testing.assert_allclose(modes.ravel(), [0.0, 60.0])


@pytest.mark.parametrize("h_s, factor", [(2, 1), (7, 1), (8, 2), (10, 2), (13, 3)])
def test_coarse_factor(h_s, factor):
    assert coarse_factor(h_s) == factor


def test_fast_path_finds_the_colours_of_clean_blocks():
    rng = np.random.default_rng(3)
    lab = np.zeros((40, 60, 3), np.float32)
    lab[:, :30] = (30.0, 10.0, -10.0)
    lab[:, 30:] = (70.0, -20.0, 25.0)
    lab += rng.normal(0, 0.5, lab.shape).astype(np.float32)
    fast = seek_modes(lab, 10.0, 6.5, method="fast")
    exact = seek_modes(lab, 10.0, 6.5, method="exact")
    assert fast.shape == exact.shape == (40, 60, 5)
    # every pixel's mode is its block's colour on both paths
    np.testing.assert_allclose(fast[:, :30, 2:], np.broadcast_to([30, 10, -10], (40, 30, 3)),
                               atol=0.5)
    np.testing.assert_allclose(fast[:, 30:, 2:], np.broadcast_to([70, -20, 25], (40, 30, 3)),
                               atol=0.5)
    np.testing.assert_allclose(fast[..., 2:], exact[..., 2:], atol=0.5)


def test_edge_power_weighs_strong_boundary_pixels_more():
    # two regions of close colour whose boundary is weak except at one pixel pair:
    # the mean gradient (power 1) lets them merge, the power mean of order 4 does not
    labels = np.array([[0, 0, 1, 1]] * 4)
    values = np.zeros(labels.shape + (1,))
    values[:, 2:] = 2.0
    edge_map = np.zeros(labels.shape)
    edge_map[0, 1:3] = 8.0
    common = dict(edge_map=edge_map, threshold=5.0, edge_weight=1.0)
    # contrast: 1 strong pair (8) among 4 -> mean 2, power-4 mean 8 / 4**0.25 = 5.66
    assert merge_regions(labels, values, 2, **common)[1] == 1
    assert merge_regions(labels, values, 2, edge_power=4.0, **common)[1] == 2



def two_blocks(interior_edge):
    """Two 12 x 12 regions 2 apart in value, a boundary of strength 4 between them,
    and `interior_edge` everywhere else in the edge map."""
    labels = np.zeros((12, 24), np.int64)
    labels[:, 12:] = 1
    values = np.zeros(labels.shape + (1,))
    values[:, 12:] = 2.0
    edge_map = np.full(labels.shape, float(interior_edge))
    edge_map[:, 11:13] = 4.0
    return labels, values, edge_map


@pytest.mark.parametrize("threshold, smooth, plain, textured", [(5.0, 2, 2, 1), (7.0, 2, 1, 1)])
def test_internal_offset_weighs_the_boundary_against_the_regions_interiors(
        threshold, smooth, plain, textured):
    # cost = 2 (values) + contrast 4 x (1 + c) / (c + interior edge), c = 2:
    # smooth interiors (0): 2 + 6 = 8; no weighing: 2 + 4 = 6; textured (4): 2 + 2 = 4
    def count(interior, offset):
        labels, values, edge_map = two_blocks(interior)
        return merge_regions(labels, values, 2, edge_map=edge_map, threshold=threshold,
                             internal_offset=offset)[1]

    assert count(0.0, 2.0) == smooth
    assert count(0.0, None) == plain
    assert count(4.0, 2.0) == textured


def test_internal_offset_must_be_positive():
    labels, values, edge_map = two_blocks(0.0)
    with pytest.raises(ValueError, match="internal_offset"):
        merge_regions(labels, values, 2, edge_map=edge_map, threshold=1.0, internal_offset=0.0)


def test_merge_threshold_is_scaled_by_the_contrast_factor(blob_picture):
    from segment.features import gradient_magnitude, lab_lattice
    from segment.regions import EDGE_SIGMA, contrast_factor

    image, _ = blob_picture
    lab = lab_lattice(image)
    points = seek_modes(lab, 10.0, 7.0)
    factor = contrast_factor(gradient_magnitude(lab, EDGE_SIGMA))
    assert factor != 1.0
    for threshold in (10.0, 30.0, 60.0):
        scaled, _, _ = form_regions(points, lab, 7.0, 20, threshold)
        explicit, _, _ = form_regions(points, lab, 7.0, 20, threshold * factor,
                                      contrast_exponent=0.0)
        np.testing.assert_array_equal(scaled, explicit)
