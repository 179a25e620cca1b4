"""The merge hierarchy: nested segmentations from the finest level to one region.

:func:`segment.merging.merge_hierarchy` records every merge of the greedy merging,
run past any threshold to a single region. A merge's *level* follows the running
maximum c of the merge costs up to it, so that levels never decrease up the
hierarchy (a merge can make a neighbouring pair cheaper than one merged before it,
and the lazy queue can reach a pair late): up to 1/2 the level is c itself, the
probability that the two regions belong to different objects; above 1/2 its odds are
the square root of c's odds, ``level = 1 / (1 + sqrt((1 - c) / c))``
(:func:`merge_levels`). The model's costs crowd against 1 at the top of the
hierarchy (the last merge of a BSDS500 photo costs 0.98 at the median, up to
0.9994); the square root spreads them over (1/2, 1) without changing their order, so
that thresholds short of 1 still tell those merges apart. Cutting at a threshold t
keeps every merge of level <= t: since levels increase, that is the sequence's first
merges, up to the first whose level exceeds t.

Two adjacent regions of the finest level *join* at the level of the merge that
first puts them in one region; on the boundary between them an ultrametric contour
map (UCM) holds that level.

Replaying the merges and finding where two regions join are compiled kernels
(``src/native/hierarchy.cpp``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _native

__all__ = ["Hierarchy", "merge_levels"]


def merge_levels(costs):
    """The level of every merge of a sequence with these costs (see the module docstring).

    Parameters
    ----------
    costs : (k,) float ndarray
        The merge costs in order, in [0, 1].

    Returns
    -------
    (k,) float64 ndarray
        Non-decreasing levels in [0, 1]: the running maximum c of the costs, and
        above 1/2 the probability whose odds are the square root of c's.

    Examples
    --------
    >>> merge_levels(np.array([0.2, 0.1, 0.8, 1.0])).tolist()
    [0.2, 0.2, 0.6666666666666666, 1.0]
    """
    costs = np.asarray(costs, dtype=np.float64)
    if not costs.size:
        return costs
    c = np.maximum.accumulate(costs)
    high = c > 0.5
    out = c.copy()
    out[high] = 1.0 / (1.0 + np.sqrt((1.0 - c[high]) / c[high]))
    return out


@dataclass(frozen=True)
class Hierarchy:
    """The recorded merges over the `n` regions of the finest level.

    Attributes
    ----------
    n : int
        Regions of the finest level.
    merged, into : (k,) int64 ndarray
        Merge i joins the region holding finest region ``merged[i]`` to the one
        holding ``into[i]``; k is n - 1 for a connected image.
    costs : (k,) float64 ndarray
        The merging cost of each merge, in [0, 1].
    background : int
        The finest region of the pixels outside a mask, which never merges; -1
        without a mask.
    """

    n: int
    merged: np.ndarray
    into: np.ndarray
    costs: np.ndarray
    background: int = -1

    @property
    def merge_levels(self):
        """(k,) float64: the level of every merge (:func:`merge_levels` of the costs)."""
        return merge_levels(self.costs)

    @property
    def levels(self):
        """The sorted distinct merge levels: cutting between two of them gives the
        same regions."""
        return np.unique(self.merge_levels)

    def steps(self, threshold=None, n_regions=None):
        """How many merges a cut keeps: those of level <= `threshold`, or as many as
        leave `n_regions` regions (the background left out)."""
        if (threshold is None) == (n_regions is None):
            raise TypeError("give one of threshold and n_regions")
        if threshold is not None:
            return int(np.searchsorted(self.merge_levels, threshold, side="right"))
        regions = self.n - (self.background >= 0)
        return int(min(max(regions - n_regions, 0), self.merged.size))

    def _merges(self):
        """merged and into as the kernels take them: C-contiguous int64."""
        return (np.ascontiguousarray(self.merged, dtype=np.int64),
                np.ascontiguousarray(self.into, dtype=np.int64))

    def regions(self, steps):
        """(n,) int64: the region (a root id) of every finest region after `steps` merges."""
        steps = int(steps)
        if not 0 <= steps <= self.merged.size:
            raise ValueError(f"steps must be in 0..{self.merged.size} (the merges recorded); "
                             f"got {steps}")
        return _native.replay(int(self.n), *self._merges(), steps)

    def join_levels(self, a, b):
        """Level at which finest regions a[i] and b[i] first share a region
        (``inf`` where they never do)."""
        a = np.ascontiguousarray(a, dtype=np.int64)
        b = np.ascontiguousarray(b, dtype=np.int64)
        step = _native.join_steps(int(self.n), *self._merges(), a, b)
        levels = np.append(self.merge_levels, np.inf)
        return levels[step]
