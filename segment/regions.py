"""Regions: convergence points -> labels.

1. **Grouping** (Comaniciu & Meer 2002, section 5; EDISON): 8-connected pixels whose
   convergence points are closer than ``0.35 h_r`` in range share a region. The
   rule links neighbour to neighbour (single linkage), so across a soft edge the
   modes can chain; below the paper's ``h_r / 2`` that happens less, and the
   merging of step 2 joins what the lower threshold splits. (Requiring also
   spatial closeness, as the paper does, split large flat regions and lowered the
   BSDS scores; see ``benchmarks/README.md``.)
2. **Fusion and pruning**: adjacent regions are merged greedily, the most similar
   pair first (:mod:`segment.merging`), while a logistic model, fitted on the
   BSDS500 train images, gives them a probability of belonging to different
   objects of at most ``merge_threshold``. The model weighs the difference of the
   regions' mean colours and mean texture energy (the distance of the pixels from
   their mean shift mode), taken on a lightly smoothed image so that fragments of
   one texture look alike, the colour contrast along their common boundary against
   the contrast inside them, and their sizes. Regions smaller than ``min_size`` keep
   merging into their most similar neighbour.

Labels are finally renumbered 0..n-1 in raster order of first appearance.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .features import gradient_magnitude, smooth
from .unionfind import find

__all__ = [
    "group_modes",
    "relabel_raster",
    "region_means",
    "region_sums",
    "region_features",
    "form_regions",
    "COLOUR_SIGMA",
    "EDGE_SIGMA",
    "GROUPING_FRACTION",
]

#: Gaussian sigma (pixels) of the image whose region means compare regions.
COLOUR_SIGMA = 4.0
#: Gaussian sigma (pixels) before the gradient that measures boundary contrast.
EDGE_SIGMA = 2.0
#: Neighbours whose convergence points are closer in range than this fraction of
#: h_r are grouped (step 1).
GROUPING_FRACTION = 0.35
#: Strips the grouping links in parallel (the result does not depend on it).
_STRIPS = 8


@njit(cache=True, inline="always")
def _link_below(values, parent, threshold2, row, col, end_row, seam_only):
    """Union pixel (row, col) with its right, down-left, down and down-right
    neighbours (every 8-neighbour pair once) whose range values are closer than
    sqrt(threshold2); neighbours in rows from ``end_row`` on are left out, and with
    `seam_only` so is the right one (only the pairs into the next row). Roots stay
    the smallest index of their set."""
    height, width, nch = values.shape
    i = row * width + col
    for dr, dc in ((0, 1), (1, -1), (1, 0), (1, 1)):
        r2 = row + dr
        c2 = col + dc
        if r2 >= end_row or c2 < 0 or c2 >= width or (seam_only and dr == 0):
            continue
        d = 0.0
        for k in range(nch - 2):
            t = values[row, col, 2 + k] - values[r2, c2, 2 + k]
            d += t * t
        if d < threshold2:
            a = find(parent, i)
            b = find(parent, r2 * width + c2)
            if a < b:
                parent[b] = a
            elif b < a:
                parent[a] = b


@njit(cache=True, parallel=True)
def _group_pixels(points, threshold2, nstrips):
    """Root (smallest pixel index) of every pixel's group. Horizontal strips are
    linked in parallel, each within itself, then the seams between them in turn;
    the groups, and so the roots, do not depend on the strips."""
    height, width, _ = points.shape
    parent = np.arange(height * width)
    bounds = np.linspace(0, height, nstrips + 1).astype(np.int64)
    for s in prange(nstrips):
        for row in range(bounds[s], bounds[s + 1]):
            for col in range(width):
                _link_below(points, parent, threshold2, row, col, bounds[s + 1], False)
    for s in range(1, nstrips):
        row = bounds[s] - 1
        if row < 0 or bounds[s] >= height:
            continue
        for col in range(width):
            # the pairs from the strip's last row into the next strip's first
            _link_below(points, parent, threshold2, row, col, height, True)
    # roots are smaller than their members: one pass in index order flattens
    for i in range(parent.size):
        parent[i] = parent[parent[i]]
    return parent


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
    labels = np.ascontiguousarray(labels, dtype=np.int64)
    out, n = _raster_labels(labels)
    return out, int(n)


def group_modes(points, range_threshold):
    """Group 8-connected pixels whose convergence points are close in range (step 1).

    Parameters
    ----------
    points : (H, W, 2 + C) float32 ndarray
        Convergence points (x, y, range...) from :func:`segment.meanshift.seek_modes`.
    range_threshold : float
        Two neighbours join when their points' range values are closer than this.

    Returns
    -------
    labels : (H, W) int32 ndarray
        Labels 0..n-1 in raster order.
    n : int

    Examples
    --------
    >>> import numpy as np
    >>> pts = np.zeros((2, 4, 3), np.float32); pts[:, 2:, 2] = 50
    >>> labels, n = group_modes(pts, 3.0)
    >>> labels.tolist(), n
    ([[0, 0, 1, 1], [0, 0, 1, 1]], 2)
    """
    points = np.ascontiguousarray(points, dtype=np.float32)
    roots = _group_pixels(points, float(range_threshold) ** 2, _STRIPS)
    return relabel_raster(roots.reshape(points.shape[:2]))


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


@njit(cache=True, parallel=True)
def _with_residual(points, lab):
    """(H, W, C + 1) float32: the range values of `lab` and, last, every pixel's
    distance from its mode's range values."""
    height, width, nch = lab.shape
    out = np.empty((height, width, nch + 1), np.float32)
    for row in prange(height):
        for col in range(width):
            d = np.float32(0.0)
            for k in range(nch):
                v = lab[row, col, k]
                out[row, col, k] = v
                t = v - points[row, col, 2 + k]
                d += t * t
            out[row, col, nch] = np.sqrt(d)
    return out


