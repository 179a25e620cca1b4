"""The label layer: relabelling and per-region sums."""

import numpy as np

from segment.labels import relabel_raster, split_components


def test_relabel_raster_orders_by_first_appearance():
    out, n = relabel_raster(np.array([[5, 5, 2], [9, 2, 5]]))
    assert out.tolist() == [[0, 0, 1], [2, 1, 0]] and n == 3


def test_split_components_against_scipy():
    from scipy import ndimage

    rng = np.random.default_rng(3)
    labels = rng.integers(0, 3, (17, 23))
    out, n = split_components(labels)
    expected = 0
    for value in range(3):
        expected += ndimage.label(labels == value)[1]  # 4-connected by default
    assert n == expected
    # every part is one value of the input, and 4-connected
    for k in range(n):
        part = out == k
        assert np.unique(labels[part]).size == 1
        assert ndimage.label(part)[1] == 1
