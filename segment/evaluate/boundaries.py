"""Boundary pixels of a label map and their one-to-one matching to a human's.

The official ``seg2bdry`` and thinning draw the boundaries; a compiled
Hopcroft-Karp matcher pairs machine and human pixels within the tolerance disc.
The compiled kernels (the candidate pairs, the thinning, the matching) are in
``src/native/boundaries.cpp``.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _native


def _disc_offsets(radius, stride):
    """Flat offsets (row stride `stride`) of the pixels within `radius`, nearest first.

    Nearest first, so that the greedy start of the matching prefers close pairs.
    """
    r = int(math.floor(radius))
    dy, dx = np.mgrid[-r:r + 1, -r:r + 1]
    d2 = (dy * dy + dx * dx).ravel()
    inside = d2 <= radius * radius + 1e-9
    order = np.argsort(d2[inside], kind="stable")
    return (dy.ravel()[inside][order] * stride + dx.ravel()[inside][order]).astype(np.int64)


def _pairs_within(base, offsets, index):
    """CSR graph (indptr, indices): row k lists ``index[base[k] + o]`` for the
    offsets o where it is >= 0."""
    return _native.pairs_within(np.ascontiguousarray(base, dtype=np.int64),
                                np.ascontiguousarray(offsets, dtype=np.int64),
                                np.ascontiguousarray(index, dtype=np.int32))


def _seg2bdry(labels):
    """The official ``seg2bdry(seg, 'imageSize')``: edges on the doubled grid, sampled at pixels."""
    height, width = labels.shape
    grid = np.zeros((2 * height + 1, 2 * width + 1), bool)
    vertical = np.zeros((height, width), bool)
    vertical[:-1] = labels[:-1] != labels[1:]
    horizontal = np.zeros((height, width), bool)
    horizontal[:, :-1] = labels[:, :-1] != labels[:, 1:]
    grid[2::2, 1::2] = vertical
    grid[1::2, 2::2] = horizontal
    grid[2:-1:2, 2:-1:2] = (horizontal[:-1, :-1] | horizontal[1:, :-1]
                            | vertical[:-1, :-1] | vertical[:-1, 1:])
    grid[0] = grid[1]
    grid[:, 0] = grid[:, 1]
    grid[-1] = grid[-2]
    grid[:, -1] = grid[:, -2]
    return grid[2::2, 2::2]


def _label_boundaries(labels, rule):
    """Boundary mask of a label map by the 'thin' or the 'bsds' rule."""
    if rule == "thin":
        from ..render import find_boundaries

        return find_boundaries(labels, mode="thin")
    return _thin(_seg2bdry(labels))


def _thinning_tables():
    """Deletion tables of the two sub-iterations of Guo & Hall (1989), by 8-bit
    neighbourhood code (bit k: the k-th neighbour counter-clockwise from the right),
    as MATLAB's ``bwmorph(.., 'thin')`` and :func:`skimage.morphology.thin`."""
    first = np.zeros(256, np.bool_)
    second = np.zeros(256, np.bool_)
    for code in range(256):
        b = [bool(code >> k & 1) for k in range(8)]
        # G1: exactly one 8-connected run of foreground around the pixel
        crossings = sum(1 for k in (0, 2, 4, 6) if not b[k] and (b[k + 1] or b[(k + 2) % 8]))
        # G2: 2 or 3 foreground neighbours, counted in pairs both ways
        n1 = sum(1 for k in (1, 3, 5, 7) if b[k] or b[k - 1])
        n2 = sum(1 for k in (1, 3, 5, 7) if b[k] or b[(k + 1) % 8])
        g12 = crossings == 1 and min(n1, n2) in (2, 3)
        first[code] = g12 and not ((b[1] or b[2] or not b[7]) and b[0])
        second[code] = g12 and not ((b[5] or b[6] or not b[3]) and b[4])
    return first, second


_THIN_TABLES = _thinning_tables()


def _thin(mask):
    """:func:`skimage.morphology.thin` of a boolean mask, visiting only its pixels.

    skimage filters the whole image twice per iteration; this touches only the
    foreground: about 5 ms instead of 40 on a 481x321 boundary map.
    """
    mask = np.asarray(mask, bool)
    grid = np.zeros((mask.shape[0] + 2, mask.shape[1] + 2), np.uint8)
    grid[1:-1, 1:-1] = mask
    ys, xs = np.nonzero(grid)
    # each sub-iteration decides every deletion from the grid as it was before it,
    # then deletes; the thinning stops when a whole iteration deletes nothing
    _native.thin_kernel(grid, ys.astype(np.int64), xs.astype(np.int64), *_THIN_TABLES)
    return grid[1:-1, 1:-1].astype(bool)


def _hopcroft_karp(indptr, indices, n_right):
    """Maximum matching of a bipartite graph in CSR form (rows: left vertices).

    Returns, for each left vertex, its matched right vertex or -1 (int32).
    Hopcroft-Karp, O(E sqrt(V)), with a greedy start and an iterative depth-first
    search that retires dead ends (scipy's version does not, and can take seconds here).
    """
    return _native.hopcroft_karp(np.ascontiguousarray(indptr, dtype=np.int64),
                                 np.ascontiguousarray(indices, dtype=np.int32), int(n_right))


class _HumanBoundaries:
    """The humans' boundary pixels, indexed once to be matched with many machine maps.

    ``counts(machine)`` returns (cnt_r, sum_r, cnt_p, sum_p): the one-to-one
    matching of the machine's boundary pixels to each human's within `radius`
    pixels; a machine pixel counts as correct if it matches any human.
    """

    def __init__(self, humans, shape, radius):
        height, width = shape
        self.shape = (height, width)
        self.r = r = int(math.floor(radius))
        # pixel indices in an image padded by r on every side, so no offset leaves it
        self.stride = width + 2 * r
        self.offsets = _disc_offsets(radius, self.stride)
        self.humans = []
        for human in humans:
            yh, xh = np.nonzero(human)
            self.humans.append((yh + r) * self.stride + (xh + r))
        self.sum_r = sum(flat.size for flat in self.humans)
        self.index = np.full((height + 2 * r) * self.stride, -1, np.int32)

    def counts(self, machine):
        r, index = self.r, self.index
        ym, xm = np.nonzero(machine)
        base = (ym + r) * self.stride + (xm + r)
        n_m = base.size
        correct = np.zeros(n_m, bool)
        cnt_r = 0
        for flat_h in self.humans:
            n_h = flat_h.size
            if n_m == 0 or n_h == 0:
                continue
            index[flat_h] = np.arange(n_h, dtype=np.int32)
            indptr, indices = _pairs_within(base, self.offsets, index)
            index[flat_h] = -1
            matched = _hopcroft_karp(indptr, indices, n_h) >= 0
            correct |= matched
            cnt_r += int(matched.sum())
        return cnt_r, self.sum_r, int(correct.sum()), n_m


def _matched_counts(machine, humans, radius):
    """(cnt_r, sum_r, cnt_p, sum_p): one-to-one matching of machine to each human."""
    return _HumanBoundaries(humans, machine.shape, radius).counts(machine)
