"""Rendering on hand-made label maps; every expected array is written out by hand."""

import numpy as np
import pytest

from segment.render import find_boundaries, overlay_boundaries, paint, to_dtype

# A 2x2 object (label 1) on a background (label 0).
BLOB = np.array(
    [
        [0, 0, 0, 0, 0],
        [0, 1, 1, 0, 0],
        [0, 1, 1, 0, 0],
        [0, 0, 0, 0, 0],
    ]
)

BLOB_BOUNDARIES = {
    # a pixel whose right or lower neighbour has another label
    "thin": [
        [0, 1, 1, 0, 0],
        [1, 0, 1, 0, 0],
        [1, 1, 1, 0, 0],
        [0, 0, 0, 0, 0],
    ],
    # a pixel with a 4-neighbour of another label
    "thick": [
        [0, 1, 1, 0, 0],
        [1, 1, 1, 1, 0],
        [1, 1, 1, 1, 0],
        [0, 1, 1, 0, 0],
    ],
    # thick, inside the object (label 0 is the background, as in scikit-image)
    "inner": [
        [0, 0, 0, 0, 0],
        [0, 1, 1, 0, 0],
        [0, 1, 1, 0, 0],
        [0, 0, 0, 0, 0],
    ],
    # thick, in the background around the object
    "outer": [
        [0, 1, 1, 0, 0],
        [1, 0, 0, 1, 0],
        [1, 0, 0, 1, 0],
        [0, 1, 1, 0, 0],
    ],
}

# Three regions filling the map: 0 and 1 side by side above 2.
TILES = np.array(
    [
        [0, 0, 1, 1],
        [0, 0, 1, 1],
        [2, 2, 2, 2],
    ]
)

TILES_BOUNDARIES = {
    "thin": [
        [0, 1, 0, 0],
        [1, 1, 1, 1],
        [0, 0, 0, 0],
    ],
    "thick": [
        [0, 1, 1, 0],
        [1, 1, 1, 1],
        [1, 1, 1, 1],
    ],
    # label 0 counts as background: its pixels are never 'inner'
    "inner": [
        [0, 0, 1, 0],
        [0, 0, 1, 1],
        [1, 1, 1, 1],
    ],
    # background pixels of the thick boundary, plus object pixels that touch
    # (8-connected) another object; (0, 2) touches only label 0 and 1 itself
    "outer": [
        [0, 1, 0, 0],
        [1, 1, 1, 1],
        [0, 1, 1, 1],
    ],
}


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint16])
@pytest.mark.parametrize("mode", ["thin", "thick", "inner", "outer"])
@pytest.mark.parametrize("case", ["blob", "tiles"])
def test_find_boundaries(case, mode, dtype):
    labels, expected = {"blob": (BLOB, BLOB_BOUNDARIES), "tiles": (TILES, TILES_BOUNDARIES)}[case]
    got = find_boundaries(labels.astype(dtype), mode=mode)
    assert got.dtype == bool
    assert got.astype(int).tolist() == expected[mode]


@pytest.mark.parametrize("mode", ["thin", "thick", "inner", "outer"])
def test_single_region_has_no_boundary(mode):
    assert not find_boundaries(np.zeros((3, 4), np.int32), mode=mode).any()
    assert not find_boundaries(np.full((3, 4), 5, np.int32), mode=mode).any()


def test_thin_on_a_diagonal():
    labels = np.array([[0, 1], [1, 1]])
    # (0, 0) differs from both its right and its lower neighbour; (1, 0) and (0, 1)
    # have no right/lower neighbour of another label
    assert find_boundaries(labels).astype(int).tolist() == [[1, 0], [0, 0]]


def test_find_boundaries_bad_mode():
    with pytest.raises(ValueError, match=r"mode must be one of .*'thin'.*; got 'dotted'"):
        find_boundaries(BLOB, mode="dotted")


# Lab of sRGB black, white, red (255, 0, 0) and grey (128, 128, 128), D65.
MODES = np.array(
    [
        [0.0, 0.0, 0.0],
        [100.0, 0.0, 0.0],
        [53.2408, 80.0925, 67.2032],
        [53.5850, 0.0, 0.0],
    ]
)
QUAD = np.array([[0, 1], [2, 3]])


def test_paint_uint8():
    got = paint(QUAD, MODES, dtype=np.uint8)
    assert got.dtype == np.uint8
    expected = [
        [[0, 0, 0], [255, 255, 255]],
        [[255, 0, 0], [128, 128, 128]],
    ]
    assert got.tolist() == expected


