"""The public entry point: :func:`segment` and its :class:`Segmentation` result."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from . import render
from ._defaults import DEFAULTS, MIN_SIZE_FLOOR, MIN_SIZE_FRACTION
from ._validate import check_parameters
from .bandwidth import estimate_range_bandwidth
from .colour import lab_lattice
from .hierarchy import Hierarchy
from .image import check_mask, display_image
from .meanshift import seek_modes
from .regions import cut_regions, region_hierarchy
from .resolution import (check_spatial_bandwidth, default_spatial_bandwidth, working_lab,
                         working_mask, working_min_size, working_shape)
from .upsample import upsample_labels

__all__ = ["segment", "Segmentation", "DEFAULTS", "default_min_size"]


def _full_resolution(lab, finest, work, hierarchy, mask):
    """The finest regions of the working copy `work` brought to every pixel of `lab`
    (:func:`segment.upsample.upsample_labels`), as hierarchy ids, and their sizes."""
    labels, order, _ = upsample_labels(lab, finest, work, hierarchy.n)
    full = order[labels]
    if mask is not None:
        full[~mask] = hierarchy.background
    return full, np.bincount(full.ravel(), minlength=hierarchy.n).astype(np.int64)


def default_min_size(height, width):
    """The automatic `min_size`: 0.3 % of the image area, at least 20 pixels.

    Examples
    --------
    >>> default_min_size(321, 481), default_min_size(40, 60)
    (463, 20)
    """
    return max(MIN_SIZE_FLOOR, int(round(MIN_SIZE_FRACTION * height * width)))


@dataclass(frozen=True, eq=False)
class _Tree:
    """The finest regions and their merge hierarchy, shared by every cut of one image.

    `finest` is at the input's resolution (hierarchy ids, assigned along the
    input's edges when the hierarchy was built on a reduced copy); `sizes` counts
    its pixels, `counts` the convergence points behind `point_sums`.
    """

    finest: np.ndarray
    hierarchy: Hierarchy
    sizes: np.ndarray
    point_sums: np.ndarray
    counts: np.ndarray

    def cut(self, steps, parameters, image):
        labels, sizes, modes = cut_regions(self.finest, self.hierarchy, self.sizes,
                                           self.point_sums, steps, self.counts)
        if parameters["start_label"]:
            labels += np.int32(parameters["start_label"])
        return Segmentation(labels=labels, modes=modes, sizes=sizes, parameters=parameters,
                            _image=image, _tree=self)


@dataclass(eq=False)
class Segmentation:
    """Result of :func:`segment`.

    Attributes
    ----------
    labels : (H, W) int32 ndarray
        Region id of every pixel: ``start_label`` .. ``start_label + n_regions - 1``
        (1..n by default, as scikit-image's ``slic``; 0 is then free for pixels
        that are not segmented), in raster order of first appearance.
    modes : (n_regions, 3) float32 ndarray
        Mode colour of each region in CIE Lab ((n_regions, 1), L alone, for grey
        input): region ``start_label + i`` in row i.
    sizes : (n_regions,) int64 ndarray
        Pixel count of each region (at the input's resolution), in the same order.
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
    _tree: _Tree | None = field(default=None, repr=False)

    @property
    def n_regions(self):
        """Number of regions."""
        return int(self.sizes.size)

    @property
    def shape(self):
        """(H, W) of the segmented image."""
        return self.labels.shape

    def _hierarchy(self):
        if self._tree is None:
            raise ValueError("this result holds no merge hierarchy; segment() records one")
        return self._tree.hierarchy

    @property
    def levels(self):
        """(k,) float64: the sorted distinct merge levels of the hierarchy, in [0, 1].

        Cutting at any threshold from one level up to (not including) the next gives
        the same regions; see :meth:`cut`.
        """
        return self._hierarchy().levels

    def cut(self, merge_threshold=None, *, n_regions=None):
        """The segmentation at another level of the merge hierarchy, without new mean shift.

        ``result.cut(t)`` equals ``segment(image, merge_threshold=t, ...)`` with
        the other parameters of `result`: the same labels, modes and sizes.

        Parameters
        ----------
        merge_threshold : float, optional
            In [0, 1]: keep the merges of level at most this (0 keeps the finest
            level, 1 merges every adjacent region).
        n_regions : int, optional
            Instead of a threshold: keep merges until this many regions are left
            (at least 1; the finest level if it has fewer).

        Returns
        -------
        Segmentation
            Its ``parameters['merge_threshold']`` is the threshold asked for, or for
            `n_regions` the level of the last merge kept (0 for none).

        Notes
        -----
        Cost: O(N) for N pixels (relabelling) plus O(n) for the n regions of the
        finest level; no mean shift and no merging is rerun.

        Examples
        --------
        >>> import numpy as np
        >>> image = np.zeros((30, 60, 3), np.uint8)
        >>> image[:, 20:40] = (200, 40, 40); image[:, 40:] = (40, 40, 200)
        >>> result = segment(image, merge_threshold=0.0, min_size=0)
        >>> result.n_regions, result.cut(n_regions=2).n_regions, result.cut(1.0).n_regions
        (3, 2, 1)
        """
        from ._validate import check_int, check_unit

        hierarchy = self._hierarchy()
        if n_regions is not None:
            if merge_threshold is not None:
                raise TypeError("give merge_threshold or n_regions, not both")
            steps = hierarchy.steps(n_regions=check_int("n_regions", n_regions, 1))
            merge_threshold = float(hierarchy.merge_levels[steps - 1]) if steps else 0.0
        else:
            if merge_threshold is None:
                raise TypeError("cut() needs merge_threshold or n_regions")
            merge_threshold = check_unit("merge_threshold", merge_threshold)
            steps = hierarchy.steps(threshold=merge_threshold)
        parameters = {**self.parameters, "merge_threshold": merge_threshold}
        return self._tree.cut(steps, parameters, self._image)

    def table(self):
        """The region table: a dict of columns (``pandas.DataFrame(result.table())``).

        One row per region: ``id``, ``size`` (pixels), the mode colour in CIE Lab
        (``mode_L``, ``mode_a``, ``mode_b``) and 8-bit sRGB (``mode_red`` ...), the
        mean colour of the input's pixels in its own scale (``mean_red`` ...),
        the half-open bounding box (``bbox_min_row`` ... ``bbox_max_col``) and the
        centroid (``centroid_row``, ``centroid_col``), as
        :func:`segment.export.region_table`.

        Examples
        --------
        >>> import numpy as np
        >>> image = np.zeros((20, 30, 3), np.uint8); image[:, 10:] = (200, 40, 40)
        >>> table = segment(image, min_size=0).table()
        >>> table["id"].tolist(), table["size"].tolist(), table["mode_red"].tolist()
        ([1, 2], [200, 400], [0, 200])
        """
        from .export import region_table

        return region_table(self)

    def polygons(self):
        """The regions as a GeoJSON FeatureCollection (dict) in pixel coordinates;
        see :func:`segment.export.polygons`."""
        from .export import polygons

        return polygons(self)

    def ucm(self, layout="image"):
        """The ultrametric contour map of the merge hierarchy.

        Parameters
        ----------
        layout : {'image', 'bsds'}, optional
            'image': (H, W) float32, the BSDS500 'imageSize' layout: each pixel
            holds the level of its lower-right corner, the largest level of the
            four pixel edges that meet there (0 inside the finest regions; the
            'bsds' layout's ``ucm2[2::2, 2::2]`` without its frame). 'bsds': (2H + 1, 2W + 1)
            float32 in the layout of BSDS500's ``ucm2``: pixel (i, j) at
            (2i + 1, 2j + 1) (always 0), the boundary between horizontal
            neighbours at (2i + 1, 2j + 2) and between vertical ones at
            (2i + 2, 2j + 1) holding the level at which their two finest regions
            join (0 inside one), each corner (2i + 2, 2j + 2) the largest of its
            four boundaries; the outer frame holds 1 (the image border separates
            at every level), except its bottom and right vertices, which take the
            boundary that meets them, so that ``ucm2[2::2, 2::2]`` is the 'image'
            layout, as in the BSDS500 benchmark.

        Returns
        -------
        (H, W) or (2H + 1, 2W + 1) float32 ndarray
            Levels in [0, 1].

        Notes
        -----
        Thresholding the 'bsds' layout at t and labelling the 4-connected
        components of ``ucm2 <= t``, read at the pixel cells ``[1::2, 1::2]``,
        gives the 4-connected components of the regions of ``cut(t)`` (a region
        whose parts touch only at a corner counts as two there).

        Examples
        --------
        >>> import numpy as np
        >>> image = np.zeros((20, 30, 3), np.uint8); image[:, 15:] = (90, 80, 70)
        >>> ucm = segment(image, merge_threshold=0.0, min_size=0).ucm()
        >>> ucm.shape, float(ucm[0, 0]), bool(ucm[0, 14] > 0)
        ((20, 30), 0.0, True)
        """
        from ._validate import check_choice

        check_choice("layout", layout, ("image", "bsds"))
        hierarchy = self._hierarchy()
        finest = self._tree.finest
        across = np.zeros(finest.shape, np.float32)  # boundary to the right neighbour
        below = np.zeros(finest.shape, np.float32)  # boundary to the lower neighbour
        for out, a, b in ((across[:, :-1], finest[:, :-1], finest[:, 1:]),
                          (below[:-1], finest[:-1], finest[1:])):
            differ = a != b
            levels = hierarchy.join_levels(a[differ], b[differ])
            out[differ] = np.minimum(levels, 1.0)
        if layout == "image":
            # each pixel's lower-right corner: the largest of the four boundaries
            # meeting there (the BSDS500 'imageSize' layout, ucm2[2::2, 2::2])
            corner = np.maximum(across, below)
            corner[:-1] = np.maximum(corner[:-1], across[1:])
            corner[:, :-1] = np.maximum(corner[:, :-1], below[:, 1:])
            return corner
        height, width = finest.shape
        ucm2 = np.ones((2 * height + 1, 2 * width + 1), np.float32)
        ucm2[1:-1, 1:-1] = 0.0
        ucm2[1:-1:2, 2:-1:2] = across[:, :-1]
        ucm2[2:-1:2, 1:-1:2] = below[:-1]
        corners = np.maximum(np.maximum(ucm2[1:-2:2, 2:-1:2], ucm2[3::2, 2:-1:2]),
                             np.maximum(ucm2[2:-1:2, 1:-2:2], ucm2[2:-1:2, 3::2]))
        ucm2[2:-1:2, 2:-1:2] = corners
        # the bottom and right frame vertices take the boundary that meets them, so
        # that ucm2[2::2, 2::2] is the 'image' layout and the border adds no contour
        ucm2[-1, 2:-1:2] = ucm2[-2, 2:-1:2]
        ucm2[2:-1:2, -1] = ucm2[2:-1:2, -2]
        ucm2[-1, -1] = 0.0  # no boundary meets the bottom-right corner
        return ucm2

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
        return render.paint(self.labels, self.modes, dtype=dtype or self._dtype(),
                            start_label=self.parameters.get("start_label", 0), image=self._image)

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

    def overlay(self, on="image", *, color=render.BOUNDARY_COLOR, mode="thin"):
        """RGB image with region boundaries drawn in `color`.

        Parameters
        ----------
        on : {'image', 'painted'}, optional
            Draw over the original image or over :meth:`paint`.
        color : tuple of 3 floats in [0, 1], optional
            Yellow (:data:`segment.render.BOUNDARY_COLOR`) by default.
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
        return render.overlay_boundaries(base, self.labels, color=color, mode=mode,
                                         start_label=self.parameters.get("start_label", 0))


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
    with _numba_threads(n_threads):
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
