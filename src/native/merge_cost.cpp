// Kernels of segment/merge_cost.py: the pair features of every adjacent pair of
// regions (the formulas are in merge_cost.hpp, shared with the merging).
#include "common.hpp"
#include "merge_cost.hpp"

namespace segment_native {

namespace {

// edges: (E, 2) region pairs with their boundary lengths and contrasts; sizes, sums,
// inner and count: the regions' running sums (merge_cost::Regions). Returns (E, nfeat).
carray<double> all_features(const carray<std::int64_t> &edges, const carray<double> &length,
                            const carray<double> &contrast, const carray<double> &sizes,
                            const carray<double> &sums, const carray<double> &inner,
                            const carray<double> &count, double area, int nfeat) {
    require(nfeat == merge_cost::kFeatures, "all_features: nfeat must match PAIR_FEATURES");
    require(edges.ndim() == 2 && edges.shape(1) == 2, "all_features: edges must be (E, 2)");
    const py::ssize_t nedge = edges.shape(0), n = sizes.shape(0);
    require(length.ndim() == 1 && length.shape(0) == nedge && contrast.ndim() == 1 &&
                contrast.shape(0) == nedge,
            "all_features: one length and contrast per edge");
    require(sums.ndim() == 2 && sums.shape(0) == n && sums.shape(1) >= 2 && inner.ndim() == 1 &&
                inner.shape(0) == n && count.ndim() == 1 && count.shape(0) == n,
            "all_features: sizes, sums, inner and count must cover the same regions");
    carray<double> out({nedge, static_cast<py::ssize_t>(nfeat)});
    const merge_cost::Regions regions{cdata(sizes), cdata(sums), sums.shape(1), cdata(inner),
                                      cdata(count), area};
    const std::int64_t *pair = cdata(edges);
    const double *len = cdata(length), *con = cdata(contrast);
    double *dst = data(out);
    py::gil_scoped_release release;
    for (py::ssize_t e = 0; e < nedge; ++e)
        merge_cost::pair_features(regions, pair[2 * e], pair[2 * e + 1], len[e], con[e],
                                  dst + e * nfeat);
    return out;
}

}  // namespace

void bind_merge_cost(py::module_ &m) {
    m.def("all_features", &all_features, py::arg("edges").noconvert(),
          py::arg("length").noconvert(), py::arg("contrast").noconvert(),
          py::arg("sizes").noconvert(), py::arg("sums").noconvert(), py::arg("inner").noconvert(),
          py::arg("count").noconvert(), py::arg("area"), py::arg("nfeat"),
          "The pair features (E, nfeat) float64 of the region pairs edges (E, 2).");
}

}  // namespace segment_native
