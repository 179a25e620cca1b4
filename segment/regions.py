"""Regions: convergence points -> region labels, sizes and mode colours.

1. **Grouping** (:mod:`segment.grouping`): 8-connected pixels whose convergence
   points are closer than ``0.35 h_r`` in range share a group.
2. **Pruning**: groups smaller than ``min_size`` merge into their most similar
   neighbour (:func:`segment.merging.merge_hierarchy`); the regions left are the
   finest level of the hierarchy.
3. **The hierarchy** (:mod:`segment.merging`, :mod:`segment.hierarchy`): adjacent
   regions are merged greedily, the most similar pair first, to a single region;
   a logistic model fitted on the BSDS500 train images (:mod:`segment.merge_cost`)
   gives each pair a probability of belonging to different objects. The model weighs
   the difference of the regions' mean colours and texture energy, taken on a
   lightly smoothed image so that fragments of one texture look alike
   (:func:`segment.region_graph.appearance`), the colour contrast along their
   common boundary against the contrast inside them, and their sizes.
4. **The cut**: the merges of level at most ``merge_threshold`` are kept.

Labels are finally renumbered 0..n-1 in raster order of first appearance.
"""

from __future__ import annotations

import numpy as np

from .filters import gradient_magnitude
from .grouping import GROUPING_FRACTION, group_modes
from .hierarchy import Hierarchy
from .labels import region_sums, relabel_raster, relabel_through
from .merging import merge_hierarchy
from .region_graph import COLOUR_SIGMA, appearance

__all__ = ["form_regions", "region_hierarchy", "cut_regions", "EDGE_SIGMA"]

#: Gaussian sigma (pixels) before the gradient that measures boundary contrast.
EDGE_SIGMA = 2.0


def region_hierarchy(points, lab, range_bandwidth, min_size, *, colour_sigma=COLOUR_SIGMA,
                     edge_sigma=EDGE_SIGMA, grouping=GROUPING_FRACTION, coefficients=None,
                     mask=None):
    """Convergence points -> the finest regions and their merge hierarchy.

    Groups the points (:func:`segment.grouping.group_modes`), prunes groups
    smaller than `min_size` and records the merging to one region
    (:func:`segment.merging.merge_hierarchy`).

    Parameters
    ----------
    points : (H, W, 2 + C) float32 ndarray
        Convergence points (x, y, range...).
    lab : (H, W, C) float32 ndarray
        The image in CIE Lab (or L alone), for region colours and boundary contrast.
    range_bandwidth : float
        h_r (Lab units): neighbours whose points are closer than ``grouping * h_r``
        are grouped.
    min_size : int
        Smallest region of the finest level, in pixels.
    colour_sigma, edge_sigma : float, optional
        Gaussian sigmas (pixels) of the image whose region means are compared and of
        the image whose gradient measures boundary contrast.
    grouping : float, optional
        Grouping threshold, as a fraction of h_r.
    coefficients : sequence of float, optional
        The merging cost's coefficients (:data:`segment.merge_cost.MERGE_COEFFICIENTS`).
    mask : (H, W) bool ndarray, optional
        The pixels to segment; those outside form one region of the finest level,
        ``hierarchy.background``, that never merges (their points must lie far from
        every colour, as :func:`segment.meanshift.seek_modes` leaves them).

    Returns
    -------
    finest : (H, W) int32 ndarray
        The finest level's region ids 0..m-1, in raster order.
    hierarchy : Hierarchy
    sizes : (m,) int64 ndarray
        Pixels of each finest region.
    point_sums : (m, C) float64 ndarray
        Summed range values of the convergence points of each finest region.
    """
    labels, n = group_modes(points, grouping * range_bandwidth)
    outside = None
    if mask is not None:
        labels[~mask] = n  # one region, whatever groups the far points formed
        labels, n = relabel_raster(labels)
        outside = int(labels[~mask].flat[0])
    finest, m, merged, into, costs = merge_hierarchy(
        labels, appearance(points, lab, colour_sigma, mask), n,
        edge_map=gradient_magnitude(lab, edge_sigma), min_size=min_size,
        coefficients=coefficients, outside=outside,
    )
    sizes, point_sums = region_sums(finest, points[..., 2:], m)
    background = -1 if mask is None else int(finest[~mask].flat[0])
    return finest, Hierarchy(m, merged, into, costs, background), sizes, point_sums


