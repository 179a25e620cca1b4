"""Hierarchical scores of ultrametric contour maps: every threshold, then ODS, OIS, AP.

As the official BSDS500 ``evaluation_bdry_image``, ``evaluation_reg_image``,
``collect_eval_bdry`` and ``collect_eval_reg``: each image's UCM is cut at N
thresholds ``linspace(1/(N+1), 1 - 1/(N+1), N)``; at each, the regions are scored
with PRI, VoI and Covering and the thinned boundaries with P / R / F; the data-set
figures are then read at the best threshold for the data set (ODS), at each
image's best (OIS), and over the whole precision-recall curve (AP).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._defaults import DEFAULT_MAX_DIST
from ._common import _check_humans, _check_matching
from .boundaries import _HumanBoundaries, _label_boundaries
from .regions import _relabel, _relabelled_region_scores
from .ucm import _as_ucm2, _boundaries_at, _regions_at

__all__ = ["UCMScores", "evaluate_ucm", "summarize_ucm", "ucm_thresholds"]

#: Thresholds of the official benchmark.
DEFAULT_THRESHOLDS = 99


def ucm_thresholds(thresholds=DEFAULT_THRESHOLDS):
    """The thresholds a UCM is cut at: N evenly spaced, or the given increasing levels.

    Parameters
    ----------
    thresholds : int or sequence of float, optional
        N: ``linspace(1/(N+1), 1 - 1/(N+1), N)``, the official benchmark's (N = 99:
        0.01, 0.02, ..., 0.99). A sequence: strictly increasing levels in [0, 1].

    Returns
    -------
    levels : (T,) float64 ndarray

    Raises
    ------
    ValueError
        If N < 1, or the sequence is empty, not increasing, or outside [0, 1].

    Examples
    --------
    >>> ucm_thresholds(3).tolist()
    [0.25, 0.5, 0.75]
    """
    if isinstance(thresholds, (int, np.integer)) and not isinstance(thresholds, bool):
        if thresholds < 1:
            raise ValueError(f"thresholds must be a count >= 1 or a sequence of levels; got {thresholds}")
        n = int(thresholds)
        return np.linspace(1 / (n + 1), 1 - 1 / (n + 1), n)
    levels = np.asarray(thresholds, dtype=np.float64)
    if (levels.ndim != 1 or levels.size == 0 or not np.all(np.isfinite(levels))
            or np.any(np.diff(levels) <= 0) or levels[0] < 0 or levels[-1] > 1):
        raise ValueError(
            "thresholds must be a count >= 1 or a strictly increasing sequence of levels "
            f"in [0, 1]; got {thresholds!r}"
        )
    return levels


@dataclass(frozen=True, eq=False)
class UCMScores:
    """The benchmark figures of one image's UCM at every threshold.

    Every array has one entry per threshold.

    Attributes
    ----------
    thresholds : (T,) ndarray
        The levels the UCM was cut at.
    pri, voi : (T,) ndarray
        Mean Rand index and mean VoI (bits) over the humans.
    covering_num : (T,) ndarray
        Covering numerator: sum over humans and their regions R of
        ``|R| * max IoU(R, R')`` over the machine regions R'.
    covering_den : int
        ``n_humans * H * W``.
    best_covering_num : float
        The same sum with each human region's best IoU over every threshold
        (the numerator of the official "Best" covering).
    cnt_r, sum_r, cnt_p, sum_p : (T,) ndarray of int
        Boundary counts as in :class:`segment.evaluate.ImageScores`.
    n_regions : (T,) ndarray of int
        Regions of the machine segmentation.
    n_humans : int
    n_levels : int
        Distinct non-zero levels of the UCM.

    Examples
    --------
    >>> import numpy as np
    >>> human = np.repeat([[1, 1, 1, 2, 2, 2]], 6, axis=0)
    >>> ucm = np.zeros((6, 6))
    >>> ucm[:, 2] = 0.6  # the lower-right corners of column 2 lie on the contour
    >>> s = evaluate_ucm(ucm, [human], thresholds=3)
    >>> s.f.tolist(), s.pri.round(4).tolist(), s.n_regions.tolist()
    ([1.0, 1.0, 0.0], [1.0, 1.0, 0.4857], [2, 2, 1])
    """

    thresholds: np.ndarray
    pri: np.ndarray
    voi: np.ndarray
    covering_num: np.ndarray
    covering_den: int
    best_covering_num: float
    cnt_r: np.ndarray
    sum_r: np.ndarray
    cnt_p: np.ndarray
    sum_p: np.ndarray
    n_regions: np.ndarray
    n_humans: int
    n_levels: int

    @property
    def covering(self):
        """Covering of the humans at each threshold."""
        return self.covering_num / self.covering_den

    @property
    def best_covering(self):
        """Covering with each human region at its best threshold."""
        return self.best_covering_num / self.covering_den

    @property
    def precision(self):
        """Boundary precision at each threshold (0 where there are no machine boundaries)."""
        return _ratios(self.cnt_p, self.sum_p)

    @property
    def recall(self):
        """Boundary recall at each threshold (0 where no human drew a boundary)."""
        return _ratios(self.cnt_r, self.sum_r)

    @property
    def f(self):
        """Boundary F at each threshold (0 where P + R = 0)."""
        return _f_measures(self.precision, self.recall)

    def as_dict(self):
        """Every field and derived figure as plain lists and numbers (for JSON)."""
        out = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            out[name] = value.tolist() if isinstance(value, np.ndarray) else value
        for name in ("covering", "precision", "recall", "f"):
            out[name] = getattr(self, name).tolist()
        out["best_covering"] = self.best_covering
        return out


def _ratios(num, den):
    """Elementwise ``num / den`` with x/0 read as 0, as the official ``computeRPF``."""
    num, den = np.asarray(num, np.float64), np.asarray(den, np.float64)
    return num / np.where(den == 0, 1.0, den)


def _f_measures(precision, recall):
    """Elementwise harmonic mean, 0 where P + R = 0 (the official ``fmeasure``)."""
    total = precision + recall
    return 2.0 * precision * recall / np.where(total == 0, 1.0, total)


def evaluate_ucm(ucm, ground_truth, *, thresholds=DEFAULT_THRESHOLDS, boundaries=None,
                 max_dist=DEFAULT_MAX_DIST, boundary_rule="bsds"):
    """Score an ultrametric contour map at every threshold against human segmentations.

    Parameters
    ----------
    ucm : (H, W) or (2H+1, 2W+1) ndarray
        The UCM in either layout (:mod:`segment.evaluate.ucm`): float levels in
        [0, 1], or uint8 / uint16 levels scaled to their full range.
    ground_truth : (H, W) int ndarray or list of them
        The human segmentations.
    thresholds : int or sequence of float, optional
        The official 99 by default; see :func:`ucm_thresholds`.
    boundaries : list of (H, W) ndarray, optional
        The humans' boundary masks (BSDS's ``Boundaries``); default: drawn from
        each human map by `boundary_rule`.
    max_dist : float, optional
        Boundary matching tolerance as a fraction of the image diagonal.
    boundary_rule : {'thin', 'bsds'}, optional
        How human maps become boundary masks when `boundaries` is None.

    Returns
    -------
    scores : UCMScores
        The region and boundary figures at each threshold.

    Raises
    ------
    ValueError
        If the UCM's shape fits neither layout, its levels leave [0, 1], the
        ground truth is empty or of mixed shapes, or an argument is not accepted.
    TypeError
        If the UCM or a human map has an unsupported dtype.

    Notes
    -----
    At threshold t, as the official benchmark: the regions are the 8-connected
    components of ``ucm2 <= t`` read at the pixel cells (an (H, W) UCM is first
    converted by :func:`segment.evaluate.ucm.ucm_to_ucm2`); the machine boundary
    pixels are ``ucm2[2::2, 2::2] >= t``, thinned; then every measure follows
    :func:`segment.evaluate.evaluate_segmentation`. A level equal to t is thus
    both merged and drawn, as in the official code.

    Cost: a threshold between the same two consecutive levels of the UCM gives
    the same regions and boundaries, so each distinct cut is scored once; a UCM
    with L levels costs min(L + 1, T) region and boundary evaluations of a few
    tens of milliseconds each on a 481x321 image with five humans.

    References
    ----------
    .. [1] P. Arbelaez, M. Maire, C. Fowlkes and J. Malik, "Contour Detection and
       Hierarchical Image Segmentation", IEEE TPAMI 33(5), 898-916, 2011.

    Examples
    --------
    >>> import numpy as np
    >>> human = np.repeat([[1, 1, 1, 2, 2, 2]], 6, axis=0)
    >>> ucm = np.zeros((6, 6))
    >>> ucm[:, 2] = 0.6   # the human's contour, strong
    >>> ucm[:, 0] = 0.3   # a weak extra one
    >>> s = evaluate_ucm(ucm, [human], thresholds=3)
    >>> s.thresholds.tolist(), s.n_regions.tolist(), s.precision.tolist()
    ([0.25, 0.5, 0.75], [3, 2, 1], [0.5, 1.0, 0.0])
    """
    _check_matching(max_dist, boundary_rule)
    levels_at = ucm_thresholds(thresholds)
    humans, human_bdry = _check_humans(ground_truth, boundaries)
    shape = humans[0].shape
    ucm2 = _as_ucm2(ucm, shape)
    if human_bdry is None:
        human_bdry = [_label_boundaries(h, boundary_rule) for h in humans]
    relabelled = [_relabel(h) for h in humans]
    matcher = _HumanBoundaries(human_bdry, shape, max_dist * math.hypot(*shape))

    levels = np.unique(ucm2)
    n_t = levels_at.size
    pri, voi, cover = np.zeros(n_t), np.zeros(n_t), np.zeros(n_t)
    n_regions = np.zeros(n_t, np.int64)
    counts = np.zeros((4, n_t), np.int64)
    best = [np.zeros(sizes.size) for _, sizes in relabelled]
    # the regions change only where a threshold passes a level (<= t), the
    # boundaries only where it reaches one (>= t): score each distinct cut once
    region_cut = np.searchsorted(levels, levels_at, side="right")
    boundary_cut = np.searchsorted(levels, levels_at, side="left")
    done_regions, done_boundaries = {}, {}
    for k, t in enumerate(levels_at):
        key = region_cut[k]
        if key not in done_regions:
            done_regions[key] = _score_regions(_regions_at(ucm2, t), relabelled, best)
        pri[k], voi[k], cover[k], n_regions[k] = done_regions[key]
        key = boundary_cut[k]
        if key not in done_boundaries:
            done_boundaries[key] = matcher.counts(_boundaries_at(ucm2, t))
        counts[:, k] = done_boundaries[key]

    n_h = len(humans)
    best_num = float(sum(np.dot(sizes, b) for (_, sizes), b in zip(relabelled, best)))
    return UCMScores(
        thresholds=levels_at, pri=pri, voi=voi, covering_num=cover,
        covering_den=n_h * humans[0].size, best_covering_num=best_num,
        cnt_r=counts[0], sum_r=counts[1], cnt_p=counts[2], sum_p=counts[3],
        n_regions=n_regions, n_humans=n_h, n_levels=int(np.count_nonzero(levels)),
    )


def _score_regions(labels, relabelled, best):
    """(PRI, VoI, covering numerator, regions) of one cut; raises `best` in place."""
    inv_s, sizes_s = _relabel(labels)
    ri_sum = voi_sum = cover_num = 0.0
    for (inv_g, sizes_g), best_g in zip(relabelled, best):
        ri, voi, cover, iou = _relabelled_region_scores(inv_s, sizes_s, inv_g, sizes_g)
        ri_sum += ri
        voi_sum += voi
        cover_num += cover
        np.maximum(best_g, iou, out=best_g)
    n_h = len(relabelled)
    return ri_sum / n_h, voi_sum / n_h, cover_num, sizes_s.size


def _best_interpolated_f(thresholds, recall, precision):
    """The official ``maxF``: the best F on the P-R curve, linearly interpolated
    between consecutive thresholds at 100 points; returns (t, R, P, F)."""
    best = (thresholds[0], recall[0], precision[0],
            float(_f_measures(precision[:1], recall[:1])[0]))
    if thresholds.size < 2:
        return best
    d = np.linspace(0, 1, 100)[None, :]
    t = thresholds[1:, None] * d + thresholds[:-1, None] * (1 - d)
    r = recall[1:, None] * d + recall[:-1, None] * (1 - d)
    p = precision[1:, None] * d + precision[:-1, None] * (1 - d)
    f = _f_measures(p, r).ravel()
    k = int(np.argmax(f))  # the first of equal maxima, as the official strict '>'
    if f[k] > best[3]:
        best = (t.ravel()[k], r.ravel()[k], p.ravel()[k], float(f[k]))
    return best


def _average_precision(recall, precision):
    """The official ``Area_PR``: precision interpolated at recall 0, 0.01, ..., 1
    over the distinct recalls (0 outside their range), summed times 0.01."""
    recall_u, first = np.unique(recall, return_index=True)
    if recall_u.size < 2:
        return 0.0
    at = np.linspace(0, 1, 101)
    inside = (at >= recall_u[0]) & (at <= recall_u[-1])
    return float(np.sum(np.interp(at, recall_u, precision[first]) * inside) * 0.01)


def _last_best(values):
    """Index of the last maximum, as the official ``ff(end)`` of ``find(x == max(x))``."""
    return values.size - 1 - int(np.argmax(values[::-1]))


def summarize_ucm(scores):
    """ODS, OIS and AP of a data set of UCMs, as the official ``collect_eval_*``.

    Parameters
    ----------
    scores : list of UCMScores
        One per image, all cut at the same thresholds.

    Returns
    -------
    summary : dict
        ``f``: ``ods`` (the best F of the pooled precision-recall curve,
        interpolated between thresholds as the official ``maxF``, with its
        ``precision``, ``recall`` and ``threshold``), ``ois`` (boundary counts of
        each image's best threshold, summed; ``thresholds`` per image; ties go to
        the lowest threshold) and ``ap`` (area under the pooled P-R curve:
        precision interpolated at recall 0, 0.01, ..., 1, 0 outside the recalls
        reached).
        ``covering``: ``ods`` (pooled over images and humans, at the best single
        threshold), ``ois`` (each image at its best threshold, pooled) and ``best``
        (each human region at its best threshold, pooled).
        ``pri`` and ``voi``: ``ods`` (the mean over images at the best single
        threshold) and ``ois`` (the mean of each image's best); VoI's best is its
        smallest. Region ties go to the highest threshold, ODS ties to the lowest.
        ``curve``: the data-set figures at every threshold (``thresholds``,
        ``precision``, ``recall``, ``f``, ``covering``, ``pri``, ``voi``).
        ``n_images`` and ``n_thresholds``.

    Raises
    ------
    ValueError
        If `scores` is empty or its images were cut at different thresholds.

    Examples
    --------
    >>> import numpy as np
    >>> human = np.repeat([[1, 1, 1, 2, 2, 2]], 6, axis=0)
    >>> ucm = np.zeros((6, 6))
    >>> ucm[:, 2] = 0.6
    >>> ucm[:, 0] = 0.3
    >>> s = summarize_ucm([evaluate_ucm(ucm, [human], thresholds=3)])
    >>> s["f"]["ods"]["value"], s["f"]["ods"]["threshold"], s["f"]["ois"]["value"]
    (1.0, 0.5, 1.0)
    >>> s["pri"]["ods"], s["covering"]["best"]
    ({'value': 1.0, 'threshold': 0.5}, 1.0)
    """
    scores = list(scores)
    if not scores:
        raise ValueError("scores must hold at least one UCMScores; got an empty list")
    thresholds = scores[0].thresholds
    for k, s in enumerate(scores):
        if not np.array_equal(s.thresholds, thresholds):
            raise ValueError(
                f"every image must be cut at the same thresholds; scores[{k}] has "
                f"{s.thresholds.size} thresholds that differ from those of scores[0]"
            )

    def pooled(name):
        return np.sum([getattr(s, name) for s in scores], axis=0)

    recall = _ratios(pooled("cnt_r"), pooled("sum_r"))
    precision = _ratios(pooled("cnt_p"), pooled("sum_p"))
    t, r, p, f = _best_interpolated_f(thresholds, recall, precision)
    picks = [int(np.argmax(s.f)) for s in scores]
    ois = [sum(int(getattr(s, name)[k]) for s, k in zip(scores, picks))
           for name in ("cnt_r", "sum_r", "cnt_p", "sum_p")]
    r_ois, p_ois = _ratios(ois[0], ois[1]), _ratios(ois[2], ois[3])
    boundary = {
        "ods": {"value": f, "precision": float(p), "recall": float(r), "threshold": float(t)},
        "ois": {"value": float(_f_measures(p_ois, r_ois)), "precision": float(p_ois),
                "recall": float(r_ois), "thresholds": [float(thresholds[k]) for k in picks]},
        "ap": _average_precision(recall, precision),
    }

    den = sum(s.covering_den for s in scores)
    covering = pooled("covering_num") / den
    picks = [_last_best(s.covering) for s in scores]
    regions = {"covering": {
        "ods": _ods(covering, thresholds, 1),
        "ois": {"value": sum(s.covering_num[k] for s, k in zip(scores, picks)) / den,
                "thresholds": [float(thresholds[k]) for k in picks]},
        "best": sum(s.best_covering_num for s in scores) / den,
    }}
    curve = {"thresholds": thresholds.tolist(), "precision": precision.tolist(),
             "recall": recall.tolist(), "f": _f_measures(precision, recall).tolist(),
             "covering": covering.tolist()}
    for name, sign in (("pri", 1), ("voi", -1)):
        mean = np.mean([getattr(s, name) for s in scores], axis=0)
        picks = [_last_best(sign * getattr(s, name)) for s in scores]
        regions[name] = {
            "ods": _ods(mean, thresholds, sign),
            "ois": {"value": float(np.mean([getattr(s, name)[k] for s, k in zip(scores, picks)])),
                    "thresholds": [float(thresholds[k]) for k in picks]},
        }
        curve[name] = mean.tolist()
    return {"f": boundary, **regions, "curve": curve,
            "n_images": len(scores), "n_thresholds": int(thresholds.size)}


def _ods(values, thresholds, sign):
    """The best value over thresholds (first of equal ones) and its threshold."""
    k = int(np.argmax(sign * values))
    return {"value": float(values[k]), "threshold": float(thresholds[k])}
