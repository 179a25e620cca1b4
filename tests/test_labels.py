"""The label layer: relabelling and per-region sums."""

import numpy as np
import pytest

from segment.labels import relabel_raster


def test_relabel_raster_orders_by_first_appearance():
    out, n = relabel_raster(np.array([[5, 5, 2], [9, 2, 5]]))
    assert out.tolist() == [[0, 0, 1], [2, 1, 0]] and n == 3


def reference_relabel(ids):
    """Renumbering in raster order of first appearance, in plain NumPy."""
    _, first, inverse = np.unique(ids.ravel(), return_index=True, return_inverse=True)
    rank = np.empty(first.size, np.int64)
    rank[np.argsort(first)] = np.arange(first.size)
    return rank[inverse].reshape(ids.shape), first.size


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_relabel_through_is_the_relabelling_of_the_looked_up_labels(dtype):
    from segment.labels import relabel_through

    rng = np.random.default_rng(11)
    for shape, m, values in [((30, 41), 50, 20), ((1, 7), 3, 9), ((5, 5), 1, 4)]:
        labels = rng.integers(0, m, shape).astype(dtype)
        table = rng.integers(0, values, m)
        out, n, lut = relabel_through(labels, table)
        expected, expected_n = reference_relabel(table[labels])
        assert out.dtype == np.int32 and n == expected_n
        np.testing.assert_array_equal(out, expected)
        assert lut.dtype == np.int32 and lut.shape == (table.max() + 1,)
        np.testing.assert_array_equal(lut[table[labels]], out)
        unseen = np.setdiff1d(np.arange(table.max() + 1), table[labels])
        assert (lut[unseen] == -1).all()


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_map_labels_looks_up_and_counts(dtype):
    from segment.labels import map_labels

    rng = np.random.default_rng(12)
    labels = rng.integers(0, 40, (64, 33)).astype(dtype)
    table = rng.integers(0, 17, 40)
    out, counts = map_labels(labels, table, 20)
    assert out.dtype == np.int32 and counts.dtype == np.int64
    np.testing.assert_array_equal(out, table[labels])
    np.testing.assert_array_equal(counts, np.bincount(table[labels].ravel(), minlength=20))


def test_lookups_reject_labels_outside_the_table_and_bad_tables():
    from segment.labels import map_labels, relabel_through

    labels = np.array([[0, 1, 3]])
    with pytest.raises(ValueError, match="ids must index the table"):
        relabel_through(labels, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="ids must index the table"):
        map_labels(labels, np.array([0, 1, 2]), 3)
    with pytest.raises(ValueError, match="lie in 0 .. n-1"):
        map_labels(labels, np.array([0, 1, 2, 5]), 3)
    with pytest.raises(ValueError, match="table values must lie"):
        relabel_through(labels, np.array([0, -1, 2, 2]))
    with pytest.raises(ValueError, match="non-empty 1-D integer array"):
        relabel_through(labels, np.zeros(4))


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64, np.float16,
                                   np.int16])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_region_values_brings_each_region_row_to_its_pixels(dtype, channels):
    from segment.labels import region_values

    rng = np.random.default_rng(13)
    values = (rng.random((9, channels)) * 200).astype(dtype)
    for labels in (rng.integers(0, 9, (17, 23)), rng.integers(0, 9, (5,)).astype(np.int32)):
        out = region_values(labels, values)
        assert out.dtype == values.dtype and out.shape == labels.shape + (channels,)
        np.testing.assert_array_equal(out, np.take(values, labels, axis=0))


def test_region_values_rejects_labels_outside_the_rows():
    from segment.labels import region_values

    for dtype in (np.uint8, np.float16):
        values = np.zeros((3, 3), dtype)
        for labels in (np.array([[0, 3]]), np.array([[-1, 0]])):
            with pytest.raises(ValueError, match=r"labels must lie in 0 \.\. 2"):
                region_values(labels, values)
    with pytest.raises(ValueError, match=r"values must be \(n, C\)"):
        region_values(np.array([0]), np.zeros(3))
