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


def test_smooth_into_out_or_in_place_gives_the_values_of_a_new_array():
    import cv2

    rng = np.random.default_rng(6)
    for shape, sigma in [((33, 47, 4), 4.0), ((20, 9, 1), 2.0), ((3, 5, 3), 4.0)]:
        lab = (rng.random(shape) * 100).astype(np.float32)
        expected = cv2.GaussianBlur(lab, (0, 0), sigma).reshape(shape)
        np.testing.assert_array_equal(smooth(lab, sigma), expected)
        out = np.empty_like(lab)
        assert smooth(lab, sigma, out=out) is out
        np.testing.assert_array_equal(out, expected)
        assert smooth(lab, sigma, out=lab) is lab
        np.testing.assert_array_equal(lab, expected)


@pytest.mark.parametrize("out", [np.empty((4, 5, 3), np.float64), np.empty((4, 5, 2), np.float32),
                                 np.empty((4, 5, 6), np.float32)[:, :, :3]])
def test_smooth_rejects_an_out_it_cannot_write_into(out):
    with pytest.raises(ValueError, match="out must be"):
        smooth(np.zeros((4, 5, 3), np.float32), 2.0, out=out)
