"""The public entry point: :func:`segment` and its :class:`Segmentation` result."""

from __future__ import annotations

import math
import numbers
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from . import features, render
from ._defaults import DEFAULTS, KERNELS, METHODS, MIN_SIZE_FLOOR, MIN_SIZE_FRACTION
from .bandwidth import estimate_range_bandwidth
from .meanshift import seek_modes
from .regions import form_regions
from .resolution import (check_spatial_bandwidth, default_spatial_bandwidth, working_lab,
                         working_min_size, working_shape)
from .upsample import upsample_labels

__all__ = ["segment", "Segmentation", "DEFAULTS", "default_min_size"]


def default_min_size(height, width):
    """The automatic `min_size`: 0.3 % of the image area, at least 20 pixels.

    Examples
    --------
    >>> default_min_size(321, 481), default_min_size(40, 60)
    (463, 20)
    """
    return max(MIN_SIZE_FLOOR, int(round(MIN_SIZE_FRACTION * height * width)))


@dataclass(eq=False)
class Segmentation:
    """Result of :func:`segment`.

    Attributes
    ----------
    labels : (H, W) int32 ndarray
        Region id of every pixel, 0 .. n_regions - 1 in raster order of first appearance.
    modes : (n_regions, 3) float32 ndarray
        Mode colour of each region in CIE Lab ((n_regions, 1), L alone, for grey input).
    sizes : (n_regions,) int64 ndarray
        Pixel count of each region (at the input's resolution).
    parameters : dict
        The parameters the segmentation was computed with, automatic values
        (``spatial_bandwidth``, ``range_bandwidth``, ``min_size``) resolved to
        those used (in input pixels).
    """

    labels: np.ndarray
    modes: np.ndarray
    sizes: np.ndarray
    parameters: dict = field(default_factory=dict)
    _image: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_regions(self):
        """Number of regions."""
        return int(self.sizes.size)

    @property
    def shape(self):
        """(H, W) of the segmented image."""
        return self.labels.shape

    def _dtype(self):
        return self._image.dtype if self._image is not None else np.dtype(np.uint8)

    def paint(self, dtype=None):
        """Image with every pixel painted in its region's mode colour.

        Parameters
        ----------
        dtype : dtype, optional
            Output dtype; by default that of the input image (uint8 in, uint8 out;
            float input gives float in [0, 1]).

        Returns
        -------
        painted : (H, W, 3) ndarray, or (H, W) for greyscale input

        Examples
        --------
        >>> import numpy as np
        >>> image = np.zeros((20, 30, 3), np.uint8)
        >>> image[:, 15:] = (200, 40, 40)
        >>> painted = segment(image).paint()
        >>> painted.shape, painted.dtype, painted[0, -1].tolist()
        ((20, 30, 3), dtype('uint8'), [200, 40, 40])
        """
        return render.paint(self.labels, self.modes, dtype=dtype or self._dtype())

    def boundaries(self, mode="thin"):
        """(H, W) bool mask of region boundaries; see :func:`segment.render.find_boundaries`.

        Examples
        --------
        >>> import numpy as np
        >>> image = np.zeros((4, 6, 3), np.uint8)
        >>> image[:, 3:] = 255
        >>> segment(image, min_size=0).boundaries().astype(int)[0].tolist()
        [0, 0, 1, 0, 0, 0]
        """
        return render.find_boundaries(self.labels, mode=mode)

    def overlay(self, on="image", *, color=(1.0, 0.0, 0.0), mode="thin"):
        """RGB image with region boundaries drawn in `color`.

        Parameters
        ----------
        on : {'image', 'painted'}, optional
            Draw over the original image or over :meth:`paint`.
        color : tuple of 3 floats in [0, 1], optional
        mode : str, optional
            Boundary style; see :func:`segment.render.find_boundaries`.

        Returns
        -------
        out : (H, W, 3) ndarray
            RGB in the dtype of the input image (of :meth:`paint` for ``on='painted'``).

        Examples
        --------
        >>> import numpy as np
        >>> image = np.zeros((4, 6, 3), np.uint8)
        >>> image[:, 3:] = 255
        >>> out = segment(image, min_size=0).overlay(color=(0.0, 1.0, 0.0))
        >>> out[0, 2].tolist(), out[0, 0].tolist(), out[0, 5].tolist()
        ([0, 255, 0], [0, 0, 0], [255, 255, 255])
        """
        if not isinstance(on, str):
            raise TypeError(f"on must be 'image' or 'painted'; got a {type(on).__name__}")
        if on == "image":
            if self._image is None:
                raise ValueError("on='image' needs the original image, which this result lacks")
            base = self._image
        elif on == "painted":
            base = self.paint()
        else:
            raise ValueError(f"on must be 'image' or 'painted'; got {on!r}")
        return render.overlay_boundaries(base, self.labels, color=color, mode=mode)


