// Kernels of segment/region_graph.py: the interior mask of the regions and the
// per-pixel appearance features before smoothing.
#include <algorithm>
#include <cmath>
#include <vector>

#include "common.hpp"

namespace segment_native {

namespace {

// near_row[col] = 1 where a boundary pixel of `row` (one with a 4-neighbour of
// another label) lies within `margin` columns, else 0; `border` is scratch of width.
template <typename L>
void near_boundary_row(const L *labels, py::ssize_t height, py::ssize_t width, py::ssize_t row,
                       py::ssize_t margin, std::uint8_t *border, std::uint8_t *near_row) {
    const L *above = labels + (row > 0 ? row - 1 : row) * width;
    const L *here = labels + row * width;
    const L *below = labels + (row + 1 < height ? row + 1 : row) * width;
    for (py::ssize_t col = 0; col < width; ++col) {
        const L v = here[col];
        const bool left = col > 0 && here[col - 1] != v;
        const bool right = col + 1 < width && here[col + 1] != v;
        border[col] = left || right || above[col] != v || below[col] != v;
    }
    // a running count of the boundary pixels in [col - margin, col + margin]
    py::ssize_t count = 0;
    for (py::ssize_t col = 0; col < std::min(margin, width); ++col) count += border[col];
    for (py::ssize_t col = 0; col < width; ++col) {
        if (col + margin < width) count += border[col + margin];
        if (col - margin - 1 >= 0) count -= border[col - margin - 1];
        near_row[col] = count > 0;
    }
}

// inside = no `near` pixel within `margin` rows, for rows [first, last): a running
// count per column over the window of rows, which moves down one row at a time.
void inside_rows(const std::uint8_t *near, bool *inside, py::ssize_t height, py::ssize_t width,
                 py::ssize_t margin, py::ssize_t first, py::ssize_t last) {
    std::vector<std::int32_t> count(width, 0);
    const py::ssize_t top = std::max<py::ssize_t>(first - margin, 0);
    const py::ssize_t bottom = std::min(first + margin + 1, height);
    for (py::ssize_t r = top; r < bottom; ++r)
        for (py::ssize_t col = 0; col < width; ++col) count[col] += near[r * width + col];
    for (py::ssize_t row = first; row < last; ++row) {
        bool *out = inside + row * width;
        for (py::ssize_t col = 0; col < width; ++col) out[col] = count[col] == 0;
        const py::ssize_t enter = row + margin + 1, leave = row - margin;
        if (enter < height)
            for (py::ssize_t col = 0; col < width; ++col) count[col] += near[enter * width + col];
        if (leave >= 0)
            for (py::ssize_t col = 0; col < width; ++col) count[col] -= near[leave * width + col];
    }
}

// True where no boundary pixel (one with a 4-neighbour of another label, on either
// side) lies within `margin` pixels, chessboard distance: within `margin` columns,
// then within `margin` rows of those.
template <typename L>
carray<bool> interior_mask(const carray<L> &labels, py::ssize_t margin) {
    require(labels.ndim() == 2, "interior_mask: labels must be (H, W)");
    require(margin >= 0, "interior_mask: margin must be non-negative");
    const py::ssize_t height = labels.shape(0), width = labels.shape(1);
    carray<bool> inside({height, width});
    const L *lab = cdata(labels);
    bool *out = data(inside);
    py::gil_scoped_release release;
    std::vector<std::uint8_t> near(static_cast<std::size_t>(height * width));
#pragma omp parallel
    {
        std::vector<std::uint8_t> border(width);
#pragma omp for schedule(static)
        for (py::ssize_t row = 0; row < height; ++row)
            near_boundary_row(lab, height, width, row, margin, border.data(), near.data() + row * width);
    }
    // blocks of rows, each starting its own window, long enough to amortise the start
    const py::ssize_t block = std::max<py::ssize_t>(64, 4 * margin);
    const py::ssize_t nblocks = (height + block - 1) / block;
#pragma omp parallel for schedule(static)
    for (py::ssize_t b = 0; b < nblocks; ++b)
        inside_rows(near.data(), out, height, width, margin, b * block,
                    std::min(height, (b + 1) * block));
    return inside;
}

// One row of the appearance features: the `nch` range values of lab, then the
// float32 distance of each pixel from its mode's range values (points[2:]).
template <int Fixed>
inline void residual_row_n(const float *points, const float *lab, float *out, py::ssize_t width,
                           py::ssize_t npoint, py::ssize_t nch) {
    const py::ssize_t count = Fixed > 0 ? Fixed : nch;
    for (py::ssize_t col = 0; col < width; ++col) {
        const float *p = points + col * npoint + 2;
        const float *v = lab + col * count;
        float *q = out + col * (count + 1);
        float d = 0.0f;
        for (py::ssize_t k = 0; k < count; ++k) {
            q[k] = v[k];
            const float t = v[k] - p[k];
            d += t * t;
        }
        q[count] = std::sqrt(d);
    }
}

SEGMENT_CLONES
void residual_row(const float *points, const float *lab, float *out, py::ssize_t width,
                  py::ssize_t npoint, py::ssize_t nch) {
    if (nch == 3) {
        residual_row_n<3>(points, lab, out, width, npoint, nch);
    } else if (nch == 1) {
        residual_row_n<1>(points, lab, out, width, npoint, nch);
    } else {
        residual_row_n<0>(points, lab, out, width, npoint, nch);
    }
}

// (H, W, C + 1) float32: the range values of lab (H, W, C) and, last, every pixel's
// distance from its mode's range values in points (H, W, 2 + C).
carray<float> with_residual(const carray<float> &points, const carray<float> &lab) {
    require(points.ndim() == 3 && lab.ndim() == 3, "with_residual: arrays must be (H, W, C)");
    const py::ssize_t height = lab.shape(0), width = lab.shape(1), nch = lab.shape(2);
    const py::ssize_t npoint = points.shape(2);
    require(points.shape(0) == height && points.shape(1) == width && npoint >= 2 + nch,
            "with_residual: points must be (H, W, 2 + C) for lab (H, W, C)");
    carray<float> out({height, width, nch + 1});
    const float *p = cdata(points);
    const float *l = cdata(lab);
    float *o = data(out);
    py::gil_scoped_release release;
#pragma omp parallel for schedule(static)
    for (py::ssize_t row = 0; row < height; ++row)
        residual_row(p + row * width * npoint, l + row * width * nch, o + row * width * (nch + 1),
                     width, npoint, nch);
    return out;
}

}  // namespace

void bind_region_graph(py::module_ &m) {
    m.def("interior_mask", &interior_mask<std::int32_t>, py::arg("labels").noconvert(),
          py::arg("margin"),
          "int32 or int64 labels (H, W) -> bool (H, W): no boundary pixel within margin "
          "pixels, chessboard distance.");
    m.def("interior_mask", &interior_mask<std::int64_t>, py::arg("labels").noconvert(),
          py::arg("margin"));
    m.def("with_residual", &with_residual, py::arg("points").noconvert(), py::arg("lab").noconvert(),
          "float32 points (H, W, 2 + C), lab (H, W, C) -> (H, W, C + 1): lab and the "
          "distance of each pixel from its mode's range values.");
}

}  // namespace segment_native