def cut_regions(finest, hierarchy, sizes, point_sums, steps, counts=None):
    """The regions after the hierarchy's first `steps` merges.

    Parameters
    ----------
    finest : (H, W) int ndarray
        The finest region (a hierarchy id) of every pixel.
    hierarchy : Hierarchy
    sizes : (m,) int64 ndarray
        Pixels of each finest region in `finest`.
    point_sums : (m, C) float64 ndarray
        Summed range values of the convergence points of each finest region.
    steps : int
    counts : (m,) int64 ndarray, optional
        The number of convergence points behind `point_sums` (on a reduced working
        copy, its pixels); `sizes` by default.

    Returns
    -------
    labels : (H, W) int32 ndarray
        Region ids 0..n-1 in raster order of first appearance; -1 outside the mask
        (the hierarchy's background region), which `sizes` and `modes` leave out.
    sizes : (n,) int64 ndarray
    modes : (n, C) float32 ndarray
        Mean range value of the convergence points of each region.
    """
    counts = sizes if counts is None else counts
    roots = hierarchy.regions(steps).astype(np.int32)
    # labels: the root of every pixel's finest region, renumbered in raster order
    labels, n, lut = relabel_through(finest, roots)
    region_of = lut[roots]  # -1 where no pixel of the region is left in `finest`
    present = region_of >= 0
    into = region_of[present]

    def total(values):
        return np.bincount(into, weights=values[present], minlength=n)

    cut_sizes = total(sizes).astype(np.int64)
    cut_counts = total(counts)
    sums = np.stack([total(point_sums[:, k]) for k in range(point_sums.shape[1])], axis=1)
    modes = (sums / np.maximum(cut_counts, 1)[:, None]).astype(np.float32)
    if hierarchy.background >= 0:
        # the pixels outside the mask: -1, and the regions after them one id lower
        outside = region_of[hierarchy.background]
        keep = np.arange(n) != outside
        background = labels == outside
        labels = labels - (labels > outside).astype(np.int32)
        labels[background] = -1
        cut_sizes, modes = cut_sizes[keep], modes[keep]
    return labels, cut_sizes, modes


def form_regions(points, lab, range_bandwidth, min_size, merge_threshold, **options):
    """Convergence points -> region labels, sizes and modes: the merge hierarchy of
    :func:`region_hierarchy` cut at `merge_threshold`.

    Parameters
    ----------
    points, lab, range_bandwidth, min_size
        As for :func:`region_hierarchy`.
    merge_threshold : float
        Merges of level (:class:`segment.hierarchy.Hierarchy`) at most this, in
        [0, 1], are kept; 0 keeps the finest level.
    **options
        `colour_sigma`, `edge_sigma`, `grouping`, `coefficients` of
        :func:`region_hierarchy`.

    Returns
    -------
    labels, sizes, modes
        As from :func:`cut_regions`.

    Examples
    --------
    >>> import numpy as np
    >>> pts = np.zeros((3, 6, 3), np.float32); pts[..., 0] = np.arange(6)
    >>> pts[:, 3:, 2] = 40
    >>> labels, sizes, modes = form_regions(pts, pts[..., 2:], 6.5, 2, 0.5)
    >>> labels[0].tolist(), sizes.tolist(), modes.ravel().tolist()
    ([0, 0, 0, 1, 1, 1], [9, 9], [0.0, 40.0])
    """
    finest, hierarchy, sizes, point_sums = region_hierarchy(points, lab, range_bandwidth,
                                                            min_size, **options)
    return cut_regions(finest, hierarchy, sizes, point_sums,
                       hierarchy.steps(threshold=merge_threshold))
