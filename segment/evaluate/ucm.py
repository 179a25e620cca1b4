"""Ultrametric contour maps (UCM): their two layouts, files, and what a threshold cuts.

A UCM stores a hierarchy of segmentations as contour strengths: thresholding it
at ``t`` keeps the contours stronger than ``t`` and the regions they enclose.
Two layouts are accepted:

- (H, W), one value per pixel: a boundary pixel holds the level at which its
  contour disappears, other pixels 0. The value is that of the pixel's
  lower-right corner, as the BSDS500 ``seg2bdry(..., 'imageSize')`` and
  ``ucm2(3:2:end, 3:2:end)`` sample it; contours are 4-connected chains, as
  :func:`segment.render.find_boundaries` and ``seg2bdry`` draw them.
- (2H+1, 2W+1), the BSDS500 ``ucm2`` ('doubleSize'): pixel cells at odd
  coordinates (always 0), edge cells between two pixels, vertex cells at even
  coordinates.

Levels are fractions in [0, 1]; uint8 maps are read as level * 255, uint16 maps
(``<stem>_ucm.png``) as level * 65535.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .boundaries import _thin
from .ground_truth import read_label_file, read_mat

__all__ = ["read_ucm", "ucm_to_ucm2", "ucm2_to_ucm"]

_FULL_SCALE = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}


def _as_levels(array, name="ucm"):
    """`array` as float64 levels in [0, 1]: uint8 / 255, uint16 / 65535, bool 0/1."""
    array = np.asarray(array)
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 2-D map; got shape {array.shape}")
    if array.dtype.kind == "b":
        return array.astype(np.float64)
    if array.dtype in _FULL_SCALE:
        return array / _FULL_SCALE[array.dtype]
    if array.dtype.kind != "f":
        raise TypeError(
            f"{name} must hold float levels in [0, 1], or uint8 / uint16 levels scaled "
            f"to their full range; got dtype {array.dtype}"
        )
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must hold finite levels; got NaN or infinity")
    low, high = float(array.min()), float(array.max())
    if low < 0 or high > 1:
        raise ValueError(
            f"{name} levels must lie in [0, 1]; got [{low:g}, {high:g}] "
            "(divide by the largest level first)"
        )
    return array


def read_ucm(path):
    """Read a UCM from a 16-bit PNG, a ``.npy`` file or a BSDS ``.mat`` file.

    Parameters
    ----------
    path : str or Path
        ``.png``: 16-bit levels * 65535 (8-bit: levels * 255). ``.npy``: float
        levels in [0, 1] (or uint8 / uint16 as for PNG). ``.mat``: the BSDS
        ``ucm2`` variable, in either layout.

    Returns
    -------
    ucm : 2-D float64 ndarray
        Levels in [0, 1], in the layout stored.

    Raises
    ------
    ValueError
        If the file cannot be decoded, has no ``ucm2`` variable (``.mat``), or
        its levels are out of range.
    TypeError
        If it holds neither floats nor uint8 / uint16 levels.
    OSError
        If the file cannot be opened.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> from PIL import Image
    >>> path = os.path.join(tempfile.mkdtemp(), "a_ucm.png")
    >>> Image.fromarray(np.array([[0, 65535, 0]], np.uint16)).save(path)
    >>> read_ucm(path).tolist()
    [[0.0, 1.0, 0.0]]
    """
    path = Path(path)
    if path.suffix.lower() == ".mat":
        variables = read_mat(path)
        if "ucm2" not in variables:
            raise ValueError(f"{path} has no 'ucm2' variable (a BSDS ultrametric contour map)")
        array = np.asarray(variables["ucm2"])
    elif path.suffix.lower() == ".png":
        from PIL import Image

        try:
            with Image.open(path) as img:
                array = np.asarray(img)
        except (FileNotFoundError, PermissionError, IsADirectoryError):
            raise
        except Exception:
            array = read_label_file(path)  # raises the readers' one-line ValueError
    else:
        array = read_label_file(path)
    return _as_levels(array, f"the UCM in {path}")


def ucm_to_ucm2(ucm):
    """The (2H+1, 2W+1) BSDS ``ucm2`` layout of an (H, W) UCM.

    Parameters
    ----------
    ucm : (H, W) ndarray
        Levels in [0, 1] (uint8 / uint16 scaled to their full range).

    Returns
    -------
    ucm2 : (2H+1, 2W+1) float64 ndarray
        Vertex cells ``ucm2[2::2, 2::2]`` hold `ucm`; the top and left frame
        vertices mirror the second row and column (a contour that reaches the
        first row continues to the border); each edge cell holds the smaller
        level of its two end vertices; pixel cells are 0.

    Notes
    -----
    ``ucm2_to_ucm(ucm_to_ucm2(u))`` is `u`. The converse holds for a ``ucm2``
    whose edges carry the smaller level of their ends, which is the case where
    no two distinct contours run one pixel apart. Cost: O(H W).

    Examples
    --------
    >>> import numpy as np
    >>> ucm = np.array([[0, 0.5, 0], [0, 0.5, 0]])
    >>> ucm2 = ucm_to_ucm2(ucm)
    >>> ucm2.shape, ucm2[:, 4].tolist()
    ((5, 7), [0.5, 0.5, 0.5, 0.5, 0.5])
    >>> bool(np.array_equal(ucm2_to_ucm(ucm2), ucm))
    True
    """
    ucm = _as_levels(ucm)
    height, width = ucm.shape
    vertices = np.empty((height + 1, width + 1))
    vertices[1:, 1:] = ucm
    vertices[0, 1:] = ucm[min(1, height - 1)]
    vertices[:, 0] = vertices[:, min(2, width)]
    ucm2 = np.zeros((2 * height + 1, 2 * width + 1))
    ucm2[::2, ::2] = vertices
    ucm2[1::2, ::2] = np.minimum(vertices[:-1], vertices[1:])
    ucm2[::2, 1::2] = np.minimum(vertices[:, :-1], vertices[:, 1:])
    return ucm2


def ucm2_to_ucm(ucm2):
    """The (H, W) layout of a (2H+1, 2W+1) ``ucm2``: its vertex cells ``ucm2[2::2, 2::2]``.

    This is the BSDS500 'imageSize' format, and the boundary map the benchmark
    thresholds.

    Examples
    --------
    >>> import numpy as np
    >>> ucm2 = np.zeros((5, 7))
    >>> ucm2[:, 4] = 0.5
    >>> ucm2_to_ucm(ucm2).tolist()
    [[0.0, 0.5, 0.0], [0.0, 0.5, 0.0]]
    """
    ucm2 = _as_levels(ucm2, "ucm2")
    if ucm2.shape[0] % 2 == 0 or ucm2.shape[1] % 2 == 0 or min(ucm2.shape) < 3:
        raise ValueError(f"ucm2 must have shape (2H+1, 2W+1); got {ucm2.shape}")
    return ucm2[2::2, 2::2].copy()


def _as_ucm2(ucm, shape):
    """`ucm` in the doubled layout for images of `shape`, or a ValueError naming both."""
    levels = _as_levels(ucm)
    height, width = shape
    if levels.shape == (height, width):
        return ucm_to_ucm2(levels)
    if levels.shape == (2 * height + 1, 2 * width + 1):
        return levels
    raise ValueError(
        f"ucm has shape {levels.shape} but the ground truth has shape {tuple(shape)}; "
        f"expected {(height, width)} or {(2 * height + 1, 2 * width + 1)} (BSDS ucm2)"
    )


def _regions_at(ucm2, threshold):
    """Labels of the (H, W) pixels: regions of ``ucm2 <= threshold``, as BSDS's
    ``bwlabel`` (8-connected) and sampling at the pixel cells."""
    from scipy import ndimage

    labels, _ = ndimage.label(ucm2 <= threshold, structure=np.ones((3, 3), bool))
    return labels[1::2, 1::2]


def _boundaries_at(ucm2, threshold):
    """Boundary mask of the (H, W) pixels: ``ucm2[2::2, 2::2] >= threshold``, thinned,
    as the official ``evaluation_bdry_image``."""
    return _thin(ucm2[2::2, 2::2] >= threshold)
