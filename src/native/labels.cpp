// Kernels of segment/labels.py: renumbering label images in raster order and the
// per-label sums, accumulated serially in pixel order so that every float64 sum
// is the one numpy.bincount gives.
#include <algorithm>
#include <vector>

#include "common.hpp"

namespace segment_native {

namespace {

// The smallest and largest of the n values: a reduction the AVX2 clone vectorises
// (baseline x86-64 has no packed 32- or 64-bit integer min and max).
template <typename L>
inline void value_range_of(const L *flat, py::ssize_t n, L &low, L &top) {
    L lo = 0, hi = 0;
    for (py::ssize_t i = 0; i < n; ++i) {
        lo = flat[i] < lo ? flat[i] : lo;
        hi = flat[i] > hi ? flat[i] : hi;
    }
    low = lo;
    top = hi;
}

SEGMENT_CLONES
void value_range(const std::int32_t *flat, py::ssize_t n, std::int32_t &low, std::int32_t &top) {
    value_range_of(flat, n, low, top);
}

SEGMENT_CLONES
void value_range(const std::int64_t *flat, py::ssize_t n, std::int64_t &low, std::int64_t &top) {
    value_range_of(flat, n, low, top);
}

// Whether every one of the n ids lies in 0 .. m-1 (m >= 1).
template <typename L>
bool ids_index(const L *flat, py::ssize_t n, py::ssize_t m) {
    L low, top;
    value_range(flat, n, low, top);
    return low >= 0 && static_cast<py::ssize_t>(top) < m;
}

// dst[i] = the number of distinct values before the first appearance of value i,
// through lut (-1 for a value not seen yet); returns the number of distinct values.
// Value i is flat[i], or table[flat[i]] where a table is given.
template <typename L>
std::int32_t first_appearance(const L *__restrict flat, py::ssize_t n, std::int32_t *__restrict lut,
                              std::int32_t *__restrict dst,
                              const std::int32_t *__restrict table = nullptr) {
    std::int32_t count = 0;
    for (py::ssize_t i = 0; i < n; ++i) {
        const std::size_t v = table ? static_cast<std::size_t>(table[flat[i]])
                                    : static_cast<std::size_t>(flat[i]);
        if (lut[v] < 0) lut[v] = count++;
        dst[i] = lut[v];
    }
    return count;
}

// ids renumbered 0..n-1 in order of first appearance (the same shape, int32), and n.
template <typename L>
py::tuple raster_labels(const carray<L> &ids) {
    const std::vector<py::ssize_t> shape(ids.shape(), ids.shape() + ids.ndim());
    carray<std::int32_t> out(shape);
    const L *flat = cdata(ids);
    std::int32_t *dst = data(out);
    const py::ssize_t n = ids.size();
    std::int32_t count = 0;
    {
        py::gil_scoped_release release;
        L low, top;
        value_range(flat, n, low, top);
        require(low >= 0, "relabel_raster: labels must be non-negative");
        // the new labels count distinct values, which the int32 output holds too
        std::vector<std::int32_t> lut(static_cast<std::size_t>(top) + 1, -1);
        count = first_appearance(flat, n, lut.data(), dst);
    }
    return py::make_tuple(out, count);
}

// table[ids] (the same shape, int32) renumbered 0..n-1 in order of first appearance,
// n, and lut: the new label of each value 0 .. max(table) of the table (-1 for one no
// pixel takes), so that lut[table] renumbers the table itself.
template <typename L>
py::tuple relabel_through(const carray<L> &ids, const carray<std::int32_t> &table) {
    require(table.ndim() == 1 && table.size() > 0, "relabel_through: table must be 1-D, not empty");
    const std::vector<py::ssize_t> shape(ids.shape(), ids.shape() + ids.ndim());
    carray<std::int32_t> out(shape);
    const L *flat = cdata(ids);
    const std::int32_t *tab = cdata(table);
    std::int32_t *dst = data(out);
    const py::ssize_t n = ids.size(), m = table.size();
    std::int32_t tlow, ttop;
    value_range(tab, m, tlow, ttop);
    require(tlow >= 0, "relabel_through: the table's values must be non-negative");
    carray<std::int32_t> lut(static_cast<py::ssize_t>(ttop) + 1);
    std::int32_t *lu = data(lut);
    std::int32_t count = 0;
    {
        py::gil_scoped_release release;
        require(ids_index(flat, n, m), "relabel_through: ids must index the table");
        std::fill(lu, lu + ttop + 1, -1);
        count = first_appearance(flat, n, lu, dst, tab);
    }
    return py::make_tuple(out, count, lut);
}

// table[ids] (the same shape, int32) and the number of pixels of each value 0..n-1.
template <typename L>
py::tuple map_labels(const carray<L> &ids, const carray<std::int32_t> &table, py::ssize_t n) {
    require(table.ndim() == 1 && table.size() > 0, "map_labels: table must be 1-D, not empty");
    require(n >= 0, "map_labels: n must be non-negative");
    const std::vector<py::ssize_t> shape(ids.shape(), ids.shape() + ids.ndim());
    carray<std::int32_t> out(shape);
    carray<std::int64_t> counts(n);
    const L *flat = cdata(ids);
    const std::int32_t *tab = cdata(table);
    std::int32_t *dst = data(out);
    std::int64_t *cnt = data(counts);
    const py::ssize_t size = ids.size(), m = table.size();
    require(ids_index(tab, m, n), "map_labels: the table's values must lie in 0 .. n-1");
    {
        py::gil_scoped_release release;
        require(ids_index(flat, size, m), "map_labels: ids must index the table");
        std::fill(cnt, cnt + n, 0);
#pragma omp parallel
        {
            std::vector<std::int64_t> local(static_cast<std::size_t>(n), 0);
#pragma omp for schedule(static) nowait
            for (py::ssize_t i = 0; i < size; ++i) {
                const std::int32_t v = tab[static_cast<std::size_t>(flat[i])];
                dst[i] = v;
                ++local[v];
            }
#pragma omp critical
            for (py::ssize_t v = 0; v < n; ++v) cnt[v] += local[v];
        }
    }
    return py::make_tuple(out, counts);
}

// out[i, :] = values[ids[i], :] for (n, C) values: per-region rows brought to every
// pixel, in parallel.
template <typename L, typename T>
carray<T> take_rows(const carray<T> &values, const carray<L> &ids) {
    require(values.ndim() == 2, "take_rows: values must be (n, C)");
    const py::ssize_t n = values.shape(0), nch = values.shape(1), size = ids.size();
    std::vector<py::ssize_t> shape(ids.shape(), ids.shape() + ids.ndim());
    shape.push_back(nch);
    carray<T> out(shape);
    const L *flat = cdata(ids);
    const T *src = cdata(values);
    T *dst = data(out);
    {
        py::gil_scoped_release release;
        require(n > 0 ? ids_index(flat, size, n) : size == 0,
                "take_rows: every id must lie in 0 .. n-1");
        if (nch == 3) {
#pragma omp parallel for schedule(static)
            for (py::ssize_t i = 0; i < size; ++i) {
                const T *row = src + static_cast<py::ssize_t>(flat[i]) * 3;
                dst[3 * i] = row[0];
                dst[3 * i + 1] = row[1];
                dst[3 * i + 2] = row[2];
            }
        } else {
#pragma omp parallel for schedule(static)
            for (py::ssize_t i = 0; i < size; ++i) {
                const T *row = src + static_cast<py::ssize_t>(flat[i]) * nch;
                std::copy(row, row + nch, dst + i * nch);
            }
        }
    }
    return out;
}

template <typename L>
void bind_take_rows(py::module_ &m) {
    m.def("take_rows", &take_rows<L, std::uint8_t>, py::arg("values").noconvert(),
          py::arg("ids").noconvert());
    m.def("take_rows", &take_rows<L, std::uint16_t>, py::arg("values").noconvert(),
          py::arg("ids").noconvert());
    m.def("take_rows", &take_rows<L, float>, py::arg("values").noconvert(),
          py::arg("ids").noconvert());
    m.def("take_rows", &take_rows<L, double>, py::arg("values").noconvert(),
          py::arg("ids").noconvert());
}

inline void check_label(bool ok) {
    require(ok, "label sums: every label must lie in 0 .. n-1");
}

// A read-only (H, W, C) view by byte strides.
template <typename V>
struct strided {
    const char *base;
    py::ssize_t s0, s1, s2;
    V at(py::ssize_t row, py::ssize_t col, py::ssize_t k) const {
        return *reinterpret_cast<const V *>(base + row * s0 + col * s1 + k * s2);
    }
};

// Adds each pixel's count and values to its label's, in pixel order; false at the
// first label outside 0 .. n-1. `Fixed` > 0 is the channel count known at compile time.
template <int Fixed, typename L, typename V>
bool accumulate(const L *lab, const strided<V> &values, py::ssize_t height, py::ssize_t width,
                py::ssize_t nch, py::ssize_t n, std::int64_t *size, double *sum) {
    const py::ssize_t count = Fixed > 0 ? Fixed : nch;
    for (py::ssize_t row = 0; row < height; ++row) {
        for (py::ssize_t col = 0; col < width; ++col) {
            const L label = lab[row * width + col];
            if (label < 0 || label >= n) return false;
            ++size[label];
            double *q = sum + label * count;
            for (py::ssize_t k = 0; k < count; ++k)
                q[k] += static_cast<double>(values.at(row, col, k));
        }
    }
    return true;
}

// Pixel count (int64) and float64 sum of values (H, W, C) of each of n labels;
// `values` may be a strided view (such as the range part of the points), read in place.
template <typename L, typename V>
py::tuple label_sums(const carray<L> &labels, const py::array_t<V> &values, py::ssize_t n) {
    require(labels.ndim() == 2 && values.ndim() == 3, "label_sums: (H, W) labels, (H, W, C) values");
    const py::ssize_t height = labels.shape(0), width = labels.shape(1), nch = values.shape(2);
    require(values.shape(0) == height && values.shape(1) == width, "label_sums: shapes differ");
    require(n >= 0, "label_sums: n must be non-negative");
    carray<std::int64_t> sizes(n);
    carray<double> sums({n, nch});
    const L *lab = cdata(labels);
    const char *base = reinterpret_cast<const char *>(values.data());
    const py::ssize_t s0 = values.strides(0), s1 = values.strides(1), s2 = values.strides(2);
    std::int64_t *size = data(sizes);
    double *sum = data(sums);
    bool ok = true;
    {
        py::gil_scoped_release release;
        std::fill(size, size + n, 0);
        std::fill(sum, sum + n * nch, 0.0);
        const strided<V> view{base, s0, s1, s2};
        if (nch == 3) {
            ok = accumulate<3>(lab, view, height, width, nch, n, size, sum);
        } else if (nch == 1) {
            ok = accumulate<1>(lab, view, height, width, nch, n, size, sum);
        } else {
            ok = accumulate<0>(lab, view, height, width, nch, n, size, sum);
        }
    }
    check_label(ok);
    return py::make_tuple(sizes, sums);
}

// float64 sum of values (H, W) and count of the pixels where mask holds, per label.
template <typename L, typename V>
py::tuple masked_label_sums(const carray<L> &labels, const carray<V> &values,
                            const carray<bool> &mask, py::ssize_t n) {
    require(labels.ndim() == 2, "masked_label_sums: labels must be (H, W)");
    const py::ssize_t size = labels.size();
    require(values.ndim() == 2 && mask.ndim() == 2 && values.shape(0) == labels.shape(0)
                && values.shape(1) == labels.shape(1) && mask.shape(0) == labels.shape(0)
                && mask.shape(1) == labels.shape(1),
            "masked_label_sums: shapes differ");
    require(n >= 0, "masked_label_sums: n must be non-negative");
    carray<double> sums(n), counts(n);
    const L *lab = cdata(labels);
    const V *val = cdata(values);
    const bool *inside = cdata(mask);
    double *sum = data(sums), *count = data(counts);
    bool ok = true;
    {
        py::gil_scoped_release release;
        std::fill(sum, sum + n, 0.0);
        std::fill(count, count + n, 0.0);
        for (py::ssize_t i = 0; i < size; ++i) {
            if (!inside[i]) continue;
            const L label = lab[i];
            if (label < 0 || label >= n) {
                ok = false;
                break;
            }
            sum[label] += static_cast<double>(val[i]);
            count[label] += 1.0;
        }
    }
    check_label(ok);
    return py::make_tuple(sums, counts);
}

template <typename L>
void bind_sums(py::module_ &m) {
    m.def("label_sums", &label_sums<L, float>, py::arg("labels").noconvert(),
          py::arg("values").noconvert(), py::arg("n"));
    m.def("label_sums", &label_sums<L, double>, py::arg("labels").noconvert(),
          py::arg("values").noconvert(), py::arg("n"));
    m.def("masked_label_sums", &masked_label_sums<L, float>, py::arg("labels").noconvert(),
          py::arg("values").noconvert(), py::arg("mask").noconvert(), py::arg("n"));
    m.def("masked_label_sums", &masked_label_sums<L, double>, py::arg("labels").noconvert(),
          py::arg("values").noconvert(), py::arg("mask").noconvert(), py::arg("n"));
}

}  // namespace

void bind_labels(py::module_ &m) {
    m.def("raster_labels", &raster_labels<std::int32_t>, py::arg("ids").noconvert(),
          "int32 ids (any shape) -> (int32 labels 0..n-1 in order of first appearance, n).");
    m.def("raster_labels", &raster_labels<std::int64_t>, py::arg("ids").noconvert());
    m.def("relabel_through", &relabel_through<std::int32_t>, py::arg("ids").noconvert(),
          py::arg("table").noconvert(),
          "table[ids] renumbered in order of first appearance: (int32 labels, n, int32 lut).");
    m.def("relabel_through", &relabel_through<std::int64_t>, py::arg("ids").noconvert(),
          py::arg("table").noconvert());
    m.def("map_labels", &map_labels<std::int32_t>, py::arg("ids").noconvert(),
          py::arg("table").noconvert(), py::arg("n"),
          "table[ids] (int32) and the int64 pixel count of each value 0..n-1.");
    m.def("map_labels", &map_labels<std::int64_t>, py::arg("ids").noconvert(),
          py::arg("table").noconvert(), py::arg("n"));
    // (n, C) uint8, uint16, float32 or float64 rows by int32 or int64 ids (any shape)
    bind_take_rows<std::int32_t>(m);
    bind_take_rows<std::int64_t>(m);
    // int32 or int64 labels (H, W) with float32 or float64 values
    bind_sums<std::int32_t>(m);
    bind_sums<std::int64_t>(m);
}

}  // namespace segment_native
