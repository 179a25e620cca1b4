"""Automatic range bandwidth: h_r from the image's own colour spread.

A single h_r suits some photographs and not others: a muted picture (an animal on
dry grass, grey rock in surf) needs a small h_r to keep its few colours apart, a
colourful, busy one a larger h_r to hold each surface together. On the BSDS500
images the best h_r of an image grows with its *colour spread*, the root of the
summed variances of L, a and b (the RMS distance of the pixels from the mean colour,
in ΔE). The automatic h_r is

    h_r = RANGE_BASE * (spread / SPREAD_REFERENCE) ** RANGE_EXPONENT

clipped to [RANGE_BASE / 2, 2 * RANGE_BASE], so that a photograph of typical spread
gets RANGE_BASE. ``benchmarks/README.md`` gives the measurements.
"""

from __future__ import annotations

import numpy as np

from . import _native

__all__ = ["colour_spread", "estimate_range_bandwidth", "RANGE_BASE", "RANGE_EXPONENT",
           "SPREAD_REFERENCE"]

#: h_r (ΔE) for a photograph of typical colour spread.
RANGE_BASE = 7.0
#: How strongly h_r follows the colour spread; 0 gives RANGE_BASE for every image.
RANGE_EXPONENT = 1.0
#: Median colour spread (ΔE) of the BSDS500 train and val photographs.
SPREAD_REFERENCE = 24.0
#: At most this many pixels (an even grid of them) are read to measure the spread.
_SAMPLE = 250_000


def colour_spread(lab):
    """RMS distance (ΔE) of the pixels of a (H, W, C) Lab lattice from its mean colour.

    Large images are measured on an even grid of about 250 000 pixels. The variances
    are summed in double precision, the mean square less the squared mean (as
    ``cv2.meanStdDev`` does), by a compiled kernel: about 0.5 ms at 481 x 321.

    Examples
    --------
    >>> import numpy as np
    >>> lab = np.zeros((2, 2, 3), np.float32); lab[:, 1, 0] = 20.0
    >>> colour_spread(lab)
    10.0
    """
    lab = np.asarray(lab)
    height, width = lab.shape[:2]
    step = max(1, int(np.ceil(np.sqrt(height * width / _SAMPLE))))
    dtype = np.float64 if lab.dtype == np.float64 else np.float32
    sample = np.ascontiguousarray(lab[::step, ::step], dtype=dtype)
    variances = _native.channel_variances(sample.reshape(sample.shape[0] * sample.shape[1], -1))
    return float(np.sqrt(np.sum(variances)))


def estimate_range_bandwidth(lab, *, base=RANGE_BASE, exponent=RANGE_EXPONENT):
    """The automatic range bandwidth h_r (ΔE) of a (H, W, C) Lab lattice.

    Parameters
    ----------
    lab : (H, W, C) ndarray
        CIE Lab (or L alone), as from :func:`segment.colour.lab_lattice`.
    base : float, optional
        h_r for an image whose colour spread is :data:`SPREAD_REFERENCE`.
    exponent : float, optional
        h_r grows as the colour spread to this power.

    Returns
    -------
    h_r : float
        In [base / 2, 2 * base].

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> typical = rng.normal(50, SPREAD_REFERENCE / 3 ** 0.5, (64, 64, 3))
    >>> round(estimate_range_bandwidth(typical), 1)
    7.0
    >>> round(estimate_range_bandwidth(4 * typical), 1)  # 4x the spread: clipped at 2x base
    14.0
    >>> estimate_range_bandwidth(np.zeros((8, 8, 3)))  # flat: the lower clip
    3.5
    """
    spread = colour_spread(lab)
    h_r = base * (max(spread, 1e-12) / SPREAD_REFERENCE) ** exponent
    return float(np.clip(h_r, 0.5 * base, 2.0 * base))
