// Kernels of segment/filters.py.
#include "common.hpp"

namespace segment_native {

void bind_filters(py::module_ &m) {}

}  // namespace segment_native
