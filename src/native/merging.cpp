// Kernels of segment/merging.py: greedy merging of adjacent regions with a lazy
// priority queue (the rules are in that module's docstring).
#include <algorithm>
#include <vector>

#include "common.hpp"
#include "merge_cost.hpp"
#include "union_find.hpp"

namespace segment_native {

namespace {

// A queued boundary: its edge and the cost it was queued at.
struct Entry {
    double cost;
    std::int64_t edge;
};

// The order of the tuples (cost, edge): the first element that differs decides,
// so equal costs leave the queue by increasing edge.
inline bool before(const Entry &x, const Entry &y) {
    if (x.cost != y.cost) return x.cost < y.cost;
    if (x.edge != y.edge) return x.edge < y.edge;
    return false;
}

// A binary min-heap with the sift steps of Python's heapq, so that entries that
// compare unordered (a NaN cost) leave in the same order as from heapq too.
class Heap {
public:
    void reserve(std::size_t n) { items_.reserve(n); }
    bool empty() const { return items_.empty(); }
    // Before heapify() only: appends without restoring the heap order.
    void append(const Entry &x) { items_.push_back(x); }

    void heapify() {
        for (std::size_t i = items_.size() / 2; i-- > 0;) sift_up(i);
    }

    void push(const Entry &x) {
        items_.push_back(x);
        sift_down(0, items_.size() - 1);
    }

    Entry pop() {
        const Entry last = items_.back();
        items_.pop_back();
        if (items_.empty()) return last;
        const Entry top = items_[0];
        items_[0] = last;
        sift_up(0);
        return top;
    }

private:
    void sift_down(std::size_t start, std::size_t pos) {
        const Entry item = items_[pos];
        while (pos > start) {
            const std::size_t up = (pos - 1) >> 1;
            if (!before(item, items_[up])) break;
            items_[pos] = items_[up];
            pos = up;
        }
        items_[pos] = item;
    }

    void sift_up(std::size_t pos) {
        const std::size_t end = items_.size(), start = pos;
        const Entry item = items_[pos];
        std::size_t child = 2 * pos + 1;
        while (child < end) {
            const std::size_t right = child + 1;
            if (right < end && !before(items_[child], items_[right])) child = right;
            items_[pos] = items_[child];
            pos = child;
            child = 2 * pos + 1;
        }
        items_[pos] = item;
        sift_down(start, pos);
    }

    std::vector<Entry> items_;
};

// The live edge of each pair of adjacent regions, by the pair's key: open
// addressing with linear probing, and deletion by shifting the entries after a
// hole back, so that no tombstones pile up while edges move between regions.
class PairMap {
public:
    // Room for `most` entries at once, at a load of at most one half.
    explicit PairMap(std::size_t most) {
        std::size_t capacity = 16;
        int bits = 4;
        while (capacity < 2 * most) {
            capacity <<= 1;
            ++bits;
        }
        mask_ = capacity - 1;
        shift_ = 64 - bits;
        slots_.assign(capacity, Slot{kEmpty, 0});
    }

    // The edge of `key`, or nullptr.
    std::int64_t *find(std::int64_t key) {
        for (std::size_t i = home(key);; i = (i + 1) & mask_) {
            if (slots_[i].key == key) return &slots_[i].edge;
            if (slots_[i].key == kEmpty) return nullptr;
        }
    }

    void set(std::int64_t key, std::int64_t edge) {
        std::size_t i = home(key);
        while (slots_[i].key != kEmpty && slots_[i].key != key) i = (i + 1) & mask_;
        slots_[i] = Slot{key, edge};
    }

    void erase(std::int64_t key) {
        std::size_t hole = home(key);
        while (slots_[hole].key != key) {
            if (slots_[hole].key == kEmpty) return;
            hole = (hole + 1) & mask_;
        }
        // an entry after the hole moves into it unless its home lies after the hole
        for (std::size_t j = (hole + 1) & mask_; slots_[j].key != kEmpty; j = (j + 1) & mask_) {
            if (((j - home(slots_[j].key)) & mask_) >= ((j - hole) & mask_)) {
                slots_[hole] = slots_[j];
                hole = j;
            }
        }
        slots_[hole].key = kEmpty;
    }

private:
    static constexpr std::int64_t kEmpty = -1;  // keys are never negative
    struct Slot {
        std::int64_t key, edge;
    };

    // Fibonacci hashing: the top bits of the key times 2^64 / golden ratio.
    std::size_t home(std::int64_t key) const {
        return static_cast<std::size_t>((static_cast<std::uint64_t>(key) * 0x9E3779B97F4A7C15ull) >>
                                        shift_);
    }

