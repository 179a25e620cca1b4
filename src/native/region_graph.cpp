// Kernels of segment/region_graph.py.
#include "common.hpp"

namespace segment_native {

void bind_region_graph(py::module_ &m) {}

}  // namespace segment_native
