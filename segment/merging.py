"""Greedy merging of adjacent regions on the region adjacency graph.

The most similar adjacent pair is merged first, the costs of the merged region's
edges are recomputed, and merging stops when the cheapest cost exceeds a threshold.
The cost of a pair is the probability, estimated by a logistic model
(:mod:`segment.merge_cost`), that the two regions belong to *different* objects.
Regions smaller than ``min_size`` merge into their cheapest neighbour whatever the
cost.

The queue is lazy. Every boundary is queued once at its initial cost; the entry of
least cost leaves the queue, and if the pair's cost is now higher it is queued again
at that cost, else the pair merges if it may and is dropped if it may not. A merge
moves the boundaries of the region with fewer neighbours to the other, fuses a
moved boundary with an existing one to the same neighbour, and queues each moved
or fused boundary at its new cost; the survivor's other boundaries keep their
entries. So the whole merge costs O(E log E) for E adjacent region pairs, even when
one region (a sky, a wall) borders thousands of fragments. Memory O(n + E).
``tests/reference_merge.py`` states the same rules over statistics recomputed from
the pixels at every step, and the tests hold the two to the same partitions.
The compiled kernel (``src/native/merging.cpp``) takes arrays and numbers only;
:func:`merge_regions` prepares them.
"""

from __future__ import annotations

import numpy as np

from . import _native
from .labels import relabel_raster
from .merge_cost import check_merge_inputs, kernel_inputs
from .region_graph import boundary_edges, interior_sums, region_totals

__all__ = ["merge_regions", "merge_hierarchy"]


def _merge(n, edges, length, contrast, sizes, sums, threshold, min_size, inner_sums,
           inner_counts, area, coef):
    """Greedy merging by the kernel in ``src/native/merging.cpp``; returns the region
    (a root id) of every one of the n regions, and the merges in order: the region
    merged away, the region it joined, the cost.

    Pairs are merged in increasing cost while the cost is at most ``threshold`` or
    one of the two regions is smaller than ``min_size``. ``inner_sums`` and
    ``inner_counts`` hold each region's summed edge strength over its interior and
    the number of interior pixels; ``area`` is the image's pixel count and ``coef``
    the cost's coefficients. Costs are evaluated lazily:
    a popped pair whose cost has grown since it was queued is queued again at its
    new cost; pairs of equal cost leave the queue in the order of their edges. The
    region with fewer neighbours is merged into the other, and a hash map finds
    duplicate edges, so a merge costs O(degree of the smaller).
    """
    edges, length, contrast, sizes, sums, inner_sums, inner_counts = kernel_inputs(
        edges, length, contrast, sizes, sums, inner_sums, inner_counts)
    return _native.merge(int(n), edges, length, contrast, sizes, sums, float(threshold),
                         float(min_size), inner_sums, inner_counts, float(area),
                         np.ascontiguousarray(coef, dtype=np.float64))


def merge_regions(labels, values, n, *, edge_map, threshold, min_size=0, coefficients=None):
    """Merge adjacent regions greedily, most similar pair first (see the module docstring).

    Parameters
    ----------
    labels : (H, W) int ndarray
        Region ids 0..n-1.
    values : (H, W, C) float ndarray
        Per-pixel colour channels (C - 1 of them, CIE Lab) and, last, texture energy;
        the regions' means of these are compared.
    n : int
        Number of regions.
    edge_map : (H, W) float ndarray
        Edge strength of every pixel, for the boundary contrast.
    threshold : float
        Stop when the cheapest pair of regions of at least `min_size` pixels costs
        more than this: the probability, in [0, 1], that the two belong to different
        objects.
    min_size : int, optional
        Regions smaller than this merge into their cheapest neighbour past the threshold.
    coefficients : sequence of float, optional
        Intercept and one coefficient per feature of
        :data:`segment.merge_cost.PAIR_FEATURES` of the logit of the probability that
        a pair belongs to one object; default :data:`segment.merge_cost.MERGE_COEFFICIENTS`.

    Returns
    -------
    labels : (H, W) int32 ndarray
        Relabelled 0..m-1 in raster order.
    m : int

    Examples
    --------
    >>> import numpy as np
    >>> labels = np.array([[0, 1, 2]])
    >>> values = np.zeros((1, 3, 4)); values[0, :, 0] = [40.0, 41.0, 90.0]
    >>> merge_regions(labels, values, 3, edge_map=np.zeros((1, 3)), threshold=0.5)[0].tolist()
    [[0, 0, 1]]
    """
    labels, values, coef = check_merge_inputs(labels, values, edge_map, coefficients)
    edges, length, contrast = boundary_edges(labels, edge_map)
    sizes, sums = region_totals(labels, values, n)
    inner, count = interior_sums(labels, edge_map, n)
    roots, _, _, _ = _merge(n, edges, length, contrast, sizes, sums, threshold, min_size,
                            inner, count, labels.size, coef)
    return relabel_raster(roots[labels])


