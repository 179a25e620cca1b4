"""Region data out of Python: a table of region measurements and GeoJSON polygons.

:func:`region_table` gives one row per region (size, mode colour, mean input colour,
bounding box, centroid) as a dict of columns that :class:`pandas.DataFrame` accepts;
:func:`polygons` traces every region's outline along the pixel edges into a GeoJSON
FeatureCollection in pixel coordinates. Both are pure; :func:`write_regions_csv` and
:func:`write_polygons_geojson` write them atomically.
"""

from __future__ import annotations

import csv
import json
from io import StringIO

import numpy as np

from . import render
from .io import atomic_path

__all__ = [
    "TABLE_COLUMNS",
    "region_table",
    "mode_colours",
    "hex_colour",
    "regions_csv",
    "write_regions_csv",
    "polygons",
    "write_polygons_geojson",
]

#: The columns of :func:`region_table`, in order; the ``mean_*`` columns are present
#: when the result holds its input image.
TABLE_COLUMNS = (
    "id", "size",
    "mode_L", "mode_a", "mode_b",
    "mode_red", "mode_green", "mode_blue",
    "mean_red", "mean_green", "mean_blue",
    "bbox_min_row", "bbox_min_col", "bbox_max_row", "bbox_max_col",
    "centroid_row", "centroid_col",
)


def _start_label(result):
    return int(result.parameters.get("start_label", 0))


def mode_colours(modes):
    """The mode colours of the regions in CIE Lab and in 8-bit sRGB.

    Parameters
    ----------
    modes : (n, 3) or (n, 1) float ndarray
        CIE Lab, or L alone for greyscale, as ``Segmentation.modes``.

    Returns
    -------
    lab : (n, 3) float32 ndarray
        L alone is padded with a = b = 0.
    rgb : (n, 3) uint8 ndarray

    Examples
    --------
    >>> import numpy as np
    >>> lab, rgb = mode_colours(np.array([[100.0], [0.0]]))
    >>> lab.tolist(), rgb.tolist()
    ([[100.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [[255, 255, 255], [0, 0, 0]])
    """
    modes = np.asarray(modes, np.float32).reshape(len(modes), -1)
    lab = modes if modes.shape[1] == 3 else np.pad(modes[:, :1], ((0, 0), (0, 2)))
    rgb = render.paint(np.arange(len(modes))[None], modes, dtype=np.uint8)[0]
    if rgb.ndim == 1:
        rgb = np.repeat(rgb[:, None], 3, axis=1)
    return lab, rgb


def _region_index(labels, start_label, n):
    """Flat region index (label - start_label) of every pixel, -1 for labels outside
    start_label .. start_label + n - 1."""
    index = np.asarray(labels, np.int64).ravel() - start_label
    index[(index < 0) | (index >= n)] = -1
    return index