def region_features(points, lab, colour_sigma=COLOUR_SIGMA):
    """Per-pixel features whose region means the merging compares.

    The image smoothed with a Gaussian of `colour_sigma` pixels, and, as a last
    channel, the texture energy: the distance of every pixel from its mean shift
    mode, smoothed the same way (high inside textures, low along clean edges that
    mean shift resolved).

    Parameters
    ----------
    points : (H, W, 2 + C) float32 ndarray
        Convergence points (x, y, range...).
    lab : (H, W, C) float32 ndarray
        The image in CIE Lab (or L alone).
    colour_sigma : float, optional

    Returns
    -------
    values : (H, W, C + 1) float32 ndarray

    Examples
    --------
    >>> import numpy as np
    >>> lab = np.zeros((4, 4, 3), np.float32); points = np.zeros((4, 4, 5), np.float32)
    >>> points[..., 2] = 3.0
    >>> region_features(points, lab).shape, float(region_features(points, lab)[0, 0, 3])
    ((4, 4, 4), 3.0)
    """
    stacked = _with_residual(np.ascontiguousarray(points, dtype=np.float32),
                             np.ascontiguousarray(lab, dtype=np.float32))
    return smooth(stacked, colour_sigma)


def form_regions(points, lab, range_bandwidth, min_size, merge_threshold, *,
                 colour_sigma=COLOUR_SIGMA, edge_sigma=EDGE_SIGMA,
                 grouping=GROUPING_FRACTION, coefficients=None):
    """Convergence points -> region labels, sizes and modes (steps 1-2).

    Parameters
    ----------
    points : (H, W, 2 + C) float32 ndarray
        Convergence points (x, y, range...).
    lab : (H, W, C) float32 ndarray
        The image in CIE Lab (or L alone), for region colours and boundary contrast.
    range_bandwidth : float
        h_r (Lab units): neighbours whose modes are closer than ``grouping * h_r``
        are grouped.
    min_size : int
        Smallest region kept, in pixels.
    merge_threshold : float
        Largest probability, in [0, 1], that two adjacent regions of at least
        `min_size` pixels belong to different objects at which they are still
        merged (:func:`segment.merging.merge_regions`); 0 keeps the groups of step 1
        apart except for pruning.
    colour_sigma, edge_sigma : float, optional
        Gaussian sigmas (pixels) of the image whose region means are compared and of
        the image whose gradient measures boundary contrast.
    grouping : float, optional
        Grouping threshold, as a fraction of h_r.
    coefficients : sequence of float, optional
        The merging cost's coefficients (:data:`segment.merging.MERGE_COEFFICIENTS`).

    Returns
    -------
    labels : (H, W) int32 ndarray
        Region ids 0..n-1 in raster order of first appearance.
    sizes : (n,) int64 ndarray
    modes : (n, C) float32 ndarray
        Mean range value of the convergence points of each region.

    Examples
    --------
    >>> import numpy as np
    >>> pts = np.zeros((3, 6, 3), np.float32); pts[..., 0] = np.arange(6)
    >>> pts[:, 3:, 2] = 40
    >>> labels, sizes, modes = form_regions(pts, pts[..., 2:], 6.5, 2, 0.5)
    >>> labels[0].tolist(), sizes.tolist(), modes.ravel().tolist()
    ([0, 0, 0, 1, 1, 1], [9, 9], [0.0, 40.0])
    """
    from .merging import merge_regions

    labels, n = group_modes(points, grouping * range_bandwidth)
    if n > 1 and (merge_threshold > 0 or min_size > 1):
        labels, n = merge_regions(
            labels,
            region_features(points, lab, colour_sigma),
            n,
            edge_map=gradient_magnitude(lab, edge_sigma),
            threshold=merge_threshold,
            min_size=min_size,
            coefficients=coefficients,
        )
    sizes, modes = region_means(labels, points[..., 2:], n)
    return labels, sizes, modes.astype(np.float32)
