"""Human segmentations from files: BSDS500 ``.mat``, label PNG or ``.npy``."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def load_bsds_ground_truth(path):
    """Read a BSDS500 ground-truth ``.mat`` file.

    Parameters
    ----------
    path : str or Path
        A ``groundTruth/<split>/<id>.mat`` file: a MATLAB struct array
        ``groundTruth`` whose entries have ``Segmentation`` (1-based uint16 labels)
        and ``Boundaries`` (0/1).

    Returns
    -------
    segmentations : list of (H, W) ndarray
    boundaries : list of (H, W) bool ndarray

    Raises
    ------
    ValueError
        If the file has no ``groundTruth`` struct with those fields.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> from scipy.io import savemat
    >>> gt = np.empty((1, 1), dtype=object)  # a 1 x n cell array of structs
    >>> gt[0, 0] = {"Segmentation": np.array([[1, 2]], np.uint16),
    ...             "Boundaries": np.array([[1, 0]], np.uint8)}
    >>> path = os.path.join(tempfile.mkdtemp(), "1.mat")
    >>> savemat(path, {"groundTruth": gt})
    >>> segs, bdrys = load_bsds_ground_truth(path)
    >>> segs[0].tolist(), bdrys[0].tolist()
    ([[1, 2]], [[True, False]])
    """
    from scipy.io import loadmat

    try:
        entries = loadmat(str(path))["groundTruth"].ravel()
        segmentations = [np.asarray(g["Segmentation"][0, 0]) for g in entries]
        boundaries = [np.asarray(g["Boundaries"][0, 0]).astype(bool) for g in entries]
    except (KeyError, ValueError, IndexError, TypeError) as exc:
        raise ValueError(
            f"{path} is not a BSDS ground-truth file (a 'groundTruth' struct with "
            f"'Segmentation' and 'Boundaries'): {exc}"
        ) from None
    return segmentations, boundaries


def load_ground_truth(path):
    """Read human segmentations from a BSDS ``.mat``, a label PNG or a ``.npy`` file.

    Parameters
    ----------
    path : str or Path
        ``.mat``: BSDS layout (see :func:`load_bsds_ground_truth`). ``.png`` or
        other image: one label map (:func:`segment.io.read_labels`). ``.npy``: one
        (H, W) label map or an (n, H, W) stack of them.

    Returns
    -------
    segmentations : list of (H, W) ndarray
    boundaries : list of (H, W) bool ndarray or None
        The humans' boundary masks when the file has them (``.mat``), else None.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "gt.npy")
    >>> np.save(path, np.array([[0, 1], [1, 1]]))
    >>> segs, bdrys = load_ground_truth(path)
    >>> len(segs), segs[0].tolist(), bdrys
    (1, [[0, 1], [1, 1]], None)
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".mat":
        return load_bsds_ground_truth(path)
    if suffix == ".npy":
        array = np.load(path)
        if array.ndim not in (2, 3):
            raise ValueError(
                f"{path} must hold an (H, W) label map or an (n, H, W) stack; "
                f"got shape {array.shape}"
            )
        return (list(array) if array.ndim == 3 else [array]), None
    from ..io import read_labels

    return [read_labels(path)], None
