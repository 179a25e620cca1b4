"""Regions: convergence points -> labels.

Three steps, after Comaniciu & Meer (2002, section 5) and EDISON:

1. **Grouping**: neighbouring pixels (8-connectivity) whose convergence points lie
   within ``h_s`` of each other spatially and ``h_r`` in range share a region.
2. **Fusion**: adjacent regions whose modes (the mean convergence point of their
   pixels) are closer than ``h_r`` in range are fused, repeatedly, until no pair is
   (EDISON's transitive closure).
3. **Pruning**: every region smaller than ``min_size`` pixels is merged into the
   adjacent region with the closest mode, until none is left.

Labels are finally renumbered 0..n-1 in raster order of first appearance.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "group_modes",
    "relabel_raster",
    "region_adjacency",
    "region_means",
    "fuse_regions",
    "prune_regions",
    "form_regions",
]


@njit(cache=True, inline="always")
def _find(parent, i):
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:
        nxt = parent[i]
        parent[i] = root
        i = nxt
    return root


@njit(cache=True, inline="always")
def _union(parent, a, b):
    ra = _find(parent, a)
    rb = _find(parent, b)
    if ra == rb:
        return False
    if ra < rb:
        parent[rb] = ra
    else:
        parent[ra] = rb
    return True


@njit(cache=True)
def _group_pixels(points, hs2, hr2):
    height, width, ndim = points.shape
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
                ds = 0.0
                for k in range(2):
                    t = points[row, col, k] - points[r2, c2, k]
                    ds += t * t
                if ds > hs2:
                    continue
                dr2 = 0.0
                for k in range(2, ndim):
                    t = points[row, col, k] - points[r2, c2, k]
                    dr2 += t * t
                if dr2 < hr2:
                    _union(parent, i, r2 * width + c2)
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


def group_modes(points, spatial_bandwidth, range_bandwidth):
    """Group 8-connected pixels whose convergence points are close (step 1).

    Parameters
    ----------
    points : (H, W, 2 + C) float32 ndarray
        Convergence points (x, y, range...) from :func:`segment.meanshift.seek_modes`.
    spatial_bandwidth, range_bandwidth : float
        Two neighbours join when their points are within `spatial_bandwidth`
        spatially and closer than `range_bandwidth` in range.

    Returns
    -------
    labels : (H, W) int32 ndarray
        Labels 0..n-1 in raster order.
    n : int

    Examples
    --------
    >>> import numpy as np
    >>> pts = np.zeros((2, 4, 3), np.float32); pts[:, 2:, 2] = 50
    >>> labels, n = group_modes(pts, 5, 10)
    >>> labels.tolist(), n
    ([[0, 0, 1, 1], [0, 0, 1, 1]], 2)
    """
    points = np.ascontiguousarray(points, dtype=np.float32)
    parent = _group_pixels(points, float(spatial_bandwidth) ** 2, float(range_bandwidth) ** 2)
    height, width = points.shape[:2]
    roots = np.empty_like(parent)
    _resolve(parent, roots)
    return relabel_raster(roots.reshape(height, width))


@njit(cache=True)
def _resolve(parent, roots):
    for i in range(parent.size):
        roots[i] = _find(parent, i)


def region_adjacency(labels):
    """Unique pairs (a, b), a < b, of 8-adjacent labels.

    Examples
    --------
    >>> import numpy as np
    >>> region_adjacency(np.array([[0, 1], [2, 2]])).tolist()
    [[0, 1], [0, 2], [1, 2]]
    """
    labels = np.asarray(labels)
    pairs = []
    for a, b in (
        (labels[:, :-1], labels[:, 1:]),
        (labels[:-1, :], labels[1:, :]),
        (labels[:-1, :-1], labels[1:, 1:]),
        (labels[:-1, 1:], labels[1:, :-1]),
    ):
        diff = a != b
        if diff.any():
            u = a[diff].astype(np.int64)
            v = b[diff].astype(np.int64)
            pairs.append(np.stack([np.minimum(u, v), np.maximum(u, v)], axis=1))
    if not pairs:
        return np.empty((0, 2), np.int64)
    pairs = np.concatenate(pairs)
    n = int(labels.max()) + 1
    keys = np.unique(pairs[:, 0] * n + pairs[:, 1])
    return np.stack([keys // n, keys % n], axis=1)


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


@njit(cache=True)
def _fuse_pass(edges, sizes, sums, threshold2):
    """Union regions joined by an edge whose mode distance² < threshold2.

    Modes are recomputed as regions merge; returns (parent, merged?)."""
    n = sizes.size
    parent = np.arange(n)
    size = sizes.astype(np.float64).copy()
    total = sums.copy()
    merged = False
    for e in range(edges.shape[0]):
        a = _find(parent, edges[e, 0])
        b = _find(parent, edges[e, 1])
        if a == b:
            continue
        d = 0.0
        for k in range(total.shape[1]):
            t = total[a, k] / size[a] - total[b, k] / size[b]
            d += t * t
        if d < threshold2:
            _union(parent, a, b)
            r = _find(parent, a)
            o = b if r == a else a
            size[r] += size[o]
            for k in range(total.shape[1]):
                total[r, k] += total[o, k]
            merged = True
    return parent, merged


@njit(cache=True)
def _prune_pass(edges, sizes, sums, min_size):
    """Merge every region smaller than min_size into its closest-mode neighbour."""
    n = sizes.size
    parent = np.arange(n)
    size = sizes.astype(np.float64).copy()
    total = sums.copy()
    # order the small regions by size, smallest first, ties by label
    order = np.argsort(sizes, kind="mergesort")
    # adjacency in CSR form
    deg = np.zeros(n + 1, np.int64)
    for e in range(edges.shape[0]):
        deg[edges[e, 0] + 1] += 1
        deg[edges[e, 1] + 1] += 1
    for i in range(n):
        deg[i + 1] += deg[i]
    fill = deg[:-1].copy()
    nbr = np.empty(deg[n], np.int64)
    for e in range(edges.shape[0]):
        a = edges[e, 0]
        b = edges[e, 1]
        nbr[fill[a]] = b
        fill[a] += 1
        nbr[fill[b]] = a
        fill[b] += 1
    merged = False
    for idx in range(n):
        u = order[idx]
        if sizes[u] >= min_size:
            break
        ru = _find(parent, u)
        if size[ru] >= min_size:
            continue
        best = -1
        best_d = np.inf
        for j in range(deg[u], deg[u + 1]):
            rv = _find(parent, nbr[j])
            if rv == ru:
                continue
            d = 0.0
            for k in range(total.shape[1]):
                t = total[ru, k] / size[ru] - total[rv, k] / size[rv]
                d += t * t
            if d < best_d or (d == best_d and rv < best):
                best_d = d
                best = rv
        if best < 0:
            continue
        _union(parent, ru, best)
        r = _find(parent, ru)
        o = best if r == ru else ru
        size[r] += size[o]
        for k in range(total.shape[1]):
            total[r, k] += total[o, k]
        merged = True
    return parent, merged


def _apply(labels, parent):
    roots = np.empty_like(parent)
    _resolve(parent, roots)
    return relabel_raster(roots[labels])


def fuse_regions(labels, values, n, range_bandwidth, *, max_passes=20):
    """Fuse adjacent regions whose mean `values` are closer than `range_bandwidth` (step 2).

    Examples
    --------
    >>> import numpy as np
    >>> labels = np.array([[0, 1, 2]]); values = np.array([[[0.], [3.], [20.]]])
    >>> fuse_regions(labels, values, 3, 5)[0].tolist()
    [[0, 0, 1]]
    """
    threshold2 = float(range_bandwidth) ** 2
    for _ in range(max_passes):
        sizes, means = region_means(labels, values, n)
        edges = region_adjacency(labels)
        parent, merged = _fuse_pass(edges, sizes, means * sizes[:, None], threshold2)
        if not merged:
            break
        labels, n = _apply(labels, parent)
    return labels, n


def prune_regions(labels, values, n, min_size):
    """Merge regions smaller than `min_size` into the adjacent region of closest mean (step 3).

    Examples
    --------
    >>> import numpy as np
    >>> labels = np.array([[0, 0, 0, 1, 2, 2, 2]])
    >>> values = np.array([[[0.], [0.], [0.], [8.], [9.], [9.], [9.]]])
    >>> prune_regions(labels, values, 3, 2)[0].tolist()
    [[0, 0, 0, 1, 1, 1, 1]]
    """
    if min_size <= 1:
        return labels, n
    while n > 1:
        sizes, means = region_means(labels, values, n)
        if sizes.min() >= min_size:
            break
        edges = region_adjacency(labels)
        parent, merged = _prune_pass(edges, sizes, means * sizes[:, None], int(min_size))
        if not merged:
            break
        labels, n = _apply(labels, parent)
    return labels, n


def form_regions(points, spatial_bandwidth, range_bandwidth, min_size):
    """Convergence points -> region labels, sizes and modes (steps 1-3).

    Parameters
    ----------
    points : (H, W, 2 + C) float32 ndarray
        Convergence points (x, y, range...).
    spatial_bandwidth, range_bandwidth : float
        h_s (pixels) and h_r (range units).
    min_size : int
        Smallest region kept, in pixels.

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
    >>> labels, sizes, modes = form_regions(pts, 7, 6.5, 2)
    >>> labels[0].tolist(), sizes.tolist(), modes.ravel().tolist()
    ([0, 0, 0, 1, 1, 1], [9, 9], [0.0, 40.0])
    """
    values = points[..., 2:]
    labels, n = group_modes(points, spatial_bandwidth, range_bandwidth)
    labels, n = fuse_regions(labels, values, n, range_bandwidth)
    labels, n = prune_regions(labels, values, n, min_size)
    sizes, modes = region_means(labels, values, n)
    return labels, sizes, modes.astype(np.float32)