def _without(region, edges, length, contrast):
    """The edges, boundary lengths and contrasts of the pairs not involving `region`."""
    if region is None:
        return edges, length, contrast
    keep = (edges[:, 0] != region) & (edges[:, 1] != region)
    return edges[keep], length[keep], contrast[keep]


def merge_hierarchy(labels, values, n, *, edge_map, min_size=0, coefficients=None,
                    outside=None):
    """Prune regions smaller than `min_size`, then merge all the way to one region,
    recording every merge: the hierarchy that every ``merge_threshold`` cuts.

    The pruning is :func:`merge_regions` with ``threshold=0``: regions smaller than
    `min_size` merge into their cheapest neighbour, in the queue's order. The
    regions left are the finest level; the merging then runs on them with no
    threshold, in the same lazy order, until one region is left.

    Parameters
    ----------
    labels, values, n, edge_map, min_size, coefficients
        As for :func:`merge_regions`.
    outside : int, optional
        A region of `labels` that takes no part: the pixels outside a mask. It
        borders no other region in the graph, so it never merges.

    Returns
    -------
    finest : (H, W) int32 ndarray
        The finest level, region ids 0..m-1 in raster order (`outside` among them).
    m : int
    merged, into : (m - 1,) int64 ndarray
        The merges in order: region ``merged[i]`` (a finest id, or the id its set
        carries) joins region ``into[i]``.
    costs : (m - 1,) float64 ndarray
        The cost of each merge, the probability in [0, 1] that the two belong to
        different objects. Costs need not increase: see
        :class:`segment.hierarchy.Hierarchy` for the levels.

    Examples
    --------
    >>> import numpy as np
    >>> labels = np.array([[0, 1, 2]])
    >>> values = np.zeros((1, 3, 4)); values[0, :, 0] = [40.0, 41.0, 90.0]
    >>> finest, m, merged, into, costs = merge_hierarchy(
    ...     labels, values, 3, edge_map=np.zeros((1, 3)))
    >>> finest.tolist(), m, len(costs), bool(costs[0] <= costs[1])
    ([[0, 1, 2]], 3, 2, True)
    """
    labels, values, coef = check_merge_inputs(labels, values, edge_map, coefficients)
    edges, length, contrast = _without(outside, *boundary_edges(labels, edge_map))
    sizes, sums = region_totals(labels, values, n)
    inner, count = interior_sums(labels, edge_map, n)
    area = float(labels.size if outside is None else labels.size - sizes[outside])
    if min_size > 1 and n > 1:
        roots, _, _, _ = _merge(n, edges, length, contrast, sizes, sums, 0.0, min_size,
                                inner, count, area, coef)
        finest, m = relabel_raster(roots[labels])
        region_of = np.zeros(n, np.int64)
        region_of[labels.ravel()] = finest.ravel()
        # the finest level's statistics, summed from the groups' (interiors stay the
        # groups', as while merging)
        sizes = np.bincount(region_of, weights=sizes, minlength=m)
        sums = np.stack([np.bincount(region_of, weights=sums[:, k], minlength=m)
                         for k in range(sums.shape[1])], axis=1)
        inner = np.bincount(region_of, weights=inner, minlength=m)
        count = np.bincount(region_of, weights=count, minlength=m)
        outside = None if outside is None else int(region_of[outside])
        edges, length, contrast = _without(outside, *boundary_edges(finest, edge_map))
    else:
        finest, m = relabel_raster(labels)
        order = np.zeros(n, np.int64)
        order[labels.ravel()] = finest.ravel()
        inverse = np.argsort(order)
        sizes, sums, inner, count = sizes[inverse], sums[inverse], inner[inverse], count[inverse]
        outside = None if outside is None else int(order[outside])
        edges, length, contrast = _without(outside, *boundary_edges(finest, edge_map))
    _, merged, into, costs = _merge(m, edges, length, contrast, sizes, sums, 1.0, 0.0,
                                    inner, count, area, coef)
    return finest, m, merged, into, costs
