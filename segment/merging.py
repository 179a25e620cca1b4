"""Greedy hierarchical merging of adjacent regions on the region adjacency graph.

The most similar adjacent pair is merged first, the costs of the merged region's
edges are recomputed, and merging stops when the cheapest cost exceeds a threshold.
The cost of a pair A, B is the probability, estimated by a logistic model, that A and
B belong to *different* objects:

    cost = 1 / (1 + exp(c0 + sum_i c_i f_i(A, B)))

over the pair features :data:`FEATURES`, all computed from running sums so that a
merge updates them in O(1):

- the difference of the regions' mean colours (CIE Lab of a lightly smoothed image:
  the whole distance, lightness alone, chroma alone) and of their mean *texture
  energy* (the last channel of ``values``), a joint distance of the two,
  ``sqrt(colour² + (6 texture)²)``, and the mean texture energy itself;
- the boundary contrast: the mean of an edge map over the pixel pairs of their
  common boundary, as it is and weighed against the edge map inside the two regions,
  ``contrast * 3 / (2 + interior)``, so that a faint edge between smooth regions
  counts more than the same edge inside a texture (the interior is the pixels more
  than 3 pixels from another region of the initial partition, so that the blurred
  edge itself does not count; a fragment with no interior keeps the plain contrast);
- the sizes of the two regions and the length of their boundary.

Every difference, contrast and texture energy enters as log(1 + x).

The coefficients :data:`MERGE_COEFFICIENTS` were fitted by logistic regression
(``benchmarks/fit_merging.py``) on pairs of adjacent regions met while merging the
BSDS500 *train* images, each pair labelled by whether most of the human
segmentations put a random pixel of A and a random pixel of B in one segment, and
weighted by |A| |B| (what a merge changes in the Rand index). Regions smaller than
``min_size`` merge into their cheapest neighbour whatever the cost.

Costs are re-evaluated lazily when a pair leaves the priority queue, and each merge
moves the edges of the region with fewer neighbours, so the whole merge costs
O(E log E) for E adjacent region pairs, even when one region (a sky, a wall)
borders thousands of fragments. Memory O(n + E).
The numba kernels take arrays and numbers only; :func:`merge_regions` prepares them.
"""

from __future__ import annotations

import heapq
import math

import numpy as np
from numba import njit, prange, types
from numba.typed import Dict

from .unionfind import find, resolve

__all__ = ["boundary_edges", "merge_regions", "pair_features", "FEATURES", "MERGE_COEFFICIENTS"]

#: Names of the pair features of the merging cost, in the order of the coefficients.
#: Every difference and contrast enters as log(1 + value), so that the cost grows
#: with each of them however far beyond the training data a picture goes; sizes
#: and lengths are relative to the image (area, or its square root).
FEATURES = (
    "log_colour", "log_lightness", "log_chroma", "log_texture", "log_joint",
    "log_contrast", "log_weighed_contrast", "log_interior", "has_interior",
    "log_smaller_fraction", "log_larger_fraction", "log_boundary_fraction",
    "boundary_over_sqrt_smaller_size", "log_mean_texture",
)
#: Weight of the texture energy against the colour in the "joint" feature.
JOINT_TEXTURE_WEIGHT = 6.0
#: The weighed contrast is contrast * (1 + c) / (c + interior), c = INTERIOR_OFFSET.
INTERIOR_OFFSET = 2.0
#: Margin (pixels, chessboard distance) from another region outside which a pixel
#: counts as a region's interior.
INTERIOR_MARGIN = 3
#: Intercept, then one coefficient per feature of :data:`FEATURES`, of the logit of
#: the probability that two adjacent regions belong to one object; fitted by
#: ``benchmarks/fit_merging.py`` on the BSDS500 train images.
MERGE_COEFFICIENTS = (
    +1.41197,  # intercept
    -0.592902,  # log_colour
    +0.496344,  # log_lightness
    -0.415741,  # log_chroma
    -0.992786,  # log_texture
    -0.529147,  # log_joint
    -1.78024,  # log_contrast
    -0.550832,  # log_weighed_contrast
    +0.694305,  # log_interior
    +0.730893,  # has_interior
    -0.447032,  # log_smaller_fraction
    -0.730734,  # log_larger_fraction
    +0.177924,  # log_boundary_fraction
    +0.0401566,  # boundary_over_sqrt_smaller_size
    +0.617551,  # log_mean_texture
)


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
    edge_map = np.asarray(edge_map)
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
        strengths.append(0.5 * (edge_map[sl_a][diff].astype(np.float64)
                                + edge_map[sl_b][diff]))
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
def _features(size, sums, a, b, length, contrast, inner, count, area, out):
    """The pair features of :data:`FEATURES` for regions a and b, written into `out`.

    ``sums`` holds each region's summed colour channels and, last, texture energy;
    ``inner`` and ``count`` the summed edge strength over its interior and the
    number of interior pixels; ``area`` is the number of pixels of the image."""
    nch = sums.shape[1] - 1
    colour2 = 0.0
    for k in range(nch):
        t = sums[a, k] / size[a] - sums[b, k] / size[b]
        colour2 += t * t
    lightness = abs(sums[a, 0] / size[a] - sums[b, 0] / size[b])
    ta = sums[a, nch] / size[a]
    tb = sums[b, nch] / size[b]
    texture = abs(ta - tb)
    contrast_mean = contrast / length if length > 0 else 0.0
    has_interior = count[a] > 0 and count[b] > 0
    if has_interior:
        interior = 0.5 * (inner[a] / count[a] + inner[b] / count[b])
        weighed = contrast_mean * (1.0 + INTERIOR_OFFSET) / (INTERIOR_OFFSET + interior)
    else:
        interior = contrast_mean
        weighed = contrast_mean
    smaller = min(size[a], size[b])
    out[0] = np.log1p(np.sqrt(colour2))
    out[1] = np.log1p(lightness)
    out[2] = np.log1p(np.sqrt(max(colour2 - lightness * lightness, 0.0)))
    out[3] = np.log1p(texture)
    out[4] = np.log1p(np.sqrt(colour2 + (JOINT_TEXTURE_WEIGHT * texture) ** 2))
    out[5] = np.log1p(contrast_mean)
    out[6] = np.log1p(weighed)
    out[7] = np.log1p(interior)
    out[8] = 1.0 if has_interior else 0.0
    out[9] = np.log(smaller / area)
    out[10] = np.log(max(size[a], size[b]) / area)
    out[11] = np.log(max(length, 1.0) / np.sqrt(area))
    out[12] = length / np.sqrt(smaller)
    out[13] = np.log1p(0.5 * (ta + tb))


