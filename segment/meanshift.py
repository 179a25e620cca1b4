"""The mean shift core: every pixel's joint (x, y, range) vector climbs to its density mode.

The numba kernels in this module take only contiguous float32 arrays and plain numbers.
Range values are pre-scaled by ``1 / range_bandwidth`` so that the range window is the
unit ball; spatial coordinates stay in pixels and the spatial window is the square
``|x - x_i| <= h_s, |y - y_i| <= h_s``.

Two mode seekers are provided:

``exact``
    Every pixel runs its own mean shift iteration until the normalised shift falls
    below ``tol`` or ``max_iter`` is reached (Comaniciu & Meer 2002, section 4).
``fast``
    The basin-of-attraction speed-up of EDISON: while a trajectory climbs, the pixels
    it passes close by (within ``basin`` of the current point in the normalised joint
    space) are assigned the mode it reaches, and a trajectory that reaches an already
    converged pixel with a similar colour adopts that pixel's mode. Trajectories are
    run in fixed bands of rows, so results do not depend on the number of threads.

Memory: the range planes (4 bytes x channels per pixel), the convergence points
(4 bytes x (2 + channels) per pixel) and, for ``fast``, one int8 state per pixel.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

__all__ = ["seek_modes", "BAND_ROWS"]

#: Rows per independent band in the ``fast`` seeker (fixed, so that results do not
#: depend on the thread count).
BAND_ROWS = 32

_FLAT = 0
_GAUSSIAN = 1
#: Width of the vectorised column blocks, and of the sentinel padding.
LANES = 8
_SENTINEL = 1.0e4


@njit(cache=True, fastmath=True, inline="always")
def _window_mean(planes, colidx, width, hs, px, py, r, kernel, acc):
    """Weighted mean of the joint window around (px, py, r); returns the weight sum.

    ``planes`` is (3, H, width + LANES) with sentinel columns on the right, so that
    the column loop runs in fixed blocks of LANES that the compiler vectorises.
    ``acc`` receives the mean (x, y, r0, r1, r2).
    """
    height = planes.shape[1]
    r0 = max(0, int(math.ceil(py - hs)))
    r1 = min(height - 1, int(math.floor(py + hs)))
    c0 = max(0, int(math.ceil(px - hs)))
    c1 = min(width - 1, int(math.floor(px + hs)))
    c1f = np.float32(c1)
    nblk = (c1 - c0 + LANES) // LANES
    q0 = r[0]
    q1 = r[1]
    q2 = r[2]
    one = np.float32(1.0)
    zero = np.float32(0.0)
    sw = zero
    sy = zero
    sx = zero
    s0 = zero
    s1 = zero
    s2 = zero
    inv_hs2 = np.float32(1.0 / (hs * hs))
    for row in range(r0, r1 + 1):
        p0 = planes[0, row]
        p1 = planes[1, row]
        p2 = planes[2, row]
        rw = zero
        rx = zero
        a0 = zero
        a1 = zero
        a2 = zero
        if kernel == _FLAT:
            for b in range(nblk):
                base = c0 + LANES * b
                for k in range(LANES):
                    col = base + k
                    v0 = p0[col]
                    v1 = p1[col]
                    v2 = p2[col]
                    cf = colidx[col]
                    t0 = v0 - q0
                    t1 = v1 - q1
                    t2 = v2 - q2
                    d = t0 * t0 + t1 * t1 + t2 * t2
                    m = one if (d <= one) & (cf <= c1f) else zero
                    rw += m
                    rx += m * cf
                    a0 += m * v0
                    a1 += m * v1
                    a2 += m * v2
        else:
            dy2 = np.float32((row - py) * (row - py)) * inv_hs2
            for b in range(nblk):
                base = c0 + LANES * b
                for k in range(LANES):
                    col = base + k
                    v0 = p0[col]
                    v1 = p1[col]
                    v2 = p2[col]
                    cf = colidx[col]
                    t0 = v0 - q0
                    t1 = v1 - q1
                    t2 = v2 - q2
                    d = t0 * t0 + t1 * t1 + t2 * t2
                    dx = cf - px
                    g = np.float32(math.exp(-2.0 * (d + dx * dx * inv_hs2 + dy2)))
                    m = g if (d <= one) & (cf <= c1f) else zero
                    rw += m
                    rx += m * cf
                    a0 += m * v0
                    a1 += m * v1
                    a2 += m * v2
        sw += rw
        sx += rx
        sy += rw * np.float32(row)
        s0 += a0
        s1 += a1
        s2 += a2
    if sw > 0:
        inv = one / sw
        acc[0] = sx * inv
        acc[1] = sy * inv
        acc[2] = s0 * inv
        acc[3] = s1 * inv
        acc[4] = s2 * inv
    return sw


@njit(cache=True, fastmath=True, inline="always")
def _step(planes, colidx, width, hs, kernel, point, acc):
    """One mean shift step of ``point`` (x, y, r0, r1, r2); returns the squared
    normalised shift, or -1 when the window is empty."""
    sw = _window_mean(planes, colidx, width, hs, point[0], point[1], point[2:], kernel, acc)
    if sw <= 0:
        return np.float32(-1.0)
    dx = acc[0] - point[0]
    dy = acc[1] - point[1]
    shift = (dx * dx + dy * dy) / (hs * hs)
    for k in range(2, 5):
        dk = acc[k] - point[k]
        shift += dk * dk
        point[k] = acc[k]
    point[0] = acc[0]
    point[1] = acc[1]
    return shift


@njit(cache=True, fastmath=True, inline="always")
def _start(planes, row, col, point):
    point[0] = col
    point[1] = row
    for k in range(3):
        point[2 + k] = planes[k, row, col]


@njit(cache=True, parallel=True, fastmath=True)
def _seek_exact(planes, colidx, width, hs, kernel, tol2, max_iter, out):
    height = planes.shape[1]
    nout = out.shape[2]
    for row in prange(height):
        point = np.empty(5, np.float32)
        acc = np.zeros(5, np.float32)
        for col in range(width):
            _start(planes, row, col, point)
            for _ in range(max_iter):
                shift = _step(planes, colidx, width, hs, kernel, point, acc)
                if shift < tol2:
                    break
            for k in range(nout):
                out[row, col, k] = point[k]


@njit(cache=True, fastmath=True)
def _seek_band(planes, colidx, width, hs, kernel, tol2, max_iter, basin2, row_lo, row_hi,
               out, state):
    """Basin-of-attraction mode seeking over the rows [row_lo, row_hi).

    Pixels are visited in raster order. A trajectory claims every unclaimed pixel of
    the band that lies within the normalised joint distance ``sqrt(basin2)`` of one
    of its points; all of them receive the mode it converges to. A trajectory whose
    point comes within that distance of a converged pixel stops and adopts its mode.
    """
    nout = out.shape[2]
    point = np.empty(5, np.float32)
    acc = np.zeros(5, np.float32)
    path = np.empty((row_hi - row_lo) * width, np.int64)
    inv_hs2 = np.float32(1.0 / (hs * hs))
    reach = int(math.ceil(math.sqrt(basin2) * hs))
    # state: 0 = unclaimed, 1 = converged, 2 = claimed by the current trajectory
    for row in range(row_lo, row_hi):
        for col in range(width):
            if state[row, col] == 1:
                continue
            npath = 1
            path[0] = row * width + col
            state[row, col] = 2
            _start(planes, row, col, point)
            adopted = -1
            for _ in range(max_iter):
                shift = _step(planes, colidx, width, hs, kernel, point, acc)
                if shift < 0:
                    break
                cx = int(point[0] + 0.5)
                cy = int(point[1] + 0.5)
                best = basin2
                for yy in range(max(row_lo, cy - reach), min(row_hi, cy + reach + 1)):
                    ddy = (yy - point[1]) * (yy - point[1]) * inv_hs2
                    for xx in range(max(0, cx - reach), min(width, cx + reach + 1)):
                        st = state[yy, xx]
                        if st == 2:
                            continue
                        d = ddy + (xx - point[0]) * (xx - point[0]) * inv_hs2
                        for k in range(3):
                            t = planes[k, yy, xx] - point[2 + k]
                            d += t * t
                        if d < basin2:
                            if st == 1:
                                if d < best:
                                    best = d
                                    adopted = yy * width + xx
                            else:
                                state[yy, xx] = 2
                                path[npath] = yy * width + xx
                                npath += 1
                if adopted >= 0 or shift < tol2:
                    break
            if adopted >= 0:
                ay = adopted // width
                ax = adopted - ay * width
                for k in range(nout):
                    point[k] = out[ay, ax, k]
            for p in range(npath):
                py = path[p] // width
                px = path[p] - py * width
                state[py, px] = 1
                for k in range(nout):
                    out[py, px, k] = point[k]


@njit(cache=True, parallel=True)
def _seek_fast(planes, colidx, width, hs, kernel, tol2, max_iter, basin2, band_rows, out):
    height = planes.shape[1]
    state = np.zeros((height, width), np.int8)
    nbands = (height + band_rows - 1) // band_rows
    for b in prange(nbands):
        lo = b * band_rows
        hi = min(height, lo + band_rows)
        _seek_band(planes, colidx, width, hs, kernel, tol2, max_iter, basin2, lo, hi, out, state)


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
    method="fast",
    tol=1e-2,
    max_iter=100,
    basin=0.5,
):
    """Move every pixel's joint vector to its density mode.

    Parameters
    ----------
    lab : (H, W, C) float32 ndarray
        Range values (CIE Lab, or L alone) of every pixel, as from
        :func:`segment.features.lab_lattice`.
    spatial_bandwidth : float
        h_s, half-width of the square spatial window, in pixels.
    range_bandwidth : float
        h_r, radius of the range window, in the units of `lab` (CIE Lab ΔE).
    kernel : {'flat', 'gaussian'}, optional
        'flat' weighs every pixel in the window equally (the shadow of the
        Epanechnikov kernel); 'gaussian' weighs by ``exp(-2 d²)`` with d the
        normalised joint distance, truncated at the window.
    method : {'fast', 'exact'}, optional
        See the module documentation.
    tol : float, optional
        Stop when the shift, in bandwidth-normalised joint units, is below `tol`.
    max_iter : int, optional
        Most iterations a trajectory may take.
    basin : float, optional
        ``fast`` only: normalised joint distance within which a pixel joins the
        basin of a passing trajectory.

    Returns
    -------
    modes : (H, W, 2 + C) float32 ndarray
        Convergence point of each pixel: (x, y, range...), x the column and y the
        row in pixels, range in the units of `lab`.

    Notes
    -----
    Cost of ``exact``: O(N · (2 h_s + 1)² · iterations) for N pixels; ``fast`` runs
    far fewer trajectories. Extra memory: 4 · (2 + 2C) bytes per pixel.

    Examples
    --------
    >>> import numpy as np
    >>> lab = np.zeros((4, 4, 3), np.float32); lab[:, 2:, 0] = 50
    >>> modes = seek_modes(lab, 3, 5, method="exact")
    >>> modes.shape, float(modes[0, 0, 2]), float(modes[0, 3, 2])
    ((4, 4, 5), 0.0, 50.0)
    """
    lab = np.asarray(lab, dtype=np.float32)
    height, width, nch = lab.shape
    planes = _padded_planes(lab, range_bandwidth)
    colidx = np.arange(width + LANES, dtype=np.float32)
    kernel_id = {"flat": _FLAT, "gaussian": _GAUSSIAN}[kernel]
    out = np.empty((height, width, 2 + nch), np.float32)
    tol2 = np.float32(tol * tol)
    hs = np.float32(spatial_bandwidth)
    if method == "exact":
        _seek_exact(planes, colidx, width, hs, kernel_id, tol2, int(max_iter), out)
    elif method == "fast":
        _seek_fast(planes, colidx, width, hs, kernel_id, tol2, int(max_iter),
                   np.float32(basin * basin), BAND_ROWS, out)
    else:
        raise ValueError(f"method must be 'fast' or 'exact'; got {method!r}")
    out[..., 2:] *= np.float32(range_bandwidth)
    return out
