"""The public entry point: :func:`segment` and its :class:`Segmentation` result."""

from __future__ import annotations

import numpy as np

from ._defaults import DEFAULTS, MIN_SIZE_FLOOR, MIN_SIZE_FRACTION
from ._threads import kernel_threads
from ._validate import check_parameters
from .bandwidth import estimate_range_bandwidth
from .colour import lab_lattice
from .image import check_mask, display_image
from .labels import map_labels
from .meanshift import seek_modes
from .regions import region_hierarchy
from .resolution import (check_spatial_bandwidth, default_spatial_bandwidth, working_lab,
                         working_mask, working_min_size, working_shape)
from .result import Segmentation, _Tree
from .upsample import upsample_labels

__all__ = ["segment", "Segmentation", "DEFAULTS", "default_min_size"]


def _full_resolution(lab, finest, work, hierarchy, mask):
    """The finest regions of the working copy `work` brought to every pixel of `lab`
    (:func:`segment.upsample.upsample_labels`), as hierarchy ids, and their sizes."""
    labels, order, _ = upsample_labels(lab, finest, work, hierarchy.n)
    full, sizes = map_labels(labels, order, hierarchy.n)
    if mask is not None:
        full[~mask] = hierarchy.background
        sizes = np.bincount(full.ravel(), minlength=hierarchy.n).astype(np.int64)
    return full, sizes


def default_min_size(height, width):
    """The automatic `min_size`: 0.3 % of the image area, at least 20 pixels.

    Examples
    --------
    >>> default_min_size(321, 481), default_min_size(40, 60)
    (463, 20)
    """
    return max(MIN_SIZE_FLOOR, int(round(MIN_SIZE_FRACTION * height * width)))


def segment(
    image,
    spatial_bandwidth=DEFAULTS["spatial_bandwidth"],
    range_bandwidth=DEFAULTS["range_bandwidth"],
    min_size=DEFAULTS["min_size"],
    mask=None,
    *,
    merge_threshold=DEFAULTS["merge_threshold"],
    kernel=DEFAULTS["kernel"],
    method=DEFAULTS["method"],
    max_iter=100,
    tol=1e-2,
    channel_axis=-1,
    start_label=DEFAULTS["start_label"],
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
        neighbour. ``None`` (default) uses 0.3 % of the image area (of the mask's,
        with a mask), at least 20 pixels (463 pixels on a 481x321 image); 0 or 1
        keeps every region. On a reduced working copy it applies scaled by the
        ratio of the areas.
    mask : (H, W) bool ndarray, 'alpha' or None, optional
        The pixels to segment. Those outside get label 0, fall in no mean shift
        window, and count in no region colour, merge or `min_size`; ``paint()``
        and ``overlay()`` leave them as they are. ``'alpha'``: the pixels whose
        alpha is above 0, for RGBA (or grey + alpha) input. Needs
        ``start_label=1``.
    merge_threshold : float, optional
        In [0, 1]: adjacent regions are merged, most similar pair first, while the
        estimated probability that they belong to different objects is at most this.
        Above 1/2 the threshold is read on the merge hierarchy's level scale, whose
        odds are the square root of the probability's (:mod:`segment.hierarchy`):
        a threshold t stops at the probability t² / (t² + (1 - t)²), 0.8 at 0.94.
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
    start_label : {1, 0}, optional
        Id of the first region: regions are 1..n by default (0 then means "not
        segmented", as in scikit-image, napari and ``regionprops``), 0..n-1 with
        ``start_label=0``.
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
    assignment and painting. Memory: about 75 bytes per working pixel and 26 per
    input pixel at the peak (a whole process segmenting a 12-megapixel photo at
    the defaults peaks at about 390 MB).

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
    (1, 2)
    >>> result.paint().dtype
    dtype('uint8')
    """
    checked = check_parameters(spatial_bandwidth, range_bandwidth, min_size, merge_threshold,
                               kernel, method, max_iter, tol, n_threads, start_label)
    spatial_bandwidth, range_bandwidth, min_size = (
        checked["spatial_bandwidth"], checked["range_bandwidth"], checked["min_size"])
    merge_threshold, kernel, method = (
        checked["merge_threshold"], checked["kernel"], checked["method"])
    max_iter, tol, n_threads = checked["max_iter"], checked["tol"], checked["n_threads"]
    start_label = checked["start_label"]

    mask = check_mask(mask, image, channel_axis)
    if mask is not None and not start_label:
        raise ValueError("mask needs start_label=1: label 0 marks the pixels outside it")
    lab = lab_lattice(image, channel_axis=channel_axis)
    # -- working resolution (segment.resolution, segment.upsample): at scale 1 the
    # stages below run on `lab` itself
    height, width = lab.shape[:2]
    if spatial_bandwidth is None:
        spatial_bandwidth = default_spatial_bandwidth(height, width)
    scale = check_spatial_bandwidth(spatial_bandwidth, height, width)
    if min_size is None:
        min_size = default_min_size(*(lab.shape[:2] if mask is None else (1, mask.sum())))
    work, work_hs, work_min_size, work_mask = lab, spatial_bandwidth, min_size, mask
    if scale < 1:
        shape = working_shape(height, width, scale)
        work = working_lab(image, shape, channel_axis=channel_axis)
        work_hs = spatial_bandwidth * scale
        work_min_size = working_min_size(min_size, height, width, shape)
        work_mask = None if mask is None else working_mask(mask, shape)
    # --
    if range_bandwidth is None:
        range_bandwidth = estimate_range_bandwidth(
            work if work_mask is None else work[work_mask][None])
    with kernel_threads(n_threads):
        points = seek_modes(
            work,
            work_hs,
            range_bandwidth,
            kernel=kernel,
            method=method,
            tol=tol,
            max_iter=max_iter,
            mask=work_mask,
        )
        finest, hierarchy, counts, point_sums = region_hierarchy(
            points, work, range_bandwidth, work_min_size, mask=work_mask)
        del points
        sizes = counts
        if scale < 1:  # back to the input grid, along the input's edges
            finest, sizes = _full_resolution(lab, finest, work, hierarchy, mask)
    parameters = {
        "spatial_bandwidth": spatial_bandwidth,
        "range_bandwidth": range_bandwidth,
        "min_size": min_size,
        "merge_threshold": merge_threshold,
        "kernel": kernel,
        "method": method,
        "max_iter": max_iter,
        "tol": tol,
        "start_label": start_label,
    }
    tree = _Tree(finest, hierarchy, sizes, point_sums, counts)
    return tree.cut(hierarchy.steps(threshold=merge_threshold), parameters,
                    display_image(image, channel_axis))
