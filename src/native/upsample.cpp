// Kernels of segment/upsample.py.
#include "common.hpp"

namespace segment_native {

void bind_upsample(py::module_ &m) {}

}  // namespace segment_native
