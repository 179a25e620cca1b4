// The merging cost of segment/merge_cost.py, shared by its kernels and by the
// greedy merging of merging.cpp, which re-evaluates it after every merge.
#pragma once

#include <cmath>

namespace segment_native {

namespace merge_cost {

// Number of pair features, the length of segment.merge_cost.PAIR_FEATURES.
constexpr int kFeatures = 14;

// Weight of the texture energy against the colour in the "joint" feature.
constexpr double kJointTextureWeight = 6.0;

// The weighed contrast is contrast * (1 + c) / (c + interior), c = kInteriorOffset.
constexpr double kInteriorOffset = 2.0;

// Python's max() and min() of two numbers: the first unless the second compares
// greater (less), which fixes what a NaN gives.
inline double py_max(double a, double b) { return b > a ? b : a; }
inline double py_min(double a, double b) { return b < a ? b : a; }

// Per-region running sums: pixel counts, the summed channels (columns per row:
// the colour channels, then texture energy), the summed edge strength over the
// interior and the number of interior pixels; `area` is the image's pixel count.
struct Regions {
    const double *size;
    const double *sums;
    long long columns;
    const double *inner;
    const double *count;
    double area;
};

// The features of PAIR_FEATURES for regions a and b, whose common boundary has
// `length` pixel pairs of summed edge strength `contrast`, into out[0 .. kFeatures).
inline void pair_features(const Regions &r, long long a, long long b, double length,
                          double contrast, double *out) {
    const long long nch = r.columns - 1;
    const double *sa = r.sums + a * r.columns;
    const double *sb = r.sums + b * r.columns;
    const double size_a = r.size[a], size_b = r.size[b];
    double colour2 = 0.0;
    for (long long k = 0; k < nch; ++k) {
        const double t = sa[k] / size_a - sb[k] / size_b;
        colour2 += t * t;
    }
    const double lightness = std::fabs(sa[0] / size_a - sb[0] / size_b);
    const double ta = sa[nch] / size_a;
    const double tb = sb[nch] / size_b;
    const double texture = std::fabs(ta - tb);
    const double contrast_mean = length > 0 ? contrast / length : 0.0;
    const bool has_interior = r.count[a] > 0 && r.count[b] > 0;
    double interior, weighed;
    if (has_interior) {
        interior = 0.5 * (r.inner[a] / r.count[a] + r.inner[b] / r.count[b]);
        weighed = contrast_mean * (1.0 + kInteriorOffset) / (kInteriorOffset + interior);
    } else {
        interior = contrast_mean;
        weighed = contrast_mean;
    }
    const double smaller = py_min(size_a, size_b);
    const double joint = kJointTextureWeight * texture;
    out[0] = std::log1p(std::sqrt(colour2));
    out[1] = std::log1p(lightness);
    out[2] = std::log1p(std::sqrt(py_max(colour2 - lightness * lightness, 0.0)));
    out[3] = std::log1p(texture);
    out[4] = std::log1p(std::sqrt(colour2 + joint * joint));
    out[5] = std::log1p(contrast_mean);
    out[6] = std::log1p(weighed);
    out[7] = std::log1p(interior);
    out[8] = has_interior ? 1.0 : 0.0;
    out[9] = std::log(smaller / r.area);
    out[10] = std::log(py_max(size_a, size_b) / r.area);
    out[11] = std::log(py_max(length, 1.0) / std::sqrt(r.area));
    out[12] = length / std::sqrt(smaller);
    out[13] = std::log1p(0.5 * (ta + tb));
}

// Probability that regions a and b belong to different objects, by the logistic
// model of coefficients coef[0 .. kFeatures] (the intercept first); `feat` is
// scratch space for kFeatures numbers.
inline double cost(const Regions &r, long long a, long long b, double length, double contrast,
                   const double *coef, double *feat) {
    pair_features(r, a, b, length, contrast, feat);
    double logit = coef[0];
    for (int i = 0; i < kFeatures; ++i) logit += coef[i + 1] * feat[i];
    if (logit < -50.0) return 1.0;
    return 1.0 / (1.0 + std::exp(logit));
}

}  // namespace merge_cost

}  // namespace segment_native
