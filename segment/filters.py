"""Filters on (H, W, C) float32 lattices: Gaussian smoothing and the colour gradient
(compiled kernels, ``src/native/filters.cpp``)."""

from __future__ import annotations

import numpy as np

from . import _native

__all__ = ["smooth", "gradient_magnitude"]


def smooth(lab, sigma, *, out=None):
    """Gaussian-smoothed copy of a (H, W, C) float32 lattice, reflected borders.

    The filter of OpenCV's ``cv2.GaussianBlur(lab, (0, 0), sigma)`` for float
    images (the kernel of ``round(8 sigma + 1)`` taps, made odd, and
    ``BORDER_REFLECT_101``), separable, in float32: its values agree with OpenCV's
    to a few units in the last place. `out`, a C-contiguous float32 array of the
    shape of `lab`, receives the result instead of a new array; it may be `lab`
    itself (smoothing in place gives the same values).

    Cost: O(H W C sigma), in parallel over rows; about 3 ms for a (321, 481, 4)
    lattice at sigma 4 on two cores, and a temporary copy of the lattice.

    Examples
    --------
    >>> import numpy as np
    >>> smooth(np.ones((5, 6, 3), np.float32), 2.0).shape
    (5, 6, 3)
    >>> lab = np.zeros((5, 6, 1), np.float32); lab[2, 3] = 1.0
    >>> expected = smooth(lab, 1.0)
    >>> smooth(lab, 1.0, out=lab) is lab, bool(np.array_equal(lab, expected))
    (True, True)
    """
    if not 0 < sigma < 1e8:
        raise ValueError(f"sigma must be positive and finite; got {sigma!r}")
    lab = np.ascontiguousarray(lab, dtype=np.float32)
    if out is None:
        out = np.empty_like(lab)
    elif (out.dtype != np.float32 or out.shape != lab.shape
            or not out.flags.c_contiguous or not out.flags.writeable):
        raise ValueError(f"out must be a writeable C-contiguous float32 array of shape "
                         f"{lab.shape}; got {out.dtype} {out.shape}")
    planes = lab.reshape(lab.shape[0], lab.shape[1], int(np.prod(lab.shape[2:])))
    _native.gaussian_blur(planes, float(sigma), out.reshape(planes.shape))
    return out

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
    return _native.sobel_magnitude(np.ascontiguousarray(src, dtype=np.float32))
