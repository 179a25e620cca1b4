"""A slow, obviously correct reference of mean shift steps 1-2 (mode seeking).

Not a test module: the tests compare :func:`segment.meanshift.seek_modes` with
``method="exact"`` against :func:`reference_modes` on tiny images.

The semantics, stated once (Comaniciu & Meer 2002, section 4):

* every pixel j has the joint vector (x_j, y_j, r_j): x the column, y the row, r its
  Lab (or L) value;
* the window of a point (x, y, r) holds every pixel j with ``|x_j - x| <= h_s``,
  ``|y_j - y| <= h_s`` and ``||r_j - r||² <= h_r²``;
* the flat kernel moves the point to the plain mean of the joint vectors in the
  window; the Gaussian kernel to their mean weighted by
  ``exp(-2 (||(x_j, y_j) - (x, y)||² / h_s² + ||r_j - r||² / h_r²))``;
* a trajectory starts at the pixel's own vector and takes steps until the squared
  normalised shift ``||dxy||² / h_s² + ||dr||² / h_r²`` of the step just taken is
  below ``tol²``, or ``max_iter`` steps were taken; an empty window stops it where it is;
* the result is the final point, laid out (x, y, r...).

Everything is float64 NumPy; the only loops are over pixels and steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["reference_modes", "Margins"]


@dataclass
class Margins:
    """How far the reference run stayed from the decisions a float32 kernel could flip.

    spatial : smallest | |x_j - x| - h_s | (or the same for y) over every window built,
        in pixels: a pixel that close to the window edge may fall on either side.
    range : smallest | ||r_j - r|| - h_r | over the pixels inside the spatial window,
        in range units.
    stop : smallest | shift² - tol² | / tol² over every step taken.
    """

    spatial: float = np.inf
    range: float = np.inf
    stop: float = np.inf


def reference_modes(lab, spatial_bandwidth, range_bandwidth, *, kernel="flat", tol=1e-2,
                    max_iter=100):
    """Mean shift convergence point of every pixel, by brute force.

    Parameters
    ----------
    lab : (H, W, C) array
        Range values of the pixels (C = 3 for Lab, 1 for L alone).
    spatial_bandwidth, range_bandwidth : float
        h_s in pixels and h_r in range units.
    kernel : {'flat', 'gaussian'}
    tol : float
        Stop when the normalised shift is below `tol`.
    max_iter : int
        Most steps per trajectory.

    Returns
    -------
    points : (H, W, 2 + C) float64 ndarray
        (x, y, range...) of every pixel's convergence point.
    margins : Margins
        Closest calls of the run (see :class:`Margins`).
    """
    if kernel not in ("flat", "gaussian"):
        raise ValueError(f"unknown kernel {kernel!r}")
    lab = np.asarray(lab, dtype=np.float64)
    height, width, nch = lab.shape
    hs = float(spatial_bandwidth)
    hr = float(range_bandwidth)
    yy, xx = np.mgrid[0:height, 0:width]
    # every pixel's joint vector, one per row: (x, y, r...)
    joint = np.concatenate(
        [xx.reshape(-1, 1), yy.reshape(-1, 1), lab.reshape(-1, nch)], axis=1
    ).astype(np.float64)
    scale = np.array([hs, hs] + [hr] * nch)
    tol2 = float(tol) ** 2
    margins = Margins()
    points = np.empty_like(joint)
    for i in range(joint.shape[0]):
        point = joint[i].copy()
        for _ in range(max_iter):
            ax = np.abs(joint[:, 0] - point[0])
            ay = np.abs(joint[:, 1] - point[1])
            spatial = (ax <= hs) & (ay <= hs)
            dr2 = np.sum((joint[:, 2:] - point[2:]) ** 2, axis=1)
            inside = spatial & (dr2 <= hr * hr)
            margins.spatial = min(margins.spatial, np.abs(ax - hs).min(), np.abs(ay - hs).min())
            margins.range = min(margins.range, np.abs(np.sqrt(dr2[spatial]) - hr).min())
            if not inside.any():
                break
            window = joint[inside]
            if kernel == "flat":
                new = window.mean(axis=0)
            else:
                d2 = np.sum(((window - point) / scale) ** 2, axis=1)
                weights = np.exp(-2.0 * d2)
                new = weights @ window / weights.sum()
            shift2 = float(np.sum(((new - point) / scale) ** 2))
            margins.stop = min(margins.stop, abs(shift2 - tol2) / tol2)
            point = new
            if shift2 < tol2:
                break
        points[i] = point
    return points.reshape(height, width, 2 + nch), margins
