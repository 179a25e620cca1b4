"""segment(): accuracy on synthetic truth, invariances, determinism, input handling,
the result contract and validation."""

import subprocess
import sys

import numpy as np
import pytest
from conftest import TRUTH_LAB, blobs, misplaced_pixels, quadrants, regions_cross, synthetic_image
from sklearn.metrics import adjusted_rand_score

from segment import DEFAULTS, Segmentation, segment
from segment.bandwidth import estimate_range_bandwidth
from segment.colour import lab_lattice
from segment.resolution import default_spatial_bandwidth

METHODS = ["fast", "exact"]
KERNELS = ["flat", "gaussian"]


def ari(a, b):
    return adjusted_rand_score(np.ravel(a), np.ravel(b))


def same_partition(a, b):
    """True when two label maps split the pixels identically (numbering aside)."""
    a = np.ravel(a)
    b = np.ravel(b)
    pairs = np.unique(np.stack([a, b]), axis=1)
    return pairs.shape[1] == np.unique(a).size == np.unique(b).size


# --------------------------------------------------------------------------------------
# accuracy on synthetic pictures with known truth


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kernel", KERNELS)
def test_quadrants_with_ramp_and_noise(quadrant_picture, method, kernel):
    image, truth = quadrant_picture
    result = segment(image, method=method, kernel=kernel)
    assert ari(result.labels, truth) >= 0.98
    assert regions_cross(result.labels, truth) == []
    assert result.n_regions == 4


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kernel", KERNELS)
def test_blobs_with_noise(blob_picture, method, kernel):
    image, truth = blob_picture
    result = segment(image, method=method, kernel=kernel)
    assert ari(result.labels, truth) >= 0.98
    assert regions_cross(result.labels, truth) == []
    assert result.n_regions == 6


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kernel", KERNELS)
def test_lightness_ramp_across_the_whole_background_does_not_split_it(method, kernel):
    """The background spans the whole width, so it carries the full 15 L ramp."""
    truth = blobs(60, 80)
    image = synthetic_image(truth, noise=3.0, ramp=15.0, seed=0)
    result = segment(image, method=method, kernel=kernel)
    if method == "exact":
        assert regions_cross(result.labels, truth) == []
    else:
        # the fast path assigns boundary pixels from nearby seeds: a pixel or
        # two of a blob's outline may go to the neighbouring region
        assert misplaced_pixels(result.labels, truth) <= 2
    extents = []
    for k in range(result.n_regions):
        rows, cols = np.nonzero(result.labels == k + 1)
        extents.append(f"{k + 1}: {rows.size} px, rows {rows.min()}-{rows.max()}, "
                       f"cols {cols.min()}-{cols.max()}, L {result.modes[k, 0]:.1f}")
    assert result.n_regions == 6, "regions split: " + "; ".join(extents)
    assert ari(result.labels, truth) >= 0.98


def test_smooth_ramp_alone_is_one_region():
    image = synthetic_image(np.zeros((40, 60), np.int64), noise=3.0, ramp=15.0, seed=3)
    for method in METHODS:
        assert segment(image, method=method).n_regions == 1


# --------------------------------------------------------------------------------------
# invariances


