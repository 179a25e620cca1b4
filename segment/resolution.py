"""Working resolution: the spatial bandwidth of a photo's size, and the copy mean shift sees.

The defaults of :func:`segment.segment` were chosen on the BSDS500 photographs
(481 x 321). A larger photo of the same scene holds the same structures over more
pixels, so the automatic spatial bandwidth grows with the side of the image:

    h_s = SPATIAL_BASE * sqrt(H * W / (REFERENCE_HEIGHT * REFERENCE_WIDTH))

(10 pixels at 481 x 321, 20 at 962 x 642, 88 at 4000 x 3000). Mean shift, the
grouping of its modes and the merging then run on a copy of the image scaled by

    s = min(1, WORKING_BANDWIDTH / h_s)

so that the window spans about WORKING_BANDWIDTH (10) working pixels whatever the
input size; an image is never enlarged, and at s = 1 the pipeline runs on the
input itself, unchanged. The copy is an area-filtered (``cv2.INTER_AREA``)
reduction of the image's sRGB values (as float in [0, 1]), converted to CIE Lab
afterwards; the range bandwidth is estimated on it. Labels return to the input grid
through :func:`segment.upsample.upsample_labels`.

Averaging the sRGB values was measured against averaging linear-light RGB and
averaging CIE Lab (``benchmarks/resolution.py``, every 5th BSDS500 val photo,
enlarged 2, 4 and 8 times): the largest change from the photos' own scores was
0.0007 PRI, 0.009 VoI, 0.003 Covering and 0.005 F in sRGB, against 0.004 / 0.022
/ 0.008 / 0.005 in linear RGB and 0.001 / 0.018 / 0.007 / 0.009 in Lab.
"""

from __future__ import annotations

import math

import numpy as np

from ._defaults import (
    MIN_WORKING_SIDE,
    REFERENCE_HEIGHT,
    REFERENCE_WIDTH,
    SPATIAL_BASE,
    WORKING_BANDWIDTH,
)

__all__ = [
    "working_mask",
    "default_spatial_bandwidth",
    "largest_spatial_bandwidth",
    "working_scale",
    "working_shape",
    "working_min_size",
    "downscale",
    "check_spatial_bandwidth",
    "working_lab",
]


def largest_spatial_bandwidth(height, width):
    """The largest spatial bandwidth (pixels) an image of this size accepts.

    The working copy keeps at least MIN_WORKING_SIDE (16) pixels on its shorter
    side; below WORKING_BANDWIDTH the image is not reduced, so that much is
    always accepted.

    Examples
    --------
    >>> largest_spatial_bandwidth(321, 481)
    200.625
    >>> largest_spatial_bandwidth(20, 30)
    12.5
    """
    return max(WORKING_BANDWIDTH, WORKING_BANDWIDTH * min(height, width) / MIN_WORKING_SIDE)


def default_spatial_bandwidth(height, width):
    """The automatic spatial bandwidth h_s (pixels) of an image of `height` x `width`.

    ``SPATIAL_BASE * sqrt(H W / (REFERENCE_HEIGHT REFERENCE_WIDTH))``: 10 pixels on a
    BSDS500 photograph (481 x 321), proportional to the image's linear size
    otherwise, so that it spans the same fraction of the scene at every resolution.
    For an extremely elongated image it is capped at
    :func:`largest_spatial_bandwidth`.

    Examples
    --------
    >>> default_spatial_bandwidth(321, 481), default_spatial_bandwidth(642, 962)
    (10.0, 20.0)
    >>> round(default_spatial_bandwidth(3000, 4000), 2)
    88.16
    """
    h_s = SPATIAL_BASE * math.sqrt(height * width / (REFERENCE_HEIGHT * REFERENCE_WIDTH))
    return min(h_s, largest_spatial_bandwidth(height, width))


def working_scale(spatial_bandwidth):
    """Scale s of the working copy: ``min(1, WORKING_BANDWIDTH / h_s)``.

    Examples
    --------
    >>> working_scale(10.0), working_scale(40.0), working_scale(5.0)
    (1.0, 0.25, 1.0)
    """
    return min(1.0, WORKING_BANDWIDTH / float(spatial_bandwidth))


def working_shape(height, width, scale):
    """(rows, columns) of the working copy at `scale`: each side rounded, at least 1.

    Examples
    --------
    >>> working_shape(3000, 4000, working_scale(88.16))
    (340, 454)
    """
    if scale >= 1.0:
        return int(height), int(width)
    return max(1, int(round(height * scale))), max(1, int(round(width * scale)))


