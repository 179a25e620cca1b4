"""The defaults on a real photo, checked by properties a person sees in the picture.

``sample_images/coffee.png``: an espresso cup with a white rim and orange crema on
a red saucer, on a wooden table, with a dark corner at the top left.
"""

from pathlib import Path

import numpy as np
import pytest

from segment import read_image, segment

SAMPLES = Path(__file__).resolve().parents[1] / "sample_images"


@pytest.fixture(scope="module")
def coffee():
    image = read_image(SAMPLES / "coffee.png")
    return image, segment(image)


def region_at(result, row, col):
    label = result.labels[row, col]
    index = label - result.parameters["start_label"]
    return label, result.modes[index], result.sizes[index]


def test_coffee_has_a_few_tens_of_regions_covering_the_photo(coffee):
    image, result = coffee
    assert 10 <= result.n_regions <= 40
    assert result.sizes.sum() == image.shape[0] * image.shape[1]


def test_the_crema_is_orange_and_apart_from_the_white_cup(coffee):
    _, result = coffee
    crema, crema_lab, _ = region_at(result, 150, 250)
    white, white_lab, _ = region_at(result, 200, 300)
    assert crema != white
    assert crema_lab[1] > 15 and crema_lab[2] > 40  # a* red, b* yellow: orange
    assert white_lab[0] > 85 and abs(white_lab[1]) < 10  # bright and neutral


def test_the_table_is_one_large_region_and_the_dark_corner_another(coffee):
    _, result = coffee
    right, _, right_size = region_at(result, 350, 550)
    upper, _, _ = region_at(result, 100, 450)
    corner, corner_lab, _ = region_at(result, 20, 20)
    assert right == upper  # the wood on both sides of the saucer
    assert right_size == result.sizes.max()
    assert corner != right and corner_lab[0] < 20


def test_painting_keeps_the_photo_recognisable(coffee):
    image, result = coffee
    painted = result.paint().astype(float)
    error = np.abs(painted - image.astype(float)).mean()
    assert error < 20  # mean absolute error per channel, 8-bit levels
