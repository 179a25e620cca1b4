"""Greedy hierarchical merging of adjacent regions on the region adjacency graph.

The cheapest adjacent pair is merged first, the costs of the merged region's edges
are recomputed, and merging stops when the cheapest cost exceeds a threshold. The
cost of a pair A, B is

    cost = ||mean(A) - mean(B)|| + edge_weight * contrast(A, B)

with ``mean`` the regions' mean feature vectors (e.g. colours of a smoothed image)
and ``contrast`` the mean of an edge map over the pixel pairs of their common
boundary. With an ``internal_offset`` c, the contrast is weighed against the edge
map inside the two regions, as Felzenszwalb & Huttenlocher weigh a boundary
against the regions' internal variation:

    contrast(A, B) * (1 + c) / (c + (inner(A) + inner(B)) / 2)

where ``inner`` is a region's mean edge strength over its interior (pixels more than
3 pixels from another region, so that the blurred edge itself does not count). A
faint edge between two smooth regions then counts more than the same edge inside a
texture. A pair in which a region has no interior (a fragment) keeps the plain
contrast, so that fragments go to their most similar neighbour as before. Regions
smaller than ``min_size`` merge into their cheapest neighbour whatever the cost.

Costs are re-evaluated lazily when a pair leaves the priority queue, and each merge
moves the edges of the region with fewer neighbours, so the whole merge costs
O(E log E) for E adjacent region pairs, even when one region (a sky, a wall)
borders thousands of fragments. Memory O(n + E).
The numba kernel takes arrays and numbers only; :func:`merge_regions` prepares them.
"""

from __future__ import annotations

import heapq

import numpy as np
from numba import njit, types
from numba.typed import Dict

from .unionfind import find, resolve

__all__ = ["boundary_edges", "merge_regions"]


