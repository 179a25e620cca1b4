// Kernels of segment/grouping.py: the 8-connected groups of pixels whose convergence
// points are close in range, by a union-find whose roots are the smallest pixel
// index of their set.
#include <vector>

#include "common.hpp"
#include "union_find.hpp"

namespace segment_native {

namespace {

using index_t = std::int64_t;

// Squared range distance of two points: each difference squared in float32, the
// squares summed in float64, channel by channel. `Fixed` > 0 is the number of
// range channels known at compile time (3 for Lab, 1 for grey).
template <int Fixed>
inline double range_distance2(const float *a, const float *b, py::ssize_t nrange) {
    const py::ssize_t count = Fixed > 0 ? Fixed : nrange;
    double d = 0.0;
    for (py::ssize_t k = 0; k < count; ++k) {
        const float t = a[k] - b[k];
        d += static_cast<double>(t * t);
    }
    return d;
}

// Unions every pixel of `row` with its right, down-left, down and down-right
// neighbours (every 8-neighbour pair once) closer than sqrt(threshold2); neighbours
// in rows from end_row on are left out, and with seam_only so is the right one
// (only the pairs into the next row).
template <int Fixed>
void link_row(const float *points, index_t *parent, double threshold2, py::ssize_t row,
              py::ssize_t width, py::ssize_t nch, py::ssize_t end_row, bool seam_only) {
    static const int steps[4][2] = {{0, 1}, {1, -1}, {1, 0}, {1, 1}};
    const py::ssize_t nrange = nch - 2;
    for (py::ssize_t col = 0; col < width; ++col) {
        const index_t i = row * width + col;
        const float *p = points + i * nch + 2;
        for (const auto &step : steps) {
            const py::ssize_t r2 = row + step[0], c2 = col + step[1];
            if (r2 >= end_row || c2 < 0 || c2 >= width || (seam_only && step[0] == 0)) continue;
            const index_t j = r2 * width + c2;
            if (range_distance2<Fixed>(p, points + j * nch + 2, nrange) < threshold2)
                unite(parent, i, j);
        }
    }
}

template <int Fixed>
void link_rows(const float *points, index_t *parent, double threshold2,
               const std::vector<py::ssize_t> &bounds, py::ssize_t width, py::ssize_t nch) {
    const int nstrips = static_cast<int>(bounds.size()) - 1;
    const py::ssize_t height = bounds.back();
    // a strip links and touches only its own pixels, so the strips are independent
#pragma omp parallel for schedule(static)
    for (int s = 0; s < nstrips; ++s) {
        for (index_t i = bounds[s] * width; i < bounds[s + 1] * width; ++i) parent[i] = i;
        for (py::ssize_t row = bounds[s]; row < bounds[s + 1]; ++row)
            link_row<Fixed>(points, parent, threshold2, row, width, nch, bounds[s + 1], false);
    }
    for (int s = 1; s < nstrips; ++s) {
        const py::ssize_t row = bounds[s] - 1;
        if (row < 0 || bounds[s] >= height) continue;
        // the pairs from the strip's last row into the next strip's first
        link_row<Fixed>(points, parent, threshold2, row, width, nch, height, true);
    }
}

// Root (smallest pixel index) of every pixel's group, flat (H * W,) int64. The
// groups, and so the roots, do not depend on the strips, which only share the work.
carray<index_t> group_pixels(const carray<float> &points, double threshold2, int nstrips) {
    require(points.ndim() == 3 && points.shape(2) >= 2, "group_pixels: points must be (H, W, 2 + C)");
    require(nstrips >= 1, "group_pixels: nstrips must be positive");
    const py::ssize_t height = points.shape(0), width = points.shape(1), nch = points.shape(2);
    carray<index_t> roots(height * width);
    const float *src = cdata(points);
    index_t *parent = data(roots);
    py::gil_scoped_release release;
    // the strip bounds of numpy.linspace(0, height, nstrips + 1), truncated
    std::vector<py::ssize_t> bounds(nstrips + 1);
    const double step = static_cast<double>(height) / nstrips;
    for (int s = 0; s < nstrips; ++s) bounds[s] = static_cast<py::ssize_t>(s * step);
    bounds[nstrips] = height;
    if (nch == 5) {
        link_rows<3>(src, parent, threshold2, bounds, width, nch);
    } else if (nch == 3) {
        link_rows<1>(src, parent, threshold2, bounds, width, nch);
    } else {
        link_rows<0>(src, parent, threshold2, bounds, width, nch);
    }
    // roots are smaller than their members: one pass in index order flattens
    for (index_t i = 0; i < height * width; ++i) parent[i] = parent[parent[i]];
    return roots;
}

}  // namespace

void bind_grouping(py::module_ &m) {
    m.def("group_pixels", &group_pixels, py::arg("points").noconvert(), py::arg("threshold2"),
          py::arg("nstrips"),
          "float32 points (H, W, 2 + C) -> int64 (H * W,) root, the smallest pixel index, "
          "of every pixel's group.");
}

}  // namespace segment_native
