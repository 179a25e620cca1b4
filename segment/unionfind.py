"""Union-find (disjoint sets) over integer ids, for the compiled region kernels."""

from __future__ import annotations

from numba import njit

__all__ = ["find", "resolve"]


@njit(cache=True, inline="always")
def find(parent, i):
    """Root of `i` in the forest `parent`, compressing the path on the way."""
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:
        nxt = parent[i]
        parent[i] = root
        i = nxt
    return root


@njit(cache=True)
def resolve(parent, roots):
    """Write the root of every id into `roots` (the same shape as `parent`)."""
    for i in range(parent.size):
        roots[i] = find(parent, i)