def test_paint_uint16():
    got = paint(QUAD, MODES, dtype=np.uint16)
    assert got.dtype == np.uint16
    expected = np.array(
        [
            [[0, 0, 0], [65535, 65535, 65535]],
            [[65535, 0, 0], [32896, 32896, 32896]],
        ]
    )
    # 16 bits resolve the Lab constants' last digits: allow 0.02 %
    np.testing.assert_allclose(got.astype(float), expected, atol=15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_paint_float(dtype):
    got = paint(QUAD, MODES, dtype=dtype)
    assert got.dtype == dtype
    expected = [
        [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]],
        [[1.0, 0.0, 0.0], [128 / 255, 128 / 255, 128 / 255]],
    ]
    np.testing.assert_allclose(got, expected, atol=2e-4)
    assert got.min() >= 0.0 and got.max() <= 1.0


def test_paint_repeats_region_colours():
    labels = np.array([[1, 1, 0], [0, 2, 1]])
    modes = MODES[:3]
    got = paint(labels, modes)
    black, white, red = [0, 0, 0], [255, 255, 255], [255, 0, 0]
    assert got.tolist() == [[white, white, black], [black, red, white]]


def test_paint_from_start_label_one_keeps_the_unsegmented_pixels():
    labels = np.array([[1, 0, 2]])
    image = np.array([[[9, 9, 9], [50, 60, 70], [1, 2, 3]]], np.uint8)
    got = paint(labels, MODES[1:3], start_label=1, image=image)
    assert got.tolist() == [[[255, 255, 255], [50, 60, 70], [255, 0, 0]]]
    assert paint(labels, MODES[1:3], start_label=1)[0, 1].tolist() == [0, 0, 0]
    grey = paint(labels, np.array([[0.0], [100.0]]), start_label=1, image=image[..., 0])
    assert grey.tolist() == [[0, 50, 255]]


def test_paint_grey_modes():
    labels = np.array([[0, 1, 1], [2, 0, 1]])
    got = paint(labels, np.array([[0.0], [100.0], [53.585]]))
    assert got.shape == (2, 3) and got.dtype == np.uint8
    assert got.tolist() == [[0, 255, 255], [128, 0, 255]]


def test_paint_clips_out_of_gamut_modes():
    # L = 100 with strong chroma lies outside sRGB; channels clip to [0, 255]
    got = paint(np.array([[0]]), np.array([[100.0, 100.0, 100.0]]))
    assert got.dtype == np.uint8
    assert got[0, 0, 0] == 255


def test_to_dtype():
    values = np.array([-0.5, 0.0, 0.5, 1.0, 1.5])
    assert to_dtype(values, np.uint8).tolist() == [0, 0, 128, 255, 255]
    assert to_dtype(values, np.uint16).tolist() == [0, 0, 32768, 65535, 65535]
    assert to_dtype(values, np.float32).dtype == np.float32


LINE = np.array([[0, 0, 1, 1]])


def test_overlay_uint8():
    image = np.full((1, 4, 3), 7, np.uint8)
    got = overlay_boundaries(image, LINE)
    assert got.dtype == np.uint8
    # yellow by default, as scikit-image's mark_boundaries
    assert got.tolist() == [[[7, 7, 7], [255, 255, 0], [7, 7, 7], [7, 7, 7]]]
    assert (image == 7).all()  # the input is not drawn on


def test_overlay_colour_and_mode():
    image = np.full((1, 4, 3), 7, np.uint8)
    got = overlay_boundaries(image, LINE, color=(0.0, 1.0, 0.0), mode="thick")
    assert got.tolist() == [[[7, 7, 7], [0, 255, 0], [0, 255, 0], [7, 7, 7]]]


def test_overlay_uint16_and_float():
    got16 = overlay_boundaries(np.zeros((1, 4, 3), np.uint16), LINE, color=(0.0, 0.0, 1.0))
    assert got16.dtype == np.uint16
    assert got16[0].tolist() == [[0, 0, 0], [0, 0, 65535], [0, 0, 0], [0, 0, 0]]
    gotf = overlay_boundaries(np.full((1, 4, 3), 0.25, np.float32), LINE, color=(1.0, 0.5, 0.0))
    assert gotf.dtype == np.float32
    np.testing.assert_allclose(
        gotf[0], [[0.25] * 3, [1.0, 0.5, 0.0], [0.25] * 3, [0.25] * 3]
    )


def test_overlay_grey_image_becomes_rgb():
    grey = np.array([[10, 20, 30, 40]], np.uint8)
    got = overlay_boundaries(grey, LINE)
    assert got.shape == (1, 4, 3) and got.dtype == np.uint8
    assert got.tolist() == [[[10, 10, 10], [255, 255, 0], [30, 30, 30], [40, 40, 40]]]


@pytest.mark.parametrize("color", [(1.0, 0.0), (2.0, 0.0, 0.0), (-0.1, 0.0, 0.0), (0, 0, 0, 1)])
def test_overlay_bad_colour(color):
    with pytest.raises(ValueError, match=r"color must be 3 floats in \[0, 1\]"):
        overlay_boundaries(np.zeros((1, 4, 3), np.uint8), LINE, color=color)
