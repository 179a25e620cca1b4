"""Input images: dtype and shape checks, channel handling and scaling to [0, 1].

Every bit depth maps to the same scale (uint8 / 255, uint16 / 65535, floats as
given in [0, 1]), so that a range bandwidth means the same colour difference at
every bit depth.
"""

from __future__ import annotations

import numpy as np

__all__ = ["check_image", "to_float", "display_image", "check_mask"]

_INTEGER_SCALE = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}

_FLOAT_TOLERANCE = 1e-6


def _dtype_error(dtype):
    return TypeError(
        f"image has unsupported dtype {dtype}; expected uint8, uint16 or floating "
        "point (float16, float32, float64) with values in [0, 1]"
    )

def check_image(image, channel_axis):
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

def to_float(image):
    """A validated (H, W, C) image (from :func:`check_image`) as contiguous float32
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


def display_image(image, channel_axis):
    """The input as (H, W, 3) RGB or (H, W) grey in its own dtype, alpha dropped."""
    image = np.asarray(image)
    if channel_axis is None or image.ndim == 2:
        return image
    image = np.moveaxis(image, channel_axis, -1)
    if image.shape[-1] in (1, 2):
        return image[..., 0]
    return image[..., :3]


def check_mask(mask, image, channel_axis):
    """The pixels to segment, as an (H, W) bool array, or None for all of them.

    Parameters
    ----------
    mask : (H, W) bool array_like, 'alpha' or None
        True where the image is segmented. ``'alpha'``: the pixels whose alpha is
        above 0, for RGBA (or grey + alpha) input.
    image : ndarray
        The image as passed to :func:`segment.segment`.
    channel_axis : int or None

    Raises
    ------
    TypeError
        If `mask` is not boolean.
    ValueError
        If its shape is not the image's (H, W), it selects no pixel, or 'alpha' is
        asked of an image without alpha.

    Examples
    --------
    >>> import numpy as np
    >>> rgba = np.zeros((2, 3, 4), np.uint8); rgba[0, :, 3] = 255
    >>> check_mask("alpha", rgba, -1).tolist()
    [[True, True, True], [False, False, False]]
    """
    if mask is None:
        return None
    image = np.asarray(image)
    if channel_axis is not None and image.ndim == 3:
        image = np.moveaxis(image, channel_axis, -1)
    shape = image.shape[:2]
    if isinstance(mask, str):
        if mask != "alpha":
            raise ValueError(f"mask must be a boolean (H, W) array, 'alpha' or None; got {mask!r}")
        if image.ndim != 3 or image.shape[-1] not in (2, 4):
            raise ValueError(f"mask='alpha' needs an image with an alpha channel (grey + alpha "
                             f"or RGBA); got shape {image.shape}")
        mask = image[..., -1] > 0
    else:
        mask = np.asarray(mask)
        if mask.dtype != np.bool_:
            raise TypeError(f"mask must be a boolean array (True where the image is "
                            f"segmented); got dtype {mask.dtype}")
        if mask.shape != shape:
            raise ValueError(f"mask must have the image's shape {shape}; got {mask.shape}")
    if not mask.any():
        raise ValueError("mask selects no pixel; it must be True somewhere")
    return np.ascontiguousarray(mask)
