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

// The root of every id 0 .. n-1 into roots[0 .. n).
template <typename I, typename R>
inline void resolve(I *parent, R *roots, long long n) {
    for (long long i = 0; i < n; ++i) roots[i] = static_cast<R>(find(parent, static_cast<I>(i)));
}

}  // namespace segment_native
