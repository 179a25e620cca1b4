"""Regions: convergence points -> labels.

1. **Grouping** (Comaniciu & Meer 2002, section 5; EDISON): 8-connected pixels whose
   convergence points are closer than ``h_r / 2`` in range share a region. (Requiring
   also spatial closeness, as the paper does, split large flat regions and lowered
   the BSDS scores; see ``benchmarks/README.md``.)
2. **Fusion and pruning**: adjacent regions are merged greedily, the most similar
   pair first (:mod:`segment.merging`). Similarity combines the difference of the
   regions' mean colours and mean texture energy (the distance of the pixels from
   their mean shift mode), taken on a lightly smoothed image so that fragments of
   one texture look alike, with the colour contrast along their common boundary,
   so that regions separated by a clear edge stay apart. The boundary contrast is
   weighed against the gradient inside the two regions, so that a faint edge
   between smooth regions counts more than the same edge within a texture.
   Merging stops at ``merge_threshold``, scaled by the square root of the image's
   mean gradient relative to a typical photograph's (clipped to [2/3, 3/2]): a busy,
   high-contrast image merges more, a soft low-contrast one less. Regions smaller
   than ``min_size`` keep merging into their most similar neighbour.

Labels are finally renumbered 0..n-1 in raster order of first appearance.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .features import gradient_magnitude, smooth
from .unionfind import find

__all__ = [
    "group_modes",
    "contrast_factor",
    "relabel_raster",
    "region_means",
    "form_regions",
    "COLOUR_SIGMA",
    "EDGE_SIGMA",
    "EDGE_WEIGHT",
    "EDGE_POWER",
    "INTERNAL_OFFSET",
    "CONTRAST_EXPONENT",
    "CONTRAST_REFERENCE",
]

#: Gaussian sigma (pixels) of the image whose region means compare regions.
COLOUR_SIGMA = 4.0
#: Gaussian sigma (pixels) before the gradient that measures boundary contrast.
EDGE_SIGMA = 2.0
#: Weight of the boundary contrast against the colour difference.
EDGE_WEIGHT = 2.0
#: The boundary contrast is the power mean of this order of the gradient along it.
EDGE_POWER = 1.0
#: Weight of the texture energy (how far pixels lie from their mean shift mode,
#: smoothed like the colours) among the features whose region means are compared.
TEXTURE_WEIGHT = 6.0
#: The boundary contrast is multiplied by (1 + c) / (c + mean gradient inside the
#: two regions), c = INTERNAL_OFFSET (gradient units); None leaves it as it is.
INTERNAL_OFFSET = 2.0
#: The merge threshold is multiplied by (mean gradient / CONTRAST_REFERENCE) **
#: CONTRAST_EXPONENT, clipped to [2/3, 3/2]; 0 turns the scaling off.
CONTRAST_EXPONENT = 0.5
#: Median over the BSDS500 train and val photographs of the mean gradient
#: magnitude (Lab units per pixel at EDGE_SIGMA = 2).
CONTRAST_REFERENCE = 1.81


@njit(cache=True)
def _group_pixels(values, threshold2):
    height, width, nch = values.shape
    parent = np.arange(height * width)
    for row in range(height):
        for col in range(width):
            i = row * width + col
            # right, down-left, down, down-right: every 8-neighbour pair once
            for dr, dc in ((0, 1), (1, -1), (1, 0), (1, 1)):
                r2 = row + dr
                c2 = col + dc
                if r2 >= height or c2 < 0 or c2 >= width:
                    continue
                d = 0.0
                for k in range(nch):
                    t = values[row, col, k] - values[r2, c2, k]
                    d += t * t
                if d < threshold2:
                    a = find(parent, i)
                    b = find(parent, r2 * width + c2)
                    if a < b:
                        parent[b] = a
                    elif b < a:
                        parent[a] = b
    for i in range(parent.size):
        parent[i] = find(parent, i)
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
    values = np.ascontiguousarray(points[..., 2:], dtype=np.float32)
    roots = _group_pixels(values, float(range_threshold) ** 2)
    return relabel_raster(roots.reshape(values.shape[:2]))


def region_means(labels, values, n):
    """Pixel count and mean of `values` (H, W, C) over each of the `n` labels.

    Examples
    --------
    >>> import numpy as np
    >>> sizes, means = region_means(np.array([[0, 1, 1]]), np.array([[[1.], [2.], [4.]]]), 2)
    >>> sizes.tolist(), means.ravel().tolist()
    ([1, 2], [1.0, 3.0])
    """
    flat = labels.ravel()
    sizes = np.bincount(flat, minlength=n).astype(np.int64)
    vals = values.reshape(flat.size, -1)
    sums = np.stack(
        [np.bincount(flat, weights=vals[:, k], minlength=n) for k in range(vals.shape[1])],
        axis=1,
    )
    return sizes, sums / np.maximum(sizes, 1)[:, None]


def contrast_factor(edge_map, exponent=CONTRAST_EXPONENT):
    """Factor applied to the merge threshold: (mean(edge_map) / reference) ** exponent.

    Clipped to [2/3, 3/2] (the BSDS500 photographs span about 0.75-1.2), so that
    neither a nearly flat synthetic image nor a tiny one made of edges moves the
    threshold far. The reference is :data:`CONTRAST_REFERENCE`.

    Examples
    --------
    >>> import numpy as np
    >>> contrast_factor(np.full((4, 4), 1.21 * CONTRAST_REFERENCE))
    1.1
    >>> contrast_factor(np.full((4, 4), 4 * CONTRAST_REFERENCE))
    1.5
    >>> contrast_factor(np.zeros((4, 4))), contrast_factor(np.zeros((4, 4)), 0.0)
    (0.6666666666666666, 1.0)
    """
    if exponent == 0:
        return 1.0
    ratio = float(np.mean(edge_map)) / CONTRAST_REFERENCE
    return float(np.clip(max(ratio, 1e-12) ** exponent, 2.0 / 3.0, 1.5))


def form_regions(points, lab, range_bandwidth, min_size, merge_threshold, *,
                 colour_sigma=COLOUR_SIGMA, edge_sigma=EDGE_SIGMA, edge_weight=EDGE_WEIGHT,
                 edge_power=EDGE_POWER, texture_weight=TEXTURE_WEIGHT,
                 internal_offset=INTERNAL_OFFSET, contrast_exponent=CONTRAST_EXPONENT):
    """Convergence points -> region labels, sizes and modes (steps 1-2).

    Parameters
    ----------
    points : (H, W, 2 + C) float32 ndarray
        Convergence points (x, y, range...).
    lab : (H, W, C) float32 ndarray
        The image in CIE Lab (or L alone), for region colours and boundary contrast.
    range_bandwidth : float
        h_r (Lab units): neighbours whose modes are closer than h_r / 2 are grouped.
    min_size : int
        Smallest region kept, in pixels.
    merge_threshold : float
        Largest merging cost (Lab units) accepted between regions of at least
        `min_size` pixels, for an image of typical contrast (see
        :func:`contrast_factor`); 0 keeps the groups of step 1 apart except for
        pruning.
    colour_sigma, edge_sigma, edge_weight, edge_power, texture_weight : float, optional
    internal_offset : float or None, optional
    contrast_exponent : float, optional
        The merging cost's terms (see the module constants).

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
    >>> labels, sizes, modes = form_regions(pts, pts[..., 2:], 6.5, 2, 8.0)
    >>> labels[0].tolist(), sizes.tolist(), modes.ravel().tolist()
    ([0, 0, 0, 1, 1, 1], [9, 9], [0.0, 40.0])
    """
    from .merging import merge_regions

    labels, n = group_modes(points, 0.5 * range_bandwidth)
    if n > 1 and (merge_threshold > 0 or min_size > 1):
        edge_map = gradient_magnitude(lab, edge_sigma)
        merge_threshold = merge_threshold * contrast_factor(edge_map, contrast_exponent)
        values = smooth(lab, colour_sigma)
        if texture_weight > 0:
            residual = np.sqrt(((lab - points[..., 2:]) ** 2).sum(axis=-1, keepdims=True))
            texture = smooth(residual, colour_sigma)
            values = np.concatenate([values, texture_weight * texture], axis=-1)
        labels, n = merge_regions(
            labels,
            values,
            n,
            edge_map=edge_map,
            threshold=merge_threshold,
            edge_weight=edge_weight,
            edge_power=edge_power,
            min_size=min_size,
            internal_offset=internal_offset,
        )
    sizes, modes = region_means(labels, points[..., 2:], n)
    return labels, sizes, modes.astype(np.float32)
