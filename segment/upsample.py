"""Working-resolution labels -> input-resolution labels that follow the input's edges.

When :func:`segment.segment` runs on a reduced copy of the image
(:mod:`segment.resolution`), its regions come back to the input grid in two steps.

1. **Edge-aware assignment** (in the spirit of joint bilateral upsampling, Kopf et
   al. 2007). Every input pixel (r, c) sits at the working position
   ``y = (r + 0.5) h / H - 0.5``, ``x = (c + 0.5) w / W - 0.5``; its candidates are
   the 3 x 3 working pixels around the nearest one. Each candidate offers its
   region's label and a reference colour; the pixel takes the label of the
   candidate whose reference colour is closest (squared CIE Lab distance) to the
   pixel's own colour, ties going to the candidate nearest its position, then to
   the first in raster order. Where the 3 x 3 candidates all carry one label (most
   of the image) that label is taken directly. The reference colour of a working
   pixel is the mean colour of the working pixels of its own region within its
   5 x 5 neighbourhood (:func:`local_region_means`): a local, denoised estimate of
   the region's colour near the pixel, which follows slow colour changes across a
   region better than the region's single mean or mode. Measured on 20 BSDS500
   val photos segmented at h_s = 40 (a quarter of their size) and scored at their
   own size, boundary F: 0.613 with this reference, 0.610 with a 3 x 3
   neighbourhood, 0.603 with the working pixel's own colour, 0.596 with the
   region's mean colour, 0.594 with its mode, and 0.602 for the nearest working
   pixel's label (no assignment: blocky edges).
2. **Connectivity.** The assignment can cut a sliver off a region. Every region's
   largest 8-connected component stays; each other component (a fragment) joins
   the neighbouring component it shares the most 4-neighbour pixel pairs with,
   repeatedly, until every region is one 8-connected component (the connectivity
   of the mode grouping). The work is done on the runs of equal labels along the
   rows, so that its cost follows the number of runs rather than of pixels.

Regions left with no pixel disappear, and the labels are renumbered in raster order
of first appearance, as everywhere in the package.

Cost: O(N) for N input pixels, with 9 colour comparisons only where the candidates
disagree, then O(R α(R)) over the R runs. Memory: the (H, W) int32 labels and the
runs (about 16 bytes each).

References
----------
.. [1] J. Kopf, M. F. Cohen, D. Lischinski and M. Uyttendaele, "Joint bilateral
   upsampling", ACM Trans. Graphics 26(3), 2007.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .labels import find

__all__ = [
    "local_region_means",
    "uniform_neighbourhoods",
    "assign_labels",
    "connect_regions",
    "upsample_labels",
    "REFERENCE_RADIUS",
]


#: Radius (working pixels) of the neighbourhood whose same-region pixels give a
#: working pixel its reference colour: 5 x 5.
REFERENCE_RADIUS = 2


@njit(cache=True, parallel=True)
def _local_region_means(labels, lab, radius, out):
    height, width = labels.shape
    nch = lab.shape[2]
    for i in prange(height):
        acc = np.zeros(nch, np.float64)
        for j in range(width):
            own = labels[i, j]
            for k in range(nch):
                acc[k] = 0.0
            count = 0
            for a in range(max(0, i - radius), min(height, i + radius + 1)):
                for b in range(max(0, j - radius), min(width, j + radius + 1)):
                    if labels[a, b] == own:
                        count += 1
                        for k in range(nch):
                            acc[k] += lab[a, b, k]
            for k in range(nch):
                out[i, j, k] = np.float32(acc[k] / count)


def local_region_means(labels, lab, radius=1):
    """Mean colour of each pixel's own region within its (2 radius + 1)² neighbourhood.

    Parameters
    ----------
    labels : (h, w) int ndarray
    lab : (h, w, C) float ndarray
    radius : int, optional

    Returns
    -------
    means : (h, w, C) float32 ndarray

    Examples
    --------
    >>> import numpy as np
    >>> labels = np.array([[0, 0, 1]]); lab = np.array([[[1.0], [3.0], [9.0]]])
    >>> local_region_means(labels, lab)[0, :, 0].tolist()
    [2.0, 2.0, 9.0]
    """
    labels = np.ascontiguousarray(labels, dtype=np.int32)
    lab = np.ascontiguousarray(lab, dtype=np.float32)
    out = np.empty(lab.shape, np.float32)
    _local_region_means(labels, lab, int(radius), out)
    return out


def uniform_neighbourhoods(labels):
    """(h, w) bool: True where every pixel of the (clipped) 3 x 3 neighbourhood has
    the centre's label.

    Examples
    --------
    >>> import numpy as np
    >>> uniform_neighbourhoods(np.array([[0, 0, 0, 1]])).tolist()
    [[True, True, False, False]]
    """
    labels = np.asarray(labels)
    padded = np.pad(labels, 1, mode="edge")
    height, width = labels.shape
    out = np.ones(labels.shape, bool)
    for dr in range(3):
        for dc in range(3):
            out &= padded[dr:dr + height, dc:dc + width] == labels
    return out


@njit(cache=True, parallel=True)
def _assign(lab, wlabels, ref, uniform, out):
    height, width, nch = lab.shape
    h, w = wlabels.shape
    sy = h / height
    sx = w / width
    xs = np.empty(width, np.float64)
    js = np.empty(width, np.int64)
    for c in range(width):
        x = (c + 0.5) * sx - 0.5
        xs[c] = x
        js[c] = min(w - 1, max(0, int(math.floor(x + 0.5))))
    for r in prange(height):
        y = (r + 0.5) * sy - 0.5
        i0 = min(h - 1, max(0, int(math.floor(y + 0.5))))
        for c in range(width):
            j0 = js[c]
            if uniform[i0, j0]:
                out[r, c] = wlabels[i0, j0]
                continue
            x = xs[c]
            best = np.inf
            near = np.inf
            chosen = wlabels[i0, j0]
            for i in range(max(0, i0 - 1), min(h, i0 + 2)):
                for j in range(max(0, j0 - 1), min(w, j0 + 2)):
                    d = 0.0
                    for k in range(nch):
                        t = np.float64(lab[r, c, k]) - np.float64(ref[i, j, k])
                        d += t * t
                    ds = (i - y) * (i - y) + (j - x) * (j - x)
                    if d < best or (d == best and ds < near):
                        best = d
                        near = ds
                        chosen = wlabels[i, j]
            out[r, c] = chosen


def assign_labels(lab, labels, reference):
    """Edge-aware assignment (step 1): each input pixel's label among the 3 x 3
    working pixels around its position, by the closest reference colour.

    Parameters
    ----------
    lab : (H, W, C) float32 ndarray
        The input image in CIE Lab (or L alone).
    labels : (h, w) int ndarray
        Labels at the working resolution (h <= H, w <= W).
    reference : (h, w, C) float ndarray
        Reference colour of every working pixel.

    Returns
    -------
    labels : (H, W) int32 ndarray
        Not yet made connected (see :func:`connect_regions`).

    Examples
    --------
    >>> import numpy as np
    >>> lab = np.zeros((1, 4, 1), np.float32); lab[0, 2:] = 50
    >>> ref = np.array([[[0.0], [50.0]]], np.float32)
    >>> assign_labels(lab, np.array([[0, 1]]), ref).tolist()
    [[0, 0, 1, 1]]
    """
    labels = np.ascontiguousarray(labels, dtype=np.int32)
    lab = np.ascontiguousarray(lab, dtype=np.float32)
    reference = np.ascontiguousarray(reference, dtype=np.float32)
    out = np.empty(lab.shape[:2], np.int32)
    _assign(lab, labels, reference, uniform_neighbourhoods(labels), out)
    return out


# ---------------------------------------------------------------- connectivity


@njit(cache=True, parallel=True)
def _count_runs(labels, counts):
    height, width = labels.shape
    for r in prange(height):
        n = 1
        for c in range(1, width):
            if labels[r, c] != labels[r, c - 1]:
                n += 1
        counts[r] = n


@njit(cache=True, parallel=True)
def _fill_runs(labels, offsets, starts, ends, values):
    height, width = labels.shape
    for r in prange(height):
        t = offsets[r]
        starts[t] = 0
        values[t] = labels[r, 0]
        for c in range(1, width):
            if labels[r, c] != labels[r, c - 1]:
                ends[t] = c
                t += 1
                starts[t] = c
                values[t] = labels[r, c]
        ends[t] = width


@njit(cache=True)
def _components(offsets, starts, ends, values, parent):
    """Union the runs of one label that touch (8-connectivity): runs side by side in
    a row, and runs of consecutive rows whose column spans, widened by one, overlap.
    Roots stay the smallest run index of their set."""
    nruns = values.size
    for t in range(nruns):
        parent[t] = t
    height = offsets.size - 1
    for r in range(height):
        for t in range(offsets[r] + 1, offsets[r + 1]):
            if values[t] == values[t - 1]:
                a = find(parent, t - 1)
                b = find(parent, t)
                if a < b:
                    parent[b] = a
                elif b < a:
                    parent[a] = b
        if r == 0:
            continue
        i = offsets[r - 1]
        j = offsets[r]
        while i < offsets[r] and j < offsets[r + 1]:
            # touching: starts[i] <= ends[j] and starts[j] <= ends[i] (ends exclusive)
            if values[i] == values[j] and starts[i] <= ends[j] and starts[j] <= ends[i]:
                a = find(parent, i)
                b = find(parent, j)
                if a < b:
                    parent[b] = a
                elif b < a:
                    parent[a] = b
            if ends[i] < ends[j]:
                i += 1
            elif ends[j] < ends[i]:
                j += 1
            else:
                # both end at the same column: each also touches the other row's next run
                if i + 1 < offsets[r] and values[i + 1] == values[j] and starts[i + 1] <= ends[j]:
                    a = find(parent, i + 1)
                    b = find(parent, j)
                    if a < b:
                        parent[b] = a
                    elif b < a:
                        parent[a] = b
                if j + 1 < offsets[r + 1] and values[j + 1] == values[i] and starts[j + 1] <= ends[i]:
                    a = find(parent, i)
                    b = find(parent, j + 1)
                    if a < b:
                        parent[b] = a
                    elif b < a:
                        parent[a] = b
                i += 1
                j += 1
    for t in range(nruns):
        parent[t] = find(parent, t)


@njit(cache=True)
def _fragment_targets(offsets, starts, ends, values, comp, is_fragment):
    """For every fragment component, the component it shares the most 4-neighbour
    pixel pairs with (ties: the smallest component id); -1 for other components."""
    ncomp = is_fragment.size
    # contacts of fragments, as (fragment, other) -> count, in a sorted flat list
    keys = []
    counts = []
    height = offsets.size - 1
    for r in range(height):
        for t in range(offsets[r] + 1, offsets[r + 1]):
            a = comp[t - 1]
            b = comp[t]
            if a != b:
                if is_fragment[a]:
                    keys.append(a * ncomp + b)
                    counts.append(1)
                if is_fragment[b]:
                    keys.append(b * ncomp + a)
                    counts.append(1)
        if r == 0:
            continue
        i = offsets[r - 1]
        j = offsets[r]
        while i < offsets[r] and j < offsets[r + 1]:
            overlap = min(ends[i], ends[j]) - max(starts[i], starts[j])
            a = comp[i]
            b = comp[j]
            if overlap > 0 and a != b:
                if is_fragment[a]:
                    keys.append(a * ncomp + b)
                    counts.append(overlap)
                if is_fragment[b]:
                    keys.append(b * ncomp + a)
                    counts.append(overlap)
            if ends[i] <= ends[j]:
                i += 1
            else:
                j += 1
    target = np.full(ncomp, -1, np.int64)
    if len(keys) == 0:
        return target
    key_arr = np.empty(len(keys), np.int64)
    cnt_arr = np.empty(len(keys), np.int64)
    for t in range(len(keys)):
        key_arr[t] = keys[t]
        cnt_arr[t] = counts[t]
    order = np.argsort(key_arr, kind="mergesort")
    best = np.zeros(ncomp, np.int64)
    t = 0
    while t < order.size:
        key = key_arr[order[t]]
        total = 0
        while t < order.size and key_arr[order[t]] == key:
            total += cnt_arr[order[t]]
            t += 1
        f = key // ncomp
        other = key % ncomp
        # keys ascend, so among equal totals the smallest other component comes first
        if total > best[f]:
            best[f] = total
            target[f] = other
    return target


@njit(cache=True)
def _connect_runs(offsets, starts, ends, values, n):
    """Relabel the runs' `values` until every label is one 8-connected component;
    returns the number of rounds."""
    nruns = values.size
    parent = np.empty(nruns, np.int64)
    rounds = 0
    while True:
        rounds += 1
        _components(offsets, starts, ends, values, parent)
        # compact component ids, their labels and sizes
        comp = np.empty(nruns, np.int64)
        index = np.full(nruns, -1, np.int64)
        ncomp = 0
        for t in range(nruns):
            root = parent[t]
            if index[root] < 0:
                index[root] = ncomp
                ncomp += 1
            comp[t] = index[root]
        size = np.zeros(ncomp, np.int64)
        label = np.empty(ncomp, np.int64)
        for t in range(nruns):
            size[comp[t]] += ends[t] - starts[t]
            label[comp[t]] = values[t]
        main = np.full(n, -1, np.int64)
        for k in range(ncomp):
            m = main[label[k]]
            if m < 0 or size[k] > size[m]:
                main[label[k]] = k
        is_fragment = np.zeros(ncomp, np.bool_)
        nfrag = 0
        for k in range(ncomp):
            if main[label[k]] != k:
                is_fragment[k] = True
                nfrag += 1
        if nfrag == 0:
            return rounds
        target = _fragment_targets(offsets, starts, ends, values, comp, is_fragment)
        # follow each fragment's chain of targets to a component that stays; a cycle
        # of fragments stops at the member met twice, which keeps its label this round
        final = label.copy()
        state = np.zeros(ncomp, np.int8)  # 0 unvisited, 1 on the current path, 2 done
        path = np.empty(ncomp, np.int64)
        for k in range(ncomp):
            if not is_fragment[k] or state[k] == 2:
                continue
            length = 0
            cur = k
            while is_fragment[cur] and state[cur] == 0:
                state[cur] = 1
                path[length] = cur
                length += 1
                cur = target[cur]
            if not is_fragment[cur]:
                result = label[cur]
            elif state[cur] == 2:
                result = final[cur]
            else:
                result = label[cur]
            for p in range(length):
                final[path[p]] = result
                state[path[p]] = 2
        for t in range(nruns):
            values[t] = final[comp[t]]


@njit(cache=True, parallel=True)
def _write_runs(offsets, starts, ends, values, lut, out):
    height = offsets.size - 1
    for r in prange(height):
        for t in range(offsets[r], offsets[r + 1]):
            v = lut[values[t]]
            for c in range(starts[t], ends[t]):
                out[r, c] = v


def _runs(labels):
    height = labels.shape[0]
    counts = np.empty(height, np.int64)
    _count_runs(labels, counts)
    offsets = np.zeros(height + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    nruns = int(offsets[-1])
    starts = np.empty(nruns, np.int64)
    ends = np.empty(nruns, np.int64)
    values = np.empty(nruns, np.int64)
    _fill_runs(labels, offsets, starts, ends, values)
    return offsets, starts, ends, values


def connect_regions(labels, n):
    """Make every region one 8-connected component, renumbered in raster order (step 2).

    Parameters
    ----------
    labels : (H, W) int ndarray
        Labels 0..n-1 (some may be absent).
    n : int
        Number of labels.

    Returns
    -------
    labels : (H, W) int32 ndarray
        Labels 0..m-1 in raster order of first appearance; every region is one
        8-connected component.
    order : (m,) int64 ndarray
        The input label of each output label.
    sizes : (m,) int64 ndarray
        Pixel count of each output label.

    Examples
    --------
    >>> import numpy as np
    >>> labels = np.array([[0, 0, 1, 1, 0],
    ...                    [0, 0, 1, 1, 1]])
    >>> out, order, sizes = connect_regions(labels, 2)
    >>> out.tolist(), order.tolist(), sizes.tolist()
    ([[0, 0, 1, 1, 1], [0, 0, 1, 1, 1]], [0, 1], [4, 6])
    """
    labels = np.ascontiguousarray(labels, dtype=np.int32)
    offsets, starts, ends, values = _runs(labels)
    _connect_runs(offsets, starts, ends, values, int(n))
    lengths = ends - starts
    sizes = np.bincount(values, weights=lengths, minlength=n).astype(np.int64)
    # raster order of first appearance: the order of the runs
    first = np.full(n, values.size, np.int64)
    np.minimum.at(first, values, np.arange(values.size))
    present = np.flatnonzero(sizes > 0)
    order = present[np.argsort(first[present], kind="stable")]
    lut = np.full(n, -1, np.int64)
    lut[order] = np.arange(order.size)
    out = np.empty(labels.shape, np.int32)
    _write_runs(offsets, starts, ends, values, lut, out)
    return out, order, sizes[order]


def upsample_labels(lab, labels, work_lab, n):
    """Working-resolution labels -> labels at the resolution of `lab` (steps 1-2).

    Parameters
    ----------
    lab : (H, W, C) float32 ndarray
        The input image in CIE Lab (or L alone).
    labels : (h, w) int ndarray
        Region labels 0..n-1 of the working image.
    work_lab : (h, w, C) float32 ndarray
        The working image in CIE Lab.
    n : int
        Number of working regions.

    Returns
    -------
    labels : (H, W) int32 ndarray
        Labels 0..m-1 in raster order, every region 8-connected.
    order : (m,) int64 ndarray
        The working label of each output label (m <= n: a region can vanish).
    sizes : (m,) int64 ndarray
        Pixel counts at the input resolution.

    Examples
    --------
    >>> import numpy as np
    >>> lab = np.zeros((4, 8, 1), np.float32); lab[:, 3:] = 60  # edge at column 3
    >>> work = np.zeros((2, 4, 1), np.float32); work[:, 1] = 30; work[:, 2:] = 60
    >>> labels = np.array([[0, 0, 1, 1], [0, 0, 1, 1]])
    >>> out, order, sizes = upsample_labels(lab, labels, work, 2)
    >>> out[0].tolist(), sizes.tolist()
    ([0, 0, 0, 1, 1, 1, 1, 1], [12, 20])
    """
    reference = local_region_means(labels, work_lab, REFERENCE_RADIUS)
    full = assign_labels(lab, labels, reference)
    return connect_regions(full, n)
