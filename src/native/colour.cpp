// Kernels of segment/colour.py: sRGB -> CIE L*a*b* (D65) in float32, by OpenCV's
// float formulas and constants.
#include <cmath>

#include "common.hpp"

namespace segment_native {

namespace {

inline float linear(float c) {
    if (c <= 0.04045f) return c / 12.92f;
    return std::pow((c + 0.055f) / 1.055f, 2.4f);
}

inline float lab_f(float t) {
    if (t > 0.008856f) return std::pow(t, static_cast<float>(1.0 / 3.0));
    return 7.787f * t + static_cast<float>(16.0 / 116.0);
}

// Linear RGB -> Lab into out[0 .. channels) (L alone if channels == 1).
inline void store_lab(float r, float g, float b, float *out, int channels) {
    const float x = (0.412453f * r + 0.357580f * g + 0.180423f * b) / 0.950456f;
    const float y = 0.212671f * r + 0.715160f * g + 0.072169f * b;
    const float z = (0.019334f * r + 0.119193f * g + 0.950227f * b) / 1.088754f;
    const float fy = lab_f(y);
    out[0] = y > 0.008856f ? 116.0f * fy - 16.0f : 903.3f * y;
    if (channels == 3) {
        out[1] = 500.0f * (lab_f(x) - fy);
        out[2] = 200.0f * (fy - lab_f(z));
    }
}

// rgb: (H, W, C) with C in {1, 3}; out: (H, W, 1 or 3). `level` maps a stored
// value to linear light (a table for uint8, the formula for float).
template <typename T, typename Level>
void convert(const carray<T> &rgb, carray<float> &out, Level level) {
    require(rgb.ndim() == 3 && out.ndim() == 3, "srgb_to_lab: arrays must be (H, W, C)");
    const py::ssize_t height = rgb.shape(0), width = rgb.shape(1), c_in = rgb.shape(2);
    const int c_out = static_cast<int>(out.shape(2));
    require(out.shape(0) == height && out.shape(1) == width, "srgb_to_lab: shapes differ");
    require((c_in == 1 && c_out == 1) || (c_in == 3 && c_out == 3), "srgb_to_lab: 1 or 3 channels");
    const T *src = cdata(rgb);
    float *dst = data(out);
    py::gil_scoped_release release;
#pragma omp parallel for schedule(static)
    for (py::ssize_t row = 0; row < height; ++row) {
        for (py::ssize_t col = 0; col < width; ++col) {
            const T *p = src + (row * width + col) * c_in;
            float *q = dst + (row * width + col) * c_out;
            if (c_in == 1) {
                const float v = level(p[0]);
                store_lab(v, v, v, q, c_out);
            } else {
                store_lab(level(p[0]), level(p[1]), level(p[2]), q, c_out);
            }
        }
    }
}

void srgb_to_lab(const carray<float> &rgb, carray<float> &out) {
    convert(rgb, out, [](float c) { return linear(c); });
}

void srgb8_to_lab(const carray<std::uint8_t> &rgb, carray<float> &out) {
    // the 256 linearised levels, by the formula of linear() on the float value v / 255
    float table[256];
    for (int v = 0; v < 256; ++v) table[v] = linear(static_cast<float>(v) / 255.0f);
    convert(rgb, out, [&table](std::uint8_t c) { return table[c]; });
}

}  // namespace

void bind_colour(py::module_ &m) {
    m.def("srgb_to_lab", &srgb_to_lab, py::arg("rgb").noconvert(), py::arg("out").noconvert(),
          "float32 sRGB (H, W, 1|3) in [0, 1] -> Lab into out (H, W, 1|3).");
    m.def("srgb8_to_lab", &srgb8_to_lab, py::arg("rgb").noconvert(), py::arg("out").noconvert(),
          "uint8 sRGB (H, W, 1|3) -> Lab into out (H, W, 1|3).");
}

}  // namespace segment_native
