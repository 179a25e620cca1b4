"""Region measures of one label map against one human map: Rand index, VoI, covering.

Everything comes from the contingency table of the two maps, never from pixel
pairs: O(N) per human map of N pixels.
"""

from __future__ import annotations

import numpy as np


def _relabel(labels):
    """Map the labels to 0..k-1; return (flat inverse, region sizes)."""
    flat = labels.ravel()
    if flat.size and flat.min() >= 0 and flat.max() < 4 * flat.size + 1024:
        counts = np.bincount(flat)
        present = counts > 0
        lut = np.cumsum(present, dtype=np.intp) - 1
        return lut[flat], counts[present]
    _, inverse, sizes = np.unique(flat, return_inverse=True, return_counts=True)
    return inverse.ravel().astype(np.intp), sizes


def _contingency(inv_s, n_s, inv_g, n_g):
    """Non-zero cells (i, j, count) of the contingency table of two relabelled maps."""
    key = inv_s * n_g + inv_g
    if n_s * n_g <= max(4 * key.size, 1 << 20):
        table = np.bincount(key, minlength=n_s * n_g)
        cells = np.flatnonzero(table)
        counts = table[cells]
    else:
        cells, counts = np.unique(key, return_counts=True)
    return cells // n_g, cells % n_g, counts


def _entropy(counts, n):
    p = counts / n
    return float(-np.sum(p * np.log2(p)))


def _region_scores(inv_s, sizes_s, human):
    """(Rand index, VoI, covering numerator) of one human against the machine map."""
    ri, voi, cover, _ = _relabelled_region_scores(inv_s, sizes_s, *_relabel(human))
    return ri, voi, cover


def _relabelled_region_scores(inv_s, sizes_s, inv_g, sizes_g):
    """Rand index, VoI, covering numerator, and each human region's best IoU.

    Both maps come relabelled (:func:`_relabel`), so that one human map serves
    many machine maps.
    """
    n = inv_s.size
    i, j, nij = _contingency(inv_s, sizes_s.size, inv_g, sizes_g.size)
    # Rand index from the table (Hubert & Arabie): pairs on which the maps disagree
    sum_a2 = float(np.dot(sizes_s, sizes_s))
    sum_b2 = float(np.dot(sizes_g, sizes_g))
    sum_n2 = float(np.dot(nij, nij))
    pairs = n * (n - 1) / 2.0
    ri = 1.0 - (sum_a2 / 2 + sum_b2 / 2 - sum_n2) / pairs if pairs else 1.0
    # VoI = H(S) + H(G) - 2 I(S, G) = 2 H(S, G) - H(S) - H(G)
    voi = max(0.0, 2 * _entropy(nij, n) - _entropy(sizes_s, n) - _entropy(sizes_g, n))
    # covering: each human region's best intersection-over-union with a machine region
    iou = nij / (sizes_s[i] + sizes_g[j] - nij)
    best = np.zeros(sizes_g.size)
    np.maximum.at(best, j, iou)
    return ri, voi, float(np.dot(sizes_g, best)), best
