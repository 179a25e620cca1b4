// Kernels of segment/region_graph.py: the boundaries of the region adjacency graph,
// the interior mask of the regions and the per-pixel appearance features before
// smoothing.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
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

// The boundaries met so far, by key a * n + b (a < b): an open-addressing table from
// key to the boundary's index, and each boundary's pair count and summed contrast.
class BoundaryTable {
  public:
    explicit BoundaryTable(std::size_t expected) {
        rehash(std::max<std::size_t>(64, 2 * expected));
    }

    void add(std::int64_t key, double strength) {
        std::size_t slot = find(key);
        if (slots_[slot] < 0) {
            slots_[slot] = static_cast<std::int64_t>(keys.size());
            keys.push_back(key);
            length.push_back(0.0);
            contrast.push_back(0.0);
            if (2 * keys.size() > slots_.size()) rehash(2 * slots_.size());
            slot = find(key);
        }
        const std::int64_t i = slots_[slot];
        length[i] += 1.0;
        contrast[i] += strength;
    }

    std::vector<std::int64_t> keys;
    std::vector<double> length, contrast;

  private:
    std::size_t find(std::int64_t key) const {
        const std::size_t mask = slots_.size() - 1;
        std::size_t slot = static_cast<std::size_t>(
                               static_cast<std::uint64_t>(key) * 0x9E3779B97F4A7C15ull >> 20) &
                           mask;
        while (slots_[slot] >= 0 && keys[slots_[slot]] != key) slot = (slot + 1) & mask;
        return slot;
    }

    void rehash(std::size_t size) {
        std::size_t capacity = 64;
        while (capacity < size) capacity *= 2;
        slots_.assign(capacity, -1);
        for (std::size_t i = 0; i < keys.size(); ++i)
            slots_[find(keys[i])] = static_cast<std::int64_t>(i);
    }

    std::vector<std::int64_t> slots_;
};

// The 4-adjacent pixel pairs of different labels: every horizontal pair in raster
// order, then every vertical one, each adding 1 to its boundary's length and the
// mean of its two edge strengths (in double) to its contrast, in that order, so that
// each sum is the one NumPy's bincount forms over the same pairs. The boundaries come
// out sorted by (a, b).
template <typename L, typename E>
py::tuple boundary_edges(const carray<L> &labels, const carray<E> &edge_map) {
    require(labels.ndim() == 2 && edge_map.ndim() == 2 && labels.shape(0) == edge_map.shape(0) &&
                labels.shape(1) == edge_map.shape(1),
            "boundary_edges: labels and edge_map must be (H, W) of one shape");
    const py::ssize_t height = labels.shape(0), width = labels.shape(1);
    const L *lab = cdata(labels);
    const E *edge = cdata(edge_map);
    std::int64_t n = 0;
    for (py::ssize_t i = 0; i < height * width; ++i) {
        require(lab[i] >= 0, "boundary_edges: labels must not be negative");
        n = std::max<std::int64_t>(n, static_cast<std::int64_t>(lab[i]) + 1);
    }
    BoundaryTable table(static_cast<std::size_t>(std::min<std::int64_t>(n, 1 << 20)) * 3);
    {
        py::gil_scoped_release release;
        auto pair = [&](py::ssize_t i, py::ssize_t j) {
            const std::int64_t a = lab[i], b = lab[j];
            if (a == b) return;
            const double strength =
                0.5 * (static_cast<double>(edge[i]) + static_cast<double>(edge[j]));
            table.add(std::min(a, b) * n + std::max(a, b), strength);
        };
        for (py::ssize_t row = 0; row < height; ++row)
            for (py::ssize_t col = 0; col + 1 < width; ++col)
                pair(row * width + col, row * width + col + 1);
        for (py::ssize_t row = 0; row + 1 < height; ++row)
            for (py::ssize_t col = 0; col < width; ++col)
                pair(row * width + col, (row + 1) * width + col);
    }
    const py::ssize_t count = static_cast<py::ssize_t>(table.keys.size());
    std::vector<std::int64_t> order(static_cast<std::size_t>(count));
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](std::int64_t x, std::int64_t y) { return table.keys[x] < table.keys[y]; });
    carray<std::int64_t> edges({count, py::ssize_t{2}});
    carray<double> length({count}), contrast({count});
    std::int64_t *e = data(edges);
    double *len = data(length), *con = data(contrast);
    for (py::ssize_t k = 0; k < count; ++k) {
        const std::int64_t i = order[static_cast<std::size_t>(k)];
        e[2 * k] = table.keys[i] / n;
        e[2 * k + 1] = table.keys[i] % n;
        len[k] = table.length[i];
        con[k] = table.contrast[i];
    }
    return py::make_tuple(edges, length, contrast);
}

}  // namespace

void bind_region_graph(py::module_ &m) {
    m.def("boundary_edges", &boundary_edges<std::int32_t, float>, py::arg("labels").noconvert(),
          py::arg("edge_map").noconvert(),
          "int32 or int64 labels (H, W), float32 or float64 edge_map (H, W) -> the boundaries "
          "(E, 2) int64 sorted, their lengths and contrasts (E,) float64.");
    m.def("boundary_edges", &boundary_edges<std::int32_t, double>, py::arg("labels").noconvert(),
          py::arg("edge_map").noconvert());
    m.def("boundary_edges", &boundary_edges<std::int64_t, float>, py::arg("labels").noconvert(),
          py::arg("edge_map").noconvert());
    m.def("boundary_edges", &boundary_edges<std::int64_t, double>, py::arg("labels").noconvert(),
          py::arg("edge_map").noconvert());
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