def region_table(result):
    """One row per region of a segmentation: size, colours, bounding box, centroid.

    Parameters
    ----------
    result : Segmentation
        A result of :func:`segment.segment` (or of its ``cut``). Region ``k`` of
        ``result.modes`` has label ``start_label + k``, where ``start_label`` is
        ``result.parameters.get('start_label', 0)``; pixels with a smaller label
        belong to no region.

    Returns
    -------
    table : dict of str -> (n,) ndarray
        Columns, in :data:`TABLE_COLUMNS` order, for the regions that hold at least
        one pixel:

        - ``id``: the region's label; ``size``: its pixel count.
        - ``mode_L``, ``mode_a``, ``mode_b``: the mode colour in CIE Lab (a = b = 0
          for greyscale input); ``mode_red``, ``mode_green``, ``mode_blue``: the
          same colour in 8-bit sRGB (0-255).
        - ``mean_red``, ``mean_green``, ``mean_blue``: the mean of the input
          image's pixels over the region, in the input's own scale (0-255 for
          uint8, 0-65535 for uint16, 0-1 for float; the grey value three times
          for greyscale input). Present only when `result` holds its input image.
        - ``bbox_min_row``, ``bbox_min_col``, ``bbox_max_row``, ``bbox_max_col``:
          the bounding box, half-open as in :func:`skimage.measure.regionprops`
          (the region's pixels have ``bbox_min_row <= row < bbox_max_row``).
        - ``centroid_row``, ``centroid_col``: the mean pixel position.

    Notes
    -----
    Cost: O(N) for N pixels (a few weighted counts and
    :func:`scipy.ndimage.find_objects`). ``pandas.DataFrame(region_table(result))``
    gives a data frame; :func:`regions_csv` a CSV text.

    Examples
    --------
    >>> import numpy as np
    >>> from segment import segment
    >>> image = np.zeros((20, 30, 3), np.uint8); image[:, 10:] = (200, 40, 40)
    >>> table = region_table(segment(image, min_size=0))
    >>> table["id"].tolist(), table["size"].tolist()
    ([1, 2], [200, 400])
    >>> table["mode_red"].tolist(), table["mean_red"].tolist()
    ([0, 200], [0.0, 200.0])
    >>> table["bbox_min_col"].tolist(), table["bbox_max_col"].tolist()
    ([0, 10], [10, 30])
    >>> table["centroid_col"].tolist()
    [4.5, 19.5]
    """
    from scipy import ndimage

    labels = np.asarray(result.labels)
    height, width = labels.shape
    start = _start_label(result)
    n = len(result.modes)
    index = _region_index(labels, start, n)
    inside = index >= 0
    flat = index[inside]
    sizes = np.bincount(flat, minlength=n)
    present = np.flatnonzero(sizes)
    rows, cols = np.divmod(np.flatnonzero(inside), width)
    counts = np.maximum(sizes, 1)
    lab, rgb = mode_colours(result.modes)

    table = {
        "id": (present + start).astype(np.int64),
        "size": sizes[present].astype(np.int64),
        "mode_L": lab[present, 0].astype(np.float64),
        "mode_a": lab[present, 1].astype(np.float64),
        "mode_b": lab[present, 2].astype(np.float64),
        "mode_red": rgb[present, 0].astype(np.int64),
        "mode_green": rgb[present, 1].astype(np.int64),
        "mode_blue": rgb[present, 2].astype(np.int64),
    }
    image = getattr(result, "_image", None)
    if image is not None:
        pixels = np.asarray(image).reshape(height * width, -1)[inside]
        for channel, name in enumerate(("mean_red", "mean_green", "mean_blue")):
            values = pixels[:, min(channel, pixels.shape[1] - 1)].astype(np.float64)
            table[name] = np.bincount(flat, weights=values, minlength=n)[present] / counts[present]
    # find_objects counts labels from 1: region k is k + 1, no region is 0
    boxes = ndimage.find_objects((index + 1).reshape(height, width), max_label=n)
    boxes = [boxes[k] for k in present]
    table["bbox_min_row"] = np.array([b[0].start for b in boxes], np.int64)
    table["bbox_min_col"] = np.array([b[1].start for b in boxes], np.int64)
    table["bbox_max_row"] = np.array([b[0].stop for b in boxes], np.int64)
    table["bbox_max_col"] = np.array([b[1].stop for b in boxes], np.int64)
    table["centroid_row"] = np.bincount(flat, weights=rows, minlength=n)[present] / counts[present]
    table["centroid_col"] = np.bincount(flat, weights=cols, minlength=n)[present] / counts[present]
    return table


def regions_csv(table):
    """A region table (or any dict of equal-length columns) as CSV text with a header.

    Numbers are written as Python prints them (the shortest text that reads back
    as the same float).

    Examples
    --------
    >>> import numpy as np
    >>> print(regions_csv({"id": np.array([0, 1]), "size": np.array([3, 4])}), end="")
    id,size
    0,3
    1,4
    """
    columns = list(table)
    values = [np.asarray(table[name]).tolist() for name in columns]
    out = StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(zip(*values))
    return out.getvalue()


def write_regions_csv(path, table):
    """Write a region table as CSV (see :func:`regions_csv`), atomically.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "regions.csv")
    >>> write_regions_csv(path, {"id": np.array([0]), "size": np.array([5])})
    >>> open(path).read()
    'id,size\\n0,5\\n'
    """
    text = regions_csv(table)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def hex_colour(rgb):
    """``"#rrggbb"`` of an 8-bit sRGB triple.

    Examples
    --------
    >>> hex_colour((255, 128, 0))
    '#ff8000'
    """
    return "#{:02x}{:02x}{:02x}".format(*(int(v) for v in rgb))


def _signed_area(ring):
    x, y = ring[:, 0].astype(np.int64), ring[:, 1].astype(np.int64)
    return (np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1])) / 2


def _ring(contour, row0, col0, *, exterior):
    """A closed ring of pixel-corner (x, y) coordinates from an OpenCV contour traced
    on the 2x upsampled mask, oriented as RFC 7946 asks (exterior counterclockwise)."""
    points = contour.reshape(-1, 2)
    # a contour runs through the border pixels of the upsampled mask: a pixel's left
    # (top) half has an even index u and lies on its left (top) edge u / 2, its right
    # (bottom) half an odd one and lies on the edge (u + 1) / 2
    corners = (points + 1) // 2 + np.array([col0, row0])
    keep = np.ones(len(corners), bool)
    keep[1:] = np.any(corners[1:] != corners[:-1], axis=1)
    corners = corners[keep]
    if len(corners) > 1 and np.array_equal(corners[0], corners[-1]):
        corners = corners[:-1]
    ring = np.vstack([corners, corners[:1]])
    if (_signed_area(ring) > 0) != exterior:
        ring = ring[::-1]
    return ring