    std::vector<Slot> slots_;
    std::size_t mask_;
    int shift_;
};

// The region adjacency graph while it merges. Region statistics are running sums;
// every edge e has two slots in the adjacency lists, 2e in eu[e]'s list and 2e + 1
// in ev[e]'s; `lookup` finds the live edge of a pair of regions by key(a, b).
struct Graph {
    std::int64_t n;
    std::vector<std::int64_t> parent, degree, head, tail;
    std::vector<double> size, total, inner, count;
    long long columns;
    std::vector<std::int64_t> eu, ev, nxt;
    std::vector<double> elen, ecst;
    std::vector<char> alive;
    PairMap lookup;

    Graph(std::int64_t regions, std::size_t edges) : n(regions), lookup(edges) {}

    std::int64_t key(std::int64_t a, std::int64_t b) const {
        return (a < b ? a : b) * n + (a < b ? b : a);
    }

    merge_cost::Regions regions(double area) const {
        return {size.data(), total.data(), columns, inner.data(), count.data(), area};
    }

    // Appends edge e's two slots to the adjacency lists of its regions.
    void link(std::int64_t e) {
        for (int side = 0; side < 2; ++side) {
            const std::int64_t slot = 2 * e + side, r = side == 0 ? eu[e] : ev[e];
            ++degree[r];
            if (head[r] < 0)
                head[r] = slot;
            else
                nxt[tail[r]] = slot;
            tail[r] = slot;
        }
    }

