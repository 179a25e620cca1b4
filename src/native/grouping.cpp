// Kernels of segment/grouping.py.
#include "common.hpp"

namespace segment_native {

void bind_grouping(py::module_ &m) {}

}  // namespace segment_native
