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
runs (24 bytes each). The compiled kernels of both steps are in
``src/native/upsample.cpp``.

References
----------
.. [1] J. Kopf, M. F. Cohen, D. Lischinski and M. Uyttendaele, "Joint bilateral
   upsampling", ACM Trans. Graphics 26(3), 2007.
"""

from __future__ import annotations

import numpy as np

from . import _native

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
    _native.local_region_means(labels, lab, int(radius), out)
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
    _native.assign(lab, labels, reference, uniform_neighbourhoods(labels), out)
    return out


# ---------------------------------------------------------------- connectivity


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
    offsets, starts, ends, values = _native.label_runs(labels)
    _native.connect_runs(offsets, starts, ends, values, int(n))
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
    _native.write_runs(offsets, starts, ends, values, lut, out)
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
