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


def test_8_bit_input_converts_exactly_as_its_float_values():
    # the uint8 path reads its linearised levels from a table; it must give the very
    # values of dividing by 255 and converting the float image
    from skimage.color import rgb2lab

    from segment.colour import srgb_to_lab
    from segment.colour import lab_lattice

    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    image.reshape(-1, 3)[:256] = np.arange(256, dtype=np.uint8)[:, None]  # every level
    as_float = image.astype(np.float32) / np.float32(255)
    assert np.array_equal(srgb_to_lab(image), srgb_to_lab(as_float))
    assert np.array_equal(lab_lattice(image), srgb_to_lab(as_float))
    grey = image[..., 1]
    assert np.array_equal(lab_lattice(grey, channel_axis=None), srgb_to_lab(as_float[..., 1:2]))
    rgba = np.dstack([image, np.full(image.shape[:2], 7, np.uint8)])
    assert np.array_equal(lab_lattice(np.moveaxis(rgba, -1, 0), channel_axis=0),
                          srgb_to_lab(as_float))
    np.testing.assert_allclose(lab_lattice(image), rgb2lab(image), atol=0.01)
