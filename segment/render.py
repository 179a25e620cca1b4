"""Rendering: labels + modes -> painted images, boundary masks and overlays."""

from __future__ import annotations

import numpy as np

from .colour import lab_to_rgb
from .labels import region_values

__all__ = ["paint", "find_boundaries", "overlay_boundaries", "to_dtype", "BOUNDARY_COLOR"]

_BOUNDARY_MODES = ("thin", "thick", "inner", "outer")


def to_dtype(rgb, dtype):
    """Convert float RGB in [0, 1] to `dtype` (uint8, uint16 or a float type).

    Examples
    --------
    >>> import numpy as np
    >>> to_dtype(np.array([0.0, 0.5, 1.0]), np.uint8).tolist()
    [0, 128, 255]
    """
    dtype = np.dtype(dtype)
    if dtype == np.uint8:
        return np.rint(np.clip(rgb, 0, 1) * 255.0).astype(np.uint8)
    if dtype == np.uint16:
        return np.rint(np.clip(rgb, 0, 1) * 65535.0).astype(np.uint16)
    return np.asarray(rgb, dtype=dtype)


def paint(labels, modes, *, dtype=np.uint8, start_label=0, image=None):
    """Paint every pixel with its region's mode colour.

    Parameters
    ----------
    labels : (H, W) int ndarray
        Region ids `start_label` .. `start_label` + n - 1; with ``start_label=1``,
        0 marks pixels that were not segmented.
    modes : (n, 3) or (n, 1) float ndarray
        Region mode colours in CIE Lab (or L alone for greyscale), region
        `start_label` + i in row i.
    dtype : dtype, optional
        Output dtype: uint8 (0..255), uint16 (0..65535) or float (0..1).
    start_label : {0, 1}, optional
        The id of the first region.
    image : (H, W, 3) or (H, W) ndarray, optional
        With ``start_label=1``, the pixels of label 0 keep this image's colour
        (converted to `dtype`); black without it.

    Returns
    -------
    painted : (H, W, 3) or (H, W) ndarray
        RGB, or grey when `modes` holds L alone.

    Examples
    --------
    >>> import numpy as np
    >>> out = paint(np.array([[0, 1]]), np.array([[0.0, 0, 0], [100.0, 0, 0]]))
    >>> out[0].tolist()
    [[0, 0, 0], [255, 255, 255]]
    """
    colours = to_dtype(lab_to_rgb(np.asarray(modes, np.float32)), dtype)
    if start_label:
        colours = np.concatenate([np.zeros_like(colours[:1]), colours])
    painted = region_values(labels, colours)
    if colours.shape[-1] == 1:
        painted = painted[..., 0]
    if start_label and image is not None:
        outside = labels == 0
        if outside.any():
            painted[outside] = _same_layout(image, painted, dtype)[outside]
    return painted


def _same_layout(image, like, dtype):
    """`image` with the channels of `like` (grey or RGB) in `dtype`."""
    image = np.asarray(image)
    if image.dtype != np.dtype(dtype):
        scale = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}.get(image.dtype, 1.0)
        image = to_dtype(image / scale, dtype)
    if like.ndim == 3 and image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=-1)
    elif like.ndim == 2 and image.ndim == 3:
        image = image[..., 0]
    return image


def find_boundaries(labels, *, mode="thin"):
    """Boolean mask of region boundary pixels.

    Parameters
    ----------
    labels : (H, W) int ndarray
    mode : {'thin', 'thick', 'inner', 'outer'}, optional
        'thin' marks one pixel per boundary: a pixel whose right or lower
        neighbour has another label (as the BSDS benchmark draws segment
        boundaries). The others follow :func:`skimage.segmentation.find_boundaries`.

    Returns
    -------
    boundaries : (H, W) bool ndarray

    Examples
    --------
    >>> import numpy as np
    >>> find_boundaries(np.array([[0, 0, 1, 1]])).astype(int).tolist()
    [[0, 1, 0, 0]]
    >>> find_boundaries(np.array([[0, 0, 1, 1]]), mode="thick").astype(int).tolist()
    [[0, 1, 1, 0]]
    """
    if mode not in _BOUNDARY_MODES:
        raise ValueError(f"mode must be one of {_BOUNDARY_MODES}; got {mode!r}")
    labels = np.asarray(labels)
    if mode == "thin":
        out = np.zeros(labels.shape, bool)
        out[:, :-1] |= labels[:, :-1] != labels[:, 1:]
        out[:-1, :] |= labels[:-1, :] != labels[1:, :]
        return out
    from skimage.segmentation import find_boundaries as _skimage_find_boundaries

    # scikit-image 0.26 gets mode='outer' wrong on int64 labels; int32 is right
    labels = labels.astype(np.int32) if labels.max(initial=0) <= np.iinfo(np.int32).max else labels
    return _skimage_find_boundaries(labels, mode=mode)


#: The boundary colour of overlays: scikit-image's ``mark_boundaries`` yellow, which
#: stands out on most photographs, red objects included.
BOUNDARY_COLOR = (1.0, 1.0, 0.0)


def overlay_boundaries(image, labels, *, color=BOUNDARY_COLOR, mode="thin", start_label=0):
    """Draw region boundaries in `color` over an RGB or grey image.

    Parameters
    ----------
    image : (H, W, 3) or (H, W) ndarray
        uint8, uint16 or float in [0, 1]; the output has the same dtype and is RGB.
    labels : (H, W) int ndarray
    color : tuple of 3 floats in [0, 1], optional
        Boundary colour, :data:`BOUNDARY_COLOR` (yellow) by default.
    mode : str, optional
        See :func:`find_boundaries`.
    start_label : {0, 1}, optional
        With 1, label 0 marks pixels that were not segmented: no boundary is drawn
        on them.

    Returns
    -------
    out : (H, W, 3) ndarray, same dtype as `image`

    Examples
    --------
    >>> import numpy as np
    >>> out = overlay_boundaries(np.zeros((1, 4, 3), np.uint8), np.array([[0, 0, 1, 1]]))
    >>> out[0, 1].tolist(), out[0, 0].tolist()
    ([255, 255, 0], [0, 0, 0])
    """
    color = np.asarray(color, dtype=np.float64)
    if color.shape != (3,) or not np.all((color >= 0) & (color <= 1)):
        raise ValueError(f"color must be 3 floats in [0, 1]; got {tuple(np.ravel(color))}")
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=-1)
    out = image.copy()
    boundaries = find_boundaries(labels, mode=mode)
    if start_label:
        boundaries &= np.asarray(labels) != 0
    out[boundaries] = to_dtype(color, image.dtype)
    return out
