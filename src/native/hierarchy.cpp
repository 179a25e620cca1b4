// Kernels of segment/hierarchy.py.
#include "common.hpp"

namespace segment_native {

void bind_hierarchy(py::module_ &m) {}

}  // namespace segment_native
