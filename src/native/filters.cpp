// Kernels of segment/filters.py: Gaussian smoothing and the colour gradient magnitude
// (3x3 Sobel); and of segment/bandwidth.py: the per-channel variances of a lattice.
#include <algorithm>
#include <cmath>
#include <vector>

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

// The Gaussian of OpenCV's GaussianBlur for float images: ksize = round(8 sigma + 1),
// made odd, and the weights exp(-x² / (2 sigma²)) in double, normalised to sum 1,
// then rounded to float.
std::vector<float> gaussian_weights(double sigma) {
    const int ksize = static_cast<int>(std::lrint(sigma * 8.0 + 1.0)) | 1;
    std::vector<double> w(static_cast<std::size_t>(ksize));
    const double scale2 = -0.5 / (sigma * sigma);
    double sum = 0.0;
    for (int i = 0; i < ksize; ++i) {
        const double x = i - (ksize - 1) * 0.5;
        w[i] = std::exp(scale2 * x * x);
        sum += w[i];
    }
    std::vector<float> out(static_cast<std::size_t>(ksize));
    for (int i = 0; i < ksize; ++i) out[i] = static_cast<float>(w[i] / sum);
    return out;
}

// Index p of a line of n samples, reflected at both ends without repeating the end
// sample (OpenCV's BORDER_REFLECT_101: -1 reads 1, n reads n - 2), as often as needed.
py::ssize_t reflect101(py::ssize_t p, py::ssize_t n) {
    if (n == 1) return 0;
    while (p < 0 || p >= n) p = p < 0 ? -p : 2 * (n - 1) - p;
    return p;
}

// acc[i] = k[0] centre[i] + the sum over j of k[j] (above[j][i] + below[j][i]), i < count:
// one output line of a symmetric filter, taps paired around the centre; the same order
// of operations in every clone.
SEGMENT_CLONES void symmetric_taps(const float *k, py::ssize_t radius, const float *centre,
                                   const float *const *above, const float *const *below,
                                   py::ssize_t count, float *acc) {
    const float k0 = k[0];
    for (py::ssize_t i = 0; i < count; ++i) acc[i] = k0 * centre[i];
    for (py::ssize_t j = 1; j <= radius; ++j) {
        const float kj = k[j];
        const float *a = above[j], *b = below[j];
        for (py::ssize_t i = 0; i < count; ++i) acc[i] += kj * (a[i] + b[i]);
    }
}

// src, out: (H, W, C) float32, C-contiguous; out may be src. Separable: each row is
// filtered along x into a temporary image, then each column of that along y into out.
void gaussian_blur(const carray<float> &src, double sigma, carray<float> &out) {
    require(src.ndim() == 3 && out.ndim() == 3, "gaussian_blur: arrays must be (H, W, C)");
    const py::ssize_t height = src.shape(0), width = src.shape(1), nch = src.shape(2);
    require(out.shape(0) == height && out.shape(1) == width && out.shape(2) == nch,
            "gaussian_blur: out must have the shape of src");
    require(sigma > 0.0 && sigma < 1e8, "gaussian_blur: sigma must be positive and finite");
    if (height == 0 || width == 0 || nch == 0) return;  // no samples, nothing to smooth
    const float *s = cdata(src);
    float *d = data(out);
    py::gil_scoped_release release;
    const std::vector<float> full = gaussian_weights(sigma);
    const py::ssize_t radius = static_cast<py::ssize_t>(full.size()) / 2;
    // k[j]: the weight j samples from the centre
    const std::vector<float> k(full.begin() + radius, full.end());
    const py::ssize_t line = width * nch;
    std::vector<float> along_x(static_cast<std::size_t>(height * line));
#pragma omp parallel
    {
        // one row with `radius` reflected pixels on each side
        std::vector<float> padded(static_cast<std::size_t>((width + 2 * radius) * nch));
        std::vector<const float *> above(radius + 1), below(radius + 1);
        for (py::ssize_t j = 1; j <= radius; ++j) {
            above[j] = padded.data() + (radius + j) * nch;
            below[j] = padded.data() + (radius - j) * nch;
        }
#pragma omp for schedule(static)
        for (py::ssize_t row = 0; row < height; ++row) {
            const float *in = s + row * line;
            for (py::ssize_t c = -radius; c < width + radius; ++c) {
                const float *px = in + reflect101(c, width) * nch;
                std::copy(px, px + nch, padded.data() + (c + radius) * nch);
            }
            symmetric_taps(k.data(), radius, padded.data() + radius * nch, above.data(),
                           below.data(), line, along_x.data() + row * line);
        }
        std::vector<const float *> up(radius + 1), down(radius + 1);
#pragma omp for schedule(static)
        for (py::ssize_t row = 0; row < height; ++row) {
            for (py::ssize_t j = 1; j <= radius; ++j) {
                up[j] = along_x.data() + reflect101(row + j, height) * line;
                down[j] = along_x.data() + reflect101(row - j, height) * line;
            }
            symmetric_taps(k.data(), radius, along_x.data() + row * line, up.data(), down.data(),
                           line, d + row * line);
        }
    }
}

// The variance of every channel of (N, C) values (a lattice, flat), in double: the
// mean square less the squared mean, at least 0.
template <typename T>
carray<double> channel_variances(const carray<T> &values) {
    require(values.ndim() == 2, "channel_variances: values must be (N, C)");
    const py::ssize_t n = values.shape(0), nch = values.shape(1);
    require(n > 0 && nch > 0, "channel_variances: values must not be empty");
    carray<double> out(nch);
    const T *v = cdata(values);
    double *var = data(out);
    py::gil_scoped_release release;
    for (py::ssize_t c = 0; c < nch; ++c) {
        double sum = 0.0, squares = 0.0;
        for (py::ssize_t i = 0; i < n; ++i) {
            const double x = static_cast<double>(v[i * nch + c]);
            sum += x;
            squares += x * x;
        }
        const double mean = sum / static_cast<double>(n);
        var[c] = std::max(squares / static_cast<double>(n) - mean * mean, 0.0);
    }
    return out;
}

}  // namespace

void bind_filters(py::module_ &m) {
    m.def("gaussian_blur", &gaussian_blur, py::arg("src").noconvert(), py::arg("sigma"),
          py::arg("out").noconvert(),
          "Gaussian smoothing of (H, W, C) float32 src into out (which may be src): "
          "OpenCV's kernel for sigma, reflected borders (BORDER_REFLECT_101).");
    m.def("channel_variances", &channel_variances<float>, py::arg("values").noconvert(),
          "Per-channel variances, in double, of (N, C) float32 values.");
    m.def("channel_variances", &channel_variances<double>, py::arg("values").noconvert(),
          "Per-channel variances of (N, C) float64 values.");
    m.def("sobel_magnitude", &sobel_magnitude, py::arg("src").noconvert(),
          "Norm over channels of the 3x3 Sobel derivatives (scaled by 1/8) of (H, W, C) "
          "float32 src, reflected borders.");
}

}  // namespace segment_native
