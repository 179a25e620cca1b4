"""A slow, obviously correct reference of the greedy region merge.

Not a test module: tests/test_merging.py compares :func:`segment.merging.merge_regions`
against :func:`reference_merge` on tiny region graphs.

The semantics, stated once. The region statistics are computed from scratch, from
the pixels, every time a cost is needed (no running sums, no union-find):

* two regions are adjacent when a pixel of one and a pixel of the other are
  4-neighbours; their boundary length is the number of such pixel pairs and its
  contrast the sum, over those pairs, of the mean edge strength of the two pixels;
* a region's interior is the set of its pixels farther than `margin` (chessboard
  distance) from every pixel that has a 4-neighbour of another region of the
  *initial* partition; a merged region's interior is the union of its initial
  regions' interiors;
* the cost of a pair is ``1 / (1 + exp(logit))`` with logit the intercept plus the
  coefficients times the fourteen pair features, written out below from their
  definitions in :mod:`segment.merge_cost`;
* a pair may merge when its cost is at most ``threshold`` or one of its regions has
  fewer than ``min_size`` pixels.

The queue discipline, which decides the order (the lazy queue of
:mod:`segment.merging`): every boundary is queued once at its initial cost. The
entry of least cost (then least boundary index) leaves the queue; if the pair's
cost is now higher, it is queued again at that cost; else the pair merges if it
may, and is dropped if it may not. A merge moves the boundaries of the region with
fewer neighbours (on a tie, the one of larger id) to the other, fusing a moved
boundary with an existing one to the same neighbour, and queues each moved or fused
boundary at its new cost; the survivor's other boundaries keep their entries.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

__all__ = ["reference_merge"]


def _interior(initial, margin):
    """Pixels farther than `margin` (chessboard distance) from every boundary pixel,
    a boundary pixel being one with a 4-neighbour of another initial region."""
    height, width = initial.shape
    boundary = np.zeros(initial.shape, bool)
    for row in range(height):
        for col in range(width):
            for r2, c2 in ((row - 1, col), (row + 1, col), (row, col - 1), (row, col + 1)):
                if 0 <= r2 < height and 0 <= c2 < width and initial[r2, c2] != initial[row, col]:
                    boundary[row, col] = True
    inside = np.zeros(initial.shape, bool)
    for row in range(height):
        for col in range(width):
            window = boundary[max(0, row - margin):row + margin + 1,
                              max(0, col - margin):col + margin + 1]
            inside[row, col] = not window.any()
    return inside


def _pairs(labels, edge_map):
    """{(a, b): [length, contrast]} over 4-adjacent pixel pairs, a < b."""
    pairs = {}
    height, width = labels.shape
    for row in range(height):
        for col in range(width):
            for r2, c2 in ((row, col + 1), (row + 1, col)):
                if r2 < height and c2 < width and labels[row, col] != labels[r2, c2]:
                    a, b = sorted((int(labels[row, col]), int(labels[r2, c2])))
                    entry = pairs.setdefault((a, b), [0.0, 0.0])
                    entry[0] += 1.0
                    entry[1] += 0.5 * (float(edge_map[row, col]) + float(edge_map[r2, c2]))
    return pairs


def _features(a, b, length, contrast, labels, values, edge_map, inside, area):
    in_a, in_b = labels == a, labels == b
    size_a, size_b = float(in_a.sum()), float(in_b.sum())
    mean_a = values[in_a].mean(axis=0)
    mean_b = values[in_b].mean(axis=0)
    colour2 = float(((mean_a[:-1] - mean_b[:-1]) ** 2).sum())
    lightness = abs(float(mean_a[0] - mean_b[0]))
    ta, tb = float(mean_a[-1]), float(mean_b[-1])
    texture = abs(ta - tb)
    contrast_mean = contrast / length
    count_a, count_b = (in_a & inside).sum(), (in_b & inside).sum()
    if count_a > 0 and count_b > 0:
        interior = 0.5 * (edge_map[in_a & inside].sum() / count_a
                          + edge_map[in_b & inside].sum() / count_b)
        weighed = contrast_mean * 3.0 / (2.0 + interior)
    else:
        interior = weighed = contrast_mean
    smaller, larger = min(size_a, size_b), max(size_a, size_b)
    return [
        math.log1p(math.sqrt(colour2)),
        math.log1p(lightness),
        math.log1p(math.sqrt(max(colour2 - lightness ** 2, 0.0))),
        math.log1p(texture),
        math.log1p(math.sqrt(colour2 + (6.0 * texture) ** 2)),
        math.log1p(contrast_mean),
        math.log1p(weighed),
        math.log1p(interior),
        1.0 if count_a > 0 and count_b > 0 else 0.0,
        math.log(smaller / area),
        math.log(larger / area),
        math.log(max(length, 1.0) / math.sqrt(area)),
        length / math.sqrt(smaller),
        math.log1p(0.5 * (ta + tb)),
    ], min(size_a, size_b)


def _cost(a, b, labels, values, edge_map, inside, area, coef):
    length, contrast = _pairs(labels, edge_map)[(min(a, b), max(a, b))]
    features, smaller = _features(a, b, length, contrast, labels, values, edge_map, inside,
                                  area)
    logit = coef[0] + float(np.dot(coef[1:], features))
    return (1.0 if logit < -50.0 else 1.0 / (1.0 + math.exp(logit))), smaller


def reference_merge(labels, values, edge_map, threshold, min_size, coefficients, margin=3):
    """Merge as described in the module docstring; return the final label map
    (the surviving region of each merge keeps its id)."""
    labels = np.array(labels, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    edge_map = np.asarray(edge_map, dtype=np.float64)
    inside = _interior(labels, margin)
    area = float(labels.size)
    coef = np.asarray(coefficients, dtype=np.float64)
    region = np.arange(labels.max() + 1)  # current region of every initial region
    ends = sorted(_pairs(labels, edge_map))  # boundary e joins initial regions ends[e]
    alive = [True] * len(ends)

    def current(e):
        return int(region[ends[e][0]]), int(region[ends[e][1]])

    def neighbours(x):
        return {current(f)[1] if current(f)[0] == x else current(f)[0]
                for f in range(len(ends)) if alive[f] and x in current(f)}

    queue = [(_cost(a, b, labels, values, edge_map, inside, area, coef)[0], e)
             for e, (a, b) in enumerate(ends)]
    heapq.heapify(queue)
    while queue:
        queued, e = heapq.heappop(queue)
        if not alive[e]:
            continue
        a, b = current(e)
        cost, smaller = _cost(a, b, labels, values, edge_map, inside, area, coef)
        if cost > queued * (1.0 + 1e-9) + 1e-12:
            heapq.heappush(queue, (cost, e))
            continue
        if smaller >= min_size and cost > threshold:
            continue
        degree_a, degree_b = len(neighbours(a)), len(neighbours(b))
        o, r = (a, b) if degree_a < degree_b or (degree_a == degree_b and a > b) else (b, a)
        alive[e] = False
        survivor_boundaries = {current(f)[1] if current(f)[0] == r else current(f)[0]: f
                               for f in range(len(ends)) if alive[f] and r in current(f)}
        moved = [f for f in range(len(ends)) if alive[f] and o in current(f)]
        labels[labels == o] = r
        region[region == o] = r
        for f in moved:
            other = current(f)[1] if current(f)[0] == r else current(f)[0]
            if other in survivor_boundaries:
                alive[f] = False
                f = survivor_boundaries[other]
            heapq.heappush(queue, (_cost(r, other, labels, values, edge_map, inside, area,
                                         coef)[0], f))
    return labels
