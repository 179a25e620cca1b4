// Kernels of segment/hierarchy.py: replaying the recorded merges, and the merge at
// which two finest regions first share a region.
#include <vector>

#include "common.hpp"
#include "union_find.hpp"

namespace segment_native {

namespace {

// Whether every id of the (k,) array lies in 0 .. n-1.
bool all_below(const carray<std::int64_t> &ids, std::int64_t n) {
    return ids_below(cdata(ids), ids.shape(0), n);
}

void require_merges(std::int64_t n, const carray<std::int64_t> &merged,
                    const carray<std::int64_t> &into, const char *what) {
    require(n >= 0 && merged.ndim() == 1 && into.ndim() == 1 && merged.shape(0) == into.shape(0) &&
                all_below(merged, n) && all_below(into, n),
            what);
}

// The region (root id) of every one of the n finest regions after the first
// `steps` merges.
carray<std::int64_t> replay(std::int64_t n, const carray<std::int64_t> &merged,
                            const carray<std::int64_t> &into, std::int64_t steps) {
    require_merges(n, merged, into, "replay: merged and into must be (k,) ids 0 .. n-1");
    require(steps <= merged.shape(0), "replay: steps exceeds the merges recorded");
    carray<std::int64_t> roots(static_cast<py::ssize_t>(n));
    const std::int64_t *from = cdata(merged), *to = cdata(into);
    std::int64_t *out = data(roots);
    py::gil_scoped_release release;
    std::vector<std::int64_t> parent(n);
    for (std::int64_t i = 0; i < n; ++i) parent[i] = i;
    for (std::int64_t i = 0; i < steps; ++i) {
        const std::int64_t y = find(parent.data(), to[i]);
        parent[find(parent.data(), from[i])] = y;
    }
    resolve(parent.data(), out, n);
    return roots;
}

// For each pair (a[i], b[i]) of finest regions, the index of the merge that puts
// them in one region (the number of merges if none does), by climbing the merge
// tree: nodes 0 .. n-1 are the finest regions, node n + i is merge i.
carray<std::int64_t> join_steps(std::int64_t n, const carray<std::int64_t> &merged,
                                const carray<std::int64_t> &into, const carray<std::int64_t> &a,
                                const carray<std::int64_t> &b) {
    require_merges(n, merged, into, "join_steps: merged and into must be (k,) ids 0 .. n-1");
    require(a.ndim() == 1 && b.ndim() == 1 && a.shape(0) == b.shape(0) && all_below(a, n) &&
                all_below(b, n),
            "join_steps: a and b must be (m,) ids 0 .. n-1");
    const std::int64_t steps = merged.shape(0), pairs = a.shape(0);
    carray<std::int64_t> result(static_cast<py::ssize_t>(pairs));
    const std::int64_t *from = cdata(merged), *to = cdata(into), *pa = cdata(a), *pb = cdata(b);
    std::int64_t *out = data(result);
    py::gil_scoped_release release;
    std::vector<std::int64_t> up(n + steps, -1), node(n), parent(n), depth(n + steps, 0);
    for (std::int64_t i = 0; i < n; ++i) node[i] = parent[i] = i;
    for (std::int64_t i = 0; i < steps; ++i) {
        const std::int64_t x = find(parent.data(), from[i]);
        const std::int64_t y = find(parent.data(), to[i]);
        up[node[x]] = n + i;
        up[node[y]] = n + i;
        parent[x] = y;
        node[y] = n + i;
    }
    for (std::int64_t v = n + steps - 1; v >= 0; --v)
        if (up[v] >= 0) depth[v] = depth[up[v]] + 1;
    for (std::int64_t i = 0; i < pairs; ++i) {
        std::int64_t u = pa[i], v = pb[i];
        while (u != v && u >= 0 && v >= 0) {
            if (depth[u] >= depth[v])
                u = up[u];
            else
                v = up[v];
        }
        out[i] = u == v && u >= n ? u - n : steps;
    }
    return result;
}

}  // namespace

void bind_hierarchy(py::module_ &m) {
    m.def("replay", &replay, py::arg("n"), py::arg("merged").noconvert(),
          py::arg("into").noconvert(), py::arg("steps"),
          "(n,) int64: the root of every finest region after the first steps merges.");
    m.def("join_steps", &join_steps, py::arg("n"), py::arg("merged").noconvert(),
          py::arg("into").noconvert(), py::arg("a").noconvert(), py::arg("b").noconvert(),
          "(m,) int64: the merge that first joins a[i] and b[i] (k if none).");
}

}  // namespace segment_native
