"""The label layer: relabelling and per-region sums."""

import numpy as np

from segment.labels import relabel_raster


def test_relabel_raster_orders_by_first_appearance():
    out, n = relabel_raster(np.array([[5, 5, 2], [9, 2, 5]]))
    assert out.tolist() == [[0, 0, 1], [2, 1, 0]] and n == 3
