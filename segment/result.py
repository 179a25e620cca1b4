"""The result of :func:`segment.segment`: labels, mode colours, sizes, and the merge
hierarchy that every other cut comes from."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import render
from .hierarchy import Hierarchy
from .regions import cut_regions

__all__ = ["Segmentation"]


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
        >>> from segment import segment
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
        >>> from segment import segment
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
        >>> from segment import segment
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
        >>> from segment import segment
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
        >>> from segment import segment
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
        >>> from segment import segment
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
