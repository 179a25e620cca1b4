"""The mean shift core: every pixel's joint (x, y, range) vector climbs to its density mode.

The compiled kernels (``src/native/meanshift.cpp``) take only contiguous float32 arrays
and plain numbers.
Range values are pre-scaled by ``1 / range_bandwidth`` so that the range window is the
unit ball; spatial coordinates stay in pixels and the spatial window is the square
``|x - x_i| <= h_s, |y - y_i| <= h_s``. Each window row is read as one contiguous
run of whole LANES-wide blocks (with sentinel padding on the right) so that the
compiler vectorises it; the flat kernel reads the window one column block at a
time, down its rows, and sums the colours' offsets from the current point (which
keeps every value of a block in registers). The threads share the image rows
interleaved (0, 16, 32, ..., 1, 17, ...), so that a textured part of a photo is not
left to one thread.

Two mode seekers are provided:

``exact`` (the default)
    Every pixel runs its own mean shift iteration until the normalised shift falls
    below ``tol`` or ``max_iter`` is reached (Comaniciu & Meer 2002, section 4).
``fast``
    Seeded: every pixel of a sparse lattice, one per ``f x f`` block
    (``f = coarse_factor(h_s)``, about h_s / 5), runs the exact iteration above on
    the full-resolution image; every other pixel then takes the mode of the seed,
    among those of the 3x3 blocks around its own, whose colour is closest to its
    colour. The seeds' trajectories are those of the exact path, so only the
    assignment is approximate. Cost falls by about f² (4x at the default h_s = 10);
    the BSDS scores stay within 0.005 of ``exact``, but the label maps agree less
    (adjusted Rand index 0.83; see ``benchmarks/README.md``). For h_s < 7.5, f = 1
    and ``fast`` is ``exact``.

Both are deterministic and independent of the number of threads.

Memory: the padded range planes (12 bytes per pixel) and the convergence points
(4 bytes x (2 + channels) per pixel); ``fast`` adds the seeds' points, 1 / f² as many.
"""

from __future__ import annotations

import numpy as np

from . import _native

__all__ = ["seek_modes", "coarse_factor"]

_FLAT = 0
_GAUSSIAN = 1
#: Width of the vectorised column blocks, and of the sentinel padding.
LANES = 8
_SENTINEL = 1.0e4
#: The range value of the points of pixels outside a mask: no colour is near it.
OUTSIDE = np.float32(1.0e6)


def coarse_factor(spatial_bandwidth):
    """Seed spacing of the ``fast`` seeker for a spatial bandwidth: about h_s / 5.

    Examples
    --------
    >>> coarse_factor(7), coarse_factor(10), coarse_factor(16)
    (1, 2, 3)
    """
    return max(1, int(round(spatial_bandwidth / 5.0)))


def _padded_planes(lab, range_bandwidth):
    """(3, H, W + LANES) float32 range planes scaled by 1 / h_r, sentinel-padded."""
    height, width, nch = lab.shape
    planes = np.zeros((3, height, width + LANES), np.float32)
    planes[:, :, width:] = _SENTINEL
    inv = np.float32(1.0 / range_bandwidth)
    for k in range(nch):
        np.multiply(lab[:, :, k], inv, out=planes[k, :, :width])
    return planes


def seek_modes(
    lab,
    spatial_bandwidth,
    range_bandwidth,
    *,
    kernel="flat",
    method="exact",
    tol=1e-2,
    max_iter=100,
    factor=None,
    mask=None,
):
    """Move every pixel's joint vector to its density mode.

    Parameters
    ----------
    lab : (H, W, C) float32 ndarray
        Range values (CIE Lab, or L alone) of every pixel, as from
        :func:`segment.colour.lab_lattice`.
    spatial_bandwidth : float
        h_s, half-width of the square spatial window, in pixels.
    range_bandwidth : float
        h_r, radius of the range window, in the units of `lab` (CIE Lab ΔE).
    kernel : {'flat', 'gaussian'}, optional
        'flat' weighs every pixel in the window equally (the shadow of the
        Epanechnikov kernel); 'gaussian' weighs by ``exp(-2 d²)`` with d the
        normalised joint distance, truncated at the window.
    method : {'exact', 'fast'}, optional
        See the module documentation.
    tol : float, optional
        Stop when the shift, in bandwidth-normalised joint units, is below `tol`.
    max_iter : int, optional
        Most iterations a trajectory may take.
    factor : int, optional
        ``fast`` only: one seed per `factor` x `factor` block; default
        :func:`coarse_factor`.
    mask : (H, W) bool ndarray, optional
        Pixels outside it fall in no window; their points are set to
        :data:`OUTSIDE`, far from every colour.

    Returns
    -------
    points : (H, W, 2 + C) float32 ndarray
        Convergence point of each pixel: (x, y, range...), x the column and y the
        row in pixels, range in the units of `lab`.

    Notes
    -----
    Cost of ``exact``: O(N · (2 h_s + 1)² · iterations) for N pixels; ``fast``
    divides it by about f², plus O(9 N) for the assignment. Extra memory: about
    12 + 4 · (2 + C) bytes per pixel.

    Examples
    --------
    >>> import numpy as np
    >>> lab = np.zeros((4, 4, 3), np.float32); lab[:, 2:, 0] = 50
    >>> points = seek_modes(lab, 3, 5, method="exact")
    >>> points.shape, float(points[0, 0, 2]), float(points[0, 3, 2])
    ((4, 4, 5), 0.0, 50.0)
    """
    lab = np.asarray(lab, dtype=np.float32)
    height, width, nch = lab.shape
    kernel_id = {"flat": _FLAT, "gaussian": _GAUSSIAN}[kernel]
    if method not in ("fast", "exact"):
        raise ValueError(f"method must be 'fast' or 'exact'; got {method!r}")
    factor = coarse_factor(spatial_bandwidth) if factor is None else int(factor)
    if method == "exact" or factor <= 1 or min(height, width) < 2 * factor:
        factor = 1
    # float32 values, which the kernel takes as C++ floats without rounding
    tol2 = float(np.float32(tol * tol))
    planes = _padded_planes(lab, range_bandwidth)
    if mask is not None:
        planes[:, :, :width][:, ~mask] = _SENTINEL
    hs = float(np.float32(spatial_bandwidth))
    # the kernel writes the range values back in the units of `lab`: times h_r, in float32
    scale = float(np.float32(range_bandwidth))
    if factor == 1:
        out = np.empty((height, width, 2 + nch), np.float32)
        _native.seek_from(planes, hs, kernel_id, tol2, int(max_iter),
                          np.arange(height, dtype=np.int64), np.arange(width, dtype=np.int64),
                          scale, out)
    else:
        # one seed per factor x factor block, at its centre (clamped to the image)
        rows = np.minimum(np.arange(-(-height // factor), dtype=np.int64) * factor
                          + factor // 2, height - 1)
        cols = np.minimum(np.arange(-(-width // factor), dtype=np.int64) * factor
                          + factor // 2, width - 1)
        seed_points = np.empty((rows.size, cols.size, 2 + nch), np.float32)
        _native.seek_from(planes, hs, kernel_id, tol2, int(max_iter), rows, cols, scale,
                          seed_points)
        out = np.empty((height, width, 2 + nch), np.float32)
        _native.assign_seed_points(planes, rows, cols, factor, seed_points, out)
    if mask is not None:
        out[~mask, 2:] = OUTSIDE
    return out
