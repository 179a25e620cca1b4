"""Scores of one label map (:class:`ImageScores`) and of a data set (ODS, OIS)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._defaults import DEFAULT_MAX_DIST
from ._common import _as_label_map, _check_humans, _check_matching, _f_measure, _ratio
from .boundaries import _label_boundaries, _matched_counts
from .regions import _region_scores, _relabel

__all__ = ["ImageScores", "evaluate_segmentation", "summarize", "summarize_sweep"]


@dataclass(frozen=True)
class ImageScores:
    """The benchmark figures of one machine segmentation of one image.

    Attributes
    ----------
    pri : float
        Probabilistic Rand Index: mean Rand index over the humans, in [0, 1].
    voi : float
        Variation of Information in bits, mean over the humans (0 is best).
    covering_num : float
        Sum over humans and their regions R of ``|R| * max_R' IoU(R, R')``.
    covering_den : int
        Sum over humans of the pixel count (``n_humans * H * W``).
    cnt_r, sum_r : int
        Human boundary pixels matched, and human boundary pixels, summed over humans.
    cnt_p, sum_p : int
        Machine boundary pixels matched to at least one human, and machine
        boundary pixels.
    n_regions : int
        Regions (distinct labels) in the machine segmentation.
    n_humans : int
        Human segmentations it was compared with.

    Examples
    --------
    >>> s = ImageScores(pri=1.0, voi=0.0, covering_num=8.0, covering_den=8,
    ...                 cnt_r=3, sum_r=4, cnt_p=3, sum_p=3, n_regions=2, n_humans=2)
    >>> s.covering, s.precision, s.recall, round(s.f, 4)
    (1.0, 1.0, 0.75, 0.8571)
    """

    pri: float
    voi: float
    covering_num: float
    covering_den: int
    cnt_r: int
    sum_r: int
    cnt_p: int
    sum_p: int
    n_regions: int
    n_humans: int

    @property
    def covering(self):
        """Covering of this image's humans by the machine segmentation."""
        return _ratio(self.covering_num, self.covering_den)

    @property
    def precision(self):
        """Boundary precision ``cnt_p / sum_p`` (0 when there are no machine boundaries)."""
        return _ratio(self.cnt_p, self.sum_p)

    @property
    def recall(self):
        """Boundary recall ``cnt_r / sum_r`` (0 when no human drew a boundary)."""
        return _ratio(self.cnt_r, self.sum_r)

    @property
    def f(self):
        """Boundary F-measure ``2PR / (P + R)`` (0 when P + R = 0)."""
        return _f_measure(self.precision, self.recall)

    def as_dict(self):
        """All fields and derived figures as a plain dict (for JSON).

        Examples
        --------
        >>> s = ImageScores(pri=1.0, voi=0.0, covering_num=8.0, covering_den=8,
        ...                 cnt_r=3, sum_r=4, cnt_p=3, sum_p=3, n_regions=2, n_humans=2)
        >>> d = s.as_dict()
        >>> d["pri"], d["recall"], d["covering"], len(d)
        (1.0, 0.75, 1.0, 14)
        """
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        out.update(covering=self.covering, precision=self.precision,
                   recall=self.recall, f=self.f)
        return out