def working_min_size(min_size, height, width, shape):
    """An input-pixel `min_size` in pixels of a working copy of `shape`: scaled by the
    ratio of the areas and rounded (0 and 1 stay as they are, keeping every region).

    Examples
    --------
    >>> working_min_size(2000, 642, 962, (321, 481)), working_min_size(1, 642, 962, (321, 481))
    (500, 1)
    """
    if min_size <= 1:
        return int(min_size)
    ratio = shape[0] * shape[1] / (height * width)
    return max(1, int(round(min_size * ratio)))


def downscale(rgb, shape):
    """Area-filtered reduction of a float32 (H, W, C) image to `shape` (rows, columns).

    ``cv2.INTER_AREA``: each working pixel is the mean of the input pixels under it
    (weighted by the overlap for non-integer ratios).

    Examples
    --------
    >>> import numpy as np
    >>> image = np.arange(16, dtype=np.float32).reshape(4, 4, 1)
    >>> downscale(image, (2, 2))[..., 0].tolist()
    [[2.5, 4.5], [10.5, 12.5]]
    """
    import cv2

    rgb = np.ascontiguousarray(rgb, dtype=np.float32)
    out = cv2.resize(rgb, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)
    return out.reshape(shape + (rgb.shape[2],))


def check_spatial_bandwidth(spatial_bandwidth, height, width):
    """The working scale of `spatial_bandwidth` on an image of `height` x `width`;
    a ValueError if the working copy would have fewer than MIN_WORKING_SIDE pixels
    on its shorter side.

    Examples
    --------
    >>> check_spatial_bandwidth(20.0, 321, 481)
    0.5
    >>> check_spatial_bandwidth(1e9, 321, 481)
    Traceback (most recent call last):
    ...
    ValueError: spatial_bandwidth must be in (0, 200.625] pixels for a 481 x 321 image (the image is reduced by 10 / spatial_bandwidth, to at least 16 pixels a side); got 1e+09
    """
    largest = largest_spatial_bandwidth(height, width)
    if spatial_bandwidth > largest:
        raise ValueError(
            f"spatial_bandwidth must be in (0, {largest:g}] pixels for a {width} x {height} "
            f"image (the image is reduced by {WORKING_BANDWIDTH:g} / spatial_bandwidth, to at "
            f"least {MIN_WORKING_SIDE} pixels a side); got {spatial_bandwidth:g}"
        )
    return working_scale(spatial_bandwidth)


#: Input rows converted to float at a time while the working copy is made.
_BAND_ROWS = 256


def working_lab(image, shape, *, channel_axis=-1):
    """The working copy, in CIE Lab, of an image reduced to `shape` (rows, columns).

    The area filter runs along the rows first, on bands of the input converted to
    float one at a time, then along the columns, so that no float copy of the
    whole input is made (the filter is separable; the result matches
    :func:`downscale` of the whole float image to float rounding).

    Parameters
    ----------
    image : array_like
        The input, as :func:`segment.segment` takes it (already validated).
    shape : (int, int)
        Rows and columns of the working copy.
    channel_axis : int or None, optional

    Returns
    -------
    work : (rows, columns, C) float32 ndarray

    Examples
    --------
    >>> import numpy as np
    >>> image = np.zeros((8, 8, 3), np.uint8); image[:, 4:] = 255
    >>> work = working_lab(image, (2, 2))
    >>> np.round(work[..., 0], 1).tolist()
    [[0.0, 100.0], [0.0, 100.0]]
    """
    from .colour import srgb_to_lab
    from .image import check_image, to_float

    image = np.asarray(image)
    if image.ndim == 3 and channel_axis is not None:
        image = np.moveaxis(image, channel_axis, -1)  # a view: rows first
        channel_axis = -1
    height = image.shape[0]
    rows = None
    for start in range(0, height, _BAND_ROWS):
        band = to_float(check_image(image[start:start + _BAND_ROWS], channel_axis))
        if rows is None:
            rows = np.empty((height, shape[1], band.shape[2]), np.float32)
        rows[start:start + band.shape[0]] = downscale(band, (band.shape[0], shape[1]))
    return srgb_to_lab(downscale(rows, shape))


def working_mask(mask, shape):
    """A boolean mask reduced to `shape` (rows, columns): True where more than half
    of a working pixel's area lies inside it.

    Examples
    --------
    >>> import numpy as np
    >>> mask = np.zeros((4, 4), bool); mask[:, :3] = True
    >>> working_mask(mask, (2, 2)).tolist()
    [[True, False], [True, False]]
    """
    import cv2

    rows, cols = shape
    area = cv2.resize(mask.astype(np.float32), (cols, rows), interpolation=cv2.INTER_AREA)
    reduced = area > 0.5
    if not reduced.any():
        raise ValueError("mask selects too few pixels for the working resolution; "
                         "pass a larger mask or a smaller spatial_bandwidth")
    return reduced
