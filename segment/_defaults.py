"""Every default, choice, output kind and file-name rule of the package, in one place.

Standard library only: the command line imports this module for its ``--help``
without importing NumPy or the compiled kernels.
"""

from __future__ import annotations

__all__ = [
    "DEFAULTS",
    "KERNELS",
    "METHODS",
    "MIN_SIZE_FRACTION",
    "MIN_SIZE_FLOOR",
    "REFERENCE_HEIGHT",
    "REFERENCE_WIDTH",
    "SPATIAL_BASE",
    "WORKING_BANDWIDTH",
    "MIN_WORKING_SIDE",
    "OUTPUT_KINDS",
    "DEFAULT_OUTPUTS",
    "LABEL_FORMATS",
    "DEFAULT_MAX_PIXELS",
    "DEFAULT_MAX_DIST",
    "BOUNDARY_RULES",
    "MANIFEST_NAME",
    "IMAGE_EXTENSIONS",
    "LABEL_PNG_MAX",
    "output_name",
    "label_names",
    "ucm_names",
    "parse_outputs",
    "first_line",
]

#: Defaults of :func:`segment.segment`, chosen on the BSDS500 train and val images
#: (benchmarks/README.md). ``spatial_bandwidth=None`` means
#: :func:`segment.resolution.default_spatial_bandwidth` of the image's size,
#: ``range_bandwidth=None`` :func:`segment.bandwidth.estimate_range_bandwidth` of the
#: image, ``min_size=None`` :func:`segment.segmentation.default_min_size` of the image.
DEFAULTS = {
    "spatial_bandwidth": None,
    "range_bandwidth": None,
    "min_size": None,
    "merge_threshold": 0.49,
    "kernel": "flat",
    "method": "exact",
    "start_label": 1,
}

#: Mean shift window weightings accepted by ``kernel``.
KERNELS = ("flat", "gaussian")
#: Mode seeking strategies accepted by ``method``.
METHODS = ("exact", "fast")

#: Fraction of the image area below which a region is pruned when ``min_size=None``.
MIN_SIZE_FRACTION = 0.003
#: The smallest automatic ``min_size``, in pixels.
MIN_SIZE_FLOOR = 20

#: The image size (rows, columns: BSDS500's) at which the automatic spatial bandwidth
#: is SPATIAL_BASE pixels; it grows as the square root of the area.
REFERENCE_HEIGHT = 321
REFERENCE_WIDTH = 481
#: Automatic spatial bandwidth (pixels) of a REFERENCE_HEIGHT x REFERENCE_WIDTH image.
SPATIAL_BASE = 10.0
#: Spatial bandwidth, in working pixels, at which mean shift runs: an image whose
#: h_s exceeds it is reduced by WORKING_BANDWIDTH / h_s first.
WORKING_BANDWIDTH = 10.0
#: Fewest pixels on the shorter side of the working image.
MIN_WORKING_SIDE = 16

#: The files a run can write per image, in the order they are written: the painted
#: image, the boundaries over the photo, the boundary mask (1-bit PNG), the label map,
#: the region table (CSV), the region polygons (GeoJSON), the ultrametric contour
#: map (16-bit PNG) and the JSON record, written last.
OUTPUT_KINDS = ("painted", "overlay", "boundaries", "labels", "regions", "polygons", "ucm",
                "json")
#: The outputs written when none are chosen.
DEFAULT_OUTPUTS = ("painted", "overlay", "labels", "json")
#: Label map file formats, the default first.
LABEL_FORMATS = ("png", "tif", "npy")

#: Largest image (pixels) :func:`segment.io.read_image` decodes unless told otherwise.
DEFAULT_MAX_PIXELS = 100_000_000

#: Boundary matching tolerance of :func:`segment.evaluate.evaluate_segmentation`, as
#: a fraction of the image diagonal (the BSDS500 benchmark's value).
DEFAULT_MAX_DIST = 0.0075
#: How a label map's boundaries are drawn for the boundary measures.
BOUNDARY_RULES = ("thin", "bsds")

#: The manifest a batch keeps in its output folder.
MANIFEST_NAME = "segment-manifest.json"
#: File suffixes a batch treats as images.
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp", ".gif"})

#: Largest label a 16-bit PNG label map holds; larger maps are stored as a 32-bit
#: TIFF.
LABEL_PNG_MAX = 65535

_OUTPUT_SUFFIXES = {
    "painted": "_painted.png",
    "overlay": "_overlay.png",
    "boundaries": "_boundaries.png",
    "regions": "_regions.csv",
    "polygons": "_polygons.geojson",
    "labels": "_labels.png",
    "labels_tif": "_labels.tif",
    "labels_npy": "_labels.npy",
    "ucm": "_ucm.png",
    "json": ".json",
}


def output_name(stem, kind):
    """File name of output `kind` (of :data:`OUTPUT_KINDS`, or ``'labels_tif'``,
    ``'labels_npy'``, ``'ucm'``) of image `stem`.

    Examples
    --------
    >>> output_name("cat", "painted"), output_name("cat", "json")
    ('cat_painted.png', 'cat.json')
    """
    return stem + _OUTPUT_SUFFIXES[kind]


def label_names(stem):
    """Names a label map of image `stem` may have, in the order they are looked for:
    what :func:`segment.io.write_labels` writes, then plain ``<stem>.png``/``.npy``.

    Examples
    --------
    >>> label_names("cat")
    ('cat_labels.png', 'cat_labels.tif', 'cat_labels.npy', 'cat.png', 'cat.npy')
    """
    return (output_name(stem, "labels"), output_name(stem, "labels_tif"),
            output_name(stem, "labels_npy"), f"{stem}.png", f"{stem}.npy")


def ucm_names(stem):
    """Names an ultrametric contour map of image `stem` may have, in the order they
    are looked for: a 16-bit PNG, a float ``.npy``, and a BSDS ``.mat`` with a
    ``ucm2`` field.

    Examples
    --------
    >>> ucm_names("cat")
    ('cat_ucm.png', 'cat_ucm.npy', 'cat.mat')
    """
    return output_name(stem, "ucm"), f"{stem}_ucm.npy", f"{stem}.mat"


def parse_outputs(value):
    """Output kinds from a comma-separated string or a sequence, in :data:`OUTPUT_KINDS`
    order; a ValueError names the unknown ones.

    Examples
    --------
    >>> parse_outputs("json, painted")
    ('painted', 'json')
    >>> parse_outputs("paint")
    Traceback (most recent call last):
    ...
    ValueError: outputs must be a comma-separated selection of painted, overlay, boundaries, labels, regions, polygons, ucm, json; got 'paint'
    """
    parts = value.split(",") if isinstance(value, str) else list(value)
    kinds = [str(part).strip() for part in parts if str(part).strip()]
    unknown = [kind for kind in kinds if kind not in OUTPUT_KINDS]
    if unknown or not kinds:
        shown = value if isinstance(value, str) else ",".join(map(str, parts))
        raise ValueError(f"outputs must be a comma-separated selection of "
                         f"{', '.join(OUTPUT_KINDS)}; got {shown!r}")
    return tuple(kind for kind in OUTPUT_KINDS if kind in kinds)


def first_line(exc):
    """The first non-empty line of an exception's message, or its type's name.

    Examples
    --------
    >>> first_line(ValueError("bad value\\nmore detail")), first_line(KeyError())
    ('bad value', 'KeyError')
    >>> first_line(OSError("\\n"))
    'OSError'
    """
    for line in str(exc).splitlines():
        if line.strip():
            return line.strip()
    return type(exc).__name__
