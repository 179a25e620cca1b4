// segment._native: the compiled kernels, one source file per pipeline stage.
#include "common.hpp"

namespace sn = segment_native;

static int max_threads() {
#ifdef _OPENMP
    return omp_get_num_procs();
#else
    return 1;
#endif
}

PYBIND11_MODULE(_native, m) {
    m.doc() = "segment's compiled kernels (C++, OpenMP); called by the Python modules, not a public API.";
    m.def("max_threads", &max_threads, "The number of processors OpenMP can use.");
    m.def(
        "get_num_threads",
        []() {
#ifdef _OPENMP
            return omp_get_max_threads();
#else
            return 1;
#endif
        },
        "The number of threads the next parallel kernel uses.");
    m.def(
        "set_num_threads",
        [](int n) {
            if (n < 1) throw std::invalid_argument("n_threads must be at least 1");
#ifdef _OPENMP
            omp_set_num_threads(n);
#endif
        },
        py::arg("n"), "Set the number of threads of the parallel kernels (this thread's setting).");
    m.attr("openmp") = py::bool_(
#ifdef _OPENMP
        true
#else
        false
#endif
    );
    sn::bind_colour(m);
    sn::bind_filters(m);
    sn::bind_meanshift(m);
    sn::bind_labels(m);
    sn::bind_grouping(m);
    sn::bind_region_graph(m);
    sn::bind_merge_cost(m);
    sn::bind_merging(m);
    sn::bind_hierarchy(m);
    sn::bind_upsample(m);
    sn::bind_boundaries(m);
}