def _part_polygons(mask, row0, col0):
    """Polygons (lists of rings) of a 4-connected mask, holes included."""
    import cv2

    up = np.repeat(np.repeat(mask.astype(np.uint8), 2, axis=0), 2, axis=1)
    contours, hierarchy = cv2.findContours(up, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    hierarchy = hierarchy[0]
    out = []
    for i, (_, _, child, parent) in enumerate(hierarchy):
        if parent >= 0:
            continue
        rings = [_ring(contours[i], row0, col0, exterior=True)]
        while child >= 0:
            rings.append(_ring(contours[child], row0, col0, exterior=False))
            child = hierarchy[child][0]
        out.append(rings)
    return out


def polygons(source, *, start_label=None):
    """Region outlines as a GeoJSON FeatureCollection in pixel coordinates.

    Every region becomes one Feature whose geometry traces the outer edges of its
    pixels: a Polygon (its outline, then one ring per hole), or a MultiPolygon
    when its pixels form several 4-connected parts. Coordinates are pixel corners,
    x the column and y the row: pixel (row r, column c) is the unit square from
    (c, r) to (c + 1, r + 1), so that filling the polygons gives back exactly the
    region's pixels.

    Parameters
    ----------
    source : Segmentation or (H, W) int ndarray
        A result of :func:`segment.segment` (its labels, and its mode colours for
        the ``colour`` property), or a label map.
    start_label : int, optional
        Labels below this belong to no region and get no Feature. By default
        ``source.parameters.get('start_label', 0)`` for a result, 0 for a label map.

    Returns
    -------
    collection : dict
        ``{"type": "FeatureCollection", "features": [...]}``, one Feature per
        label present, in increasing label order, with properties ``id`` (the
        label), ``size`` (pixel count) and, for a result, ``colour`` (the mode
        colour as ``"#rrggbb"`` sRGB). Rings are closed, exterior rings
        counterclockwise and holes clockwise in (x, y) as RFC 7946 asks; on an
        image, where y points down, they appear the other way round.

    Notes
    -----
    Each part is traced by :func:`cv2.findContours` (``RETR_CCOMP``) on its mask
    upsampled twice, so that a line one pixel wide keeps an area; parts touching
    only at a corner are separate polygons of the MultiPolygon, which keeps every
    ring simple. Cost: O(N) per region over its bounding box.

    Examples
    --------
    >>> import numpy as np
    >>> labels = np.array([[0, 0, 0, 0],
    ...                    [0, 1, 1, 0],
    ...                    [0, 0, 0, 0]])
    >>> features = polygons(labels)["features"]
    >>> [(f["properties"]["id"], f["properties"]["size"], f["geometry"]["type"])
    ...  for f in features]
    [(0, 10, 'Polygon'), (1, 2, 'Polygon')]
    >>> features[1]["geometry"]["coordinates"]
    [[[1, 1], [3, 1], [3, 2], [1, 2], [1, 1]]]
    >>> len(features[0]["geometry"]["coordinates"])  # the outline and one hole
    2
    """
    from scipy import ndimage

    colours = None
    if hasattr(source, "labels"):
        labels = np.asarray(source.labels)
        if start_label is None:
            start_label = _start_label(source)
        colours = mode_colours(source.modes)[1]
    else:
        labels = np.asarray(source)
    start_label = 0 if start_label is None else int(start_label)
    if labels.ndim != 2:
        raise ValueError(f"labels must be a 2-D array; got shape {labels.shape}")
    if labels.size == 0:
        return {"type": "FeatureCollection", "features": []}
    top = int(labels.max())
    if top < start_label:
        return {"type": "FeatureCollection", "features": []}
    # find_objects counts from 1: region label l is l - start_label + 1, none is 0
    shifted = labels.astype(np.int64) - (start_label - 1)
    shifted[shifted < 0] = 0
    features = []
    for k, box in enumerate(ndimage.find_objects(shifted)):
        if box is None:
            continue
        label = k + start_label
        region = shifted[box] == k + 1
        parts, count = ndimage.label(region)  # 4-connected by default
        shapes = []
        for part_box_index, part_box in enumerate(ndimage.find_objects(parts), start=1):
            mask = parts[part_box] == part_box_index
            shapes += _part_polygons(np.ascontiguousarray(mask), box[0].start + part_box[0].start,
                                     box[1].start + part_box[1].start)
        coordinates = [[ring.tolist() for ring in shape] for shape in shapes]
        geometry = ({"type": "Polygon", "coordinates": coordinates[0]} if len(coordinates) == 1
                    else {"type": "MultiPolygon", "coordinates": coordinates})
        properties = {"id": int(label), "size": int(region.sum())}
        if colours is not None and 0 <= k < len(colours):
            properties["colour"] = hex_colour(colours[k])
        features.append({"type": "Feature", "id": int(label), "geometry": geometry,
                         "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def write_polygons_geojson(path, collection):
    """Write a FeatureCollection from :func:`polygons` as GeoJSON, atomically.

    Examples
    --------
    >>> import json, os, tempfile, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "regions.geojson")
    >>> write_polygons_geojson(path, polygons(np.zeros((2, 2), int)))
    >>> json.load(open(path))["features"][0]["geometry"]["coordinates"]
    [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]]
    """
    text = json.dumps(collection, separators=(",", ":"))
    with atomic_path(path) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")