    // Appends o's adjacency list to r's.
    void splice(std::int64_t o, std::int64_t r) {
        if (head[o] < 0) return;
        if (head[r] < 0)
            head[r] = head[o];
        else
            nxt[tail[r]] = head[o];
        tail[r] = tail[o];
        head[o] = -1;
        tail[o] = -1;
    }
};

struct Model {
    double area;
    const double *coef;
};

struct Steps {
    std::vector<std::int64_t> merged, into;
    std::vector<double> costs;
};

// Region o joins region r (their boundary, edge e, already taken out): the sums
// add up, o's boundaries move to r, fusing with r's own boundary to the same
// neighbour where there is one, and every moved or fused boundary is queued at its
// new cost.
void absorb(Graph &g, Heap &heap, const Model &model, std::int64_t o, std::int64_t r,
            double *feat) {
    g.parent[o] = r;
    g.size[r] += g.size[o];
    g.inner[r] += g.inner[o];
    g.count[r] += g.count[o];
    for (long long k = 0; k < g.columns; ++k) g.total[r * g.columns + k] += g.total[o * g.columns + k];
    const merge_cost::Regions regions = g.regions(model.area);
    for (std::int64_t slot = g.head[o]; slot >= 0; slot = g.nxt[slot]) {
        const std::int64_t f = slot >> 1;
        if (!g.alive[f]) continue;
        const std::int64_t x = find(g.parent.data(), g.eu[f]);
        const std::int64_t y = find(g.parent.data(), g.ev[f]);
        const std::int64_t other = x == r ? y : x;
        g.lookup.erase(g.key(o, other));
        const std::int64_t key = g.key(r, other);
        const std::int64_t *existing = g.lookup.find(key);
        std::int64_t kept = f;
        if (existing != nullptr) {
            kept = *existing;
            g.elen[kept] += g.elen[f];
            g.ecst[kept] += g.ecst[f];
            g.alive[f] = 0;
            --g.degree[other];
        } else {
            g.lookup.set(key, f);
            ++g.degree[r];
        }
        heap.push({merge_cost::cost(regions, r, other, g.elen[kept], g.ecst[kept], model.coef, feat),
                   kept});
    }
    g.degree[o] = 0;
    g.splice(o, r);
}

// The lazy queue: pops the cheapest boundary, requeues it if its cost has grown,
// merges its regions if they may merge.
void run(Graph &g, Heap &heap, const Model &model, double threshold, double min_size,
         Steps &steps) {
    double feat[merge_cost::kFeatures];
    const merge_cost::Regions regions = g.regions(model.area);
    while (!heap.empty()) {
        const Entry top = heap.pop();
        const std::int64_t e = top.edge;
        if (!g.alive[e]) continue;
        const std::int64_t a = find(g.parent.data(), g.eu[e]);
        const std::int64_t b = find(g.parent.data(), g.ev[e]);
        const double now = merge_cost::cost(regions, a, b, g.elen[e], g.ecst[e], model.coef, feat);
        if (now > top.cost * (1.0 + 1e-9) + 1e-12) {
            heap.push({now, e});
            continue;
        }
        if (g.size[a] >= min_size && g.size[b] >= min_size && now > threshold) continue;
        // the region with fewer neighbours joins the other
        const bool a_joins = g.degree[a] < g.degree[b] || (g.degree[a] == g.degree[b] && a > b);
        const std::int64_t o = a_joins ? a : b, r = a_joins ? b : a;
        g.alive[e] = 0;
        g.lookup.erase(g.key(a, b));
        --g.degree[r];
        --g.degree[o];
        steps.merged.push_back(o);
        steps.into.push_back(r);
        steps.costs.push_back(now);
        absorb(g, heap, model, o, r, feat);
    }
}

template <typename T>
carray<T> to_array(const std::vector<T> &v) {
    carray<T> out(static_cast<py::ssize_t>(v.size()));
    std::copy(v.begin(), v.end(), data(out));
    return out;
}

// n regions; edges (E, 2) with their boundary lengths and contrasts; the regions'
// sizes, summed channels (n, C), interior edge sums and interior pixel counts.
// Returns the region (root id) of every region after merging, and the merges in
// order: the region merged away, the region it joined, the cost.
py::tuple merge(std::int64_t n, const carray<std::int64_t> &edges, const carray<double> &length,
                const carray<double> &contrast, const carray<double> &sizes,
                const carray<double> &sums, double threshold, double min_size,
                const carray<double> &inner_sums, const carray<double> &inner_counts, double area,
                const carray<double> &coef) {
    require(n >= 0 && edges.ndim() == 2 && edges.shape(1) == 2, "merge: edges must be (E, 2)");
    const py::ssize_t nedge = edges.shape(0);
    require(length.ndim() == 1 && length.shape(0) == nedge && contrast.ndim() == 1 &&
                contrast.shape(0) == nedge,
            "merge: one length and contrast per edge");
    require(sizes.ndim() == 1 && sizes.shape(0) == n && sums.ndim() == 2 && sums.shape(0) == n &&
                sums.shape(1) >= 2 && inner_sums.ndim() == 1 && inner_sums.shape(0) == n &&
                inner_counts.ndim() == 1 && inner_counts.shape(0) == n,
            "merge: sizes, sums, inner sums and counts must cover the n regions");
    require(coef.ndim() == 1 && coef.shape(0) == merge_cost::kFeatures + 1,
            "merge: coef must hold the intercept and one coefficient per feature");
    Graph g(n, static_cast<std::size_t>(nedge));
    g.columns = sums.shape(1);
    g.size.assign(cdata(sizes), cdata(sizes) + n);
    g.total.assign(cdata(sums), cdata(sums) + n * g.columns);
    g.inner.assign(cdata(inner_sums), cdata(inner_sums) + n);
    g.count.assign(cdata(inner_counts), cdata(inner_counts) + n);
    g.elen.assign(cdata(length), cdata(length) + nedge);
    g.ecst.assign(cdata(contrast), cdata(contrast) + nedge);
    const std::int64_t *pair = cdata(edges);
    require(ids_below(pair, 2 * nedge, n), "merge: edges must join regions 0 .. n-1");
    const Model model{area, cdata(coef)};
    Steps steps;
    std::vector<std::int64_t> roots(n);
    {
        py::gil_scoped_release release;
        g.parent.resize(n);
        for (std::int64_t i = 0; i < n; ++i) g.parent[i] = i;
        g.degree.assign(n, 0);
        g.head.assign(n, -1);
        g.tail.assign(n, -1);
        g.nxt.assign(2 * nedge, -1);
        g.alive.assign(nedge, 1);
        g.eu.resize(nedge);
        g.ev.resize(nedge);
        Heap heap;
        heap.reserve(nedge);
        double feat[merge_cost::kFeatures];
        const merge_cost::Regions regions = g.regions(area);
        for (py::ssize_t e = 0; e < nedge; ++e) {
            g.eu[e] = pair[2 * e];
            g.ev[e] = pair[2 * e + 1];
            g.lookup.set(g.key(g.eu[e], g.ev[e]), e);
            g.link(e);
            heap.append({merge_cost::cost(regions, g.eu[e], g.ev[e], g.elen[e], g.ecst[e],
                                          model.coef, feat),
                         e});
        }
        heap.heapify();
        run(g, heap, model, threshold, min_size, steps);
        resolve(g.parent.data(), roots.data(), n);
    }
    return py::make_tuple(to_array(roots), to_array(steps.merged), to_array(steps.into),
                          to_array(steps.costs));
}

}  // namespace

void bind_merging(py::module_ &m) {
    m.def("merge", &merge, py::arg("n"), py::arg("edges").noconvert(),
          py::arg("length").noconvert(), py::arg("contrast").noconvert(),
          py::arg("sizes").noconvert(), py::arg("sums").noconvert(), py::arg("threshold"),
          py::arg("min_size"), py::arg("inner_sums").noconvert(),
          py::arg("inner_counts").noconvert(), py::arg("area"), py::arg("coef").noconvert(),
          "Greedy merging: (roots, merged, into, costs).");
}

}  // namespace segment_native
