"""A folder of predictions scored against a folder of ground truth, file by file.

Ground truth ``<id>.mat``, ``<id>.png`` or ``<id>.npy`` (in that order of
preference when several exist) is paired with the first prediction file of that
id found: a label map by the names :func:`segment._defaults.label_names` lists, a
UCM by those :func:`segment._defaults.ucm_names` lists. A file that cannot be
read or scored is one failure; every other image is still scored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .._defaults import DEFAULT_MAX_DIST, first_line, label_names, ucm_names
from ._common import _check_matching
from .ground_truth import load_ground_truth, read_label_file
from .hierarchy import evaluate_ucm, summarize_ucm, ucm_thresholds
from .scores import evaluate_segmentation, summarize
from .ucm import read_ucm

__all__ = ["GT_SUFFIXES", "FolderScores", "UCMFolderScores", "evaluate_folders",
           "evaluate_ucm_folders", "find_ground_truth"]

#: Ground-truth file suffixes, the preferred first when an id has several.
GT_SUFFIXES = (".mat", ".png", ".npy")


def find_ground_truth(gt_dir):
    """The ground-truth files of a folder by image id, in file-name order.

    Parameters
    ----------
    gt_dir : str or Path
        A folder of ``<id>.mat`` (BSDS500 layout), ``<id>.png`` or ``<id>.npy``
        files; other files are ignored. An id with several files gets the one
        whose suffix comes first in :data:`GT_SUFFIXES`.

    Returns
    -------
    files : dict of str to Path

    Raises
    ------
    ValueError
        If `gt_dir` is not a folder or holds no ground-truth file.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> gt = Path(tempfile.mkdtemp())
    >>> for name in ("b.npy", "a.png", "a.mat", "notes.txt"):
    ...     _ = (gt / name).write_bytes(b"")
    >>> {k: p.name for k, p in find_ground_truth(gt).items()}
    {'a': 'a.mat', 'b': 'b.npy'}
    """
    gt_dir = Path(gt_dir)
    if not gt_dir.is_dir():
        raise ValueError(f"gt_dir must be a folder; got {gt_dir}")
    files = {}
    for path in sorted(gt_dir.iterdir()):
        suffix = path.suffix.lower()
        if path.is_file() and suffix in GT_SUFFIXES:
            known = files.get(path.stem)
            if known is None or GT_SUFFIXES.index(suffix) < GT_SUFFIXES.index(known.suffix.lower()):
                files[path.stem] = path
    if not files:
        raise ValueError(f"no ground truth files (*.mat, *.png, *.npy) in {gt_dir}")
    return files


def _failure_message(exc):
    """One line for a failed image: the message, with the type for unexpected errors."""
    if isinstance(exc, (ValueError, TypeError, OSError)):
        return first_line(exc)
    return f"{type(exc).__name__}: {first_line(exc)}"


def _score_pairs(pred_dir, gt_dir, names_of, score):
    """Pair and score every ground-truth file; returns (ids, rows, missing, failed)."""
    pred_dir = Path(pred_dir)
    if not pred_dir.is_dir():
        raise ValueError(f"pred_dir must be a folder; got {pred_dir}")
    ground_truth = find_ground_truth(gt_dir)
    rows, missing, failed = [], [], []
    for image_id, gt_path in ground_truth.items():
        found = (pred_dir / name for name in names_of(image_id))
        pred_path = next((path for path in found if path.is_file()), None)
        if pred_path is None:
            missing.append(image_id)
            continue
        try:
            rows.append((image_id, pred_path, score(pred_path, gt_path)))
        except Exception as exc:  # one bad file is one failure; the others are still scored
            failed.append({"id": image_id, "error": _failure_message(exc)})
    return list(ground_truth), rows, missing, failed


@dataclass
class _FolderResult:
    """What every folder evaluation reports besides its scores."""

    pred_dir: Path
    gt_dir: Path
    ids: list = field(repr=False)
    rows: list = field(repr=False)
    summary: dict | None
    missing: list
    failed: list

    #: The prediction file names looked for, per image id.
    _names_of = staticmethod(label_names)

    @property
    def n_images(self):
        """Ground-truth files found: scored, missing and failed ones."""
        return len(self.ids)

    def problem_lines(self):
        """One line per missing or failed image, in image order.

        ``missing: <id>: no <name>, ... or <name> in <pred_dir>`` and
        ``failed: <id>: <reason>``.
        """
        failed = {record["id"]: record["error"] for record in self.failed}
        missing = set(self.missing)
        lines = []
        for image_id in self.ids:
            if image_id in missing:
                names = list(self._names_of(image_id))
                listed = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]
                lines.append(f"missing: {image_id}: no {listed} in {self.pred_dir}")
            elif image_id in failed:
                lines.append(f"failed: {image_id}: {failed[image_id]}")
        return lines

    def count_line(self):
        """``<n> missing, <m> failed of <k> images``, or '' when every image was scored."""
        if not (self.missing or self.failed):
            return ""
        return f"{len(self.missing)} missing, {len(self.failed)} failed of {self.n_images} images"


@dataclass
class FolderScores(_FolderResult):
    """The scores of a folder of label maps: per image, for the data set, and what failed.

    Attributes
    ----------
    pred_dir, gt_dir : Path
        The folders compared.
    max_dist : float
        Boundary matching tolerance, as a fraction of the image diagonal.
    boundary_rule : str
        How label maps became boundaries.
    ids : list of str
        Every ground-truth image id, in file-name order.
    rows : list of (str, Path, ImageScores)
        Image id, prediction file and scores of each scored image.
    summary : dict or None
        :func:`segment.evaluate.summarize` of the scored images; None if none.
    missing : list of str
        Ids without a prediction file.
    failed : list of dict
        ``{"id": ..., "error": ...}`` for each image whose files could not be
        read or scored; the error is one line.
    """

    max_dist: float = DEFAULT_MAX_DIST
    boundary_rule: str = "bsds"

    def as_dict(self):
        """The JSON record of ``segment evaluate --json``: settings, images, summary,
        missing and failed images."""
        return {
            "pred_dir": str(self.pred_dir), "gt_dir": str(self.gt_dir),
            "max_dist": self.max_dist, "boundary_rule": self.boundary_rule,
            "images": [{"id": image_id, "prediction": str(pred_path), **s.as_dict()}
                       for image_id, pred_path, s in self.rows],
            "summary": self.summary, "missing": list(self.missing), "failed": list(self.failed),
        }

    def format_table(self):
        """PRI, VoI, Covering and F per image, the data-set row and the boundary figures,
        as lines of text; '' when no image was scored."""
        if not self.rows:
            return ""
        width = max([len("id"), len("ALL (0)")] + [len(row[0]) for row in self.rows]) + 2
        s = self.summary
        lines = [f"{'id':<{width}}{'regions':>8}{'PRI':>8}{'VoI':>8}{'Cover':>8}{'F':>8}"]
        for image_id, _, sc in self.rows:
            lines.append(f"{image_id:<{width}}{sc.n_regions:>8d}{sc.pri:>8.4f}{sc.voi:>8.4f}"
                         f"{sc.covering:>8.4f}{sc.f:>8.4f}")
        mean_regions = sum(row[2].n_regions for row in self.rows) / len(self.rows)
        lines.append(f"{f'ALL ({len(self.rows)})':<{width}}{mean_regions:>8.1f}{s['pri']:>8.4f}"
                     f"{s['voi']:>8.4f}{s['covering']:>8.4f}{s['f']:>8.4f}")
        lines.append(f"boundaries: precision {s['precision']:.4f}, recall {s['recall']:.4f}, "
                     f"F {s['f']:.4f} (max_dist {self.max_dist:g}, rule {self.boundary_rule!r})")
        return "\n".join(lines)


def evaluate_folders(pred_dir, gt_dir, *, max_dist=DEFAULT_MAX_DIST, boundary_rule="bsds"):
    """Score every label map in a folder against the ground truth in another.

    Parameters
    ----------
    pred_dir : str or Path
        The machine label maps: for image ``<id>``, the first of
        :func:`segment._defaults.label_names` (``<id>_labels.png``,
        ``<id>_labels.npy``, ``<id>.png``, ``<id>.npy``) found.
    gt_dir : str or Path
        The human segmentations: ``<id>.mat`` (BSDS500 layout, whose
        ``Boundaries`` field then serves as the human boundaries), ``<id>.png``
        or ``<id>.npy``; see :func:`find_ground_truth`.
    max_dist : float, optional
        Boundary matching tolerance as a fraction of the image diagonal.
    boundary_rule : {'thin', 'bsds'}, optional
        How label maps become boundary masks; see
        :func:`segment.evaluate.evaluate_segmentation`.

    Returns
    -------
    result : FolderScores
        Per-image scores, the :func:`segment.evaluate.summarize` figures, and the
        missing and failed images. ``result.as_dict()`` is the JSON record,
        ``result.format_table()`` the printed table.

    Raises
    ------
    ValueError
        If a folder is not one, `gt_dir` holds no ground truth, or `max_dist` or
        `boundary_rule` is not accepted. A file that cannot be read or scored
        raises nothing: it is listed in ``failed``.

    Notes
    -----
    Cost: one :func:`segment.evaluate.evaluate_segmentation` per image, a few
    tens of milliseconds for a 481x321 BSDS image.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from segment.io import write_labels
    >>> pred, gt = Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp())
    >>> halves = np.repeat([[0, 0, 0, 1, 1, 1]], 6, axis=0)
    >>> _ = write_labels(gt / "a.png", halves)
    >>> _ = write_labels(pred / "a_labels.png", 1 - halves)
    >>> np.save(gt / "b.npy", halves)
    >>> result = evaluate_folders(pred, gt)
    >>> result.summary["pri"], result.summary["f"], result.missing
    (1.0, 1.0, ['b'])
    >>> print(result.format_table().splitlines()[1])
    a               2  1.0000  0.0000  1.0000  1.0000
    """
    _check_matching(max_dist, boundary_rule)

    def score(pred_path, gt_path):
        segmentations, boundaries = load_ground_truth(gt_path)
        return evaluate_segmentation(
            read_label_file(pred_path), segmentations, boundaries=boundaries,
            max_dist=max_dist, boundary_rule=boundary_rule,
        )

    ids, rows, missing, failed = _score_pairs(pred_dir, gt_dir, label_names, score)
    summary = summarize([row[2] for row in rows]) if rows else None
    return FolderScores(
        pred_dir=Path(pred_dir), gt_dir=Path(gt_dir), ids=ids, rows=rows, summary=summary,
        missing=missing, failed=failed, max_dist=max_dist, boundary_rule=boundary_rule,
    )


@dataclass
class UCMFolderScores(_FolderResult):
    """The hierarchical scores of a folder of UCMs: per image, ODS / OIS / AP, failures.

    Attributes
    ----------
    pred_dir, gt_dir, ids, missing, failed
        As in :class:`FolderScores`.
    rows : list of (str, Path, UCMScores)
        Image id, UCM file and per-threshold scores of each scored image.
    summary : dict or None
        :func:`segment.evaluate.summarize_ucm` of the scored images; None if none.
    thresholds : int or list of float
        The thresholds asked for.
    max_dist : float
    boundary_rule : str
    """

    thresholds: object = 99
    max_dist: float = DEFAULT_MAX_DIST
    boundary_rule: str = "bsds"

    _names_of = staticmethod(ucm_names)

    def as_dict(self):
        """The JSON record of ``segment evaluate --ucm --json``: settings, per-image
        curves, the ODS / OIS / AP summary, missing and failed images."""
        thresholds = self.thresholds
        if not isinstance(thresholds, int):
            thresholds = [float(t) for t in thresholds]
        return {
            "pred_dir": str(self.pred_dir), "gt_dir": str(self.gt_dir), "ucm": True,
            "thresholds": thresholds, "max_dist": self.max_dist,
            "boundary_rule": self.boundary_rule,
            "images": [{"id": image_id, "prediction": str(path), **s.as_dict()}
                       for image_id, path, s in self.rows],
            "summary": self.summary, "missing": list(self.missing), "failed": list(self.failed),
        }

    def format_table(self):
        """Each image at its best threshold per measure (OIS), then the data set's ODS,
        OIS and AP / Best, as lines of text; '' when no image was scored."""
        if not self.rows:
            return ""
        width = max([len("id"), len("measure")] + [len(row[0]) for row in self.rows]) + 2
        lines = [f"{'id':<{width}}{'levels':>8}{'F':>8}{'PRI':>8}{'VoI':>8}{'Cover':>8}"
                 "   (each at the image's best threshold)"]
        for image_id, _, s in self.rows:
            lines.append(f"{image_id:<{width}}{s.n_levels:>8d}{s.f.max():>8.4f}{s.pri.max():>8.4f}"
                         f"{s.voi.min():>8.4f}{s.covering.max():>8.4f}")
        s = self.summary
        lines.append("")
        lines.append(f"{'measure':<{width}}{'ODS':>8}{'OIS':>8}{'AP/Best':>9}  ODS threshold")
        for name, label, extra in (("f", "F", s["f"]["ap"]),
                                   ("covering", "Covering", s["covering"]["best"]),
                                   ("pri", "PRI", None), ("voi", "VoI", None)):
            ods, ois = s[name]["ods"], s[name]["ois"]
            tail = f"{extra:>9.4f}" if extra is not None else f"{'':>9}"
            lines.append(f"{label:<{width}}{ods['value']:>8.4f}{ois['value']:>8.4f}{tail}"
                         f"  {ods['threshold']:.4f}")
        f = s["f"]["ods"]
        lines.append(f"boundaries at ODS: precision {f['precision']:.4f}, recall {f['recall']:.4f} "
                     f"({s['n_images']} images, {s['n_thresholds']} thresholds, "
                     f"max_dist {self.max_dist:g}, rule {self.boundary_rule!r})")
        return "\n".join(lines)


def evaluate_ucm_folders(ucm_dir, gt_dir, *, thresholds=99, max_dist=DEFAULT_MAX_DIST,
                         boundary_rule="bsds"):
    """Score every UCM in a folder at every threshold against the ground truth in another.

    Parameters
    ----------
    ucm_dir : str or Path
        The UCMs: for image ``<id>``, the first of ``<id>_ucm.png`` (16-bit,
        level * 65535), ``<id>_ucm.npy`` (float levels) and ``<id>.mat`` (BSDS
        ``ucm2``) found; see :func:`segment.evaluate.ucm.read_ucm`.
    gt_dir : str or Path
        The human segmentations, as for :func:`evaluate_folders`.
    thresholds : int or sequence of float, optional
        See :func:`segment.evaluate.hierarchy.ucm_thresholds`; the official 99.
    max_dist : float, optional
        Boundary matching tolerance as a fraction of the image diagonal.
    boundary_rule : {'thin', 'bsds'}, optional
        How human label maps become boundaries when the ground truth has none.

    Returns
    -------
    result : UCMFolderScores
        Per-image :class:`segment.evaluate.UCMScores`, the
        :func:`segment.evaluate.summarize_ucm` figures, missing and failed images.

    Raises
    ------
    ValueError
        If a folder is not one, `gt_dir` holds no ground truth, or an argument is
        not accepted. An unreadable or unscorable file is listed in ``failed``.

    Notes
    -----
    Cost: one :func:`segment.evaluate.evaluate_ucm` per image: one region and
    boundary evaluation per distinct cut, at most `thresholds` of them.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from PIL import Image
    >>> ucms, gt = Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp())
    >>> halves = np.repeat([[1, 1, 1, 2, 2, 2]], 6, axis=0)
    >>> np.save(gt / "a.npy", halves)
    >>> ucm = np.zeros((6, 6), np.uint16)
    >>> ucm[:, 2] = 40000  # level 0.61
    >>> Image.fromarray(ucm).save(ucms / "a_ucm.png")
    >>> result = evaluate_ucm_folders(ucms, gt)
    >>> result.summary["f"]["ods"]["value"], result.summary["covering"]["best"]
    (1.0, 1.0)
    """
    _check_matching(max_dist, boundary_rule)
    ucm_thresholds(thresholds)  # a bad value is the caller's error, not each image's

    def score(ucm_path, gt_path):
        segmentations, boundaries = load_ground_truth(gt_path)
        return evaluate_ucm(read_ucm(ucm_path), segmentations, thresholds=thresholds,
                            boundaries=boundaries, max_dist=max_dist, boundary_rule=boundary_rule)

    ids, rows, missing, failed = _score_pairs(ucm_dir, gt_dir, ucm_names, score)
    summary = summarize_ucm([row[2] for row in rows]) if rows else None
    return UCMFolderScores(
        pred_dir=Path(ucm_dir), gt_dir=Path(gt_dir), ids=ids, rows=rows, summary=summary,
        missing=missing, failed=failed, thresholds=thresholds, max_dist=max_dist,
        boundary_rule=boundary_rule,
    )