def boundary_edges(labels, edge_map):
    """Edges of the 4-connected region adjacency graph, with their boundary statistics.

    Parameters
    ----------
    labels : (H, W) int ndarray
        Region ids 0..n-1.
    edge_map : (H, W) float ndarray
        Edge strength of every pixel; a boundary pixel pair counts the mean of its two.

    Returns
    -------
    edges : (E, 2) int64 ndarray
        Pairs (a, b), a < b, sorted.
    length : (E,) float64 ndarray
        Number of 4-adjacent pixel pairs on each boundary.
    contrast : (E,) float64 ndarray
        Sum of the edge strengths of those pairs.

    Examples
    --------
    >>> import numpy as np
    >>> labels = np.array([[0, 0, 1]]); edge_map = np.array([[0.0, 2.0, 4.0]])
    >>> e, n, c = boundary_edges(labels, edge_map)
    >>> e.tolist(), n.tolist(), c.tolist()
    ([[0, 1]], [1.0], [3.0])
    """
    labels = np.asarray(labels)
    edge_map = np.asarray(edge_map, dtype=np.float64)
    n = int(labels.max()) + 1 if labels.size else 0
    keys, strengths = [], []
    for sl_a, sl_b in (
        ((slice(None), slice(None, -1)), (slice(None), slice(1, None))),
        ((slice(None, -1), slice(None)), (slice(1, None), slice(None))),
    ):
        a = labels[sl_a]
        b = labels[sl_b]
        diff = a != b
        if not diff.any():
            continue
        u = a[diff].astype(np.int64)
        v = b[diff].astype(np.int64)
        keys.append(np.minimum(u, v) * n + np.maximum(u, v))
        strengths.append(0.5 * (edge_map[sl_a][diff] + edge_map[sl_b][diff]))
    if not keys:
        empty = np.empty(0, np.float64)
        return np.empty((0, 2), np.int64), empty, empty.copy()
    keys = np.concatenate(keys)
    unique, inverse = np.unique(keys, return_inverse=True)
    length = np.bincount(inverse, minlength=unique.size).astype(np.float64)
    contrast = np.bincount(inverse, weights=np.concatenate(strengths), minlength=unique.size)
    edges = np.stack([unique // n, unique % n], axis=1)
    return edges, length, contrast


@njit(cache=True, inline="always")
def _cost(size, sums, a, b, length, contrast, edge_weight, edge_power, inner, count, offset):
    d = 0.0
    for k in range(sums.shape[1]):
        t = sums[a, k] / size[a] - sums[b, k] / size[b]
        d += t * t
    g = contrast / length if length > 0 else 0.0
    if edge_power != 1.0:
        g = g ** (1.0 / edge_power)
    if offset > 0 and count[a] > 0 and count[b] > 0:
        g *= (1.0 + offset) / (offset + 0.5 * (inner[a] / count[a] + inner[b] / count[b]))
    return np.sqrt(d) + edge_weight * g


@njit(cache=True, inline="always")
def _key(a, b, n):
    return min(a, b) * n + max(a, b)


@njit(cache=True)
def _merge(n, edges, length, contrast, sizes, sums, threshold, edge_weight, min_size,
           edge_power, inner_sums, inner_counts, offset):
    """Greedy merging; returns the union-find parent array over the n regions.

    Pairs are merged in increasing cost while the cost is at most ``threshold`` or
    one of the two regions is smaller than ``min_size``. ``inner_sums`` and
    ``inner_counts`` hold each region's summed edge strength over its interior and
    the number of interior pixels (used when ``offset`` > 0). Costs are evaluated lazily:
    a popped pair whose cost has grown since it was queued is queued again at its
    new cost. The region with fewer neighbours is merged into the other, and a
    hash map finds duplicate edges, so a merge costs O(degree of the smaller).
    """
    nedge = edges.shape[0]
    parent = np.arange(n)
    size = sizes.astype(np.float64).copy()
    total = sums.astype(np.float64).copy()
    inner = inner_sums.astype(np.float64).copy()
    count = inner_counts.astype(np.float64).copy()
    eu = edges[:, 0].copy()
    ev = edges[:, 1].copy()
    elen = length.copy()
    ecst = contrast.copy()
    alive = np.ones(nedge, np.bool_)
    degree = np.zeros(n, np.int64)
    lookup = Dict.empty(key_type=types.int64, value_type=types.int64)
    # adjacency as linked lists of edge slots: slot 2e sits in eu[e]'s list, 2e+1 in ev[e]'s
    head = np.full(n, -1, np.int64)
    tail = np.full(n, -1, np.int64)
    nxt = np.full(2 * nedge, -1, np.int64)
    heap = [(0.0, np.int64(0))]
    heap.pop()
    for e in range(nedge):
        lookup[_key(eu[e], ev[e], n)] = e
        for side in range(2):
            slot = 2 * e + side
            r = eu[e] if side == 0 else ev[e]
            degree[r] += 1
            if head[r] < 0:
                head[r] = slot
            else:
                nxt[tail[r]] = slot
            tail[r] = slot
        heap.append((_cost(size, total, eu[e], ev[e], elen[e], ecst[e], edge_weight,
                           edge_power, inner, count, offset), e))
    heapq.heapify(heap)
    while len(heap) > 0:
        c, e = heapq.heappop(heap)
        if not alive[e]:
            continue
        a = find(parent, eu[e])
        b = find(parent, ev[e])
        now = _cost(size, total, a, b, elen[e], ecst[e], edge_weight, edge_power,
                    inner, count, offset)
        if now > c * (1.0 + 1e-9) + 1e-12:
            heapq.heappush(heap, (now, e))
            continue
        if size[a] >= min_size and size[b] >= min_size and now > threshold:
            continue
        # merge o (fewer neighbours) into r
        if degree[a] < degree[b] or (degree[a] == degree[b] and a > b):
            o, r = a, b
        else:
            o, r = b, a
        alive[e] = False
        del lookup[_key(a, b, n)]
        degree[r] -= 1
        degree[o] -= 1
        parent[o] = r
        size[r] += size[o]
        inner[r] += inner[o]
        count[r] += count[o]
        for k in range(total.shape[1]):
            total[r, k] += total[o, k]
        slot = head[o]
        while slot >= 0:
            f = slot >> 1
            if alive[f]:
                x = find(parent, eu[f])
                y = find(parent, ev[f])
                other = y if x == r else x
                del lookup[_key(o, other, n)]
                key = _key(r, other, n)
                if key in lookup:
                    g = lookup[key]
                    elen[g] += elen[f]
                    ecst[g] += ecst[f]
                    alive[f] = False
                    degree[other] -= 1
                    heapq.heappush(heap, (_cost(size, total, r, other, elen[g], ecst[g],
                                                edge_weight, edge_power, inner, count, offset), g))
                else:
                    lookup[key] = f
                    degree[r] += 1
                    heapq.heappush(heap, (_cost(size, total, r, other, elen[f], ecst[f],
                                                edge_weight, edge_power, inner, count, offset), f))
            slot = nxt[slot]
        degree[o] = 0
        if head[o] >= 0:
            if head[r] < 0:
                head[r] = head[o]
            else:
                nxt[tail[r]] = head[o]
            tail[r] = tail[o]
            head[o] = -1
            tail[o] = -1
    return parent


def _interior_sums(labels, edge_map, n, margin=3):
    """Per region, the sum of `edge_map` over its interior pixels (those more than
    `margin` pixels, chessboard distance, from another region) and their number, so
    that the blurred edges along its boundary do not count as internal variation."""
    import cv2

    border = np.zeros(labels.shape, bool)
    step_x = labels[:, 1:] != labels[:, :-1]
    step_y = labels[1:] != labels[:-1]
    border[:, 1:] |= step_x
    border[:, :-1] |= step_x
    border[1:] |= step_y
    border[:-1] |= step_y
    distance = cv2.distanceTransform((~border).astype(np.uint8), cv2.DIST_C, 3)
    inside = (distance > margin).ravel()
    flat = labels.ravel()[inside]
    weights = np.asarray(edge_map, np.float64).ravel()[inside]
    return (np.bincount(flat, weights=weights, minlength=n),
            np.bincount(flat, minlength=n).astype(np.float64))


def merge_regions(labels, values, n, *, edge_map, threshold, edge_weight=1.0, min_size=0,
                  edge_power=1.0, internal_offset=None):
    """Merge adjacent regions greedily, cheapest pair first (see the module docstring).

    Parameters
    ----------
    labels : (H, W) int ndarray
        Region ids 0..n-1.
    values : (H, W, C) float ndarray
        Per-pixel features whose region means are compared.
    n : int
        Number of regions.
    edge_map : (H, W) float ndarray
        Edge strength of every pixel, for the boundary contrast.
    threshold : float
        Stop when the cheapest pair of regions of at least `min_size` pixels costs
        more than this.
    edge_weight : float, optional
        Weight of the boundary contrast in the cost.
    min_size : int, optional
        Regions smaller than this merge into their cheapest neighbour past the threshold.
    edge_power : float, optional
        The boundary contrast is the power mean of this order of `edge_map`.
    internal_offset : float or None, optional
        If given (> 0), weigh the boundary contrast against the mean of `edge_map`
        inside the two regions (see the module docstring); ``None`` does not.

    Returns
    -------
    labels : (H, W) int32 ndarray
        Relabelled 0..m-1 in raster order.
    m : int

    Examples
    --------
    >>> import numpy as np
    >>> labels = np.array([[0, 1, 2]]); values = np.array([[[0.0], [1.0], [30.0]]])
    >>> merge_regions(labels, values, 3, edge_map=np.zeros((1, 3)), threshold=5.0)[0].tolist()
    [[0, 0, 1]]
    """
    from .regions import region_means, relabel_raster

    if edge_power != 1.0:
        edge_map = np.asarray(edge_map, dtype=np.float64) ** edge_power
    edges, length, contrast = boundary_edges(labels, edge_map)
    sizes, means = region_means(labels, values, n)
    if internal_offset is None:
        offset, inner, count = 0.0, np.zeros(n), np.zeros(n)
    else:
        offset = float(internal_offset)
        if not offset > 0:
            raise ValueError(f"internal_offset must be positive or None; got {internal_offset!r}")
        inner, count = _interior_sums(labels, edge_map, n)
    parent = _merge(
        n, edges, length, contrast, sizes, means * sizes[:, None], float(threshold),
        float(edge_weight), float(min_size), float(edge_power), inner, count, offset,
    )
    roots = np.empty_like(parent)
    resolve(parent, roots)
    return relabel_raster(roots[labels])