@njit(cache=True, inline="always")
def _cost(size, sums, a, b, length, contrast, inner, count, area, coef, feat):
    """Probability that regions a and b belong to different objects."""
    _features(size, sums, a, b, length, contrast, inner, count, area, feat)
    logit = coef[0]
    for i in range(feat.size):
        logit += coef[i + 1] * feat[i]
    if logit < -50.0:
        return 1.0
    return 1.0 / (1.0 + math.exp(logit))


@njit(cache=True, inline="always")
def _key(a, b, n):
    return min(a, b) * n + max(a, b)


@njit(cache=True)
def _merge(n, edges, length, contrast, sizes, sums, threshold, min_size, inner_sums,
           inner_counts, area, coef):
    """Greedy merging; returns the union-find parent array over the n regions.

    Pairs are merged in increasing cost while the cost is at most ``threshold`` or
    one of the two regions is smaller than ``min_size``. ``inner_sums`` and
    ``inner_counts`` hold each region's summed edge strength over its interior and
    the number of interior pixels; ``area`` is the image's pixel count and ``coef``
    the cost's coefficients. Costs are evaluated lazily:
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
    feat = np.empty(coef.size - 1, np.float64)
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
        heap.append((_cost(size, total, eu[e], ev[e], elen[e], ecst[e], inner, count, area,
                           coef, feat), e))
    heapq.heapify(heap)
    while len(heap) > 0:
        c, e = heapq.heappop(heap)
        if not alive[e]:
            continue
        a = find(parent, eu[e])
        b = find(parent, ev[e])
        now = _cost(size, total, a, b, elen[e], ecst[e], inner, count, area, coef, feat)
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
                                                inner, count, area, coef, feat), g))
                else:
                    lookup[key] = f
                    degree[r] += 1
                    heapq.heappush(heap, (_cost(size, total, r, other, elen[f], ecst[f],
                                                inner, count, area, coef, feat), f))
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


def _interior_sums(labels, edge_map, n, margin=INTERIOR_MARGIN):
    """Per region, the sum of `edge_map` over its interior pixels (those more than
    `margin` pixels, chessboard distance, from another region) and their number, so
    that the blurred edges along its boundary do not count as internal variation."""
    labels = np.ascontiguousarray(labels)
    edge_map = np.ascontiguousarray(edge_map, dtype=np.float32)
    inside = _interior_mask(labels, int(margin))
    return _masked_label_sums(labels, edge_map, inside, int(n))


@njit(cache=True, inline="always")
def _window_sums(values, margin, out):
    """out[i] = sum of values[i - margin .. i + margin] (clipped to the ends), in one
    running pass; `values` and `out` may be strided views."""
    n = values.size
    count = 0
    for i in range(min(margin, n)):
        count += values[i]
    for i in range(n):
        if i + margin < n:
            count += values[i + margin]
        if i - margin - 1 >= 0:
            count -= values[i - margin - 1]
        out[i] = count


@njit(cache=True, parallel=True)
def _interior_mask(labels, margin):
    """True where no boundary pixel (one with a 4-neighbour of another label, on
    either side) lies within `margin` pixels, chessboard distance."""
    height, width = labels.shape
    border = np.zeros((height, width), np.uint8)
    for row in prange(height):
        for col in range(width):
            v = labels[row, col]
            if ((col > 0 and labels[row, col - 1] != v)
                    or (col + 1 < width and labels[row, col + 1] != v)
                    or (row > 0 and labels[row - 1, col] != v)
                    or (row + 1 < height and labels[row + 1, col] != v)):
                border[row, col] = 1
    # boundary pixels within `margin` columns, then within `margin` rows of those
    near = np.empty((height, width), np.int32)
    for row in prange(height):
        _window_sums(border[row], margin, near[row])
    total = np.empty((height, width), np.int32)
    for col in prange(width):
        _window_sums(near[:, col], margin, total[:, col])
    inside = np.empty((height, width), np.bool_)
    for row in prange(height):
        for col in range(width):
            inside[row, col] = total[row, col] == 0
    return inside


@njit(cache=True)
def _masked_label_sums(labels, values, mask, n):
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


def _check_inputs(labels, values, edge_map, coefficients):
    labels = np.asarray(labels)
    values = np.asarray(values)
    if values.dtype != np.float32:  # float32 stays: the region sums are float64 anyway
        values = values.astype(np.float64)
    if values.ndim != 3 or values.shape[:2] != labels.shape or values.shape[2] < 2:
        raise ValueError("values must be (H, W, C) with C >= 2 (colour channels, then "
                         f"texture energy) over labels of shape {labels.shape}; "
                         f"got {values.shape}")
    if np.shape(edge_map) != labels.shape:
        raise ValueError(f"edge_map must have the shape of labels {labels.shape}; "
                         f"got {np.shape(edge_map)}")
    coef = np.asarray(MERGE_COEFFICIENTS if coefficients is None else coefficients,
                      dtype=np.float64)
    if coef.shape != (1 + len(FEATURES),):
        raise ValueError(f"coefficients must hold {1 + len(FEATURES)} numbers (intercept, "
                         f"then one per feature); got shape {coef.shape}")
    return labels, values, coef


@njit(cache=True)
def _all_features(edges, length, contrast, sizes, sums, inner, count, area, nfeat):
    out = np.empty((edges.shape[0], nfeat), np.float64)
    for e in range(edges.shape[0]):
        _features(sizes, sums, edges[e, 0], edges[e, 1], length[e], contrast[e], inner,
                  count, area, out[e])
    return out


def pair_features(labels, values, n, *, edge_map, groups=None):
    """The merging cost's features (:data:`FEATURES`) of every adjacent pair of regions.

    Parameters
    ----------
    labels : (H, W) int ndarray
        Region ids 0..n-1.
    values : (H, W, C) float ndarray
        Per-pixel colour channels (C - 1 of them, CIE Lab) and, last, texture energy.
    n : int
        Number of regions.
    edge_map : (H, W) float ndarray
        Edge strength of every pixel.
    groups : (H, W) int ndarray, optional
        The finer partition the regions were merged from, each group inside one
        region: interiors are then taken from the groups, as :func:`merge_regions`
        does while it merges. By default, from `labels`.

    Returns
    -------
    edges : (E, 2) int64 ndarray
        Pairs (a, b), a < b, as from :func:`boundary_edges`.
    features : (E, len(FEATURES)) float64 ndarray

    Examples
    --------
    >>> import numpy as np
    >>> labels = np.array([[0, 0, 1, 1]])
    >>> values = np.zeros((1, 4, 2)); values[0, 2:, 0] = 3.0
    >>> edges, f = pair_features(labels, values, 2, edge_map=np.ones((1, 4)))
    >>> edges.tolist(), float(np.expm1(f[0, FEATURES.index("log_colour")]))
    ([[0, 1]], 3.0)
    """
    labels, values, _ = _check_inputs(labels, values, edge_map, None)
    edges, length, contrast = boundary_edges(labels, edge_map)
    sizes, sums = _region_sums(labels, values, n)
    if groups is None:
        inner, count = _interior_sums(labels, edge_map, n)
    else:
        groups = np.asarray(groups)
        region_of = np.zeros(int(groups.max()) + 1, np.int64)
        region_of[groups.ravel()] = labels.ravel()
        g_inner, g_count = _interior_sums(groups, edge_map, region_of.size)
        inner = np.bincount(region_of, weights=g_inner, minlength=n)
        count = np.bincount(region_of, weights=g_count, minlength=n)
    features = _all_features(edges, length, contrast, sizes, sums, inner, count,
                             float(labels.size), len(FEATURES))
    return edges, features


def _region_sums(labels, values, n):
    """Pixel counts and summed `values` of every region, both float64."""
    from .regions import region_means

    sizes, means = region_means(labels, values, n)
    sizes = sizes.astype(np.float64)
    return sizes, means * sizes[:, None]


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
        Intercept and one coefficient per feature of :data:`FEATURES` of the logit of
        the probability that a pair belongs to one object; default
        :data:`MERGE_COEFFICIENTS`.

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
    from .regions import relabel_raster

    labels, values, coef = _check_inputs(labels, values, edge_map, coefficients)
    edges, length, contrast = boundary_edges(labels, edge_map)
    sizes, sums = _region_sums(labels, values, n)
    inner, count = _interior_sums(labels, edge_map, n)
    parent = _merge(
        n, edges, length, contrast, sizes, sums, float(threshold),
        float(min_size), inner, count, float(labels.size), coef,
    )
    roots = np.empty_like(parent)
    resolve(parent, roots)
    return relabel_raster(roots[labels])
