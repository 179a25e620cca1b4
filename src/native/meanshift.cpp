// Kernels of segment/meanshift.py: every pixel's joint (x, y, range) vector climbs
// to its density mode, and the `fast` seeker's assignment of the seeds' modes.
//
// The range planes are (3, H, W + LANES) float32 with sentinel columns on the right,
// so that each row of a window is read as one contiguous run of whole LANES-wide
// blocks with no bounds checks. The flat kernel's sums over a window are kept in eight
// lanes (one per column of a block), added column block by column block, down the
// rows, and across the lanes once per window by one fixed tree: the baseline and AVX2
// clones therefore add in the same order and give the same modes.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "common.hpp"

namespace segment_native {

namespace {

constexpr int LANES = 8;
constexpr int FLAT = 0;

// Eight float32 lanes (a GCC vector extension): one AVX register in the AVX2 clone,
// two SSE registers in the baseline one, lane by lane the same arithmetic in both.
typedef float f8 __attribute__((vector_size(32)));
typedef std::int32_t i8 __attribute__((vector_size(32)));
// Passing them by value changes the ABI without AVX; every helper taking them is
// inlined, so no call passes one.
#pragma GCC diagnostic ignored "-Wpsabi"

// The helpers below are inlined into the cloned per-row body, so that they are
// compiled for its instruction set.
#define MS_INLINE inline __attribute__((always_inline))

MS_INLINE f8 load8(const float *p) {
    f8 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

MS_INLINE f8 splat(float x) { return f8{x, x, x, x, x, x, x, x}; }

// v in the lanes where `mask` is set (all bits), +0 elsewhere.
MS_INLINE f8 masked(f8 v, i8 mask) {
    i8 bits;
    std::memcpy(&bits, &v, sizeof bits);
    bits &= mask;
    f8 out;
    std::memcpy(&out, &bits, sizeof out);
    return out;
}

// The sum of the eight int32 lanes of v, in int64: a window's total may not fit in
// int32 where each of its lanes does.
MS_INLINE std::int64_t lane_sum(i8 v) {
    std::int64_t total = 0;
    for (int l = 0; l < LANES; ++l) total += v[l];
    return total;
}

// The sums of the eight lanes of a, b and c, each by the tree of a vectorised reduction
// over 8-wide registers: ((v0 + v4) + (v2 + v6)) + ((v1 + v5) + (v3 + v7)). The three
// trees are evaluated side by side in the lanes of two registers.
MS_INLINE void lane_sums(f8 a, f8 b, f8 c, float &sa, float &sb, float &sc) {
    // [a0+a4, a1+a5, a2+a6, a3+a7, b0+b4, b1+b5, b2+b6, b3+b7]
    const f8 ab = __builtin_shuffle(a, b, i8{0, 1, 2, 3, 8, 9, 10, 11}) +
                  __builtin_shuffle(a, b, i8{4, 5, 6, 7, 12, 13, 14, 15});
    // [c0+c4, c1+c5, c2+c6, c3+c7] twice
    const f8 cc = c + __builtin_shuffle(c, i8{4, 5, 6, 7, 0, 1, 2, 3});
    // lanes 0, 1: a's pairs (0, 2), (1, 3); lanes 2, 3: c's; lanes 4, 5: b's
    const f8 pairs = __builtin_shuffle(ab, cc, i8{0, 1, 8, 9, 4, 5, 12, 13}) +
                     __builtin_shuffle(ab, cc, i8{2, 3, 10, 11, 6, 7, 14, 15});
    const f8 sums = pairs + __builtin_shuffle(pairs, i8{1, 0, 3, 2, 5, 4, 7, 6});
    sa = sums[0];
    sc = sums[2];
    sb = sums[4];
}

// The padded planes and the settings of one mean shift run.
struct Lattice {
    const float *planes;
    py::ssize_t height, width, stride;  // stride: width + LANES
    // limit[i] = 1 for i < width + LANES, -1 for the last LANES entries
    const float *limit;
    py::ssize_t limit_size;
    float hs;
    float step_inv_hs2;   // 1 / h_s² in float, for the normalised shift
    float weight_inv_hs2; // 1 / h_s² in double, rounded to float, for the Gaussian weight
    int kernel;
    float tol2;
    long max_iter;
    float out_scale;  // the range values of the convergence points are written times this

    const float *at(int k, py::ssize_t row) const {
        return planes + (static_cast<py::ssize_t>(k) * height + row) * stride;
    }
};

// The window's range test for one block of one row: all bits set in the lanes where
// the squared range distance of (v0, v1, v2) to q is within `lim` (1 in the window's
// columns, -1 beyond it, so that one comparison masks both), 0 elsewhere; the
// offsets (v - q) of the colours inside are added to s0, s1, s2.
MS_INLINE i8 add_row(const float *p0, const float *p1, const float *p2, f8 q0, f8 q1, f8 q2,
                     f8 lim, f8 &s0, f8 &s1, f8 &s2) {
    const f8 v0 = load8(p0), v1 = load8(p1), v2 = load8(p2);
    const f8 t0 = v0 - q0, t1 = v1 - q1, t2 = v2 - q2;
    const i8 inside = t0 * t0 + t1 * t1 + t2 * t2 <= lim;
    s0 += masked(t0, inside);
    s1 += masked(t1, inside);
    s2 += masked(t2, inside);
    return inside;
}

constexpr f8 IOTA = {0.0f, 1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f, 7.0f};
constexpr i8 IOTA_I = {0, 1, 2, 3, 4, 5, 6, 7};

// Flat-kernel sums of the window rows r0 .. r1 and the n columns from c0 (whole blocks;
// lim masks the columns beyond the window): the pixel count into sums[0], the column
// and row sums into sums[1], sums[2], the colours' offsets from q into sums[3..5]
// (offsets, not colours: the values of a block then stay in registers). The window
// is read column block by column block, each block down its rows, so that the
// block's limit stays in a register and its counts are running sums: `run` holds,
// lane by lane, the pixels inside so far (negated), and `tri` adds `run` after every
// row, which counts each pixel once for every row from its own down to r1. The counts
// are integers, added exactly in int32 lanes (seek_from checks that they fit), and
// equal to the float sums of the same integers. The offsets are summed in eight lanes
// over the whole window and across the lanes once, at the end.
MS_INLINE void flat_window(const Lattice &L, const float *lim, py::ssize_t r0, py::ssize_t r1,
                           py::ssize_t c0, py::ssize_t n, const float *q, float *sums) {
    const f8 q0 = splat(q[0]), q1 = splat(q[1]), q2 = splat(q[2]);
    const py::ssize_t s = L.stride, rows = r1 - r0 + 1;
    f8 s0 = {}, s1 = {}, s2 = {};
    i8 w = {}, sx = {}, tri_all = {};
    i8 col = IOTA_I;
    const float *b0 = L.at(0, r0) + c0, *b1 = L.at(1, r0) + c0, *b2 = L.at(2, r0) + c0;
    for (py::ssize_t j = 0; j < n; j += LANES, col += LANES) {
        const f8 lj = load8(lim + j);
        const float *a0 = b0 + j, *a1 = b1 + j, *a2 = b2 + j;
        i8 run = {}, tri = {};
        py::ssize_t k = 0;
        for (; k + 1 < rows; k += 2, a0 += 2 * s, a1 += 2 * s, a2 += 2 * s) {
            run += add_row(a0, a1, a2, q0, q1, q2, lj, s0, s1, s2);
            tri += run;
            run += add_row(a0 + s, a1 + s, a2 + s, q0, q1, q2, lj, s0, s1, s2);
            tri += run;
        }
        if (k < rows) {
            run += add_row(a0, a1, a2, q0, q1, q2, lj, s0, s1, s2);
            tri += run;
        }
        w -= run;
        sx -= run * col;
        tri_all -= tri;
    }
    // tri_all sums (rows - row offset) over the pixels inside, so the row offsets sum
    // to rows * count - that
    const std::int64_t count = lane_sum(w);
    sums[0] = static_cast<float>(count);
    sums[1] = static_cast<float>(c0 * count + lane_sum(sx));
    sums[2] = static_cast<float>((r0 + rows) * count - lane_sum(tri_all));
    lane_sums(s0, s1, s2, sums[3], sums[4], sums[5]);
}

// Gaussian-kernel sums of window row `row`, added to sums. The weight exp(-2 d²) of
// the normalised joint distance is computed in double, lane by lane; columns beyond
// the window (col > c1) and colours beyond the range window weigh 0.
MS_INLINE void gaussian_row(const Lattice &L, py::ssize_t c0, py::ssize_t c1, py::ssize_t n,
                            py::ssize_t row, float px, float py, const float *q, float *sums) {
    const f8 q0 = splat(q[0]), q1 = splat(q[1]), q2 = splat(q[2]);
    const f8 one = splat(1.0f), c1f = splat(static_cast<float>(c1)), inv = splat(L.weight_inv_hs2);
    const double ry = static_cast<double>(row) - static_cast<double>(py);
    const f8 dy2 = splat(static_cast<float>(ry * ry) * L.weight_inv_hs2);
    const float *a0 = L.at(0, row) + c0, *a1 = L.at(1, row) + c0, *a2 = L.at(2, row) + c0;
    f8 rw = {}, rx = {}, s0 = {}, s1 = {}, s2 = {};
    f8 col = IOTA + static_cast<float>(c0);
    for (py::ssize_t j = 0; j < n; j += LANES, col += 8.0f) {
        const f8 v0 = load8(a0 + j), v1 = load8(a1 + j), v2 = load8(a2 + j);
        const f8 t0 = v0 - q0, t1 = v1 - q1, t2 = v2 - q2;
        const f8 d = t0 * t0 + t1 * t1 + t2 * t2;
        const f8 dx = col - px;
        const f8 e = d + dx * dx * inv + dy2;
        f8 g;
        for (int l = 0; l < LANES; ++l) g[l] = static_cast<float>(std::exp(-2.0 * e[l]));
        const f8 m = masked(g, (d <= one) & (col <= c1f));
        rw += m;
        rx += m * col;
        s0 += m * v0;
        s1 += m * v1;
        s2 += m * v2;
    }
    float wsum, xsum, t0, t1, t2, unused;
    lane_sums(rw, rx, s0, wsum, xsum, t0);
    lane_sums(s1, s2, s2, t1, t2, unused);
    sums[0] += wsum;
    sums[1] += xsum;
    sums[2] += wsum * static_cast<float>(row);
    sums[3] += t0;
    sums[4] += t1;
    sums[5] += t2;
}

// Weighted mean (x, y, r0, r1, r2) of the joint window around point into acc;
// returns the weight sum (acc is left alone when it is 0).
MS_INLINE float window_mean(const Lattice &L, const float *point, float *acc) {
    const float px = point[0], py = point[1];
    const py::ssize_t r0 = static_cast<py::ssize_t>(std::max(0.0f, std::ceil(py - L.hs)));
    const py::ssize_t r1 = static_cast<py::ssize_t>(
        std::min(static_cast<float>(L.height - 1), std::floor(py + L.hs)));
    const py::ssize_t c0 = static_cast<py::ssize_t>(std::max(0.0f, std::ceil(px - L.hs)));
    const py::ssize_t c1 = static_cast<py::ssize_t>(
        std::min(static_cast<float>(L.width - 1), std::floor(px + L.hs)));
    const py::ssize_t n = ((c1 - c0 + LANES) / LANES) * LANES;
    float sums[6] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    if (L.kernel == FLAT) {
        // lim[j] = 1 for j <= c1 - c0, -1 after
        const float *lim = L.limit + (L.limit_size - LANES - (c1 - c0 + 1));
        flat_window(L, lim, r0, r1, c0, n, point + 2, sums);
    } else {
        for (py::ssize_t row = r0; row <= r1; ++row)
            gaussian_row(L, c0, c1, n, row, px, py, point + 2, sums);
    }
    const float sw = sums[0];
    if (sw > 0.0f) {
        const float inv = 1.0f / sw;
        acc[0] = sums[1] * inv;
        acc[1] = sums[2] * inv;
        // the flat kernel sums the colours' offsets from the point, the Gaussian the colours
        for (int k = 2; k < 5; ++k)
            acc[k] = L.kernel == FLAT ? point[k] + sums[k + 1] * inv : sums[k + 1] * inv;
    }
    return sw;
}

// One mean shift step of point (x, y, r0, r1, r2); returns the squared normalised
// shift, or -1 when the window is empty.
MS_INLINE float step(const Lattice &L, float *point, float *acc) {
    if (!(window_mean(L, point, acc) > 0.0f)) return -1.0f;
    const float dx = acc[0] - point[0], dy = acc[1] - point[1];
    float shift = (dx * dx + dy * dy) * L.step_inv_hs2;
    for (int k = 2; k < 5; ++k) {
        const float dk = acc[k] - point[k];
        shift += dk * dk;
        point[k] = acc[k];
    }
    point[0] = acc[0];
    point[1] = acc[1];
    return shift;
}

// Mean shift from the pixels (row, cols[j]) into out[j, :nout], the range values
// times L.out_scale.
SEGMENT_CLONES void seek_row(const Lattice &L, py::ssize_t row, const std::int64_t *cols,
                             py::ssize_t ncols, float *out, int nout) {
    float point[5];
    float acc[5] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    for (py::ssize_t j = 0; j < ncols; ++j) {
        const py::ssize_t col = cols[j];
        point[0] = static_cast<float>(col);
        point[1] = static_cast<float>(row);
        for (int k = 0; k < 3; ++k) point[2 + k] = L.at(k, row)[col];
        for (long it = 0; it < L.max_iter; ++it) {
            if (step(L, point, acc) < L.tol2) break;
        }
        out[j * nout] = point[0];
        out[j * nout + 1] = point[1];
        for (int k = 2; k < nout; ++k) out[j * nout + k] = point[k] * L.out_scale;
    }
}

// 0 .. n-1 in the order 0, 16, 32, ..., 1, 17, ...: split into contiguous chunks (one
// per thread), every chunk still samples the whole image, so that a textured half
// (many iterations a pixel) is not left to one thread.
std::vector<py::ssize_t> interleaved(py::ssize_t n, py::ssize_t stride = 16) {
    std::vector<py::ssize_t> order;
    order.reserve(static_cast<std::size_t>(n));
    for (py::ssize_t start = 0; start < stride; ++start)
        for (py::ssize_t i = start; i < n; i += stride) order.push_back(i);
    return order;
}

// Mean shift from the pixels (rows[i], cols[j]) into out[i, j]: every pixel for
// `exact`, the seeds for `fast`. planes: (3, H, W + LANES), sentinel-padded; the
// range values of the points are written times `scale` (back to the units of the
// image, from those of the planes).
void seek_from(const carray<float> &planes, float hs, int kernel, float tol2, long max_iter,
               const carray<std::int64_t> &rows, const carray<std::int64_t> &cols, float scale,
               carray<float> &out) {
    require(planes.ndim() == 3 && planes.shape(0) == 3 && planes.shape(2) > LANES,
            "seek_from: planes must be (3, H, W + LANES)");
    require(rows.ndim() == 1 && cols.ndim() == 1, "seek_from: rows and cols must be 1-D");
    require(out.ndim() == 3 && out.shape(0) == rows.shape(0) && out.shape(1) == cols.shape(0) &&
                out.shape(2) >= 3 && out.shape(2) <= 5,
            "seek_from: out must be (rows, cols, 3..5)");
    Lattice L;
    L.planes = cdata(planes);
    L.height = planes.shape(1);
    L.stride = planes.shape(2);
    L.width = L.stride - LANES;
    L.hs = hs;
    L.kernel = kernel;
    L.tol2 = tol2;
    L.max_iter = max_iter;
    L.out_scale = scale;
    const std::int64_t *rp = cdata(rows), *cp = cdata(cols);
    const py::ssize_t nrows = rows.shape(0), ncols = cols.shape(0);
    const int nout = static_cast<int>(out.shape(2));
    float *dst = data(out);
    for (py::ssize_t i = 0; i < nrows; ++i)
        require(rp[i] >= 0 && rp[i] < L.height, "seek_from: a row is outside the planes");
    for (py::ssize_t j = 0; j < ncols; ++j)
        require(cp[j] >= 0 && cp[j] < L.width, "seek_from: a column is outside the planes");
    {
        // the largest count or coordinate sum a lane of a flat window can hold
        const double span = std::floor(2.0 * static_cast<double>(hs)) + 1.0;
        const double rows_in = std::min(static_cast<double>(L.height), span);
        const double cols_in = std::min(static_cast<double>(L.width), span);
        require(kernel != FLAT || rows_in * (cols_in / LANES + 1.0) * std::max(rows_in, cols_in) <
                                      2147483647.0,
                "seek_from: the window is too large (more than about 2500 x 2500 pixels)");
    }
    py::gil_scoped_release release;
    // the shift is divided by h_s² as a product with its reciprocal, which every step
    // of every pixel shares
    L.step_inv_hs2 = 1.0f / (hs * hs);
    L.weight_inv_hs2 = static_cast<float>(1.0 / static_cast<double>(hs * hs));
    // a window never has more columns than the image
    std::vector<float> limit(static_cast<std::size_t>(L.width + 2 * LANES), 1.0f);
    std::fill(limit.end() - LANES, limit.end(), -1.0f);
    L.limit = limit.data();
    L.limit_size = static_cast<py::ssize_t>(limit.size());
    const std::vector<py::ssize_t> order = interleaved(nrows);
#pragma omp parallel for schedule(static)
    for (py::ssize_t t = 0; t < nrows; ++t) {
        const py::ssize_t i = order[static_cast<std::size_t>(t)];
        seek_row(L, rp[i], cp, ncols, dst + i * ncols * nout, nout);
    }
}

// Every pixel takes the convergence point of the seed, among those of the 3x3 blocks
// around its own, whose colour is closest to the pixel's colour (ties: the nearest
// seed). planes: (3, H, W + LANES); seed_points: (rows, cols, nout); out: (H, W, nout).
void assign_seed_points(const carray<float> &planes, const carray<std::int64_t> &rows,
                        const carray<std::int64_t> &cols, long factor,
                        const carray<float> &seed_points, carray<float> &out) {
    require(planes.ndim() == 3 && planes.shape(0) == 3, "assign_seed_points: planes must be 3-D");
    require(out.ndim() == 3 && seed_points.ndim() == 3, "assign_seed_points: points must be 3-D");
    const py::ssize_t height = out.shape(0), width = out.shape(1), nout = out.shape(2);
    const py::ssize_t ch = rows.shape(0), cw = cols.shape(0), stride = planes.shape(2);
    require(planes.shape(1) == height && stride >= width && factor >= 1 && ch >= 1 && cw >= 1,
            "assign_seed_points: shapes differ");
    require(seed_points.shape(0) == ch && seed_points.shape(1) == cw &&
                seed_points.shape(2) == nout,
            "assign_seed_points: seed_points must be (rows, cols, nout)");
    const float *pl = cdata(planes), *seeds = cdata(seed_points);
    const std::int64_t *rp = cdata(rows), *cp = cdata(cols);
    float *dst = data(out);
    py::gil_scoped_release release;
    const py::ssize_t plane = height * stride;
#pragma omp parallel for schedule(static)
    for (py::ssize_t row = 0; row < height; ++row) {
        const py::ssize_t ci0 = std::min<py::ssize_t>(ch - 1, row / factor);
        for (py::ssize_t col = 0; col < width; ++col) {
            const py::ssize_t cj0 = std::min<py::ssize_t>(cw - 1, col / factor);
            double best = std::numeric_limits<double>::infinity();
            py::ssize_t bi = ci0, bj = cj0;
            for (py::ssize_t ci = std::max<py::ssize_t>(0, ci0 - 1); ci < std::min(ch, ci0 + 2);
                 ++ci) {
                const py::ssize_t sr = rp[ci];
                for (py::ssize_t cj = std::max<py::ssize_t>(0, cj0 - 1);
                     cj < std::min(cw, cj0 + 2); ++cj) {
                    const py::ssize_t sc = cp[cj];
                    double d = 0.0;
                    for (int k = 0; k < 3; ++k) {
                        const float t = pl[k * plane + row * stride + col] -
                                        pl[k * plane + sr * stride + sc];
                        d += static_cast<double>(t * t);
                    }
                    d += 1e-6 * static_cast<double>((sc - col) * (sc - col) +
                                                    (sr - row) * (sr - row));
                    if (d < best) {
                        best = d;
                        bi = ci;
                        bj = cj;
                    }
                }
            }
            const float *src = seeds + (bi * cw + bj) * nout;
            for (py::ssize_t k = 0; k < nout; ++k) dst[(row * width + col) * nout + k] = src[k];
        }
    }
}

}  // namespace

void bind_meanshift(py::module_ &m) {
    m.def("seek_from", &seek_from, py::arg("planes").noconvert(), py::arg("hs"),
          py::arg("kernel"), py::arg("tol2"), py::arg("max_iter"), py::arg("rows").noconvert(),
          py::arg("cols").noconvert(), py::arg("scale"), py::arg("out").noconvert(),
          "Mean shift from the pixels (rows[i], cols[j]) of the padded planes into out[i, j], "
          "the range values times scale.");
    m.def("assign_seed_points", &assign_seed_points, py::arg("planes").noconvert(),
          py::arg("rows").noconvert(), py::arg("cols").noconvert(), py::arg("factor"),
          py::arg("seed_points").noconvert(), py::arg("out").noconvert(),
          "Every pixel takes the mode of the nearest-coloured seed of the 3x3 blocks around it.");
}

}  // namespace segment_native