TRANSFORMS = {
    "fliplr": np.fliplr,
    "flipud": np.flipud,
    "transpose": lambda a: np.swapaxes(a, 0, 1),
    "rot180": lambda a: a[::-1, ::-1],
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", TRANSFORMS)
def test_geometric_equivariance(blob_picture, method, name):
    transform = TRANSFORMS[name]
    image, truth = blob_picture
    labels = segment(image, method=method).labels
    moved = segment(np.ascontiguousarray(transform(image)), method=method).labels
    assert same_partition(moved, transform(labels))
    assert ari(moved, transform(labels)) == 1.0
    assert ari(moved, transform(truth)) >= 0.98


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kernel", KERNELS)
def test_deterministic(quadrant_picture, method, kernel):
    image, _ = quadrant_picture
    first = segment(image, method=method, kernel=kernel)
    second = segment(image, method=method, kernel=kernel)
    np.testing.assert_array_equal(first.labels, second.labels)
    np.testing.assert_array_equal(first.modes, second.modes)
    np.testing.assert_array_equal(first.sizes, second.sizes)


@pytest.mark.parametrize("method", METHODS)
def test_thread_count_does_not_change_result(method):
    # many rows, so the parallel row loops split the work between threads
    truth = blobs(100, 60)
    image = synthetic_image(truth, noise=6.0, ramp=10.0, seed=4)
    serial = segment(image, method=method, n_threads=1)
    parallel = segment(image, method=method, n_threads=2)
    default = segment(image, method=method)
    # more threads than cores is allowed (clamped to the processors there are)
    many = segment(image, method=method, n_threads=64)
    np.testing.assert_array_equal(serial.labels, parallel.labels)
    np.testing.assert_array_equal(serial.labels, default.labels)
    np.testing.assert_array_equal(serial.labels, many.labels)
    np.testing.assert_array_equal(serial.modes, parallel.modes)


# --------------------------------------------------------------------------------------
# input handling: bit depths, layouts, grey, alpha


@pytest.fixture
def picture_u8(blob_picture):
    return blob_picture[0]


def _as(picture_u8, kind):
    if kind == "uint8":
        return picture_u8
    if kind == "uint16":
        return picture_u8.astype(np.uint16) * 257
    if kind == "float32":
        return (picture_u8 / 255.0).astype(np.float32)
    if kind == "float64":
        return picture_u8 / 255.0
    raise AssertionError(kind)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", ["uint16", "float32", "float64"])
def test_bit_depth_does_not_change_labels(picture_u8, kind, method):
    reference = segment(picture_u8, method=method)
    other = segment(_as(picture_u8, kind), method=method)
    assert ari(other.labels, reference.labels) >= 0.999
    np.testing.assert_allclose(other.modes, reference.modes, atol=0.05)


@pytest.mark.parametrize("kind", ["uint8", "uint16", "float32", "float64"])
def test_paint_keeps_input_dtype(picture_u8, kind):
    image = _as(picture_u8, kind)
    painted = segment(image).paint()
    assert painted.dtype == image.dtype
    assert painted.shape == image.shape
    if image.dtype.kind == "f":
        assert 0.0 <= painted.min() and painted.max() <= 1.0


def test_channel_axis_first(picture_u8):
    last = segment(picture_u8)
    first = segment(np.ascontiguousarray(np.moveaxis(picture_u8, -1, 0)), channel_axis=0)
    np.testing.assert_array_equal(first.labels, last.labels)
    np.testing.assert_array_equal(first.modes, last.modes)
    assert first.paint().shape == picture_u8.shape


def test_channel_axis_negative_three_equals_zero(picture_u8):
    chw = np.ascontiguousarray(np.moveaxis(picture_u8, -1, 0))
    np.testing.assert_array_equal(
        segment(chw, channel_axis=-3).labels, segment(chw, channel_axis=0).labels
    )


def test_greyscale_2d():
    truth = quadrants(32, 48)
    grey = np.choose(truth, [40, 110, 170, 230]).astype(np.uint8)
    grey = np.clip(grey + np.random.default_rng(5).normal(0, 2, grey.shape), 0, 255)
    grey = grey.astype(np.uint8)
    result = segment(grey, channel_axis=None)
    assert result.modes.shape == (result.n_regions, 1)
    assert ari(result.labels, truth) >= 0.98
    painted = result.paint()
    assert painted.shape == grey.shape and painted.dtype == np.uint8
    # painted grey levels are the region means, give or take the noise average
    for k in range(4):
        assert abs(painted[truth == k].mean() - grey[truth == k].mean()) < 2.0
    # a 2-D array with the default channel_axis is read as grey too
    np.testing.assert_array_equal(segment(grey).labels, result.labels)
    overlay = result.overlay()
    assert overlay.shape == grey.shape + (3,)


def test_grey_as_one_channel_equals_2d():
    grey = synthetic_image(quadrants(24, 32), seed=6)[..., 0]
    np.testing.assert_array_equal(
        segment(grey[..., None]).labels, segment(grey, channel_axis=None).labels
    )


def test_rgba_ignores_alpha(picture_u8):
    rng = np.random.default_rng(7)
    alpha = rng.integers(0, 256, picture_u8.shape[:2], dtype=np.uint8)
    rgba = np.dstack([picture_u8, alpha])
    result = segment(rgba)
    np.testing.assert_array_equal(result.labels, segment(picture_u8).labels)
    assert result.paint().shape == picture_u8.shape
    np.testing.assert_array_equal(result.overlay(), segment(picture_u8).overlay())


def test_grey_with_alpha_ignores_alpha():
    grey = synthetic_image(quadrants(24, 32), seed=8)[..., 1]
    alpha = np.random.default_rng(8).integers(0, 256, grey.shape, dtype=np.uint8)
    np.testing.assert_array_equal(
        segment(np.dstack([grey, alpha])).labels, segment(grey, channel_axis=None).labels
    )


def test_non_contiguous_input(picture_u8):
    wide = np.zeros((picture_u8.shape[0], 2 * picture_u8.shape[1], 3), np.uint8)
    wide[:, ::2] = picture_u8
    view = wide[:, ::2]
    assert not view.flags.c_contiguous
    np.testing.assert_array_equal(segment(view).labels, segment(picture_u8).labels)


# --------------------------------------------------------------------------------------
# the result contract


@pytest.mark.parametrize("method", METHODS)
def test_result_contract(blob_picture, method):
    image, truth = blob_picture
    result = segment(image, method=method)
    labels = result.labels
    n = result.n_regions
    assert isinstance(result, Segmentation)
    assert np.issubdtype(labels.dtype, np.integer)
    assert labels.shape == image.shape[:2] == result.shape
    # regions 1..n (start_label=1, the default), as scikit-image's label maps
    assert set(np.unique(labels).tolist()) == set(range(1, n + 1))
    # raster order of first appearance: the first pixel of label k comes before k + 1's
    _, first = np.unique(labels.ravel(), return_index=True)
    assert np.all(np.diff(first) > 0)
    assert labels.flat[0] == 1
    assert result.sizes.shape == (n,)
    assert result.sizes.sum() == labels.size
    np.testing.assert_array_equal(result.sizes, np.bincount(labels.ravel())[1:])
    assert result.parameters["start_label"] == 1
    assert result.modes.shape == (n, 3) and result.modes.dtype == np.float32
    assert result.parameters["method"] == method
    # spatial_bandwidth=None (the default) resolves to 10 px scaled by the image's side
    assert DEFAULTS["spatial_bandwidth"] is None
    assert result.parameters["spatial_bandwidth"] == default_spatial_bandwidth(*labels.shape)
    # range_bandwidth=None (the default) resolves to the image's automatic h_r
    assert DEFAULTS["range_bandwidth"] is None
    assert result.parameters["range_bandwidth"] == estimate_range_bandwidth(lab_lattice(image))
    # min_size=None (the default) resolves to 0.3 % of the area, at least 20 pixels
    assert DEFAULTS["min_size"] is None
    assert result.parameters["min_size"] == max(20, round(0.003 * labels.size))
    assert result.parameters["merge_threshold"] == DEFAULTS["merge_threshold"]


def test_the_default_method_is_the_exact_path():
    # on uniform noise the two methods' modes, and so their groups, differ
    image = (np.random.default_rng(0).random((48, 64, 3)) * 255).astype(np.uint8)
    assert DEFAULTS["method"] == "exact"
    # h_s = 10: the automatic h_s of so small an image gives both one seed a pixel
    result = segment(image, 10, min_size=0, merge_threshold=0)
    assert result.parameters["method"] == "exact"
    exact = segment(image, 10, min_size=0, merge_threshold=0, method="exact").labels
    fast = segment(image, 10, min_size=0, merge_threshold=0, method="fast").labels
    assert (fast != exact).any()
    np.testing.assert_array_equal(result.labels, exact)


def test_modes_are_region_colours_on_a_clean_image():
    from skimage.color import rgb2lab

    truth = blobs(60, 80)
    image = synthetic_image(truth, noise=0.0)
    result = segment(image, method="exact")
    assert result.n_regions == 6
    # one region per truth label; its mode is the truth colour (uint8 rounding aside)
    for k in range(result.n_regions):
        t = np.unique(truth[result.labels == k + 1])
        assert t.size == 1
        np.testing.assert_allclose(result.modes[k], TRUTH_LAB[t[0]], atol=0.5)
        np.testing.assert_allclose(
            result.modes[k], rgb2lab(image)[result.labels == k + 1].mean(axis=0), atol=0.2
        )  # OpenCV's float32 Lab and scikit-image's differ by up to ~0.15
    # painting a clean image gives the image back (within one uint8 step)
    assert np.abs(result.paint().astype(int) - image).max() <= 1


@pytest.mark.parametrize("method", METHODS)
def test_modes_are_region_means_on_noisy_patches(blob_picture, method):
    from skimage.color import rgb2lab

    image, truth = blob_picture
    result = segment(image, method=method)
    lab = rgb2lab(image)
    for k in range(result.n_regions):
        np.testing.assert_allclose(
            result.modes[k], lab[result.labels == k + 1].mean(axis=0), atol=1.0
        )


def test_boundaries_and_overlay(blob_picture):
    image, truth = blob_picture
    result = segment(image)
    labels = result.labels
    masks = {}
    for mode in ["thin", "thick", "inner", "outer"]:
        mask = result.boundaries(mode)
        assert mask.dtype == bool and mask.shape == labels.shape
        assert mask.any() and not mask.all()
        masks[mode] = mask
    # thin: right or lower neighbour differs, computed here independently
    thin = np.zeros(labels.shape, bool)
    thin[:, :-1] |= labels[:, :-1] != labels[:, 1:]
    thin[:-1, :] |= labels[:-1, :] != labels[1:, :]
    np.testing.assert_array_equal(masks["thin"], thin)
    assert result.boundaries().tolist() == thin.tolist()  # 'thin' is the default
    assert not (masks["thin"] & ~masks["thick"]).any()
    assert not (masks["inner"] & ~masks["thick"]).any()
    assert not (masks["outer"] & ~masks["thick"]).any()
    with pytest.raises(ValueError, match="mode must be one of"):
        result.boundaries("dotted")

    yellow = np.array([255, 255, 0], np.uint8)  # the default, as scikit-image's
    on_image = result.overlay()
    assert on_image.dtype == image.dtype and on_image.shape == image.shape
    np.testing.assert_array_equal(on_image[thin], np.broadcast_to(yellow, on_image[thin].shape))
    np.testing.assert_array_equal(on_image[~thin], image[~thin])
    on_painted = result.overlay(on="painted", color=(0.0, 0.0, 1.0), mode="thick")
    painted = result.paint()
    thick = masks["thick"]
    assert (on_painted[thick] == [0, 0, 255]).all()
    np.testing.assert_array_equal(on_painted[~thick], painted[~thick])
    with pytest.raises(ValueError, match="on must be 'image' or 'painted'"):
        result.overlay(on="labels")
    # an image passed where the keyword is expected: a clear message, not numpy's
    # "truth value of an array is ambiguous"
    with pytest.raises(TypeError, match="on must be 'image' or 'painted'; got a ndarray"):
        result.overlay(image)


@pytest.mark.parametrize("min_size", [2, 10, 40, 150])
def test_min_size(min_size):
    truth = quadrants(40, 48)
    image = synthetic_image(truth, noise=14.0, seed=9)
    # small bandwidths so that, unpruned, the noise leaves many tiny regions
    unpruned = segment(image, 3, 4.0, 0, merge_threshold=0, method="exact")
    assert unpruned.sizes.min() < min_size
    result = segment(image, 3, 4.0, min_size, merge_threshold=0, method="exact")
    assert result.sizes.min() >= min_size
    assert result.sizes.sum() == image.shape[0] * image.shape[1]
    assert result.n_regions < unpruned.n_regions


def test_min_size_zero_and_one_keep_every_region():
    image = synthetic_image(quadrants(24, 32), noise=14.0, seed=10)
    zero = segment(image, 3, 4.0, 0, merge_threshold=0, method="exact")
    one = segment(image, 3, 4.0, 1, merge_threshold=0, method="exact")
    np.testing.assert_array_equal(zero.labels, one.labels)
    assert zero.sizes.min() == 1  # the noise does leave single pixels


def test_two_pixel_image():
    image = np.array([[[0, 0, 0], [255, 255, 255]]], np.uint8)
    result = segment(image, min_size=0, merge_threshold=0)
    assert result.labels.tolist() == [[1, 2]]
    np.testing.assert_allclose(result.modes, [[0, 0, 0], [100, 0, 0]], atol=0.01)
    assert segment(image, min_size=0, merge_threshold=0, start_label=0).labels.tolist() == [[0, 1]]


def test_start_label_zero_numbers_regions_from_zero(blob_picture):
    image, _ = blob_picture
    one = segment(image)
    zero = segment(image, start_label=0)
    np.testing.assert_array_equal(zero.labels, one.labels - 1)
    np.testing.assert_array_equal(zero.paint(), one.paint())
    np.testing.assert_array_equal(zero.modes, one.modes)


def test_regionprops_finds_every_region(blob_picture):
    from skimage.measure import regionprops

    image, _ = blob_picture
    result = segment(image)
    props = regionprops(result.labels)
    assert len(props) == result.n_regions
    assert [p.area for p in props] == result.sizes.tolist()


# --------------------------------------------------------------------------------------
# validation: every message names the parameter and says what is accepted

GOOD = np.zeros((6, 8, 3), np.uint8)


BANDWIDTH_KINDS = [("spatial_bandwidth", r" or None \(automatic\)"),
                   ("range_bandwidth", r" or None \(automatic\)")]


@pytest.mark.parametrize("name, alternative", BANDWIDTH_KINDS)
@pytest.mark.parametrize("value", [0, -1, -0.5, float("nan"), float("inf"), -float("inf")])
def test_bad_bandwidth(name, alternative, value):
    with pytest.raises(ValueError,
                       match=rf"{name} must be a positive finite number{alternative}; got"):
        segment(GOOD, **{name: value})


@pytest.mark.parametrize("name, alternative", BANDWIDTH_KINDS)
@pytest.mark.parametrize("value", ["7", True, [7]])
def test_bandwidth_of_wrong_type(name, alternative, value):
    with pytest.raises(TypeError, match=rf"{name} must be a positive number{alternative}; got"):
        segment(GOOD, **{name: value})


def test_spatial_bandwidth_none_is_automatic():
    result = segment(GOOD, spatial_bandwidth=None)
    assert result.parameters["spatial_bandwidth"] == default_spatial_bandwidth(6, 8)


def test_negative_min_size():
    with pytest.raises(ValueError, match=r"min_size must be an integer >= 0; got -1"):
        segment(GOOD, min_size=-1)


@pytest.mark.parametrize("value", [2.5, 20.0, "20", True])
def test_non_integer_min_size(value):
    with pytest.raises(TypeError, match=r"min_size must be an integer >= 0; got"):
        segment(GOOD, min_size=value)


def test_numpy_integer_min_size_is_accepted():
    image = synthetic_image(quadrants(16, 16), noise=0.0)
    assert segment(image, min_size=np.int64(3)).n_regions == 4


@pytest.mark.parametrize("kernel", ["box", "Flat", "", None])
def test_bad_kernel(kernel):
    with pytest.raises(ValueError, match=r"kernel must be one of 'flat', 'gaussian'; got"):
        segment(GOOD, kernel=kernel)


@pytest.mark.parametrize("method", ["slow", "EXACT", None])
def test_bad_method(method):
    with pytest.raises(ValueError, match=r"method must be one of 'exact', 'fast'; got"):
        segment(GOOD, method=method)


def test_bad_iteration_parameters():
    with pytest.raises(ValueError, match=r"max_iter must be an integer >= 1; got 0"):
        segment(GOOD, max_iter=0)
    with pytest.raises(ValueError, match=r"tol must be a positive finite number; got 0"):
        segment(GOOD, tol=0)


@pytest.mark.parametrize("value", [-1.0, 1.5, 16.0, float("nan"), float("inf")])
def test_bad_merge_threshold(value):
    with pytest.raises(ValueError,
                       match=r"merge_threshold must be a number in \[0, 1\]; got"):
        segment(GOOD, merge_threshold=value)


def test_merge_threshold_of_wrong_type():
    with pytest.raises(TypeError, match=r"merge_threshold must be a number in \[0, 1\]; got"):
        segment(GOOD, merge_threshold="17")


@pytest.mark.parametrize("value", [0, -2])
def test_bad_n_threads(value):
    with pytest.raises(ValueError, match=rf"n_threads must be an integer >= 1; got {value}"):
        segment(GOOD, n_threads=value)


def test_n_threads_of_wrong_type():
    with pytest.raises(TypeError, match=r"n_threads must be an integer >= 1; got 2.0"):
        segment(GOOD, n_threads=2.0)


@pytest.mark.parametrize(
    "shape", [(0, 0), (0, 5), (5, 0), (0, 0, 3), (0, 5, 3), (1, 1), (1, 1, 3), (1, 1, 4)]
)
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_too_few_pixels(shape, dtype):
    with pytest.raises(ValueError, match=r"image must have at least 2 pixels; got shape"):
        segment(np.zeros(shape, dtype))


@pytest.mark.parametrize("shape", [(5,), (2, 3, 4, 3), (1, 2, 3, 4, 5)])
def test_wrong_number_of_dimensions(shape):
    with pytest.raises(ValueError, match=rf"image must be 2-D \(H, W\) or 3-D \(H, W, C\); "
                                         rf"got {len(shape)} dimensions"):
        segment(np.zeros(shape, np.uint8))


def test_zero_dimensional_image():
    with pytest.raises(ValueError, match=r"got 0 dimensions"):
        segment(np.uint8(3))


@pytest.mark.parametrize("channels", [5, 6, 0])
def test_wrong_channel_count(channels):
    with pytest.raises(ValueError, match=rf"image has {channels} channels on channel_axis=-1"):
        segment(np.zeros((6, 8, channels), np.uint8))


def test_wrong_channel_count_on_other_axis():
    with pytest.raises(ValueError, match=r"image has 6 channels on channel_axis=0"):
        segment(np.zeros((6, 8, 3), np.uint8), channel_axis=0)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_non_finite_pixels(bad, dtype):
    image = np.full((6, 8, 3), 0.5, dtype)
    image[2, 3, 1] = bad
    with pytest.raises(ValueError, match=r"image contains NaN or infinite values"):
        segment(image)


@pytest.mark.parametrize("low, high", [(0.0, 1.5), (-0.2, 0.8), (0.0, 255.0)])
def test_float_out_of_range(low, high):
    image = np.full((6, 8, 3), 0.5)
    image[0, 0, 0] = low
    image[-1, -1, -1] = high
    with pytest.raises(ValueError, match=r"floating point image values must lie in \[0, 1\]"):
        segment(image)


def test_float_within_rounding_of_the_range_is_accepted():
    image = synthetic_image(quadrants(16, 16), noise=0.0) / 255.0
    image[0, 0, 0] = 1.0 + 1e-7
    image[-1, -1, -1] = -1e-7
    assert segment(image).n_regions == 4


@pytest.mark.parametrize(
    "dtype", [np.complex128, np.bool_, object, np.int32, np.int8, np.int64, np.uint32]
)
def test_unsupported_dtype(dtype):
    with pytest.raises(TypeError, match=r"image has unsupported dtype .*; expected uint8, uint16"):
        segment(np.zeros((6, 8, 3), dtype))


@pytest.mark.parametrize("axis", [3, -4, 7])
def test_channel_axis_out_of_range(axis):
    with pytest.raises(ValueError, match=rf"channel_axis={axis} is out of range"):
        segment(GOOD, channel_axis=axis)


def test_channel_axis_none_needs_2d():
    with pytest.raises(ValueError, match=r"image with channel_axis=None must be 2-D"):
        segment(GOOD, channel_axis=None)


@pytest.mark.parametrize("axis", [1.5, "last"])
def test_channel_axis_of_wrong_type(axis):
    with pytest.raises((TypeError, ValueError), match=r"channel_axis"):
        segment(GOOD, channel_axis=axis)


# --------------------------------------------------------------------------------------
# masks


def test_a_mask_leaves_the_pixels_outside_unsegmented(blob_picture):
    image, truth = blob_picture
    mask = np.zeros(truth.shape, bool)
    mask[:, : truth.shape[1] // 2] = True
    result = segment(image, mask=mask)
    assert (result.labels[~mask] == 0).all() and (result.labels[mask] > 0).all()
    assert result.sizes.sum() == mask.sum()
    assert set(np.unique(result.labels[mask])) == set(range(1, result.n_regions + 1))
    # outside pixels keep their colour in paint() and overlay()
    np.testing.assert_array_equal(result.paint()[~mask], image[~mask])
    np.testing.assert_array_equal(result.overlay()[~mask], image[~mask])
    # the default min_size follows the masked area
    assert result.parameters["min_size"] == max(20, round(0.003 * mask.sum()))
    # every region's cut stays inside the mask too
    assert (result.cut(1.0).labels[mask] == 1).all() and result.cut(1.0).n_regions == 1
    assert result.cut(n_regions=2).n_regions == 2


def test_pixels_outside_the_mask_change_nothing_inside():
    # a bright stripe outside the mask must not pull any window or region colour
    truth = blobs(60, 80)
    image = synthetic_image(truth, noise=2.0, seed=4)
    mask = np.ones(truth.shape, bool)
    mask[:, 70:] = False
    altered = image.copy()
    altered[:, 70:] = (255, 0, 255)
    a = segment(image, mask=mask)
    b = segment(altered, mask=mask)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_allclose(a.modes, b.modes, atol=1e-4)


def test_mask_alpha_uses_the_alpha_channel(blob_picture):
    image, truth = blob_picture
    alpha = np.where(np.arange(truth.shape[1]) < 50, 255, 0).astype(np.uint8)
    rgba = np.dstack([image, np.broadcast_to(alpha, truth.shape)])
    from_alpha = segment(rgba, mask="alpha")
    from_array = segment(image, mask=alpha[None, :].repeat(truth.shape[0], 0) > 0)
    np.testing.assert_array_equal(from_alpha.labels, from_array.labels)


@pytest.mark.parametrize("mask, error, match", [
    (np.ones((3, 3), bool), ValueError, r"mask must have the image's shape \(60, 80\); got \(3, 3\)"),
    (np.ones((60, 80), np.uint8), TypeError, "mask must be a boolean array"),
    (np.zeros((60, 80), bool), ValueError, "mask selects no pixel"),
    ("alpha", ValueError, "mask='alpha' needs an image with an alpha channel"),
    ("beta", ValueError, "mask must be a boolean"),
])
def test_bad_masks(blob_picture, mask, error, match):
    image, _ = blob_picture
    with pytest.raises(error, match=match):
        segment(image, mask=mask)


def test_a_mask_needs_start_label_one(blob_picture):
    image, _ = blob_picture
    with pytest.raises(ValueError, match="mask needs start_label=1"):
        segment(image, mask=np.ones(image.shape[:2], bool), start_label=0)


def test_segmenting_a_photo_read_with_pillow_does_not_import_opencv(tmp_path):
    # a process that reads with Pillow and segments at the working size pays no
    # OpenCV import (it is needed for the reduced copy of a larger photo, painting
    # and writing)
    from PIL import Image

    rng = np.random.default_rng(3)
    Image.fromarray(rng.integers(0, 255, (60, 80, 3), dtype=np.uint8)).save(tmp_path / "a.png")
    code = ("import sys; from segment import segment, read_image\n"
            f"result = segment(read_image({str(tmp_path / 'a.png')!r}))\n"
            "assert result.n_regions >= 1\n"
            "assert 'cv2' not in sys.modules, 'cv2 imported'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
