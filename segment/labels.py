"""The bottom layer: relabelling and per-region sums over label images.

Every stage that works on label images (grouping, merging, the result) imports
these; they import nothing of the package but its compiled kernels. The kernels of
the relabelling and the sums live in ``src/native/labels.cpp``; they take
contiguous arrays and plain numbers.
"""

from __future__ import annotations

import numpy as np

from . import _native

__all__ = ["relabel_raster", "region_sums", "region_means",
           "masked_label_sums"]


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


def _label_array(labels):
    """`labels` as a C-contiguous int32 or int64 array (other integer types as int64)."""
    labels = np.ascontiguousarray(labels)
    if labels.dtype not in (np.int32, np.int64):  # int32 stays: half the memory
        labels = labels.astype(np.int64)
    return labels
