"""Label maps and human segmentations from files: BSDS500 ``.mat``, PNG, ``.npy``.

Every reader turns an unreadable file (empty, truncated, not the format its name
says) into a one-line ValueError that names the file; a missing or unreadable
path stays an OSError.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._defaults import first_line

#: Errors of the file system itself, passed on unchanged.
_PATH_ERRORS = (FileNotFoundError, PermissionError, IsADirectoryError)


def _detail(exc, path):
    """The first line of `exc` without the path it may repeat."""
    return first_line(exc).replace(f"'{path}'", "").replace(str(path), "").strip(" :") or type(exc).__name__


def read_mat(path):
    """The variables of a MATLAB ``.mat`` file (v4 to v7) as a dict of arrays.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    variables : dict
        As :func:`scipy.io.loadmat` returns them.

    Raises
    ------
    ValueError
        If the file is empty, truncated, not a ``.mat`` file, or a v7.3 (HDF5) one.
    OSError
        If the file cannot be opened.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "empty.mat")
    >>> _ = open(path, "wb")
    >>> try:
    ...     read_mat(path)
    ... except ValueError as exc:
    ...     print(str(exc).replace(path, "empty.mat"))
    empty.mat is not a readable MATLAB .mat file: Mat file appears to be truncated
    """
    from scipy.io import loadmat

    try:
        return loadmat(str(path))
    except _PATH_ERRORS:
        raise
    except NotImplementedError:  # scipy's answer to an HDF5 (v7.3) file
        raise ValueError(
            f"{path} is a MATLAB v7.3 (HDF5) file, which scipy cannot read; "
            "save it with save(name, '-v7')"
        ) from None
    except Exception as exc:  # MatReadError, a truncated stream, zlib errors, ...
        raise ValueError(f"{path} is not a readable MATLAB .mat file: {_detail(exc, path)}") from None


def read_label_file(path):
    """One label map from a ``.npy`` file or a single-channel image (PNG, 8 or 16 bit).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    labels : ndarray
        As stored for ``.npy`` (any shape or dtype; the measures check them);
        int64 from an image (:func:`segment.io.read_labels`).

    Raises
    ------
    ValueError
        If the file is empty, truncated or not what its suffix says, or the image
        has more than one channel.
    OSError
        If the file cannot be opened.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "labels.png")
    >>> _ = open(path, "w").write("not an image")
    >>> try:
    ...     read_label_file(path)
    ... except ValueError as exc:
    ...     print(str(exc).replace(path, "labels.png"))
    cannot decode labels.png: cannot identify image file 'labels.png'
    """
    path = Path(path)
    if path.suffix.lower() == ".npy":
        try:
            return np.load(path, allow_pickle=False)
        except _PATH_ERRORS:
            raise
        except Exception as exc:  # EOFError on an empty file, ValueError on a bad header
            raise ValueError(f"{path} is not a readable .npy file: {_detail(exc, path)}") from None
    from ..io import read_labels

    try:
        return read_labels(path)
    except _PATH_ERRORS:
        raise
    except ValueError:
        raise
    except Exception as exc:  # PIL.UnidentifiedImageError, truncated image data, ...
        raise ValueError(f"{path} is not an image file Pillow can read: {_detail(exc, path)}") from None


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
        If the file is not a readable ``.mat`` file, or has no ``groundTruth``
        struct with those fields, or no entry.
    OSError
        If the file cannot be opened.

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
    variables = read_mat(path)
    try:
        entries = variables["groundTruth"].ravel()
        segmentations = [np.asarray(g["Segmentation"][0, 0]) for g in entries]
        boundaries = [np.asarray(g["Boundaries"][0, 0]).astype(bool) for g in entries]
    except (KeyError, ValueError, IndexError, TypeError) as exc:
        raise ValueError(
            f"{path} is not a BSDS ground-truth file (a 'groundTruth' struct with "
            f"'Segmentation' and 'Boundaries'): {exc}"
        ) from None
    if not segmentations:
        raise ValueError(f"{path} holds no human segmentation (its 'groundTruth' is empty)")
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

    Raises
    ------
    ValueError
        If the file cannot be decoded (see :func:`read_mat`, :func:`read_label_file`)
        or a ``.npy`` array is neither (H, W) nor (n, H, W).
    OSError
        If the file cannot be opened.

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
    array = read_label_file(path)
    if suffix == ".npy":
        if array.ndim not in (2, 3):
            raise ValueError(
                f"{path} must hold an (H, W) label map or an (n, H, W) stack; "
                f"got shape {array.shape}"
            )
        return (list(array) if array.ndim == 3 else [array]), None
    return [array], None
