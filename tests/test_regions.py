"""Region forming: grouping of modes, greedy contrast-aware merging, pruning."""

import numpy as np
import pytest

from segment.merging import (FEATURES, MERGE_COEFFICIENTS, boundary_edges, merge_regions,
                             pair_features)
from segment.meanshift import coarse_factor, seek_modes
from segment.regions import form_regions, group_modes, relabel_raster


def strip(values):
    """A 1-row label map with one region per value; the values as the one colour
    channel, with a texture channel of zeros."""
    labels = np.arange(len(values))[None, :]
    features = np.zeros((1, len(values), 2))
    features[0, :, 0] = values
    return labels, features


def coefficients(intercept=0.0, **slopes):
    """A coefficient vector for merge_regions: the intercept and the named slopes."""
    coef = np.zeros(1 + len(FEATURES))
    coef[0] = intercept
    for name, value in slopes.items():
        coef[1 + FEATURES.index(name)] = value
    return coef


# logit = -log(1 + d) gives P(different) = (1 + d) / (2 + d) for colour distance d
BY_COLOUR = coefficients(log_colour=-1.0)


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


def reference_groups(values, threshold):
    """Flood fill over the 8-neighbour pairs closer than `threshold`, labels in raster
    order of first appearance: the grouping rule written out plainly."""
    height, width = values.shape[:2]
    labels = np.full((height, width), -1)
    n = 0
    for r in range(height):
        for c in range(width):
            if labels[r, c] >= 0:
                continue
            labels[r, c] = n
            stack = [(r, c)]
            while stack:
                y, x = stack.pop()
                for dy in (-1, 0, 1):
                    for dx in (-1, 0, 1):
                        v, u = y + dy, x + dx
                        if (0 <= v < height and 0 <= u < width and labels[v, u] < 0
                                and np.sum((values[y, x] - values[v, u]) ** 2) < threshold ** 2):
                            labels[v, u] = n
                            stack.append((v, u))
            n += 1
    return labels, n