def evaluate_segmentation(labels, ground_truth, *, boundaries=None, max_dist=DEFAULT_MAX_DIST,
                          boundary_rule="bsds"):
    """Score a label map against human segmentations with the BSDS500 measures.

    Parameters
    ----------
    labels : (H, W) int ndarray
        The machine segmentation; any integer labels, each distinct value a region.
    ground_truth : (H, W) int ndarray or list of them
        The human segmentations of the same image (BSDS: 1-based uint16).
    boundaries : list of (H, W) ndarray, optional
        The humans' boundary masks, one per segmentation (BSDS's ``Boundaries``
        field); non-zero is boundary. Default: the boundaries of each human map
        by `boundary_rule`, the rule used for `labels`.
    max_dist : float, optional
        Boundary matching tolerance as a fraction of the image diagonal
        ``sqrt(H**2 + W**2)``; BSDS uses 0.0075 (4.3 pixels on a 481x321 image).
    boundary_rule : {'thin', 'bsds'}, optional
        How a label map becomes a boundary mask. 'bsds' (default): the official
        benchmark's ``bwmorph(seg2bdry(seg), 'thin', inf)``, which reproduces the ``Boundaries`` field of every BSDS500 human map
        exactly; use it with that field to compare with published figures (with
        'thin', a human map scored against its own ``Boundaries`` gets a precision
        near 0.87, as 'thin' draws about 15 % more pixels). 'bsds' costs about
        15 ms more per map on a 481x321 image. 'thin': a pixel whose right or
        lower neighbour has another label (:func:`segment.render.find_boundaries`).

    Returns
    -------
    scores : ImageScores
        PRI, VoI, covering (with its numerator and denominator for pooling) and
        the boundary counts, from which ``precision``, ``recall`` and ``f`` follow.

    Raises
    ------
    ValueError
        If there is no human segmentation, a shape differs from ``labels.shape``,
        the number of boundary masks differs from the number of segmentations,
        `max_dist` is not in (0, 1), or `boundary_rule` is unknown.
    TypeError
        If a label map does not hold integers.

    Notes
    -----
    PRI is the mean over humans of the Rand index, the fraction of the N(N-1)/2
    pixel pairs on which two maps agree (same region in both, or different in
    both), computed from the contingency table. VoI is ``H(S) + H(G) - 2 I(S, G)``
    in bits. Covering of a human map G is ``sum_R |R| max_R' |R & R'| / |R | R'|``
    over the regions R of G and R' of the machine map, divided by N.

    Boundary pixels of a label map follow `boundary_rule`. For each human, the
    machine and human boundary pixels within ``max_dist`` times the diagonal
    (Euclidean, inclusive) are matched one-to-one, maximising the number of
    matched pairs (Hopcroft-Karp on the sparse graph of admissible pairs). The
    official ``correspondPixels`` solves a min-cost assignment whose outlier cost
    makes it match as many pairs as it can, so the counts should agree; which
    pixels get matched, and so the OR over humans, may differ by a few. A machine
    pixel is correct if matched to any human; recall is pooled over humans.
    Ratios with a zero denominator are 0, as in the official ``computeRPF``: a
    map with no boundaries has precision 0 and F 0, even when the humans drew
    none either.

    Cost: O(N) per human for the region measures; the matching is near-linear in
    the boundary pixel counts times the ~60 offsets within the tolerance disc.

    References
    ----------
    .. [1] P. Arbelaez, M. Maire, C. Fowlkes and J. Malik, "Contour Detection and
       Hierarchical Image Segmentation", IEEE TPAMI 33(5), 898-916, 2011.
    .. [2] D. Martin, C. Fowlkes and J. Malik, "Learning to Detect Natural Image
       Boundaries Using Local Brightness, Color, and Texture Cues", IEEE TPAMI
       26(5), 530-549, 2004.

    Examples
    --------
    >>> import numpy as np
    >>> human = np.repeat([[1, 1, 1, 2, 2, 2]], 6, axis=0)
    >>> s = evaluate_segmentation(human.copy(), [human])
    >>> s.pri, s.voi, s.covering, s.f
    (1.0, 0.0, 1.0, 1.0)
    >>> one_region = np.zeros((6, 6), int)
    >>> s = evaluate_segmentation(one_region, [human])
    >>> round(s.pri, 4), s.voi, s.covering, s.f
    (0.4857, 1.0, 0.5, 0.0)
    """
    _check_matching(max_dist, boundary_rule)
    labels = _as_label_map(labels, "labels")
    humans, human_bdry = _check_humans(ground_truth, boundaries, labels.shape)
    if human_bdry is None:
        human_bdry = [_label_boundaries(h, boundary_rule) for h in humans]

    inv_s, sizes_s = _relabel(labels)
    ri_sum = voi_sum = cover_num = 0.0
    for human in humans:
        ri, voi, cover = _region_scores(inv_s, sizes_s, human)
        ri_sum += ri
        voi_sum += voi
        cover_num += cover

    height, width = labels.shape
    radius = max_dist * math.hypot(height, width)
    cnt_r, sum_r, cnt_p, sum_p = _matched_counts(
        _label_boundaries(labels, boundary_rule), human_bdry, radius
    )
    n_h = len(humans)
    return ImageScores(
        pri=ri_sum / n_h, voi=voi_sum / n_h,
        covering_num=cover_num, covering_den=n_h * labels.size,
        cnt_r=cnt_r, sum_r=sum_r, cnt_p=cnt_p, sum_p=sum_p,
        n_regions=int(sizes_s.size), n_humans=n_h,
    )


def _boundary_figures(cnt_r, sum_r, cnt_p, sum_p):
    precision, recall = _ratio(cnt_p, sum_p), _ratio(cnt_r, sum_r)
    return {"precision": precision, "recall": recall, "f": _f_measure(precision, recall)}


def summarize(scores):
    """The data-set figures of one setting, as the BSDS benchmark reports them.

    Parameters
    ----------
    scores : list of ImageScores
        One per image.

    Returns
    -------
    summary : dict
        ``pri`` and ``voi``: means over images; ``covering``: pooled over images and
        humans (summed numerators over summed pixel counts); ``precision``,
        ``recall`` and ``f``: from boundary counts summed over images (0/0 is 0);
        ``n_images``.

    Raises
    ------
    ValueError
        If `scores` is empty.

    Examples
    --------
    >>> a = ImageScores(1.0, 0.0, 8.0, 8, 4, 4, 4, 4, 2, 2)
    >>> b = ImageScores(0.5, 1.0, 2.0, 8, 0, 4, 0, 0, 1, 2)
    >>> s = summarize([a, b])
    >>> s["pri"], s["voi"], s["covering"], s["precision"], s["recall"], round(s["f"], 4)
    (0.75, 0.5, 0.625, 1.0, 0.5, 0.6667)
    """
    scores = list(scores)
    if not scores:
        raise ValueError("scores must hold at least one ImageScores; got an empty list")
    out = {
        "pri": float(np.mean([s.pri for s in scores])),
        "voi": float(np.mean([s.voi for s in scores])),
        "covering": _ratio(sum(s.covering_num for s in scores),
                           sum(s.covering_den for s in scores)),
    }
    out.update(_boundary_figures(*(sum(getattr(s, k) for s in scores)
                                   for k in ("cnt_r", "sum_r", "cnt_p", "sum_p"))))
    out["n_images"] = len(scores)
    return out


