"""The bottom layer: union-find, relabelling and per-region sums over label images.

Every stage that works on label images (grouping, merging, the result) imports
these; they import nothing of the package. The compiled functions take contiguous
arrays and plain numbers.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["find", "resolve", "relabel_raster", "region_sums", "region_means",
           "masked_label_sums"]


@njit(cache=True, inline="always")
def find(parent, i):
    """Root of `i` in the forest `parent`, compressing the path on the way."""
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:
        nxt = parent[i]
        parent[i] = root
        i = nxt
    return root

@njit(cache=True)
def resolve(parent, roots):
    """Write the root of every id into `roots` (the same shape as `parent`)."""
    for i in range(parent.size):
        roots[i] = find(parent, i)


@njit(cache=True)
def _raster_labels(ids):
    """Renumber the integers in ``ids`` 0..n-1 in order of first appearance."""
    n = ids.size
    flat = ids.ravel()
    top = 0
    for i in range(n):
        if flat[i] > top:
            top = flat[i]
    lut = np.full(top + 1, -1, np.int64)
    out = np.empty(n, np.int32)
    count = 0
    for i in range(n):
        v = flat[i]
        if lut[v] < 0:
            lut[v] = count
            count += 1
        out[i] = lut[v]
    return out.reshape(ids.shape), count

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
    labels = np.ascontiguousarray(labels)
    if labels.dtype not in (np.int32, np.int64):  # int32 stays: half the memory
        labels = labels.astype(np.int64)
    out, n = _raster_labels(labels)
    return out, int(n)

@njit(cache=True)
def _label_sums(labels, values, n):
    """Pixel count (int64) and float64 sum of `values` (H, W, C) of each of `n`
    labels, accumulated in pixel order (as :func:`numpy.bincount` does)."""
    sizes = np.zeros(n, np.int64)
    sums = np.zeros((n, values.shape[2]), np.float64)
    height, width = labels.shape
    for row in range(height):
        for col in range(width):
            label = labels[row, col]
            sizes[label] += 1
            for k in range(values.shape[2]):
                sums[label, k] += np.float64(values[row, col, k])
    return sizes, sums

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
    labels = np.asarray(labels)
    values = np.asarray(values)
    if values.ndim == 2:
        values = values[..., None]
    # strided views (such as points[..., 2:]) are read in place, without a copy
    return _label_sums(labels, values, int(n))

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


@njit(cache=True)
def masked_label_sums(labels, values, mask, n):
    """float64 sum of `values` and count of the pixels where `mask` holds, per label,
    accumulated in pixel order."""
    sums = np.zeros(n, np.float64)
    counts = np.zeros(n, np.float64)
    height, width = labels.shape
    for row in range(height):
        for col in range(width):
            if mask[row, col]:
                label = labels[row, col]
                sums[label] += np.float64(values[row, col])
                counts[label] += 1.0
    return sums, counts
