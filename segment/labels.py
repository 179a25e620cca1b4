"""The bottom layer: relabelling and per-region sums over label images.

Every stage that works on label images (grouping, merging, the result) imports
these; they import nothing of the package but its compiled kernels. The kernels of
the relabelling and the sums live in ``src/native/labels.cpp``; they take
contiguous arrays and plain numbers.
"""

from __future__ import annotations

import numpy as np

from . import _native

__all__ = ["relabel_raster", "relabel_through", "map_labels", "region_values", "region_sums",
           "region_means", "masked_label_sums"]

#: The dtypes whose per-region rows region_values() copies in its kernel.
_ROW_DTYPES = (np.uint8, np.uint16, np.float32, np.float64)


def relabel_raster(labels):
    """Renumber a label image 0..n-1 in raster order of first appearance.

    Parameters
    ----------
    labels : (H, W) ndarray of non-negative integers

    Returns
    -------
    relabelled : (H, W) int32 ndarray
    n : int
        Number of distinct labels.

    Examples
    --------
    >>> import numpy as np
    >>> out, n = relabel_raster(np.array([[7, 7, 3], [3, 9, 9]]))
    >>> out.tolist(), n
    ([[0, 0, 1], [1, 2, 2]], 3)
    """
    out, n = _native.raster_labels(_label_array(labels))
    return out, int(n)

def relabel_through(labels, table):
    """``relabel_raster(table[labels])`` without forming ``table[labels]``, and the
    renumbering itself.

    Parameters
    ----------
    labels : (H, W) ndarray of integers in 0 .. len(table) - 1
    table : (m,) ndarray of non-negative integers

    Returns
    -------
    relabelled : (H, W) int32 ndarray
        ``table[labels]`` renumbered 0..n-1 in raster order of first appearance.
    n : int
    lut : (max(table) + 1,) int32 ndarray
        The new label of each table value, -1 for a value no pixel takes:
        ``lut[table]`` is the new label of every entry of the table.

    Cost: one pass over the pixels, in raster order, and a check of their range.

    Examples
    --------
    >>> import numpy as np
    >>> out, n, lut = relabel_through(np.array([[2, 2, 0], [1, 1, 3]]), np.array([5, 5, 4, 0]))
    >>> out.tolist(), n, lut.tolist()
    ([[0, 0, 1], [1, 1, 2]], 3, [2, -1, -1, -1, 0, 1])
    """
    out, n, lut = _native.relabel_through(_label_array(labels), _table_array(table, "table"))
    return out, int(n), lut


def map_labels(labels, table, n):
    """``table[labels]`` as int32, and the pixel count (int64) of each of its values
    0..n-1, in one parallel pass.

    Examples
    --------
    >>> import numpy as np
    >>> out, counts = map_labels(np.array([[0, 0, 2]]), np.array([1, 0, 1]), 2)
    >>> out.tolist(), counts.tolist()
    ([[1, 1, 1]], [0, 3])
    """
    return _native.map_labels(_label_array(labels), _table_array(table, "table"), int(n))


def region_values(labels, values):
    """Every pixel's row of per-region `values`: ``values[labels]``, in parallel.

    Parameters
    ----------
    labels : ndarray of integers in 0 .. n-1
    values : (n, C) ndarray
        One row per region.

    Returns
    -------
    out : labels.shape + (C,) ndarray of the dtype of `values`

    Raises
    ------
    ValueError
        For a label outside 0 .. n-1.

    Examples
    --------
    >>> import numpy as np
    >>> region_values(np.array([[1, 0]]), np.array([[0, 0, 0], [255, 128, 0]], np.uint8)).tolist()
    [[[255, 128, 0], [0, 0, 0]]]
    """
    values = np.asarray(values)
    if values.ndim != 2:
        raise ValueError(f"values must be (n, C), one row per region; got shape {values.shape}")
    message = f"labels must lie in 0 .. {len(values) - 1}, one per row of values"
    if values.dtype in _ROW_DTYPES:
        try:
            return _native.take_rows(np.ascontiguousarray(values), _label_array(labels))
        except ValueError:
            raise ValueError(message) from None
    labels = np.asarray(labels)  # another dtype: NumPy's gather
    if labels.size and (labels.min() < 0 or labels.max() >= len(values)):
        raise ValueError(message)
    return np.take(values, labels, axis=0)


def region_sums(labels, values, n):
    """Pixel count (int64) and float64 sum of `values` (H, W, C) over each of the `n`
    labels, in one pass.

    Examples
    --------
    >>> import numpy as np
    >>> sizes, sums = region_sums(np.array([[0, 1, 1]]), np.array([[[1.], [2.], [4.]]]), 2)
    >>> sizes.tolist(), sums.ravel().tolist()
    ([1, 2], [1.0, 6.0])
    """
    labels = _label_array(labels)
    values = np.asarray(values)
    if values.ndim == 2:
        values = values[..., None]
    if values.dtype not in (np.float32, np.float64):
        values = values.astype(np.float64)  # exact for the integers a label image sums
    # strided views (such as points[..., 2:]) are read in place, without a copy; the
    # counts and sums are accumulated in pixel order, as numpy.bincount does
    return _native.label_sums(labels, values, int(n))

def region_means(labels, values, n):
    """Pixel count and mean of `values` (H, W, C) over each of the `n` labels.

    Examples
    --------
    >>> import numpy as np
    >>> sizes, means = region_means(np.array([[0, 1, 1]]), np.array([[[1.], [2.], [4.]]]), 2)
    >>> sizes.tolist(), means.ravel().tolist()
    ([1, 2], [1.0, 3.0])
    """
    sizes, sums = region_sums(labels, values, n)
    return sizes, sums / np.maximum(sizes, 1)[:, None]


def masked_label_sums(labels, values, mask, n):
    """float64 sum of `values` (H, W) and count of the pixels where `mask` holds, per
    label, accumulated in pixel order.

    Examples
    --------
    >>> import numpy as np
    >>> sums, counts = masked_label_sums(np.array([[0, 1, 1]]), np.array([[1.0, 2.0, 4.0]]),
    ...                                  np.array([[True, False, True]]), 2)
    >>> sums.tolist(), counts.tolist()
    ([1.0, 4.0], [1.0, 1.0])
    """
    values = np.ascontiguousarray(values)
    if values.dtype not in (np.float32, np.float64):
        values = values.astype(np.float64)
    mask = np.ascontiguousarray(mask, dtype=np.bool_)
    return _native.masked_label_sums(_label_array(labels), values, mask, int(n))


def _table_array(table, name):
    """A lookup table of label values as a C-contiguous 1-D int32 array."""
    table = np.asarray(table)
    if table.ndim != 1 or table.size == 0 or not np.issubdtype(table.dtype, np.integer):
        raise ValueError(f"{name} must be a non-empty 1-D integer array; got {table.dtype} "
                         f"{table.shape}")
    if int(table.min()) < 0 or int(table.max()) > np.iinfo(np.int32).max:
        raise ValueError(f"{name} values must lie in 0 .. 2**31 - 1")
    return np.ascontiguousarray(table, dtype=np.int32)


def _label_array(labels):
    """`labels` as a C-contiguous int32 or int64 array (other integer types as int64)."""
    labels = np.ascontiguousarray(labels)
    if labels.dtype not in (np.int32, np.int64):  # int32 stays: half the memory
        labels = labels.astype(np.int64)
    return labels
