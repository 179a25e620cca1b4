// Kernels of segment/meanshift.py.
#include "common.hpp"

namespace segment_native {

void bind_meanshift(py::module_ &m) {}

}  // namespace segment_native
