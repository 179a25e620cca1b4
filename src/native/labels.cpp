// Kernels of segment/labels.py.
#include "common.hpp"

namespace segment_native {

void bind_labels(py::module_ &m) {}

}  // namespace segment_native
