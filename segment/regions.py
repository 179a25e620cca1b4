"""Regions: convergence points -> region labels, sizes and mode colours.

1. **Grouping** (:mod:`segment.grouping`): 8-connected pixels whose convergence
   points are closer than ``0.35 h_r`` in range share a group.
2. **Fusion and pruning** (:mod:`segment.merging`): adjacent groups are merged
   greedily, the most similar pair first, while a logistic model fitted on the
   BSDS500 train images (:mod:`segment.merge_cost`) gives them a probability of
   belonging to different objects of at most ``merge_threshold``. The model weighs
   the difference of the regions' mean colours and texture energy, taken on a
   lightly smoothed image so that fragments of one texture look alike
   (:func:`segment.region_graph.appearance`), the colour contrast along their
   common boundary against the contrast inside them, and their sizes. Regions
   smaller than ``min_size`` keep merging into their most similar neighbour.

Labels are finally renumbered 0..n-1 in raster order of first appearance.
"""

from __future__ import annotations

import numpy as np

from .filters import gradient_magnitude
from .grouping import GROUPING_FRACTION, group_modes
from .labels import region_means
from .merging import merge_regions
from .region_graph import COLOUR_SIGMA, appearance

__all__ = ["form_regions", "EDGE_SIGMA"]

#: Gaussian sigma (pixels) before the gradient that measures boundary contrast.
EDGE_SIGMA = 2.0


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
        The merging cost's coefficients (:data:`segment.merge_cost.MERGE_COEFFICIENTS`).

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
    labels, n = group_modes(points, grouping * range_bandwidth)
    if n > 1 and (merge_threshold > 0 or min_size > 1):
        labels, n = merge_regions(
            labels,
            appearance(points, lab, colour_sigma),
            n,
            edge_map=gradient_magnitude(lab, edge_sigma),
            threshold=merge_threshold,
            min_size=min_size,
            coefficients=coefficients,
        )
    sizes, modes = region_means(labels, points[..., 2:], n)
    return labels, sizes, modes.astype(np.float32)