def _check_real(name, value, *, zero_ok=False, none_ok=False):
    """A finite real number, > 0 (or >= 0 with `zero_ok`), as float; with `none_ok`,
    None passes through (the messages then say so)."""
    if none_ok and value is None:
        return None
    kind = "non-negative" if zero_ok else "positive"
    alternative = " or None (automatic)" if none_ok else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a {kind} number{alternative}; got {value!r}")
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
        raise ValueError(f"{name} must be a {kind} finite number{alternative}; got {value!r}")
    return float(value)


def _check_unit(name, value):
    """A real number in [0, 1], as float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in [0, 1]; got {value!r}")
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be a number in [0, 1]; got {value!r}")
    return float(value)


def _check_int(name, value, lowest):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {lowest}; got {value!r}")
    if value < lowest:
        raise ValueError(f"{name} must be an integer >= {lowest}; got {value!r}")
    return int(value)


def _check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


@contextmanager
def _numba_threads(n_threads):
    import numba

    if n_threads is None:
        yield
        return
    previous = numba.get_num_threads()
    numba.set_num_threads(min(n_threads, numba.config.NUMBA_NUM_THREADS))
    try:
        yield
    finally:
        numba.set_num_threads(previous)


def _display_image(image, channel_axis):
    """The input as (H, W, 3) RGB or (H, W) grey in its own dtype, alpha dropped."""
    image = np.asarray(image)
    if channel_axis is None or image.ndim == 2:
        return image
    image = np.moveaxis(image, channel_axis, -1)
    if image.shape[-1] in (1, 2):
        return image[..., 0]
    return image[..., :3]


def segment(
    image,
    spatial_bandwidth=DEFAULTS["spatial_bandwidth"],
    range_bandwidth=DEFAULTS["range_bandwidth"],
    min_size=DEFAULTS["min_size"],
    *,
    merge_threshold=DEFAULTS["merge_threshold"],
    kernel=DEFAULTS["kernel"],
    method=DEFAULTS["method"],
    max_iter=100,
    tol=1e-2,
    channel_axis=-1,
    n_threads=None,
):
    """Segment an image by mean shift in the joint spatial-colour domain.

    Every pixel becomes a joint vector (x, y, L, a, b); each vector climbs to a mode
    of the joint density; connected pixels whose modes are closer than 0.35 h_r form
    regions; adjacent regions are then fused, most similar pair first, while a
    logistic model of their colours, textures, boundary contrast and sizes gives
    them a probability of belonging to different objects of at most
    `merge_threshold`, and regions smaller than `min_size` are merged into their
    most similar neighbour.

    Parameters
    ----------
    image : (H, W, 3), (H, W, 4) or (H, W) ndarray
        RGB, RGBA (alpha is ignored) or greyscale image. uint8 is read as value/255,
        uint16 as value/65535 and floats must lie in [0, 1], so the parameters mean
        the same thing at every bit depth.
    spatial_bandwidth : float or None, optional
        h_s, in pixels of the input: the half-width of the spatial window. Larger
        values smooth over larger distances. ``None`` (default) grows it with the
        image's side, ``10 * sqrt(H W / (481 * 321))``: 10 on a BSDS500 photo, 88
        at 4000 x 3000 (:func:`segment.resolution.default_spatial_bandwidth`).
        Above 10, mean shift, grouping and merging run on a copy reduced by
        10 / h_s (area-filtered in sRGB), where the window is 10 pixels, and every
        input pixel then takes, among the regions around its position, the one
        whose nearby colour is closest to its own (:mod:`segment.upsample`), so
        that labels and boundaries follow the full-resolution edges. At most
        ``10 * min(H, W) / 16`` (the reduced copy keeps 16 pixels a side).
    range_bandwidth : float or None, optional
        h_r, in CIE Lab units (ΔE, L in 0..100): colours closer than this are one
        mode. Increase it for fewer, larger regions. ``None`` (default) chooses it
        from the image's colour spread (the RMS distance of its pixels from their
        mean colour): 7 for a photograph of typical spread (24 ΔE), in proportion
        to the spread otherwise, within 3.5-14
        (:func:`segment.bandwidth.estimate_range_bandwidth`).
    min_size : int or None, optional
        Regions with fewer pixels (of the input) are merged into their most similar
        neighbour. ``None`` (default) uses 0.3 % of the image area, at least 20
        pixels (463 pixels on a 481x321 image); 0 or 1 keeps every region. On a
        reduced copy it applies scaled by the ratio of the areas.
    merge_threshold : float, optional
        In [0, 1]: adjacent regions are merged, most similar pair first, while the
        estimated probability that they belong to different objects is at most this.
        The estimate is a logistic model, fitted on the BSDS500 train images, of the
        difference of their mean colours (CIE Lab, on the image smoothed with sigma
        4 px) and texture energies (the smoothed distance of the pixels from their
        mean shift modes), the colour gradient along their common boundary weighed
        against the gradient inside them, and their sizes
        (:mod:`segment.merging`). Increase it for fewer, larger regions; 0 stops
        after grouping the mean shift modes (and pruning regions smaller than
        `min_size`), 1 merges everything.
    kernel : {'flat', 'gaussian'}, optional
        Window weighting: 'flat' (uniform, the shadow of the Epanechnikov kernel)
        or 'gaussian' (``exp(-2 d²)`` of the normalised joint distance d, truncated
        at the window).
    method : {'exact', 'fast'}, optional
        'exact' (default) runs mean shift from every pixel, as in the paper.
        'fast' runs the same iteration from one seed pixel per f x f block,
        f = round(h / 5) for the working window h = min(h_s, 10), and gives every
        other pixel the mode of the nearby seed of the closest colour (see
        :mod:`segment.meanshift`): about 3 times less mean shift at h = 10, and
        about a third of the time of a whole call at 481 x 321; on a larger photo
        at the automatic h_s, whose mean shift runs on a copy of about that size,
        the full-resolution work dominates and it saves about 10 %. Its BSDS500
        scores are within 0.005 of the exact path's, but its label maps differ
        more (adjusted Rand index 0.83 against 'exact'), because the region
        merging amplifies small differences of the modes, and its scores vary
        more with the resolution (boundary F within 0.012 of the photos' own on
        2, 4 and 8 times enlarged copies, against 0.005). For h < 7.5 the two
        are the same.
    max_iter : int, optional
        Most mean shift iterations per trajectory.
    tol : float, optional
        Convergence threshold on the shift, in bandwidth-normalised units.
    channel_axis : int or None, optional
        Axis of the colour channels; ``None`` for a 2-D greyscale image.
    n_threads : int or None, optional
        Threads for the compiled kernels (default: all cores). Results do not
        depend on it.

    Returns
    -------
    result : Segmentation
        ``labels``, ``modes``, ``sizes``, ``n_regions``, and the methods
        ``paint()``, ``boundaries()`` and ``overlay()``.

    Raises
    ------
    TypeError
        For an unsupported image dtype or a parameter of the wrong type.
    ValueError
        For an image of the wrong shape or with non-finite values, and for
        parameters out of range, among them a `spatial_bandwidth` so large that the
        reduced copy would have fewer than 16 pixels on its shorter side.

    Notes
    -----
    Cost: O(M · (2 h + 1)² · iterations) for the M pixels of the working copy and
    its window h = min(h_s, 10) with ``method='exact'``; ``method='fast'`` runs it
    from one pixel per f x f block (f = round(h / 5)), about f² times less, then
    assigns each other pixel a nearby seed's mode by colour. Region merging is
    O(E log E) in the number E of adjacent region pairs. At the default h_s the
    working copy has about 155 000 pixels whatever the input size, so the
    full-resolution work is O(N): colour conversion, the reduction, the label
    assignment and painting. Memory: about 75 bytes per working pixel and 30 per
    input pixel at the peak (a whole process segmenting a 12-megapixel photo at
    the defaults peaks at about 500-550 MB).

    References
    ----------
    .. [1] D. Comaniciu and P. Meer, "Mean shift: a robust approach toward feature
       space analysis", IEEE Trans. PAMI 24(5):603-619, 2002.
    .. [2] C. M. Christoudias, B. Georgescu and P. Meer, "Synergism in low level
       vision", ICPR 2002 (the EDISON system).

    Examples
    --------
    >>> import numpy as np
    >>> from segment import segment
    >>> image = np.zeros((40, 60, 3), np.uint8)
    >>> image[:, 30:] = (200, 40, 40)
    >>> result = segment(image)
    >>> result.n_regions
    2
    >>> int(result.labels[0, 0]), int(result.labels[0, -1])
    (0, 1)
    >>> result.paint().dtype
    dtype('uint8')
    """
    spatial_bandwidth = _check_real("spatial_bandwidth", spatial_bandwidth, none_ok=True)
    range_bandwidth = _check_real("range_bandwidth", range_bandwidth, none_ok=True)
    if min_size is not None:
        min_size = _check_int("min_size", min_size, 0)
    merge_threshold = _check_unit("merge_threshold", merge_threshold)
    kernel = _check_choice("kernel", kernel, KERNELS)
    method = _check_choice("method", method, METHODS)
    max_iter = _check_int("max_iter", max_iter, 1)
    tol = _check_real("tol", tol)
    if n_threads is not None:
        n_threads = _check_int("n_threads", n_threads, 1)

    lab = features.lab_lattice(image, channel_axis=channel_axis)
    # -- working resolution (segment.resolution, segment.upsample): at scale 1 the
    # stages below run on `lab` itself
    height, width = lab.shape[:2]
    if spatial_bandwidth is None:
        spatial_bandwidth = default_spatial_bandwidth(height, width)
    scale = check_spatial_bandwidth(spatial_bandwidth, height, width)
    if min_size is None:
        min_size = default_min_size(height, width)
    work, work_hs, work_min_size = lab, spatial_bandwidth, min_size
    if scale < 1:
        shape = working_shape(height, width, scale)
        work = working_lab(image, shape, channel_axis=channel_axis)
        work_hs = spatial_bandwidth * scale
        work_min_size = working_min_size(min_size, height, width, shape)
    # --
    if range_bandwidth is None:
        range_bandwidth = estimate_range_bandwidth(work)
    with _numba_threads(n_threads):
        points = seek_modes(
            work,
            work_hs,
            range_bandwidth,
            kernel=kernel,
            method=method,
            tol=tol,
            max_iter=max_iter,
        )
        labels, sizes, modes = form_regions(points, work, range_bandwidth, work_min_size,
                                            merge_threshold)
        del points
        if scale < 1:  # back to the input grid, along the input's edges
            labels, order, sizes = upsample_labels(lab, labels, work, sizes.size)
            modes = modes[order]
    parameters = {
        "spatial_bandwidth": spatial_bandwidth,
        "range_bandwidth": range_bandwidth,
        "min_size": min_size,
        "merge_threshold": merge_threshold,
        "kernel": kernel,
        "method": method,
        "max_iter": max_iter,
        "tol": tol,
    }
    return Segmentation(
        labels=labels,
        modes=modes,
        sizes=sizes,
        parameters=parameters,
        _image=_display_image(image, channel_axis),
    )
