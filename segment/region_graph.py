"""The region adjacency graph and the per-region statistics the merging compares.

- :func:`boundary_edges`: the 4-connected adjacent pairs of regions, with the
  length of their common boundary and the summed edge strength along it;
- :func:`interior_sums`: each region's edge strength over its interior, the pixels
  more than ``INTERIOR_MARGIN`` pixels from another region, so that the blurred
  edges along its boundary do not count as internal variation;
- :func:`appearance`: per-pixel colour and texture energy, whose region means are
  compared;
- :func:`region_totals`: pixel counts and summed values per region, in float64.

The compiled kernels (the boundaries, the interior mask, the appearance features
before smoothing) live in ``src/native/region_graph.cpp``.
"""

from __future__ import annotations

import numpy as np

from . import _native
from .filters import smooth
from .labels import _label_array, masked_label_sums, region_means

__all__ = ["boundary_edges", "interior_sums", "appearance", "region_totals",
           "COLOUR_SIGMA", "INTERIOR_MARGIN"]

#: Gaussian sigma (pixels) of the image whose region means compare regions.
COLOUR_SIGMA = 4.0

#: Margin (pixels, chessboard distance) from another region outside which a pixel
#: counts as a region's interior.
INTERIOR_MARGIN = 3


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

    Notes
    -----
    One pass over the pixel pairs (the horizontal ones, then the vertical ones), which
    adds each pair to its boundary through a hash table, then a sort of the E
    boundaries: O(H W + E log E), about 1 ms at 481 x 321.

    Examples
    --------
    >>> import numpy as np
    >>> labels = np.array([[0, 0, 1]]); edge_map = np.array([[0.0, 2.0, 4.0]])
    >>> e, n, c = boundary_edges(labels, edge_map)
    >>> e.tolist(), n.tolist(), c.tolist()
    ([[0, 1]], [1.0], [3.0])
    """
    labels = _label_array(labels)
    edge_map = np.ascontiguousarray(edge_map)
    if edge_map.dtype not in (np.float32, np.float64):
        edge_map = edge_map.astype(np.float64)
    if edge_map.shape != labels.shape:
        raise ValueError(f"edge_map must have the shape of labels {labels.shape}; "
                         f"got {edge_map.shape}")
    return _native.boundary_edges(labels, edge_map)

def interior_sums(labels, edge_map, n, margin=INTERIOR_MARGIN):
    """Per region, the sum of `edge_map` over its interior pixels (those more than
    `margin` pixels, chessboard distance, from another region) and their number, so
    that the blurred edges along its boundary do not count as internal variation."""
    labels = _label_array(labels)
    edge_map = np.ascontiguousarray(edge_map, dtype=np.float32)
    # boundary pixels (those with a 4-neighbour of another label, on either side)
    # within `margin` columns, then within `margin` rows of those
    inside = _native.interior_mask(labels, int(margin))
    return masked_label_sums(labels, edge_map, inside, int(n))

def appearance(points, lab, colour_sigma=COLOUR_SIGMA, mask=None):
    """Per-pixel features whose region means the merging compares.

    The image smoothed with a Gaussian of `colour_sigma` pixels, and, as a last
    channel, the texture energy: the distance of every pixel from its mean shift
    mode, smoothed the same way (high inside textures, low along clean edges that
    mean shift resolved).

    Parameters
    ----------
    points : (H, W, 2 + C) float32 ndarray
        Convergence points (x, y, range...).
    lab : (H, W, C) float32 ndarray
        The image in CIE Lab (or L alone).
    colour_sigma : float, optional
    mask : (H, W) bool ndarray, optional
        Only pixels inside it contribute to the smoothed values (a normalised
        convolution); the values outside are meaningless.

    Returns
    -------
    values : (H, W, C + 1) float32 ndarray

    Examples
    --------
    >>> import numpy as np
    >>> lab = np.zeros((4, 4, 3), np.float32); points = np.zeros((4, 4, 5), np.float32)
    >>> points[..., 2] = 3.0
    >>> appearance(points, lab).shape, float(appearance(points, lab)[0, 0, 3])
    ((4, 4, 4), 3.0)
    """
    stacked = _native.with_residual(np.ascontiguousarray(points, dtype=np.float32),
                                    np.ascontiguousarray(lab, dtype=np.float32))
    if mask is None:
        return smooth(stacked, colour_sigma, out=stacked)
    # normalised convolution: pixels outside the mask lend no colour to those inside
    inside = mask.astype(np.float32)
    stacked[~mask] = 0.0
    weight = smooth(inside[..., None], colour_sigma)
    smooth(stacked, colour_sigma, out=stacked)
    return np.divide(stacked, np.maximum(weight, np.float32(1e-6)), out=stacked)


def region_totals(labels, values, n):
    """Pixel counts and summed `values` of every region, both float64."""
    sizes, means = region_means(labels, values, n)
    sizes = sizes.astype(np.float64)
    return sizes, means * sizes[:, None]
