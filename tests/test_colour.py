"""Colour conversion: the compiled sRGB -> Lab kernel."""

import numpy as np


def test_colour_conversion_matches_the_cie_formulas():
    # scikit-image's rgb2lab (float64, same D65 constants) is the reference
    from skimage.color import rgb2lab

    from segment.colour import srgb_to_lab

    rng = np.random.default_rng(0)
    rgb = rng.random((30, 40, 3)).astype(np.float32)
    rgb[0, :4] = [[0, 0, 0], [1, 1, 1], [0.02, 0.01, 0.0], [1, 0, 0]]  # both sides of the breaks
    np.testing.assert_allclose(srgb_to_lab(rgb), rgb2lab(rgb.astype(np.float64)), atol=0.01)
    grey = rgb[..., :1]
    np.testing.assert_allclose(srgb_to_lab(grey)[..., 0],
                               rgb2lab(np.repeat(grey, 3, -1).astype(np.float64))[..., 0],
                               atol=0.01)
