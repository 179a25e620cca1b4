// Shared by the compiled kernels of segment._native: array access, threads and
// the run-time choice of instruction set.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace py = pybind11;

namespace segment_native {

// C-contiguous arrays of an exact dtype, without a silent copy: the Python wrappers
// hand over arrays they made contiguous themselves, so a mismatch is a bug there.
template <typename T>
using carray = py::array_t<T, py::array::c_style>;

template <typename T>
inline T *data(carray<T> &a) { return a.mutable_data(); }

template <typename T>
inline const T *cdata(const carray<T> &a) { return a.data(); }

inline void require(bool ok, const char *what) {
    if (!ok) throw std::invalid_argument(what);
}

// Hot loops are compiled twice, for AVX2 and for the baseline x86-64, and the
// loader picks one on the running CPU (GCC function multiversioning); wheels and
// source builds therefore never depend on the build machine's instruction set.
// OpenMP outlines a parallel region into a function of its own that is not cloned,
// so the cloned function is the per-row or per-pixel body called from the region.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define SEGMENT_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SEGMENT_CLONES
#endif

// Each module of kernels registers its functions here.
void bind_colour(py::module_ &m);
void bind_filters(py::module_ &m);
void bind_meanshift(py::module_ &m);
void bind_labels(py::module_ &m);
void bind_grouping(py::module_ &m);
void bind_region_graph(py::module_ &m);
void bind_merge_cost(py::module_ &m);
void bind_merging(py::module_ &m);
void bind_hierarchy(py::module_ &m);
void bind_upsample(py::module_ &m);
void bind_boundaries(py::module_ &m);

}  // namespace segment_native
