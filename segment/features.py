"""Feature builder: image -> float32 CIE Lab lattice and the joint (x, y, L, a, b) space.

Every input bit depth is first mapped to floating point RGB in [0, 1] (uint8 / 255,
uint16 / 65535, floats as given), then converted to CIE L*a*b* (D65, L in 0..100)
in float32 by OpenCV. Because the conversion happens after the exact division, the
same picture stored as uint8, uint16 or float gives the same Lab values, so a range
bandwidth means the same colour difference at every bit depth.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = [
    "smooth",
    "gradient_magnitude",
    "as_float_rgb",
    "rgb_to_lab",
    "lab_to_rgb",
    "lab_lattice",
    "joint_features",
]

_INTEGER_SCALE = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}
_FLOAT_TOLERANCE = 1e-6


def _dtype_error(dtype):
    return TypeError(
        f"image has unsupported dtype {dtype}; expected uint8, uint16 or floating "
        "point (float16, float32, float64) with values in [0, 1]"
    )


def _channels_last(image, channel_axis):
    """Validate an image's dtype and shape; return it as an (H, W, 1) or (H, W, 3)
    view in its own dtype (alpha dropped)."""
    if not isinstance(image, np.ndarray):
        try:
            image = np.asarray(image)
        except Exception as exc:  # pragma: no cover - exotic array-likes
            raise TypeError(f"image must be an array, got {type(image).__name__}") from exc
    dtype = image.dtype
    if dtype.kind not in "uf" or (dtype.kind == "u" and dtype not in _INTEGER_SCALE):
        raise _dtype_error(dtype)

    if channel_axis is not None and (
        isinstance(channel_axis, bool) or not isinstance(channel_axis, (int, np.integer))
    ):
        raise TypeError(f"channel_axis must be an integer or None; got {channel_axis!r}")
    if channel_axis is None:
        if image.ndim != 2:
            raise ValueError(
                f"image with channel_axis=None must be 2-D (H, W); got {image.ndim} "
                f"dimensions with shape {image.shape}"
            )
        image = image[..., np.newaxis]
    else:
        if image.ndim == 2:
            image = image[..., np.newaxis]
        elif image.ndim == 3:
            if not -3 <= channel_axis <= 2:
                raise ValueError(
                    f"channel_axis={channel_axis} is out of range for a 3-D image; "
                    "expected -3..2 or None"
                )
            image = np.moveaxis(image, channel_axis, -1)
        else:
            raise ValueError(
                f"image must be 2-D (H, W) or 3-D (H, W, C); got {image.ndim} "
                f"dimensions with shape {image.shape}"
            )
        channels = image.shape[-1]
        if channels == 4:
            image = image[..., :3]
        elif channels == 2:
            image = image[..., :1]  # grey + alpha
        elif channels not in (1, 3):
            raise ValueError(
                f"image has {channels} channels on channel_axis={channel_axis}; "
                "expected 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA)"
            )

    height, width = image.shape[:2]
    if height * width < 2:
        raise ValueError(
            f"image must have at least 2 pixels; got shape {image.shape[:2]}"
        )

    return image


def as_float_rgb(image, *, channel_axis=-1):
    """Validate an image and return it as float32 RGB (or grey) in [0, 1].

    Parameters
    ----------
    image : array_like
        (H, W) greyscale, or (H, W, 3) RGB, or (H, W, 4) RGBA with the channels on
        `channel_axis`. uint8 is divided by 255, uint16 by 65535; floating point
        images must already lie in [0, 1]. The alpha channel of RGBA is ignored.
    channel_axis : int or None, optional
        Axis of the colour channels. ``None`` means a greyscale (H, W) image.

    Returns
    -------
    rgb : (H, W, C) float32 ndarray
        C is 3 for colour input and 1 for greyscale input.

    Raises
    ------
    TypeError
        If the dtype is not uint8, uint16 or floating point.
    ValueError
        If the shape, the number of channels or the values are not acceptable.

    Examples
    --------
    >>> import numpy as np
    >>> rgb = as_float_rgb(np.full((2, 3, 3), 255, dtype=np.uint8))
    >>> rgb.shape, rgb.dtype, float(rgb.max())
    ((2, 3, 3), dtype('float32'), 1.0)
    """
    return _to_float(_channels_last(image, channel_axis))


def _to_float(image):
    """A validated (H, W, C) image (from :func:`_channels_last`) as contiguous float32
    in [0, 1]."""
    dtype = image.dtype
    if dtype.kind == "u":
        rgb = image.astype(np.float32) / np.float32(_INTEGER_SCALE[dtype])
    else:
        rgb = image.astype(np.float32, copy=True)
        if not np.isfinite(rgb).all():
            raise ValueError("image contains NaN or infinite values; all pixels must be finite")
        lo, hi = float(rgb.min()), float(rgb.max())
        if lo < -_FLOAT_TOLERANCE or hi > 1 + _FLOAT_TOLERANCE:
            raise ValueError(
                f"floating point image values must lie in [0, 1]; got range "
                f"[{lo:g}, {hi:g}] (divide 8-bit data by 255 or pass it as uint8)"
            )
        np.clip(rgb, 0.0, 1.0, out=rgb)
    return np.ascontiguousarray(rgb)


def rgb_to_lab(rgb):
    """Convert float RGB in [0, 1] (H, W, 3), or grey (H, W, 1), to CIE Lab.

    Uses :func:`segment.colour.srgb_to_lab`, a compiled kernel with OpenCV's
    constants and no start-up cost.

    Parameters
    ----------
    rgb : (H, W, 3) or (H, W, 1) float32 ndarray
        sRGB values in [0, 1], as returned by :func:`as_float_rgb`.

    Returns
    -------
    lab : (H, W, 3) or (H, W, 1) float32 ndarray
        L in 0..100 and a, b roughly in -128..127 (D65). Grey input gives L alone.

    Examples
    --------
    >>> import numpy as np
    >>> lab = rgb_to_lab(np.ones((1, 2, 3), dtype=np.float32))
    >>> np.round(lab[0, 0], 2).tolist()
    [100.0, 0.0, 0.0]
    """
    from .colour import srgb_to_lab

    return srgb_to_lab(rgb)


def lab_to_rgb(lab):
    """Convert CIE Lab (..., 3), or L alone (..., 1), back to float32 sRGB in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> rgb = lab_to_rgb(np.array([[100.0, 0.0, 0.0]], dtype=np.float32))
    >>> np.round(rgb, 3).tolist()
    [[1.0, 1.0, 1.0]]
    """
    import cv2

    lab = np.asarray(lab, dtype=np.float32)
    shape = lab.shape
    flat = lab.reshape(1, -1, shape[-1])
    if shape[-1] == 1:
        flat = np.concatenate([flat, np.zeros(flat.shape[:2] + (2,), np.float32)], axis=-1)
        rgb = cv2.cvtColor(np.ascontiguousarray(flat), cv2.COLOR_Lab2RGB)[..., :1]
    else:
        rgb = cv2.cvtColor(np.ascontiguousarray(flat), cv2.COLOR_Lab2RGB)
    return np.clip(rgb, 0.0, 1.0).reshape(shape)


def lab_lattice(image, *, channel_axis=-1):
    """Validate `image` and return its CIE Lab lattice as float32 (H, W, C).

    C is 3 (L, a, b) for colour images and 1 (L) for greyscale images.

    Examples
    --------
    >>> import numpy as np
    >>> lab_lattice(np.zeros((4, 5), dtype=np.uint8), channel_axis=None).shape
    (4, 5, 1)
    """
    from .colour import srgb_to_lab

    image = _channels_last(image, channel_axis)
    if image.dtype == np.uint8:
        # same values as through as_float_rgb, without the float copy
        return srgb_to_lab(image)
    return rgb_to_lab(_to_float(image))


def joint_features(image, *, channel_axis=-1):
    """Return the joint spatial-range feature of every pixel: (x, y, L, a, b).

    Parameters
    ----------
    image : array_like
        Image as accepted by :func:`as_float_rgb`.
    channel_axis : int or None, optional
        Axis of the colour channels; ``None`` for greyscale.

    Returns
    -------
    features : (H, W, 2 + C) float32 ndarray
        x (column, pixels), y (row, pixels), then L, a, b (or L alone for grey).

    Examples
    --------
    >>> import numpy as np
    >>> f = joint_features(np.zeros((2, 3, 3), dtype=np.uint8))
    >>> f.shape, f[1, 2, :2].tolist()
    ((2, 3, 5), [2.0, 1.0])
    """
    lab = lab_lattice(image, channel_axis=channel_axis)
    height, width = lab.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    return np.concatenate([xx[..., None], yy[..., None], lab], axis=-1)


def smooth(lab, sigma):
    """Gaussian-smoothed copy of a (H, W, C) float32 lattice (OpenCV, reflected borders).

    Examples
    --------
    >>> import numpy as np
    >>> smooth(np.ones((5, 6, 3), np.float32), 2.0).shape
    (5, 6, 3)
    """
    import cv2

    lab = np.ascontiguousarray(lab, dtype=np.float32)
    out = cv2.GaussianBlur(lab, (0, 0), float(sigma))
    return out.reshape(lab.shape)


def gradient_magnitude(lab, sigma):
    """Colour gradient magnitude, in Lab units per pixel, after Gaussian smoothing.

    The Euclidean norm over channels of the x and y derivatives (3x3 Sobel,
    normalised to unit gain) of the image smoothed with `sigma`.

    Examples
    --------
    >>> import numpy as np
    >>> lab = np.zeros((5, 8, 1), np.float32); lab[:, 4:] = 10.0
    >>> g = gradient_magnitude(lab, 0.0)
    >>> float(g[2, 3]), float(g[2, 0])
    (5.0, 0.0)
    """
    src = smooth(lab, sigma) if sigma > 0 else np.ascontiguousarray(lab, dtype=np.float32)
    if src.ndim == 2:
        src = src[..., None]
    return _sobel_magnitude(src)


@njit(cache=True, parallel=True)
def _sobel_magnitude(src):
    """Norm over channels of the 3x3 Sobel x and y derivatives (scaled by 1/8) of
    (H, W, C) `src`, with reflected borders (row -1 reads row 0), in one pass."""
    height, width, nch = src.shape
    out = np.empty((height, width), np.float32)
    eighth = np.float32(0.125)
    two = np.float32(2.0)
    for row in prange(height):
        up = max(row - 1, 0)
        down = min(row + 1, height - 1)
        for col in range(width):
            left = max(col - 1, 0)
            right = min(col + 1, width - 1)
            g2 = np.float32(0.0)
            for k in range(nch):
                dx = ((src[up, right, k] + two * src[row, right, k] + src[down, right, k])
                      - (src[up, left, k] + two * src[row, left, k] + src[down, left, k]))
                dy = ((src[down, left, k] + two * src[down, col, k] + src[down, right, k])
                      - (src[up, left, k] + two * src[up, col, k] + src[up, right, k]))
                dx *= eighth
                dy *= eighth
                g2 += dx * dx + dy * dy
            out[row, col] = np.sqrt(g2)
    return out
