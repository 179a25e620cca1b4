"""Grouping: convergence points -> connected groups of pixels.

Following Comaniciu & Meer (2002, section 5) and EDISON, 8-connected pixels whose
convergence points are closer than ``0.35 h_r`` in range share a group. The rule
links neighbour to neighbour (single linkage), so across a soft edge the modes can
chain; below the paper's ``h_r / 2`` that happens less, and the merging
(:mod:`segment.merging`) joins what the lower threshold splits. Requiring spatial
closeness as well, as the paper does, splits large flat regions and lowers the
BSDS500 scores (``benchmarks/README.md``).

The compiled kernel lives in ``src/native/grouping.cpp``.
"""

from __future__ import annotations

import numpy as np

from . import _native
from .labels import relabel_raster

__all__ = ["group_modes", "GROUPING_FRACTION"]

#: Neighbours whose convergence points are closer in range than this fraction of
#: h_r are grouped.
GROUPING_FRACTION = 0.35

#: Strips the grouping links in parallel (the result does not depend on it).
_STRIPS = 8


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
    # the root (smallest pixel index) of every pixel's group; horizontal strips are
    # linked in parallel, each within itself, then the seams between them in turn,
    # and the roots do not depend on the strips
    roots = _native.group_pixels(points, float(range_threshold) ** 2, _STRIPS)
    return relabel_raster(roots.reshape(points.shape[:2]))