def summarize_sweep(scores_by_setting):
    """ODS and OIS figures of a parameter sweep over the same images.

    Parameters
    ----------
    scores_by_setting : dict
        Maps each setting (any hashable, e.g. a tuple of parameters) to its list of
        ImageScores, the images in the same order for every setting.

    Returns
    -------
    sweep : dict
        ``ods``: for each of ``pri``, ``voi``, ``covering``, ``f`` the data-set
        figure of the best single setting (PRI, Covering, F: largest; VoI:
        smallest) as ``{"value": ..., "setting": ...}``; the ``f`` entry also holds
        that setting's ``precision`` and ``recall``.
        ``ois``: each image takes its own best setting per measure, then the
        figures aggregate as in :func:`summarize` (the mean of per-image bests for
        PRI and VoI; pooled covering counts; summed boundary counts of each
        image's best-F setting); ``{"value": ..., "settings": [per image]}``, with
        ``precision`` and ``recall`` for ``f``.
        ``n_images`` and ``n_settings``.
        Ties go to the setting that comes first.

    Raises
    ------
    ValueError
        If there is no setting, or the settings hold different numbers of images.

    Examples
    --------
    >>> a1 = ImageScores(0.9, 1.0, 9.0, 10, 9, 10, 9, 10, 5, 1)
    >>> a2 = ImageScores(0.8, 2.0, 6.0, 10, 5, 10, 5, 10, 3, 1)
    >>> b1 = ImageScores(0.6, 3.0, 4.0, 10, 2, 10, 2, 10, 9, 1)
    >>> b2 = ImageScores(0.7, 2.5, 8.0, 10, 8, 10, 8, 10, 4, 1)
    >>> sweep = summarize_sweep({"low": [a1, b1], "high": [a2, b2]})
    >>> sweep["ods"]["covering"], sweep["ods"]["f"]["setting"]
    ({'value': 0.7, 'setting': 'high'}, 'high')
    >>> sweep["ois"]["pri"]["value"], sweep["ois"]["pri"]["settings"]
    (0.8, ['low', 'high'])
    """
    settings = list(scores_by_setting)
    if not settings:
        raise ValueError("scores_by_setting must hold at least one setting; got none")
    table = [list(scores_by_setting[key]) for key in settings]
    n_images = len(table[0])
    for key, row in zip(settings, table):
        if len(row) != n_images:
            raise ValueError(
                f"every setting must score the same images; setting {key!r} has "
                f"{len(row)} scores but {settings[0]!r} has {n_images}"
            )
    if n_images == 0:
        raise ValueError("scores_by_setting must hold at least one image per setting")
    summaries = [summarize(row) for row in table]

    ods = {}
    for measure, sign in (("pri", 1), ("voi", -1), ("covering", 1), ("f", 1)):
        best = max(range(len(settings)), key=lambda k: (sign * summaries[k][measure], -k))
        ods[measure] = {"value": summaries[best][measure], "setting": settings[best]}
    best_f = settings.index(ods["f"]["setting"])
    ods["f"].update(precision=summaries[best_f]["precision"], recall=summaries[best_f]["recall"])

    def per_image_best(score_of):
        picks = [max(range(len(settings)), key=lambda k: (score_of(table[k][i]), -k))
                 for i in range(n_images)]
        return picks, [table[k][i] for i, k in enumerate(picks)]

    ois = {}
    picks, chosen = per_image_best(lambda s: s.pri)
    ois["pri"] = {"value": float(np.mean([s.pri for s in chosen]))}
    ois["pri"]["settings"] = [settings[k] for k in picks]
    picks, chosen = per_image_best(lambda s: -s.voi)
    ois["voi"] = {"value": float(np.mean([s.voi for s in chosen])),
                  "settings": [settings[k] for k in picks]}
    picks, chosen = per_image_best(lambda s: s.covering)
    ois["covering"] = {"value": summarize(chosen)["covering"],
                       "settings": [settings[k] for k in picks]}
    picks, chosen = per_image_best(lambda s: s.f)
    figures = summarize(chosen)
    ois["f"] = {"value": figures["f"], "precision": figures["precision"],
                "recall": figures["recall"], "settings": [settings[k] for k in picks]}
    return {"ods": ods, "ois": ois, "n_images": n_images, "n_settings": len(settings)}
