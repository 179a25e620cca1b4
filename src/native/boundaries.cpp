// Kernels of segment/boundaries.py.
#include "common.hpp"

namespace segment_native {

void bind_boundaries(py::module_ &m) {}

}  // namespace segment_native
