"""The mean shift core: every pixel's joint (x, y, range) vector climbs to its density mode.

The numba kernels in this module take only contiguous float32 arrays and plain numbers.
Range values are pre-scaled by ``1 / range_bandwidth`` so that the range window is the
unit ball; spatial coordinates stay in pixels and the spatial window is the square
``|x - x_i| <= h_s, |y - y_i| <= h_s``. Each window row is read as one contiguous
run of whole LANES-wide blocks (with sentinel padding on the right) so that the
compiler vectorises it; the flat kernel reads four rows in each pass over the
columns, and the threads share the image rows interleaved (see ``_interleaved``),
so that a textured part of a photo is not left to one thread.

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

import math

import numpy as np
from numba import njit, prange

__all__ = ["seek_modes", "coarse_factor"]

_FLAT = 0
_GAUSSIAN = 1
#: Width of the vectorised column blocks, and of the sentinel padding.
LANES = 8
_SENTINEL = 1.0e4
#: The range value of the points of pixels outside a mask: no colour is near it.
OUTSIDE = np.float32(1.0e6)


# A compiled inner loop written out on purpose (about 100 lines): the four rows of a
# pass are unrolled by hand so that the compiler keeps the sums in registers.
@njit(cache=True, fastmath=True, inline="always")
def _flat_rows(planes, colidx, limit, c0, n, row, nrows, q0, q1, q2, sums):
    """Flat-kernel sums of `nrows` (1 or 4) window rows from `row`, added to ``sums``
    (weight, x, y, r0, r1, r2). ``limit[j]`` is 1 for the window's columns and -1
    beyond it, so that one comparison with the range distance masks both. Four rows
    share one pass over the columns: the per-row loop overhead and the horizontal
    sums of the vector accumulators are paid once for the four, and six accumulators
    (not one set per row) leave the 16 vector registers enough room to avoid spills."""
    one = np.float32(1.0)
    zero = np.float32(0.0)
    cols = colidx[c0:c0 + n]
    p0 = planes[0, row, c0:c0 + n]
    p1 = planes[1, row, c0:c0 + n]
    p2 = planes[2, row, c0:c0 + n]
    if nrows == 1:
        w0 = zero
        sx = zero
        s0 = zero
        s1 = zero
        s2 = zero
        for j in range(n):
            v0 = p0[j]
            v1 = p1[j]
            v2 = p2[j]
            t0 = v0 - q0
            t1 = v1 - q1
            t2 = v2 - q2
            m = one if t0 * t0 + t1 * t1 + t2 * t2 <= limit[j] else zero
            w0 += m
            sx += m * cols[j]
            s0 += m * v0
            s1 += m * v1
            s2 += m * v2
        sums[0] += w0
        sums[1] += sx
        sums[2] += w0 * np.float32(row)
    else:
        u0 = planes[0, row + 1, c0:c0 + n]
        u1 = planes[1, row + 1, c0:c0 + n]
        u2 = planes[2, row + 1, c0:c0 + n]
        x0 = planes[0, row + 2, c0:c0 + n]
        x1 = planes[1, row + 2, c0:c0 + n]
        x2 = planes[2, row + 2, c0:c0 + n]
        y0 = planes[0, row + 3, c0:c0 + n]
        y1 = planes[1, row + 3, c0:c0 + n]
        y2 = planes[2, row + 3, c0:c0 + n]
        w = zero
        wy = zero
        sx = zero
        s0 = zero
        s1 = zero
        s2 = zero
        # the four rows are written out on purpose: this is the innermost loop, and
        # straight-line code over four slices is what the compiler turns into one
        # vector pass with the accumulators held in registers
        for j in range(n):
            lim = limit[j]
            v0 = p0[j]
            v1 = p1[j]
            v2 = p2[j]
            t0 = v0 - q0
            t1 = v1 - q1
            t2 = v2 - q2
            m0 = one if t0 * t0 + t1 * t1 + t2 * t2 <= lim else zero
            s0 += m0 * v0
            s1 += m0 * v1
            s2 += m0 * v2
            v0 = u0[j]
            v1 = u1[j]
            v2 = u2[j]
            t0 = v0 - q0
            t1 = v1 - q1
            t2 = v2 - q2
            m1 = one if t0 * t0 + t1 * t1 + t2 * t2 <= lim else zero
            s0 += m1 * v0
            s1 += m1 * v1
            s2 += m1 * v2
            v0 = x0[j]
            v1 = x1[j]
            v2 = x2[j]
            t0 = v0 - q0
            t1 = v1 - q1
            t2 = v2 - q2
            m2 = one if t0 * t0 + t1 * t1 + t2 * t2 <= lim else zero
            s0 += m2 * v0
            s1 += m2 * v1
            s2 += m2 * v2
            v0 = y0[j]
            v1 = y1[j]
            v2 = y2[j]
            t0 = v0 - q0
            t1 = v1 - q1
            t2 = v2 - q2
            m3 = one if t0 * t0 + t1 * t1 + t2 * t2 <= lim else zero
            s0 += m3 * v0
            s1 += m3 * v1
            s2 += m3 * v2
            column = (m0 + m1) + (m2 + m3)
            w += column
            sx += column * cols[j]
            # rows row + 1, + 2, + 3 counted 1, 2 and 3 times: sy = row * w + wy
            wy += (m1 + m3) + (m2 + m2) + (m3 + m3)
        sums[0] += w
        sums[1] += sx
        sums[2] += w * np.float32(row) + wy
    sums[3] += s0
    sums[4] += s1
    sums[5] += s2


@njit(cache=True, fastmath=True, inline="always")
def _window_mean(planes, colidx, limit, width, hs, px, py, r, kernel, sums, acc):
    """Weighted mean of the joint window around (px, py, r); returns the weight sum.

    ``planes`` is (3, H, width + LANES) with sentinel columns on the right, so that
    each row of the window can be read as one contiguous run of whole blocks of
    LANES, with no bounds or negative-index checks: the compiler vectorises it.
    Columns of a block beyond the window are masked: by ``limit`` (flat kernel) or
    by their column index (Gaussian kernel). ``acc`` receives the mean
    (x, y, r0, r1, r2); ``sums`` is scratch of 6.
    """
    height = planes.shape[1]
    r0 = max(0, int(math.ceil(py - hs)))
    r1 = min(height - 1, int(math.floor(py + hs)))
    c0 = max(0, int(math.ceil(px - hs)))
    c1 = min(width - 1, int(math.floor(px + hs)))
    n = ((c1 - c0 + LANES) // LANES) * LANES
    q0 = r[0]
    q1 = r[1]
    q2 = r[2]
    one = np.float32(1.0)
    zero = np.float32(0.0)
    for k in range(6):
        sums[k] = zero
    if kernel == _FLAT:
        # limit[j] = 1 for j <= c1 - c0, -1 after (limit holds LANES ones per
        # possible window column, then LANES minus ones)
        start = limit.size - LANES - (c1 - c0 + 1)
        lim = limit[start:start + n]
        row = r0
        while row + 3 <= r1:
            _flat_rows(planes, colidx, lim, c0, n, row, 4, q0, q1, q2, sums)
            row += 4
        while row <= r1:
            _flat_rows(planes, colidx, lim, c0, n, row, 1, q0, q1, q2, sums)
            row += 1
    else:
        c1f = np.float32(c1)
        inv_hs2 = np.float32(1.0 / (hs * hs))
        cols = colidx[c0:c0 + n]
        for row in range(r0, r1 + 1):
            p0 = planes[0, row, c0:c0 + n]
            p1 = planes[1, row, c0:c0 + n]
            p2 = planes[2, row, c0:c0 + n]
            rw = zero
            rx = zero
            a0 = zero
            a1 = zero
            a2 = zero
            # the Gaussian weight needs an exponential per pixel; the flat rows above
            # stay free of it so that they compile to branch-free vector code
            dy2 = np.float32((row - py) * (row - py)) * inv_hs2
            for j in range(n):
                v0 = p0[j]
                v1 = p1[j]
                v2 = p2[j]
                cf = cols[j]
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
            sums[0] += rw
            sums[1] += rx
            sums[2] += rw * np.float32(row)
            sums[3] += a0
            sums[4] += a1
            sums[5] += a2
    sw = sums[0]
    if sw > 0:
        inv = one / sw
        for k in range(5):
            acc[k] = sums[k + 1] * inv
    return sw


@njit(cache=True, fastmath=True, inline="always")
def _step(planes, colidx, limit, width, hs, kernel, point, sums, acc):
    """One mean shift step of ``point`` (x, y, r0, r1, r2); returns the squared
    normalised shift, or -1 when the window is empty."""
    sw = _window_mean(planes, colidx, limit, width, hs, point[0], point[1], point[2:],
                      kernel, sums, acc)
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


@njit(cache=True)
def _interleaved(n, stride=16):
    """0..n-1 in the order 0, 16, 32, ..., 1, 17, ...: split into contiguous chunks
    (one per thread), every chunk still samples the whole image, so that a textured
    half (many iterations a pixel) is not left to one thread."""
    order = np.empty(n, np.int64)
    t = 0
    for start in range(stride):
        for i in range(start, n, stride):
            order[t] = i
            t += 1
    return order


@njit(cache=True, parallel=True, fastmath=True)
def _seek_from(planes, colidx, limit, width, hs, kernel, tol2, max_iter, rows, cols, out):
    """Mean shift from the pixels (rows[i], cols[j]) into out[i, j]: every pixel for
    ``exact``, the seeds for ``fast``. The rows are visited in :func:`_interleaved`
    order, so that each thread's share of them spans the whole image."""
    nout = out.shape[2]
    order = _interleaved(rows.size)
    for t in prange(rows.size):
        i = order[t]
        point = np.empty(5, np.float32)
        acc = np.zeros(5, np.float32)
        sums = np.zeros(6, np.float32)
        row = rows[i]
        for j in range(cols.size):
            _start(planes, row, cols[j], point)
            for _ in range(max_iter):
                shift = _step(planes, colidx, limit, width, hs, kernel, point, sums, acc)
                if shift < tol2:
                    break
            for k in range(nout):
                out[i, j, k] = point[k]


