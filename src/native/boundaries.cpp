// Kernels of segment/evaluate/boundaries.py: the thinning of boundary maps and the
// one-to-one matching of machine to human boundary pixels within a disc.
#include <limits>
#include <vector>

#include "common.hpp"

namespace segment_native {

namespace {

using i64 = std::int64_t;

// CSR graph: row k lists index[base[k] + o] for the offsets o where it is >= 0.
py::tuple pairs_within(const carray<i64> &base, const carray<i64> &offsets,
                       const carray<std::int32_t> &index) {
    require(base.ndim() == 1 && offsets.ndim() == 1 && index.ndim() == 1,
            "pairs_within: base, offsets and index must be 1-D");
    const i64 n = base.shape(0), n_off = offsets.shape(0);
    const i64 *bp = cdata(base), *op = cdata(offsets);
    const std::int32_t *ip = cdata(index);
    carray<i64> indptr(n + 1);
    i64 *pp = data(indptr);
    {
        py::gil_scoped_release release;
        pp[0] = 0;
        for (i64 k = 0; k < n; ++k) {
            i64 count = 0;
            for (i64 o = 0; o < n_off; ++o) count += ip[bp[k] + op[o]] >= 0;
            pp[k + 1] = pp[k] + count;
        }
    }
    carray<std::int32_t> indices(pp[n]);
    std::int32_t *xp = data(indices);
    {
        py::gil_scoped_release release;
        for (i64 k = 0; k < n; ++k) {
            i64 p = pp[k];
            for (i64 o = 0; o < n_off; ++o) {
                const std::int32_t h = ip[bp[k] + op[o]];
                if (h >= 0) xp[p++] = h;
            }
        }
    }
    return py::make_tuple(indptr, indices);
}

// Thin `grid` (uint8 (H, W), zero border) in place at the listed foreground pixels,
// by the deletion tables of the two sub-iterations (256 entries each, by the code
// of the 8-neighbourhood, bit k the k-th neighbour counter-clockwise from the right).
// Each sub-iteration decides every deletion from the grid as it was before it, then
// deletes; stops when a whole iteration deletes nothing.
void thin_kernel(carray<std::uint8_t> &grid, const carray<i64> &ys, const carray<i64> &xs,
                 const carray<bool> &first, const carray<bool> &second) {
    require(grid.ndim() == 2 && ys.ndim() == 1 && xs.shape(0) == ys.shape(0),
            "thin_kernel: grid (H, W), ys and xs of one length");
    require(first.shape(0) == 256 && second.shape(0) == 256, "thin_kernel: tables of 256");
    const i64 n = ys.shape(0), width = grid.shape(1);
    std::uint8_t *g = data(grid);
    const i64 *yp = cdata(ys), *xp = cdata(xs);
    const bool *tables[2] = {cdata(first), cdata(second)};
    py::gil_scoped_release release;
    std::vector<char> alive(static_cast<std::size_t>(n), 1), doomed(static_cast<std::size_t>(n), 0);
    bool changed = true;
    while (changed) {
        changed = false;
        for (const bool *table : tables) {
            for (i64 k = 0; k < n; ++k) {
                doomed[k] = 0;
                if (!alive[k]) continue;
                const std::uint8_t *up = g + (yp[k] - 1) * width + xp[k];
                const std::uint8_t *mid = up + width, *down = mid + width;
                const int code = mid[1] + 2 * up[1] + 4 * up[0] + 8 * up[-1] + 16 * mid[-1] +
                                 32 * down[-1] + 64 * down[0] + 128 * down[1];
                doomed[k] = table[code];
            }
            for (i64 k = 0; k < n; ++k) {
                if (!doomed[k]) continue;
                g[yp[k] * width + xp[k]] = 0;
                alive[k] = 0;
                changed = true;
            }
        }
    }
}

constexpr std::int32_t kUnreached = std::numeric_limits<std::int32_t>::max();

// Depth-first augmentation of one Hopcroft-Karp phase from every free left vertex
// along the layers `dist` up to `limit`: vertex-disjoint shortest augmenting paths.
// A vertex found to be a dead end is never tried again this phase.
void augment_phase(const i64 *indptr, const std::int32_t *indices, std::int32_t n_left,
                   std::int32_t *match_l, std::int32_t *match_r, std::int32_t *dist, i64 limit,
                   std::int32_t *stack, std::int32_t *via, i64 *ptr) {
    for (std::int32_t v = 0; v < n_left; ++v) ptr[v] = indptr[v];
    for (std::int32_t root = 0; root < n_left; ++root) {
        if (match_l[root] >= 0 || dist[root] != 0) continue;
        i64 top = 0;
        stack[0] = root;
        while (top >= 0) {
            const std::int32_t v = stack[top];
            bool pushed = false;
            while (ptr[v] < indptr[v + 1]) {
                const std::int32_t u = indices[ptr[v]++];
                const std::int32_t w = match_r[u];
                const i64 next = static_cast<i64>(dist[v]) + 1;
                if (w < 0) {
                    if (next != limit) continue;
                    // augment along stack[0 .. top]
                    for (i64 k = top; k >= 0; --k) {
                        const std::int32_t x = stack[k], uu = k == top ? u : via[k];
                        match_l[x] = uu;
                        match_r[uu] = x;
                        dist[x] = kUnreached;
                    }
                    top = -1;
                    pushed = true;
                    break;
                }
                if (dist[w] == next && dist[w] < limit) {
                    via[top] = u;
                    stack[++top] = w;
                    pushed = true;
                    break;
                }
            }
            if (!pushed) {
                dist[v] = kUnreached;
                --top;
            }
        }
    }
}

// Maximum matching of a bipartite graph in CSR form (rows: left vertices): for each
// left vertex its matched right vertex or -1. Hopcroft-Karp with a greedy start.
carray<std::int32_t> hopcroft_karp(const carray<i64> &indptr, const carray<std::int32_t> &indices,
                                   i64 n_right) {
    require(indptr.ndim() == 1 && indptr.shape(0) >= 1 && indices.ndim() == 1,
            "hopcroft_karp: indptr (n_left + 1,), indices 1-D");
    const std::int32_t n_left = static_cast<std::int32_t>(indptr.shape(0) - 1);
    carray<std::int32_t> result(n_left);
    std::int32_t *match_l = data(result);
    const i64 *ip = cdata(indptr);
    const std::int32_t *xp = cdata(indices);
    py::gil_scoped_release release;
    std::vector<std::int32_t> match_r(static_cast<std::size_t>(n_right), -1);
    for (std::int32_t v = 0; v < n_left; ++v) {
        match_l[v] = -1;
        for (i64 e = ip[v]; e < ip[v + 1]; ++e) {
            const std::int32_t u = xp[e];
            if (match_r[u] >= 0) continue;
            match_l[v] = u;
            match_r[u] = v;
            break;
        }
    }
    const std::size_t nl = static_cast<std::size_t>(n_left);
    std::vector<std::int32_t> dist(nl), queue(nl), stack(nl + 1), via(nl + 1);
    std::vector<i64> ptr(nl);
    while (true) {
        // breadth-first layers from the free left vertices, up to the nearest free right one
        std::size_t head = 0, tail = 0;
        for (std::int32_t v = 0; v < n_left; ++v) {
            if (match_l[v] < 0) {
                dist[v] = 0;
                queue[tail++] = v;
            } else {
                dist[v] = kUnreached;
            }
        }
        i64 limit = kUnreached;
        while (head < tail) {
            const std::int32_t v = queue[head++];
            const i64 next = static_cast<i64>(dist[v]) + 1;
            if (next >= limit) continue;
            for (i64 e = ip[v]; e < ip[v + 1]; ++e) {
                const std::int32_t w = match_r[xp[e]];
                if (w < 0) {
                    limit = next;
                } else if (dist[w] == kUnreached) {
                    dist[w] = static_cast<std::int32_t>(next);
                    queue[tail++] = w;
                }
            }
        }
        if (limit == kUnreached) break;
        augment_phase(ip, xp, n_left, match_l, match_r.data(), dist.data(), limit, stack.data(),
                      via.data(), ptr.data());
    }
    return result;
}

}  // namespace

void bind_boundaries(py::module_ &m) {
    m.def("pairs_within", &pairs_within, py::arg("base").noconvert(), py::arg("offsets").noconvert(),
          py::arg("index").noconvert(),
          "CSR graph (indptr int64, indices int32): row k lists index[base[k] + o] >= 0.");
    m.def("thin_kernel", &thin_kernel, py::arg("grid").noconvert(), py::arg("ys").noconvert(),
          py::arg("xs").noconvert(), py::arg("first").noconvert(), py::arg("second").noconvert(),
          "Thin a uint8 grid with a zero border in place at the listed pixels (two deletion tables).");
    m.def("hopcroft_karp", &hopcroft_karp, py::arg("indptr").noconvert(),
          py::arg("indices").noconvert(), py::arg("n_right"),
          "Maximum bipartite matching of a CSR graph: each left vertex's right vertex or -1.");
}

}  // namespace segment_native
