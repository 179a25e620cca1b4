"""The merge hierarchy: cuts, levels and the ultrametric contour map."""

from pathlib import Path

import numpy as np
import pytest
from conftest import blobs, synthetic_image
from scipy import ndimage

from segment import read_image, segment
from segment.hierarchy import Hierarchy

SAMPLES = Path(__file__).resolve().parents[1] / "sample_images"


@pytest.fixture(scope="module")
def pictures():
    coffee = read_image(SAMPLES / "coffee.png")[::2, ::2]
    return {"blobs": synthetic_image(blobs(), noise=6.0, seed=3), "coffee": coffee}


@pytest.mark.parametrize("name", ["blobs", "coffee"])
@pytest.mark.parametrize("threshold", [0.0, 0.2, 0.47, 0.8, 1.0])
def test_cut_equals_a_fresh_segmentation(pictures, name, threshold):
    image = pictures[name]
    base = segment(image, merge_threshold=0.3)
    fresh = segment(image, merge_threshold=threshold)
    cut = base.cut(threshold)
    assert np.array_equal(cut.labels, fresh.labels)
    assert np.array_equal(cut.modes, fresh.modes)
    assert np.array_equal(cut.sizes, fresh.sizes)
    assert cut.parameters == fresh.parameters


def test_cut_by_region_count_and_the_levels(pictures):
    result = segment(pictures["coffee"], merge_threshold=0.0)
    levels = result.levels
    assert np.all(np.diff(levels) > 0) and 0 < levels[0] and levels[-1] <= 1
    finest = result.n_regions
    for k in (1, 2, 5, finest - 1, finest, finest + 10):
        assert result.cut(n_regions=k).n_regions == min(k, finest)
    # cutting anywhere between two levels gives the same regions
    for low, high in zip(levels[:-1], levels[1:]):
        a = result.cut(float(low)).labels
        b = result.cut(float(low + (high - low) / 2)).labels
        assert np.array_equal(a, b)


def contains(coarse, fine):
    """Every region of `fine` lies inside one region of `coarse`."""
    pairs = np.unique(np.stack([fine.ravel(), coarse.ravel()]), axis=1)
    return pairs.shape[1] == np.unique(fine).size


def test_thresholds_give_nested_partitions(pictures):
    result = segment(pictures["coffee"], merge_threshold=0.0)
    cuts = [result.cut(t).labels for t in np.linspace(0, 1, 11)]
    for fine, coarse in zip(cuts[:-1], cuts[1:]):
        assert contains(coarse, fine)
    assert not contains(cuts[0], cuts[-1])  # the check can fail


def components(labels):
    """4-connected components of every region, as one label map."""
    out = np.zeros(labels.shape, np.int64)
    top = 0
    for value in np.unique(labels):
        parts, n = ndimage.label(labels == value)
        out[parts > 0] = parts[parts > 0] + top
        top += n
    return out


def same_partition(a, b):
    pairs = np.unique(np.stack([a.ravel(), b.ravel()]), axis=1)
    return pairs.shape[1] == np.unique(a).size == np.unique(b).size


@pytest.mark.parametrize("threshold", [0.1, 0.3, 0.47, 0.7])
def test_the_bsds_layout_thresholded_gives_the_cut(pictures, threshold):
    result = segment(pictures["coffee"], merge_threshold=0.0)
    ucm2 = result.ucm(layout="bsds")
    height, width = result.shape
    assert ucm2.shape == (2 * height + 1, 2 * width + 1)
    assert ucm2[1::2, 1::2].max() == 0
    regions, _ = ndimage.label(ucm2 <= threshold)
    assert same_partition(regions[1::2, 1::2], components(result.cut(threshold).labels))


def test_the_image_layout_marks_the_boundaries_of_each_cut(pictures):
    result = segment(pictures["coffee"], merge_threshold=0.0)
    ucm = result.ucm()
    assert ucm.shape == result.shape and ucm.dtype == np.float32
    ucm2 = result.ucm(layout="bsds")
    np.testing.assert_array_equal(ucm, ucm2[2::2, 2::2])
    for t in (0.2, 0.5):
        labels = result.cut(t).labels
        # a corner is on a boundary of the cut when two of its four pixels differ
        quad = np.stack([labels[:-1, :-1], labels[:-1, 1:], labels[1:, :-1], labels[1:, 1:]])
        corner = (quad != quad[:1]).any(axis=0)
        assert np.array_equal(ucm[:-1, :-1] > t, corner)


def test_segment_evaluate_sees_no_contour_along_the_image_border(pictures):
    from segment.evaluate.ucm import _boundaries_at

    result = segment(pictures["coffee"], merge_threshold=0.0)
    ucm2 = result.ucm(layout="bsds").astype(np.float64)
    for t in (0.2, 0.5, 0.8):
        drawn = _boundaries_at(ucm2, t + 1e-9)
        # the last row and column are drawn only where a boundary reaches the border
        assert (drawn[-1] <= (result.ucm()[-1] > t)).all()
        assert (drawn[:, -1] <= (result.ucm()[:, -1] > t)).all()

def test_join_levels_on_a_hand_made_tree():
    # four regions: 0+1 at 0.2, then 2 joins them at 0.1 (running max 0.2), 3 at 0.8,
    # whose level has odds sqrt(4) = 2: 2/3
    tree = Hierarchy(4, np.array([1, 2, 3]), np.array([0, 0, 0]), np.array([0.2, 0.1, 0.8]))
    top = 2.0 / 3.0
    assert np.allclose(tree.merge_levels, [0.2, 0.2, top])
    assert np.allclose(tree.levels, [0.2, top])
    assert np.allclose(tree.join_levels([0, 1, 2, 0], [1, 2, 3, 3]), [0.2, 0.2, top, top])
    assert tree.steps(threshold=0.2) == 2 and tree.steps(n_regions=3) == 1
    assert tree.regions(1).tolist() == [0, 0, 2, 3]


def test_cut_checks_its_arguments(pictures):
    result = segment(pictures["blobs"])
    with pytest.raises(ValueError, match="merge_threshold must be a number in"):
        result.cut(1.5)
    with pytest.raises(ValueError, match="n_regions must be an integer >= 1"):
        result.cut(n_regions=0)
    with pytest.raises(TypeError, match="not both"):
        result.cut(0.5, n_regions=3)
    with pytest.raises(ValueError, match="layout must be one of"):
        result.ucm(layout="matlab")
