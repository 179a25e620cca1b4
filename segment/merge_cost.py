"""The merging cost: the probability that two adjacent regions belong to different objects.

    cost = 1 / (1 + exp(c0 + sum_i c_i f_i(A, B)))

over the pair features :data:`PAIR_FEATURES`, all computed from running sums so
that a merge updates them in O(1):

- the difference of the regions' mean colours (CIE Lab of a lightly smoothed image:
  the whole distance, lightness alone, chroma alone) and of their mean *texture
  energy* (the last channel of the appearance values), a joint distance of the
  two, ``sqrt(colour² + (6 texture)²)``, and the mean texture energy itself;
- the boundary contrast: the mean of an edge map over the pixel pairs of their
  common boundary, as it is and weighed against the edge map inside the two regions,
  ``contrast * 3 / (2 + interior)``, so that a faint edge between smooth regions
  counts more than the same edge inside a texture (a fragment with no interior
  keeps the plain contrast);
- the sizes of the two regions and the length of their boundary.

Every difference, contrast and texture energy enters as log(1 + x).

The coefficients :data:`MERGE_COEFFICIENTS` are fitted by logistic regression
(``python -m benchmarks.fit_merging``) on pairs of adjacent regions met while merging the
BSDS500 *train* images, each pair labelled by whether most of the human
segmentations put a random pixel of A and a random pixel of B in one segment, and
weighted by |A| |B| (what a merge changes in the Rand index).

The features and the cost are compiled code (``src/native/merge_cost.hpp``), shared by
the kernel of :func:`pair_features` (``src/native/merge_cost.cpp``) and the merging's
(``src/native/merging.cpp``).
"""

from __future__ import annotations

import numpy as np

from . import _native
from .region_graph import boundary_edges, interior_sums, region_totals

__all__ = ["pair_features", "check_merge_inputs", "kernel_inputs", "PAIR_FEATURES",
           "MERGE_COEFFICIENTS"]

#: Names of the pair features of the merging cost, in the order of the coefficients.
#: Every difference and contrast enters as log(1 + value), so that the cost grows
#: with each of them however far beyond the training data a picture goes; sizes
#: and lengths are relative to the image (area, or its square root).
PAIR_FEATURES = (
    "log_colour", "log_lightness", "log_chroma", "log_texture", "log_joint",
    "log_contrast", "log_weighed_contrast", "log_interior", "has_interior",
    "log_smaller_fraction", "log_larger_fraction", "log_boundary_fraction",
    "boundary_over_sqrt_smaller_size", "log_mean_texture",
)

#: Intercept, then one coefficient per feature of :data:`PAIR_FEATURES`, of the logit of
#: the probability that two adjacent regions belong to one object; fitted by
#: ``python -m benchmarks.fit_merging`` on the BSDS500 train images.
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


def check_merge_inputs(labels, values, edge_map, coefficients):
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
    if coef.shape != (1 + len(PAIR_FEATURES),):
        raise ValueError(f"coefficients must hold {1 + len(PAIR_FEATURES)} numbers (intercept, "
                         f"then one per feature); got shape {coef.shape}")
    return labels, values, coef

def kernel_inputs(edges, length, contrast, sizes, sums, inner, count):
    """The region graph and the regions' sums as the compiled kernels take them:
    C-contiguous, int64 edges and float64 numbers."""
    edges = np.ascontiguousarray(edges, dtype=np.int64)
    return (edges,) + tuple(np.ascontiguousarray(a, dtype=np.float64)
                            for a in (length, contrast, sizes, sums, inner, count))

def pair_features(labels, values, n, *, edge_map, groups=None):
    """The merging cost's features (:data:`PAIR_FEATURES`) of every adjacent pair of regions.

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
    features : (E, len(PAIR_FEATURES)) float64 ndarray

    Examples
    --------
    >>> import numpy as np
    >>> labels = np.array([[0, 0, 1, 1]])
    >>> values = np.zeros((1, 4, 2)); values[0, 2:, 0] = 3.0
    >>> edges, f = pair_features(labels, values, 2, edge_map=np.ones((1, 4)))
    >>> edges.tolist(), float(np.expm1(f[0, PAIR_FEATURES.index("log_colour")]))
    ([[0, 1]], 3.0)
    """
    labels, values, _ = check_merge_inputs(labels, values, edge_map, None)
    edges, length, contrast = boundary_edges(labels, edge_map)
    sizes, sums = region_totals(labels, values, n)
    if groups is None:
        inner, count = interior_sums(labels, edge_map, n)
    else:
        groups = np.asarray(groups)
        region_of = np.zeros(int(groups.max()) + 1, np.int64)
        region_of[groups.ravel()] = labels.ravel()
        g_inner, g_count = interior_sums(groups, edge_map, region_of.size)
        inner = np.bincount(region_of, weights=g_inner, minlength=n)
        count = np.bincount(region_of, weights=g_count, minlength=n)
    features = _native.all_features(
        *kernel_inputs(edges, length, contrast, sizes, sums, inner, count),
        float(labels.size), len(PAIR_FEATURES))
    return edges, features
