// Kernels of segment/merge_cost.py.
#include "common.hpp"

namespace segment_native {

void bind_merge_cost(py::module_ &m) {}

}  // namespace segment_native
