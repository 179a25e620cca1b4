// Kernels of segment/merging.py.
#include "common.hpp"

namespace segment_native {

void bind_merging(py::module_ &m) {}

}  // namespace segment_native
