// Union-find over an array of parent ids, shared by the grouping, merging,
// hierarchy and assignment kernels.
#pragma once

namespace segment_native {

// Root of `i` in the forest `parent`, compressing the path on the way.
template <typename I>
inline I find(I *parent, I i) {
    I root = i;
    while (parent[root] != root) root = parent[root];
    while (parent[i] != root) {
        const I next = parent[i];
        parent[i] = root;
        i = next;
    }
    return root;
}

// Union of the sets of i and j under the smaller root, so that every root is the
// smallest id of its set whatever the order of the unions.
template <typename I>
inline void unite(I *parent, I i, I j) {
    const I a = find(parent, i), b = find(parent, j);
    if (a < b) {
        parent[b] = a;
    } else if (b < a) {
        parent[a] = b;
    }
}

// Whether every one of the `count` ids at p lies in 0 .. n-1.
template <typename I>
inline bool ids_below(const I *p, long long count, I n) {
    for (long long k = 0; k < count; ++k)
        if (p[k] < 0 || p[k] >= n) return false;
    return true;
}

// The root of every id 0 .. n-1 into roots[0 .. n).
template <typename I, typename R>
inline void resolve(I *parent, R *roots, long long n) {
    for (long long i = 0; i < n; ++i) roots[i] = static_cast<R>(find(parent, static_cast<I>(i)));
}

}  // namespace segment_native
