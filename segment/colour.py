"""sRGB <-> CIE L*a*b* (D65): a compiled kernel one way (``src/native/colour.cpp``),
OpenCV the other.

The same formulas and constants as OpenCV's float ``COLOR_RGB2Lab`` (sRGB gamma,
the Rec. 709 / sRGB primaries, D65 white 0.950456, 1, 1.088754, the CIE 0.008856
break), computed in float32, with nothing to set up on the first call. 8-bit input
reads its 256 linearised levels from a table the kernel builds by the same formula,
which gives the same values as converting it to float first, without the float copy.
So the same picture stored as uint8, uint16 or float gives the same Lab values.
"""

from __future__ import annotations

import numpy as np

from . import _native
from .image import check_image, to_float

__all__ = ["srgb_to_lab", "lab_to_rgb", "lab_lattice"]


def srgb_to_lab(rgb):
    """Convert (H, W, 3) sRGB, or (H, W, 1) grey, to CIE Lab.

    `rgb` is float32 in [0, 1], or uint8 (read as value / 255, with the same
    result as converting it to float first, through a 256-entry table of the
    linearised levels). Grey input gives (H, W, 1): the lightness L of the grey level.

    Examples
    --------
    >>> import numpy as np
    >>> lab = srgb_to_lab(np.array([[[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]]], np.float32))
    >>> [[round(float(v), 1) for v in pixel] for pixel in lab[0]]
    [[100.0, 0.0, 0.0], [53.2, 80.1, 67.2]]
    >>> bool((srgb_to_lab(np.array([[[255, 0, 0]]], np.uint8)) == lab[:, 1:]).all())
    True
    """
    eight_bit = getattr(rgb, "dtype", None) == np.uint8
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8 if eight_bit else np.float32)
    out = np.empty(rgb.shape[:2] + (1 if rgb.shape[2] == 1 else 3,), np.float32)
    (_native.srgb8_to_lab if eight_bit else _native.srgb_to_lab)(rgb, out)
    return out


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
    image = check_image(image, channel_axis)
    if image.dtype == np.uint8:
        # the same values as through to_float, without the float copy
        return srgb_to_lab(image)
    return srgb_to_lab(to_float(image))
