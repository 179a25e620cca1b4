"""Smoothing and the colour gradient."""

import numpy as np
import pytest

from segment.filters import gradient_magnitude, smooth


def test_gradient_magnitude_matches_opencv_sobel():
    import cv2

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


def reference_smooth(lab, sigma):
    """The Gaussian of smooth(), in NumPy and float64: OpenCV's kernel for sigma, the
    rows then the columns, reflected borders without repeating the edge sample."""
    ksize = int(np.rint(8.0 * sigma + 1.0)) | 1
    x = np.arange(ksize) - (ksize - 1) / 2
    weights = np.exp(-x * x / (2.0 * sigma * sigma))
    weights = (weights / weights.sum()).astype(np.float32).astype(np.float64)
    radius = ksize // 2
    out = lab.astype(np.float64)
    for axis in (1, 0):
        size = out.shape[axis]
        index = np.arange(-radius, size + radius)
        while ((index < 0) | (index >= size)).any():  # reflected as often as needed
            index = np.where(index < 0, -index, index)
            index = np.where(index >= size, 2 * (size - 1) - index, index) if size > 1 else 0 * index
        padded = np.take(out, index, axis=axis)
        out = sum(w * np.take(padded, np.arange(k, k + size), axis=axis)
                  for k, w in enumerate(weights))
    return out


@pytest.mark.parametrize("shape, sigma", [((33, 47, 4), 4.0), ((20, 9, 1), 2.0), ((3, 5, 3), 4.0),
                                          ((1, 6, 3), 2.0), ((7, 1, 1), 1.0)])
def test_smooth_matches_the_reference_and_opencv(shape, sigma):
    import cv2

    lab = (np.random.default_rng(6).random(shape) * 100).astype(np.float32)
    smoothed = smooth(lab, sigma)
    assert smoothed.dtype == np.float32 and smoothed.shape == shape
    np.testing.assert_allclose(smoothed, reference_smooth(lab, sigma), rtol=0, atol=1e-4)
    opencv = cv2.GaussianBlur(lab, (0, 0), sigma).reshape(shape)
    np.testing.assert_allclose(smoothed, opencv, rtol=0, atol=1e-4)


def test_smooth_into_out_or_in_place_gives_the_values_of_a_new_array():
    rng = np.random.default_rng(7)
    for shape, sigma in [((33, 47, 4), 4.0), ((20, 9, 1), 2.0), ((3, 5, 3), 4.0)]:
        lab = (rng.random(shape) * 100).astype(np.float32)
        expected = smooth(lab, sigma)
        out = np.empty_like(lab)
        assert smooth(lab, sigma, out=out) is out
        np.testing.assert_array_equal(out, expected)
        assert smooth(lab, sigma, out=lab) is lab
        np.testing.assert_array_equal(lab, expected)


def test_smooth_of_an_empty_lattice_is_empty():
    for shape in [(0, 5, 3), (4, 0, 3), (4, 5, 0)]:
        assert smooth(np.zeros(shape, np.float32), 2.0).shape == shape


def test_smooth_rejects_a_sigma_that_is_not_positive_and_finite():
    for sigma in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="sigma must be positive and finite"):
            smooth(np.zeros((4, 5, 3), np.float32), sigma)


@pytest.mark.parametrize("out", [np.empty((4, 5, 3), np.float64), np.empty((4, 5, 2), np.float32),
                                 np.empty((4, 5, 6), np.float32)[:, :, :3]])
def test_smooth_rejects_an_out_it_cannot_write_into(out):
    with pytest.raises(ValueError, match="out must be"):
        smooth(np.zeros((4, 5, 3), np.float32), 2.0, out=out)
