"""Smoothing and the colour gradient."""

import numpy as np

from segment.filters import gradient_magnitude


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
