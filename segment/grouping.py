"""Grouping: convergence points -> connected groups of pixels.

Following Comaniciu & Meer (2002, section 5) and EDISON, 8-connected pixels whose
convergence points are closer than ``0.35 h_r`` in range share a group. The rule
links neighbour to neighbour (single linkage), so across a soft edge the modes can
chain; below the paper's ``h_r / 2`` that happens less, and the merging
(:mod:`segment.merging`) joins what the lower threshold splits. Requiring spatial
closeness as well, as the paper does, splits large flat regions and lowers the
BSDS500 scores (``benchmarks/README.md``).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .labels import find, relabel_raster

__all__ = ["group_modes", "GROUPING_FRACTION"]

#: Neighbours whose convergence points are closer in range than this fraction of
#: h_r are grouped.
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
