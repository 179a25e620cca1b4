// Kernels of segment/upsample.py: the reference colours of the working pixels, the
// edge-aware assignment of input pixels to working regions, and the connectivity
// pass over the runs of equal labels along the rows.
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "common.hpp"
#include "union_find.hpp"

namespace segment_native {

namespace {

using i64 = std::int64_t;

// One row i of the means. labels: (h, w) int32; lab, out: (h, w, C) float32. The
// sums are float64 in raster order and the mean is rounded to float32 once. NCH is
// the channel count when it is known at compile time (1 or 3), else 0 and `nch`.
template <int NCH>
void region_means_row(const std::int32_t *labels, const float *lab, float *out, i64 height,
                      i64 width, i64 nch, i64 radius, i64 i) {
    if (NCH) nch = NCH;
    double acc_store[NCH ? NCH : 1];
    std::vector<double> acc_heap(NCH ? 0 : static_cast<std::size_t>(nch));
    double *acc = NCH ? acc_store : acc_heap.data();
    const i64 a0 = std::max<i64>(0, i - radius), a1 = std::min(height, i + radius + 1);
    for (i64 j = 0; j < width; ++j) {
        const std::int32_t own = labels[i * width + j];
        for (i64 k = 0; k < nch; ++k) acc[k] = 0.0;
        i64 count = 0;
        const i64 b0 = std::max<i64>(0, j - radius), b1 = std::min(width, j + radius + 1);
        for (i64 a = a0; a < a1; ++a) {
            for (i64 b = b0; b < b1; ++b) {
                if (labels[a * width + b] != own) continue;
                ++count;
                const float *p = lab + (a * width + b) * nch;
                for (i64 k = 0; k < nch; ++k) acc[k] += static_cast<double>(p[k]);
            }
        }
        float *q = out + (i * width + j) * nch;
        for (i64 k = 0; k < nch; ++k) q[k] = static_cast<float>(acc[k] / static_cast<double>(count));
    }
}

SEGMENT_CLONES
void region_means_rows(const std::int32_t *labels, const float *lab, float *out, i64 height,
                       i64 width, i64 nch, i64 radius, i64 i) {
    if (nch == 3)
        region_means_row<3>(labels, lab, out, height, width, nch, radius, i);
    else if (nch == 1)
        region_means_row<1>(labels, lab, out, height, width, nch, radius, i);
    else
        region_means_row<0>(labels, lab, out, height, width, nch, radius, i);
}

void local_region_means(const carray<std::int32_t> &labels, const carray<float> &lab, i64 radius,
                        carray<float> &out) {
    require(labels.ndim() == 2 && lab.ndim() == 3 && out.ndim() == 3,
            "local_region_means: labels (h, w), lab and out (h, w, C)");
    const i64 height = labels.shape(0), width = labels.shape(1), nch = lab.shape(2);
    require(lab.shape(0) == height && lab.shape(1) == width && out.shape(0) == height &&
                out.shape(1) == width && out.shape(2) == nch,
            "local_region_means: shapes differ");
    const std::int32_t *lp = cdata(labels);
    const float *src = cdata(lab);
    float *dst = data(out);
    py::gil_scoped_release release;
#pragma omp parallel for schedule(static)
    for (i64 i = 0; i < height; ++i) region_means_rows(lp, src, dst, height, width, nch, radius, i);
}

// One input row r of the assignment: working row i0 nearest to it, y its working
// position; xs, js the working position and nearest column of every input column.
SEGMENT_CLONES
void assign_row(const float *lab, const std::int32_t *wlabels, const float *ref,
                const bool *uniform, std::int32_t *out, i64 width, i64 nch, i64 h, i64 w, i64 r,
                i64 i0, double y, const double *xs, const i64 *js) {
    for (i64 c = 0; c < width; ++c) {
        const i64 j0 = js[c];
        if (uniform[i0 * w + j0]) {
            out[r * width + c] = wlabels[i0 * w + j0];
            continue;
        }
        const double x = xs[c];
        const float *p = lab + (r * width + c) * nch;
        double best = std::numeric_limits<double>::infinity();
        double near = std::numeric_limits<double>::infinity();
        std::int32_t chosen = wlabels[i0 * w + j0];
        for (i64 i = std::max<i64>(0, i0 - 1); i < std::min(h, i0 + 2); ++i) {
            for (i64 j = std::max<i64>(0, j0 - 1); j < std::min(w, j0 + 2); ++j) {
                const float *q = ref + (i * w + j) * nch;
                double d = 0.0;
                for (i64 k = 0; k < nch; ++k) {
                    const double t = static_cast<double>(p[k]) - static_cast<double>(q[k]);
                    d += t * t;
                }
                const double di = static_cast<double>(i) - y, dj = static_cast<double>(j) - x;
                const double ds = di * di + dj * dj;
                if (d < best || (d == best && ds < near)) {
                    best = d;
                    near = ds;
                    chosen = wlabels[i * w + j];
                }
            }
        }
        out[r * width + c] = chosen;
    }
}

// nearest working index of the input position (k + 0.5) * scale - 0.5, clipped
inline i64 nearest(double pos, i64 size) {
    return std::min(size - 1, std::max<i64>(0, static_cast<i64>(std::floor(pos + 0.5))));
}

void assign(const carray<float> &lab, const carray<std::int32_t> &wlabels, const carray<float> &ref,
            const carray<bool> &uniform, carray<std::int32_t> &out) {
    require(lab.ndim() == 3 && wlabels.ndim() == 2 && ref.ndim() == 3 && uniform.ndim() == 2 &&
                out.ndim() == 2,
            "assign: lab (H, W, C), labels (h, w), reference (h, w, C), uniform (h, w), out (H, W)");
    const i64 height = lab.shape(0), width = lab.shape(1), nch = lab.shape(2);
    const i64 h = wlabels.shape(0), w = wlabels.shape(1);
    require(ref.shape(0) == h && ref.shape(1) == w && ref.shape(2) == nch && uniform.shape(0) == h &&
                uniform.shape(1) == w && out.shape(0) == height && out.shape(1) == width,
            "assign: shapes differ");
    const double sy = static_cast<double>(h) / static_cast<double>(height);
    const double sx = static_cast<double>(w) / static_cast<double>(width);
    std::vector<double> xs(static_cast<std::size_t>(width));
    std::vector<i64> js(static_cast<std::size_t>(width));
    for (i64 c = 0; c < width; ++c) {
        xs[c] = (static_cast<double>(c) + 0.5) * sx - 0.5;
        js[c] = nearest(xs[c], w);
    }
    const float *lp = cdata(lab), *rp = cdata(ref);
    const std::int32_t *wp = cdata(wlabels);
    const bool *up = cdata(uniform);
    std::int32_t *op = data(out);
    py::gil_scoped_release release;
#pragma omp parallel for schedule(static)
    for (i64 r = 0; r < height; ++r) {
        const double y = (static_cast<double>(r) + 0.5) * sy - 0.5;
        assign_row(lp, wp, rp, up, op, width, nch, h, w, r, nearest(y, h), y, xs.data(), js.data());
    }
}

// ------------------------------------------------------------------ connectivity

// The runs of equal labels along the rows: the runs of row r are offsets[r] ..
// offsets[r + 1]; run t covers columns starts[t] .. ends[t] (exclusive) with values[t].
struct Runs {
    const i64 *offsets;
    const i64 *starts;
    const i64 *ends;
    i64 *values;
    i64 height;
    i64 nruns;
};

SEGMENT_CLONES
i64 count_row_runs(const std::int32_t *row, i64 width) {
    i64 n = 1;
    for (i64 c = 1; c < width; ++c) n += row[c] != row[c - 1];
    return n;
}

// The runs of one row from run t on. A row holds few runs, so whole blocks of
// columns without a change are skipped by a test that vectorises.
SEGMENT_CLONES
void fill_row_runs(const std::int32_t *row, i64 width, i64 t, i64 *starts, i64 *ends, i64 *values) {
    constexpr i64 block = 16;
    starts[t] = 0;
    values[t] = row[0];
    for (i64 c = 1; c < width;) {
        while (c + block <= width) {
            std::int32_t diff = 0;
            for (i64 k = 0; k < block; ++k) diff |= row[c + k] ^ row[c + k - 1];
            if (diff) break;
            c += block;
        }
        for (const i64 stop = std::min(width, c + block); c < stop; ++c) {
            if (row[c] == row[c - 1]) continue;
            ends[t] = c;
            ++t;
            starts[t] = c;
            values[t] = row[c];
        }
    }
    ends[t] = width;
}

py::tuple label_runs(const carray<std::int32_t> &labels) {
    require(labels.ndim() == 2 && labels.shape(1) > 0, "label_runs: labels must be (H, W), W > 0");
    const i64 height = labels.shape(0), width = labels.shape(1);
    const std::int32_t *lp = cdata(labels);
    carray<i64> offsets(height + 1);
    i64 *off = data(offsets);
    {
        py::gil_scoped_release release;
        off[0] = 0;
#pragma omp parallel for schedule(static)
        for (i64 r = 0; r < height; ++r) off[r + 1] = count_row_runs(lp + r * width, width);
        for (i64 r = 0; r < height; ++r) off[r + 1] += off[r];
    }
    const i64 nruns = off[height];
    carray<i64> starts(nruns), ends(nruns), values(nruns);
    i64 *sp = data(starts), *ep = data(ends), *vp = data(values);
    {
        py::gil_scoped_release release;
#pragma omp parallel for schedule(static)
        for (i64 r = 0; r < height; ++r) fill_row_runs(lp + r * width, width, off[r], sp, ep, vp);
    }
    return py::make_tuple(offsets, starts, ends, values);
}

// Union the runs of one label that touch (8-connectivity): runs side by side in a
// row, and runs of consecutive rows whose column spans, widened by one, overlap.
// parent[t] ends as the root of run t.
void components(const Runs &u, i64 *parent) {
    const i64 *off = u.offsets, *st = u.starts, *en = u.ends, *val = u.values;
    for (i64 t = 0; t < u.nruns; ++t) parent[t] = t;
    for (i64 r = 0; r < u.height; ++r) {
        for (i64 t = off[r] + 1; t < off[r + 1]; ++t)
            if (val[t] == val[t - 1]) unite(parent, t - 1, t);
        if (r == 0) continue;
        i64 i = off[r - 1], j = off[r];
        while (i < off[r] && j < off[r + 1]) {
            // touching: starts[i] <= ends[j] and starts[j] <= ends[i] (ends exclusive)
            if (val[i] == val[j] && st[i] <= en[j] && st[j] <= en[i]) unite(parent, i, j);
            if (en[i] < en[j]) {
                ++i;
            } else if (en[j] < en[i]) {
                ++j;
            } else {
                // both end at the same column: each also touches the other row's next run
                if (i + 1 < off[r] && val[i + 1] == val[j] && st[i + 1] <= en[j])
                    unite(parent, i + 1, j);
                if (j + 1 < off[r + 1] && val[j + 1] == val[i] && st[j + 1] <= en[i])
                    unite(parent, i, j + 1);
                ++i;
                ++j;
            }
        }
    }
    for (i64 t = 0; t < u.nruns; ++t) parent[t] = find(parent, t);
}

// For every fragment component, the component it shares the most 4-neighbour pixel
// pairs with (ties: the smallest component id); -1 for the other components.
std::vector<i64> fragment_targets(const Runs &u, const std::vector<i64> &comp,
                                  const std::vector<char> &is_fragment) {
    const i64 *off = u.offsets, *st = u.starts, *en = u.ends;
    const i64 ncomp = static_cast<i64>(is_fragment.size());
    // contacts of fragments as (fragment * ncomp + other, pixel pairs)
    std::vector<std::pair<i64, i64>> contacts;
    auto touch = [&](i64 a, i64 b, i64 pairs) {
        if (is_fragment[a]) contacts.emplace_back(a * ncomp + b, pairs);
        if (is_fragment[b]) contacts.emplace_back(b * ncomp + a, pairs);
    };
    for (i64 r = 0; r < u.height; ++r) {
        for (i64 t = off[r] + 1; t < off[r + 1]; ++t)
            if (comp[t - 1] != comp[t]) touch(comp[t - 1], comp[t], 1);
        if (r == 0) continue;
        i64 i = off[r - 1], j = off[r];
        while (i < off[r] && j < off[r + 1]) {
            const i64 overlap = std::min(en[i], en[j]) - std::max(st[i], st[j]);
            if (overlap > 0 && comp[i] != comp[j]) touch(comp[i], comp[j], overlap);
            if (en[i] <= en[j])
                ++i;
            else
                ++j;
        }
    }
    std::vector<i64> target(static_cast<std::size_t>(ncomp), -1);
    std::vector<i64> best(static_cast<std::size_t>(ncomp), 0);
    // the totals are integer sums, so the order within one key does not matter
    std::sort(contacts.begin(), contacts.end());
    for (std::size_t t = 0; t < contacts.size();) {
        const i64 key = contacts[t].first;
        i64 total = 0;
        for (; t < contacts.size() && contacts[t].first == key; ++t) total += contacts[t].second;
        const i64 f = key / ncomp;
        // keys ascend, so among equal totals the smallest other component comes first
        if (total > best[f]) {
            best[f] = total;
            target[f] = key % ncomp;
        }
    }
    return target;
}

// The label each component takes this round: a fragment follows its chain of targets
// to a component that stays; a cycle of fragments stops at the member met twice,
// which keeps its label this round.
std::vector<i64> follow_targets(const std::vector<i64> &label, const std::vector<char> &is_fragment,
                                const std::vector<i64> &target) {
    const std::size_t ncomp = label.size();
    std::vector<i64> final_label(label);
    std::vector<signed char> state(ncomp, 0);  // 0 unvisited, 1 on the current path, 2 done
    std::vector<i64> path(ncomp);
    for (std::size_t k = 0; k < ncomp; ++k) {
        if (!is_fragment[k] || state[k] == 2) continue;
        std::size_t length = 0;
        i64 cur = static_cast<i64>(k);
        while (is_fragment[cur] && state[cur] == 0) {
            state[cur] = 1;
            path[length++] = cur;
            cur = target[cur];
        }
        const i64 result = is_fragment[cur] && state[cur] == 2 ? final_label[cur] : label[cur];
        for (std::size_t p = 0; p < length; ++p) {
            final_label[path[p]] = result;
            state[path[p]] = 2;
        }
    }
    return final_label;
}

// Relabel the runs' values (labels 0 .. n-1) until every label is one 8-connected
// component; returns the number of rounds.
i64 connect_runs(const carray<i64> &offsets, const carray<i64> &starts, const carray<i64> &ends,
                 carray<i64> &values, i64 n) {
    require(offsets.ndim() == 1 && offsets.shape(0) >= 1, "connect_runs: offsets (H + 1,)");
    const i64 nruns = values.shape(0);
    require(starts.shape(0) == nruns && ends.shape(0) == nruns, "connect_runs: run arrays differ");
    const Runs u{cdata(offsets), cdata(starts), cdata(ends), data(values), offsets.shape(0) - 1, nruns};
    py::gil_scoped_release release;
    std::vector<i64> parent(static_cast<std::size_t>(nruns)), comp(parent.size());
    std::vector<i64> index(parent.size());
    for (i64 rounds = 1;; ++rounds) {
        components(u, parent.data());
        // compact component ids, their labels and sizes
        std::fill(index.begin(), index.end(), -1);
        i64 ncomp = 0;
        for (i64 t = 0; t < nruns; ++t) {
            const i64 root = parent[t];
            if (index[root] < 0) index[root] = ncomp++;
            comp[t] = index[root];
        }
        std::vector<i64> size(static_cast<std::size_t>(ncomp), 0), label(size.size());
        for (i64 t = 0; t < nruns; ++t) {
            size[comp[t]] += u.ends[t] - u.starts[t];
            label[comp[t]] = u.values[t];
        }
        std::vector<i64> largest(static_cast<std::size_t>(n), -1);  // per label
        for (i64 k = 0; k < ncomp; ++k) {
            const i64 m = largest[label[k]];
            if (m < 0 || size[k] > size[m]) largest[label[k]] = k;
        }
        std::vector<char> is_fragment(static_cast<std::size_t>(ncomp), 0);
        i64 nfrag = 0;
        for (i64 k = 0; k < ncomp; ++k) {
            if (largest[label[k]] == k) continue;
            is_fragment[k] = 1;
            ++nfrag;
        }
        if (nfrag == 0) return rounds;
        const std::vector<i64> final_label =
            follow_targets(label, is_fragment, fragment_targets(u, comp, is_fragment));
        for (i64 t = 0; t < nruns; ++t) u.values[t] = final_label[comp[t]];
    }
}

SEGMENT_CLONES
void write_row(const i64 *off, const i64 *st, const i64 *en, const i64 *val, const i64 *lut,
               std::int32_t *row, i64 r) {
    for (i64 t = off[r]; t < off[r + 1]; ++t) {
        const std::int32_t v = static_cast<std::int32_t>(lut[val[t]]);
        std::fill(row + st[t], row + en[t], v);
    }
}

void write_runs(const carray<i64> &offsets, const carray<i64> &starts, const carray<i64> &ends,
                const carray<i64> &values, const carray<i64> &lut, carray<std::int32_t> &out) {
    require(out.ndim() == 2 && offsets.shape(0) == out.shape(0) + 1,
            "write_runs: out (H, W) and offsets (H + 1,)");
    const i64 height = out.shape(0), width = out.shape(1);
    const i64 *off = cdata(offsets), *st = cdata(starts), *en = cdata(ends), *val = cdata(values);
    const i64 *lp = cdata(lut);
    std::int32_t *op = data(out);
    py::gil_scoped_release release;
#pragma omp parallel for schedule(static)
    for (i64 r = 0; r < height; ++r) write_row(off, st, en, val, lp, op + r * width, r);
}

}  // namespace

void bind_upsample(py::module_ &m) {
    m.def("local_region_means", &local_region_means, py::arg("labels").noconvert(),
          py::arg("lab").noconvert(), py::arg("radius"), py::arg("out").noconvert(),
          "Mean colour of each pixel's own region within its (2 radius + 1)^2 neighbourhood, "
          "into out (h, w, C) float32.");
    m.def("assign", &assign, py::arg("lab").noconvert(), py::arg("labels").noconvert(),
          py::arg("reference").noconvert(), py::arg("uniform").noconvert(), py::arg("out").noconvert(),
          "Label of every input pixel among the 3 x 3 working pixels around it, into out (H, W).");
    m.def("label_runs", &label_runs, py::arg("labels").noconvert(),
          "Runs of equal labels along the rows of int32 (H, W): (offsets, starts, ends, values).");
    m.def("connect_runs", &connect_runs, py::arg("offsets").noconvert(), py::arg("starts").noconvert(),
          py::arg("ends").noconvert(), py::arg("values").noconvert(), py::arg("n"),
          "Relabel the runs' values in place until every label is 8-connected; returns the rounds.");
    m.def("write_runs", &write_runs, py::arg("offsets").noconvert(), py::arg("starts").noconvert(),
          py::arg("ends").noconvert(), py::arg("values").noconvert(), py::arg("lut").noconvert(),
          py::arg("out").noconvert(), "Paint lut[values] of every run into out (H, W) int32.");
}

}  // namespace segment_native
