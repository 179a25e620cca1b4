"""The mean shift core: every pixel's joint (x, y, range) vector climbs to its density mode.

The numba kernels in this module take only contiguous float32 arrays and plain numbers.
Range values are pre-scaled by ``1 / range_bandwidth`` so that the range window is the
unit ball; spatial coordinates stay in pixels and the spatial window is the square
``|x - x_i| <= h_s, |y - y_i| <= h_s``. The column loop runs over fixed-width blocks
(with sentinel padding on the right) so that the compiler vectorises it.

Two mode seekers are provided:

``exact``
    Every pixel runs its own mean shift iteration until the normalised shift falls
    below ``tol`` or ``max_iter`` is reached (Comaniciu & Meer 2002, section 4).
``fast``
    Mean shift runs exactly from a lattice of seed pixels (step ``seed_stride(h_s)``);
    every other pixel reuses the mode of a neighbouring seed when it provably starts
    on the same path -- the same colour, or a first mean shift step that lands on the
    seed's first step -- and otherwise climbs on its own. Modes found this way agree
    with the exact ones except near basin boundaries (see ``benchmarks/README.md``).

Both are deterministic and independent of the number of threads.

Memory: the padded range planes (12 bytes per pixel), the convergence points
(4 bytes x (2 + channels) per pixel) and, for ``fast``, 20 bytes per seed.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

__all__ = ["seek_modes", "seed_stride"]

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


@njit(cache=True, parallel=True, fastmath=True)
def _seek_seeded(planes, colidx, width, hs, kernel, tol2, max_iter, stride, assign2, adopt2,
                 out):
    """Mean shift from a lattice of seeds; the other pixels reuse the seeds' modes.

    Phase 1 runs the exact iteration from every pixel of the lattice of step
    `stride`, remembering each seed's first iterate. Phase 2 visits every other
    pixel, with the (up to four) seeds at the corners of its lattice cell:

    a. if its colour is within ``sqrt(assign2)`` (normalised range distance) of a
       seed's colour, it takes the mode of the nearest such seed;
    b. otherwise it takes one mean shift step; if the result is within
       ``sqrt(adopt2)`` (normalised joint distance) of a seed's first iterate, the
       two trajectories have merged and it takes that seed's mode;
    c. otherwise it runs its own trajectory to convergence.

    Both phases are independent per row, so the result does not depend on the
    number of threads.
    """
    height = planes.shape[1]
    nout = out.shape[2]
    nseed_rows = (height + stride - 1) // stride
    nseed_cols = (width + stride - 1) // stride
    first = np.empty((nseed_rows, nseed_cols, 5), np.float32)
    inv_hs2 = np.float32(1.0 / (hs * hs))
    for si in prange(nseed_rows):
        row = si * stride
        point = np.empty(5, np.float32)
        acc = np.zeros(5, np.float32)
        for sj in range(nseed_cols):
            col = sj * stride
            _start(planes, row, col, point)
            for it in range(max_iter):
                shift = _step(planes, colidx, width, hs, kernel, point, acc)
                if it == 0:
                    for k in range(5):
                        first[si, sj, k] = point[k]
                if shift < tol2:
                    break
            for k in range(nout):
                out[row, col, k] = point[k]
    for row in prange(height):
        point = np.empty(5, np.float32)
        acc = np.zeros(5, np.float32)
        si0 = row // stride
        on_seed_row = si0 * stride == row
        for col in range(width):
            sj0 = col // stride
            if on_seed_row and sj0 * stride == col:
                continue
            # a. a corner seed of the same colour
            best_i = -1
            best_j = -1
            best = assign2
            for si in (si0, si0 + 1):
                if si >= nseed_rows:
                    continue
                for sj in (sj0, sj0 + 1):
                    if sj >= nseed_cols:
                        continue
                    d = np.float32(0.0)
                    for k in range(3):
                        t = planes[k, row, col] - planes[k, si * stride, sj * stride]
                        d += t * t
                    if d < best:
                        best = d
                        best_i = si
                        best_j = sj
            if best_i < 0:
                # b. one step, then a corner seed whose first iterate is close
                _start(planes, row, col, point)
                shift = _step(planes, colidx, width, hs, kernel, point, acc)
                best = adopt2
                for si in (si0, si0 + 1):
                    if si >= nseed_rows:
                        continue
                    for sj in (sj0, sj0 + 1):
                        if sj >= nseed_cols:
                            continue
                        dx = point[0] - first[si, sj, 0]
                        dy = point[1] - first[si, sj, 1]
                        d = (dx * dx + dy * dy) * inv_hs2
                        for k in range(2, 5):
                            t = point[k] - first[si, sj, k]
                            d += t * t
                        if d < best:
                            best = d
                            best_i = si
                            best_j = sj
                if best_i < 0 and shift >= tol2:
                    # c. its own trajectory
                    for _ in range(max_iter - 1):
                        shift = _step(planes, colidx, width, hs, kernel, point, acc)
                        if shift < tol2:
                            break
            if best_i >= 0:
                for k in range(nout):
                    out[row, col, k] = out[best_i * stride, best_j * stride, k]
            else:
                for k in range(nout):
                    out[row, col, k] = point[k]


def seed_stride(spatial_bandwidth):
    """Step of the ``fast`` seeker's seed lattice for a spatial bandwidth: about h_s / 3.5.

    Examples
    --------
    >>> seed_stride(7), seed_stride(10), seed_stride(2)
    (2, 3, 1)
    """
    return max(1, int(round(spatial_bandwidth / 3.5)))


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
    stride=None,
    assign=0.25,
    adopt=0.1,
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
    stride : int, optional
        ``fast`` only: step of the seed lattice; default :func:`seed_stride`.
    assign : float, optional
        ``fast`` only: normalised range distance under which a pixel takes the mode
        of a neighbouring seed of its colour.
    adopt : float, optional
        ``fast`` only: normalised joint distance under which a pixel's first step
        and a seed's first step count as the same path.

    Returns
    -------
    modes : (H, W, 2 + C) float32 ndarray
        Convergence point of each pixel: (x, y, range...), x the column and y the
        row in pixels, range in the units of `lab`.

    Notes
    -----
    Cost of ``exact``: O(N · (2 h_s + 1)² · iterations) for N pixels; ``fast`` runs
    full trajectories from about N / stride² seeds plus the pixels no seed stands
    for. Extra memory: about 12 + 4 · (2 + C) bytes per pixel.

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
        stride = seed_stride(spatial_bandwidth) if stride is None else int(stride)
        _seek_seeded(planes, colidx, width, hs, kernel_id, tol2, int(max_iter), stride,
                     np.float32(assign * assign), np.float32(adopt * adopt), out)
    else:
        raise ValueError(f"method must be 'fast' or 'exact'; got {method!r}")
    out[..., 2:] *= np.float32(range_bandwidth)
    return out
