// Kernels of segment/filters.py: the colour gradient magnitude (3x3 Sobel).
#include <algorithm>
#include <cmath>

#include "common.hpp"

namespace segment_native {

namespace {

// One output row of the gradient magnitude: the norm over channels of the Sobel x and
// y derivatives (scaled by 1/8), with reflected borders (row -1 reads row 0).
SEGMENT_CLONES void sobel_row(const float *src, py::ssize_t height, py::ssize_t width,
                              py::ssize_t nch, py::ssize_t row, float *out) {
    const py::ssize_t up = std::max<py::ssize_t>(row - 1, 0);
    const py::ssize_t down = std::min<py::ssize_t>(row + 1, height - 1);
    const float *pu = src + up * width * nch, *pr = src + row * width * nch;
    const float *pd = src + down * width * nch;
    for (py::ssize_t col = 0; col < width; ++col) {
        const py::ssize_t l = std::max<py::ssize_t>(col - 1, 0) * nch, c = col * nch;
        const py::ssize_t r = std::min<py::ssize_t>(col + 1, width - 1) * nch;
        float g2 = 0.0f;
        for (py::ssize_t k = 0; k < nch; ++k) {
            float dx = (pu[r + k] + 2.0f * pr[r + k] + pd[r + k]) -
                       (pu[l + k] + 2.0f * pr[l + k] + pd[l + k]);
            float dy = (pd[l + k] + 2.0f * pd[c + k] + pd[r + k]) -
                       (pu[l + k] + 2.0f * pu[c + k] + pu[r + k]);
            dx *= 0.125f;
            dy *= 0.125f;
            g2 += dx * dx + dy * dy;
        }
        out[row * width + col] = std::sqrt(g2);
    }
}

// src: (H, W, C) float32; returns the (H, W) float32 gradient magnitude.
carray<float> sobel_magnitude(const carray<float> &src) {
    require(src.ndim() == 3, "sobel_magnitude: src must be (H, W, C)");
    const py::ssize_t height = src.shape(0), width = src.shape(1), nch = src.shape(2);
    carray<float> out({height, width});
    const float *s = cdata(src);
    float *d = data(out);
    py::gil_scoped_release release;
#pragma omp parallel for schedule(static)
    for (py::ssize_t row = 0; row < height; ++row) sobel_row(s, height, width, nch, row, d);
    return out;
}

}  // namespace

void bind_filters(py::module_ &m) {
    m.def("sobel_magnitude", &sobel_magnitude, py::arg("src").noconvert(),
          "Norm over channels of the 3x3 Sobel derivatives (scaled by 1/8) of (H, W, C) "
          "float32 src, reflected borders.");
}

}  // namespace segment_native