@njit(cache=True, parallel=True)
def _assign_seed_points(planes, rows, cols, factor, seed_points, out):
    """Give every pixel the convergence point of the seed, among those of the 3x3
    blocks around its own, whose colour is closest to the pixel's colour (ties: the
    nearest seed). A seed pixel takes its own point."""
    height, width, nout = out.shape
    ch = rows.size
    cw = cols.size
    for row in prange(height):
        ci0 = min(ch - 1, row // factor)
        for col in range(width):
            cj0 = min(cw - 1, col // factor)
            best = np.inf
            bi = ci0
            bj = cj0
            for ci in range(max(0, ci0 - 1), min(ch, ci0 + 2)):
                sr = rows[ci]
                for cj in range(max(0, cj0 - 1), min(cw, cj0 + 2)):
                    sc = cols[cj]
                    d = 0.0
                    for k in range(3):
                        t = planes[k, row, col] - planes[k, sr, sc]
                        d += t * t
                    d += 1e-6 * ((sc - col) * (sc - col) + (sr - row) * (sr - row))
                    if d < best:
                        best = d
                        bi = ci
                        bj = cj
            for k in range(nout):
                out[row, col, k] = seed_points[bi, bj, k]


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
    tol2 = np.float32(tol * tol)
    planes = _padded_planes(lab, range_bandwidth)
    if mask is not None:
        planes[:, :, :width][:, ~mask] = _SENTINEL
    colidx = np.arange(width + LANES, dtype=np.float32)
    # most columns of a window: 2 h_s + 1, and never more than the image has
    span = int(min(math.floor(2 * spatial_bandwidth) + 1, width))
    limit = np.concatenate([np.ones(span + LANES, np.float32),
                            -np.ones(LANES, np.float32)])
    hs = np.float32(spatial_bandwidth)
    if factor == 1:
        out = np.empty((height, width, 2 + nch), np.float32)
        _seek_from(planes, colidx, limit, width, hs, kernel_id, tol2, int(max_iter),
                   np.arange(height, dtype=np.int64), np.arange(width, dtype=np.int64), out)
    else:
        # one seed per factor x factor block, at its centre (clamped to the image)
        rows = np.minimum(np.arange(-(-height // factor), dtype=np.int64) * factor
                          + factor // 2, height - 1)
        cols = np.minimum(np.arange(-(-width // factor), dtype=np.int64) * factor
                          + factor // 2, width - 1)
        seed_points = np.empty((rows.size, cols.size, 2 + nch), np.float32)
        _seek_from(planes, colidx, limit, width, hs, kernel_id, tol2, int(max_iter), rows, cols,
                   seed_points)
        out = np.empty((height, width, 2 + nch), np.float32)
        _assign_seed_points(planes, rows, cols, factor, seed_points, out)
    out[..., 2:] *= np.float32(range_bandwidth)
    if mask is not None:
        out[~mask, 2:] = OUTSIDE
    return out
