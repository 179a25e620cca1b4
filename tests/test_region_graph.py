"""The region adjacency graph, interiors and the merging cost's pair features."""

import numpy as np
import pytest

from segment.merge_cost import MERGE_COEFFICIENTS, PAIR_FEATURES, pair_features
from segment.region_graph import boundary_edges


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


def numpy_boundary_edges(labels, edge_map):
    """The boundaries by NumPy alone: every horizontal, then every vertical pair of
    different labels, summed per boundary by np.bincount."""
    n = int(labels.max()) + 1
    keys, strengths = [], []
    for a, b, ea, eb in ((labels[:, :-1], labels[:, 1:], edge_map[:, :-1], edge_map[:, 1:]),
                         (labels[:-1], labels[1:], edge_map[:-1], edge_map[1:])):
        diff = a != b
        u, v = a[diff].astype(np.int64), b[diff].astype(np.int64)
        keys.append(np.minimum(u, v) * n + np.maximum(u, v))
        strengths.append(0.5 * (ea[diff].astype(np.float64) + eb[diff]))
    unique, inverse = np.unique(np.concatenate(keys), return_inverse=True)
    length = np.bincount(inverse, minlength=unique.size).astype(np.float64)
    contrast = np.bincount(inverse, weights=np.concatenate(strengths), minlength=unique.size)
    return np.stack([unique // n, unique % n], axis=1), length, contrast


@pytest.mark.parametrize("label_type, edge_type", [(np.int32, np.float32), (np.int64, np.float64),
                                                   (np.int64, np.float32), (np.uint8, np.int16)])
@pytest.mark.parametrize("seed", [0, 1])
def test_boundary_edges_equal_numpy_bit_for_bit(label_type, edge_type, seed):
    # blocky random regions (many boundaries, some long) and a random edge map
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 40, (12, 17))
    labels = np.kron(coarse, np.ones((5, 4), np.int64))[:57, :65]
    labels[rng.random(labels.shape) < 0.05] = 40 + rng.integers(0, 30)
    labels = labels.astype(label_type)
    edge_map = (rng.random(labels.shape) * 50).astype(edge_type)
    got = boundary_edges(labels, edge_map)
    want = numpy_boundary_edges(labels, edge_map)
    assert len(got[0]) > 100
    for g, w in zip(got, want):
        assert g.dtype == w.dtype
        np.testing.assert_array_equal(g, w)


def test_boundary_edges_of_one_region_are_empty():
    edges, length, contrast = boundary_edges(np.zeros((3, 4), np.int32), np.ones((3, 4)))
    assert edges.shape == (0, 2) and length.shape == (0,) and contrast.shape == (0,)


def test_boundary_edges_refuse_a_mismatched_edge_map():
    with pytest.raises(ValueError, match="edge_map must have the shape of labels"):
        boundary_edges(np.zeros((3, 4), np.int32), np.ones((4, 3)))


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
    return features[:, PAIR_FEATURES.index(name)]


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

    from segment.region_graph import INTERIOR_MARGIN, interior_sums

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
    sums, counts = interior_sums(labels, edge_map, 5)
    assert counts.tolist() == expected_counts.tolist()
    np.testing.assert_array_equal(sums, expected_sums)
    if shape == (40, 53):
        assert 0 < counts.sum() < labels.size  # the margin really removed pixels