@pytest.mark.parametrize("shape", [(37, 23), (9, 40), (3, 7), (1, 31)])
def test_group_modes_matches_a_flood_fill_across_its_parallel_strips(shape):
    # blobs of three colours with noise: groups snake across the strips the
    # grouping links in parallel (37 rows make strips of 4-5 rows)
    rng = np.random.default_rng(sum(shape))
    points = np.zeros(shape + (5,), np.float32)
    coarse = rng.integers(0, 3, (shape[0] // 3 + 1, shape[1] // 3 + 1))
    colours = np.kron(coarse, np.ones((3, 3)))[:shape[0], :shape[1]] * 10.0
    points[..., 2] = colours + rng.normal(0, 1.0, shape)
    points[..., 3] = rng.normal(0, 1.0, shape)
    labels, n = group_modes(points, 4.0)
    expected, n_expected = reference_groups(points[..., 2:].astype(np.float64), 4.0)
    assert n == n_expected > 1
    assert labels.tolist() == expected.tolist()


def test_gradient_magnitude_matches_opencv_sobel():
    import cv2

    from segment.features import gradient_magnitude

    rng = np.random.default_rng(5)
    for shape in [(30, 41, 3), (1, 9, 3), (6, 1, 1), (2, 2, 3)]:
        lab = (rng.random(shape) * 100).astype(np.float32)
        g2 = np.zeros(shape[:2], np.float64)
        for k in range(shape[2]):
            for dx, dy in ((1, 0), (0, 1)):
                d = cv2.Sobel(np.ascontiguousarray(lab[..., k]), cv2.CV_64F, dx, dy, ksize=3,
                              scale=0.125, borderType=cv2.BORDER_REFLECT)
                g2 += d * d
        np.testing.assert_allclose(gradient_magnitude(lab, 0.0), np.sqrt(g2), atol=1e-4)


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


def feature(features, name):
    return features[:, FEATURES.index(name)]


@pytest.mark.parametrize("interior, weighed", [(0.0, 6.0), (4.0, 2.0)])
def test_boundary_contrast_is_weighed_against_the_interiors(interior, weighed):
    # contrast 4 x (1 + 2) / (2 + interior): 6 over smooth interiors, 2 in a texture
    labels, values, edge_map = two_blocks(interior)
    colour = np.zeros(labels.shape + (2,))
    colour[..., 0] = values[..., 0]
    edges, f = pair_features(labels, colour, 2, edge_map=edge_map)
    assert edges.tolist() == [[0, 1]]
    np.testing.assert_allclose(np.expm1(feature(f, "log_contrast")), [4.0])
    np.testing.assert_allclose(np.expm1(feature(f, "log_weighed_contrast")), [weighed])
    np.testing.assert_allclose(np.expm1(feature(f, "log_interior")), [interior])
    assert feature(f, "has_interior").tolist() == [1.0]
    np.testing.assert_allclose(np.expm1(feature(f, "log_colour")), [2.0])
    # sizes are fractions of the image, the boundary of its square root
    np.testing.assert_allclose(np.exp(feature(f, "log_smaller_fraction")), [0.5])
    np.testing.assert_allclose(np.exp(feature(f, "log_boundary_fraction")),
                               [12 / np.sqrt(12 * 24)])


def test_a_fragment_without_interior_keeps_the_plain_contrast():
    labels, values, edge_map = two_blocks(0.0)
    labels[:, :9] = 2  # region 0 is now 3 columns wide: no pixel 3 px from a border
    colour = np.zeros(labels.shape + (2,))
    edges, f = pair_features(labels, colour, 3, edge_map=edge_map)
    row = edges.tolist().index([0, 1])
    assert feature(f, "has_interior")[row] == 0.0
    assert feature(f, "log_weighed_contrast")[row] == feature(f, "log_contrast")[row]


def test_pair_features_take_interiors_from_the_groups_merged():
    # two regions of 20 columns, each merged from two groups of 10: the pixels along
    # the groups' common border (edge strength 5) are not interior to the groups,
    # as while merging, though they are to the regions
    labels = np.zeros((12, 40), np.int64)
    labels[:, 20:] = 1
    groups = np.arange(40)[None, :].repeat(12, axis=0) // 10
    edge_map = np.ones(labels.shape)
    edge_map[:, [9, 10, 29, 30]] = 5.0
    colour = np.zeros(labels.shape + (2,))
    _, from_groups = pair_features(labels, colour, 2, edge_map=edge_map, groups=groups)
    _, own = pair_features(labels, colour, 2, edge_map=edge_map)
    np.testing.assert_allclose(feature(from_groups, "log_interior"), [np.log1p(1.0)])
    assert feature(own, "log_interior")[0] > np.log1p(1.0)


def test_default_cost_grows_with_colour_texture_and_contrast_differences():
    """The fitted model must stay monotone far outside the photographs it was fitted
    on: a larger difference of colour, texture or boundary contrast never makes two
    regions more likely to be merged."""
    labels = np.zeros((40, 80), np.int64)
    labels[:, 40:] = 1
    coef = np.asarray(MERGE_COEFFICIENTS)

    def logit(lightness=0.0, chroma=0.0, texture=0.0, contrast=0.0):
        values = np.zeros(labels.shape + (4,))
        values[:, 40:] = (lightness, chroma, 0.0, texture)
        edge_map = np.ones(labels.shape)
        edge_map[:, 39:41] = contrast
        _, f = pair_features(labels, values, 2, edge_map=edge_map)
        return coef[0] + f[0] @ coef[1:]

    for name in ("lightness", "chroma", "texture", "contrast"):
        scores = [logit(**{name: v}) for v in (0.0, 2.0, 10.0, 50.0, 200.0, 1000.0)]
        assert np.all(np.diff(scores) < 0), (name, scores)


@pytest.mark.parametrize("shape", [(40, 53), (7, 90), (1, 12), (5, 5)])
def test_interior_sums_keep_the_pixels_farther_than_the_margin_from_a_boundary(shape):
    import cv2

    from segment.merging import INTERIOR_MARGIN, _interior_sums

    rng = np.random.default_rng(shape[0])
    coarse = rng.integers(0, 4, (shape[0] // 9 + 1, shape[1] // 9 + 1))
    labels = np.kron(coarse, np.ones((9, 9), np.int64))[:shape[0], :shape[1]]
    labels[shape[0] // 2, shape[1] // 2] = 4  # a one-pixel region
    edge_map = rng.random(shape).astype(np.float32)
    # reference: boundary pixels on both sides of every 4-neighbour step, then the
    # chessboard distance transform
    border = np.zeros(shape, bool)
    step_x = labels[:, 1:] != labels[:, :-1]
    step_y = labels[1:] != labels[:-1]
    border[:, 1:] |= step_x
    border[:, :-1] |= step_x
    border[1:] |= step_y
    border[:-1] |= step_y
    distance = cv2.distanceTransform((~border).astype(np.uint8), cv2.DIST_C, 3)
    inside = distance > INTERIOR_MARGIN
    expected_sums = np.bincount(labels[inside], weights=edge_map[inside].astype(np.float64),
                                minlength=5)
    expected_counts = np.bincount(labels[inside], minlength=5)
    sums, counts = _interior_sums(labels, edge_map, 5)
    assert counts.tolist() == expected_counts.tolist()
    np.testing.assert_array_equal(sums, expected_sums)
    if shape == (40, 53):
        assert 0 < counts.sum() < labels.size  # the margin really removed pixels
