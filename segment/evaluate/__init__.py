"""Berkeley Segmentation Benchmark (BSDS500) measures of a label map against humans.

Region measures (Probabilistic Rand Index, Variation of Information, Segmentation
Covering) and boundary precision / recall / F, following the conventions of the
official MATLAB benchmark (``match_segmentations.m``, ``evaluation_bdry_image.m``,
``correspondPixels``, ``collect_eval_*.m``) of Arbelaez et al. (2011):

- PRI and VoI (log base 2) are averaged over the human segmentations of an image,
  then over images.
- Covering of the human segmentations by the machine one is pooled over humans and
  images: sum of ``|R| * best overlap`` over all human regions, divided by the sum
  of the human pixel counts.
- Boundary pixels are matched one-to-one within ``max_dist`` times the image
  diagonal; a machine pixel is correct when it matches any human; recall is pooled
  over humans. Data-set precision and recall come from counts summed over images.

Everything is computed from contingency tables and sparse matchings, never over
pixel pairs: one 481x321 BSDS image with five to nine humans takes a few tens of
milliseconds.

The modules, each importing only those above it in this list:

- ``_common``: ratio conventions of the benchmark, input checks;
- ``regions``: Rand index, VoI and covering from contingency tables;
- ``boundaries``: boundary drawing (``seg2bdry``, thinning) and pixel matching;
- ``ground_truth``: human segmentations from ``.mat``, ``.png`` and ``.npy`` files;
- ``scores``: one label map's :class:`ImageScores`, data-set summaries;
- ``ucm``: ultrametric contour maps, their two layouts and files;
- ``hierarchy``: a UCM scored at every threshold (:class:`UCMScores`), ODS, OIS, AP;
- ``folders``: a folder of label maps against a folder of ground truth.
"""

from __future__ import annotations

from .._defaults import DEFAULT_MAX_DIST
from .folders import FolderScores, UCMFolderScores, evaluate_folders, evaluate_ucm_folders
from .ground_truth import load_bsds_ground_truth, load_ground_truth
from .hierarchy import UCMScores, evaluate_ucm, summarize_ucm
from .scores import ImageScores, evaluate_segmentation, summarize, summarize_sweep

__all__ = [
    "ImageScores",
    "evaluate_segmentation",
    "summarize",
    "summarize_sweep",
    "load_bsds_ground_truth",
    "load_ground_truth",
    "DEFAULT_MAX_DIST",
    "evaluate_folders",
    "FolderScores",
    "UCMScores",
    "evaluate_ucm",
    "summarize_ucm",
    "evaluate_ucm_folders",
    "UCMFolderScores",
]
