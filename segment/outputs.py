"""One image in, its output files out: the unit of work of ``segment image`` and ``batch``."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from . import io
from ._defaults import DEFAULT_MAX_PIXELS, DEFAULT_OUTPUTS, OUTPUT_KINDS, output_name
from ._version import __version__

__all__ = ["OUTPUT_KINDS", "output_paths", "written_labels", "write_outputs", "segment_file"]


def output_paths(stem, outdir):
    """Paths of every output of an image named `stem` in `outdir`.

    The label map is ``<stem>_labels.png``, or ``<stem>_labels.tif`` when it has
    more than 65535 regions (``labels_tif``); ``labels_npy`` is the ``.npy`` a label
    map may also be stored as.

    Examples
    --------
    >>> sorted(output_paths("cat", "out"))[:5]
    ['boundaries', 'json', 'labels', 'labels_npy', 'labels_tif']
    """
    outdir = Path(outdir)
    kinds = (*OUTPUT_KINDS, "labels_tif", "labels_npy")
    return {kind: outdir / output_name(stem, kind) for kind in kinds}


def written_labels(paths):
    """The label map among `paths` (from :func:`output_paths`) that exists: the
    16-bit PNG, the 32-bit TIFF or the ``.npy``; None if none does."""
    for kind in ("labels", "labels_tif", "labels_npy"):
        if paths[kind].is_file():
            return paths[kind]
    return None


def write_outputs(result, paths, outputs, *, label_format="png", boundary_color=None):
    """Write the chosen `outputs` of a segmentation (all but the JSON record) to
    `paths` (from :func:`output_paths`), each file atomically.

    Parameters
    ----------
    result : Segmentation
    paths : dict
    outputs : sequence of str
        Any of :data:`OUTPUT_KINDS`; ``'json'`` is left to the caller.
    label_format : {'png', 'tif', 'npy'}, optional
        The label map's format: a 16-bit PNG (a 32-bit TIFF above 65535 regions),
        a 32-bit TIFF, or a NumPy ``.npy``.
    boundary_color : tuple of 3 floats in [0, 1], optional
        The overlay's boundary colour (yellow by default).

    Returns
    -------
    written : dict
        Output kind -> the name of the file written.
    """
    written = {}
    for kind in outputs:
        path = paths.get(kind)
        if kind == "painted":
            io.write_image(path, result.paint())
        elif kind == "overlay":
            color = {} if boundary_color is None else {"color": boundary_color}
            io.write_image(path, result.overlay("image", **color))
        elif kind == "boundaries":
            io.write_mask(path, result.boundaries())
        elif kind == "labels":
            path = io.write_labels(path.with_suffix("." + label_format), result.labels)
        elif kind == "regions":
            from .export import write_regions_csv

            write_regions_csv(path, result.table())
        elif kind == "polygons":
            from .export import write_polygons_geojson

            write_polygons_geojson(path, result.polygons())
        elif kind == "ucm":
            levels = np.rint(result.ucm() * 65535.0).astype(np.uint16)
            io.write_image(path, levels)
        else:
            continue
        written[kind] = path.name
    return written


def segment_file(photo, outdir, params, *, outputs=DEFAULT_OUTPUTS, max_pixels=DEFAULT_MAX_PIXELS,
                 stem=None, n_threads=None, label_format="png", boundary_color=None,
                 mask=None):
    """Segment the image file `photo` and write the chosen `outputs` into `outdir`.

    Every file is written atomically; the JSON record (written last) lists the
    parameters, region count, image size and seconds taken to read and segment
    the image.

    Parameters
    ----------
    photo : path
    outdir : path
        Created if missing.
    params : dict
        Keyword arguments for :func:`segment.segment`.
    outputs : sequence of str, optional
        Any of :data:`OUTPUT_KINDS`; by default :data:`segment._defaults.DEFAULT_OUTPUTS`.
    max_pixels : int or None, optional
        Largest image accepted; see :func:`segment.io.read_image`.
    stem : str, optional
        Base name of the outputs; the file's stem by default.
    n_threads : int, optional
        Kernel threads for this image (default: every core).
    label_format, boundary_color
        As for :func:`write_outputs`.
    mask : path, optional
        An image file of the photo's size: the photo is segmented where it is not
        black (:func:`segment.io.read_mask`); the record names it.

    Returns
    -------
    record : dict
        What the JSON file holds.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from pathlib import Path
    >>> from segment import write_image
    >>> folder = Path(tempfile.mkdtemp())
    >>> image = np.zeros((20, 30, 3), np.uint8)
    >>> image[:, 15:] = 200
    >>> write_image(folder / "half.png", image)
    >>> record = segment_file(folder / "half.png", folder / "out", {"range_bandwidth": 8.0})
    >>> record["n_regions"], record["width"], record["height"], record["outputs"]["labels"]
    (2, 30, 20, 'half_labels.png')
    >>> sorted(path.name for path in (folder / "out").iterdir())
    ['half.json', 'half_labels.png', 'half_overlay.png', 'half_painted.png']
    """
    from .segmentation import segment

    photo = Path(photo)
    outdir = Path(outdir)
    start = time.perf_counter()
    image, info = io.read_image(photo, max_pixels=max_pixels, return_info=True)
    seconds = time.perf_counter() - start
    mask_array = None if mask is None else io.read_mask(mask, shape=image.shape[:2])
    start = time.perf_counter()
    result = segment(image, n_threads=n_threads, mask=mask_array, **params)
    seconds += time.perf_counter() - start
    outdir.mkdir(parents=True, exist_ok=True)
    paths = output_paths(stem or photo.stem, outdir)
    written = write_outputs(result, paths, outputs, label_format=label_format,
                            boundary_color=boundary_color)
    record = {
        "input": str(photo),
        "version": __version__,
        # as requested (None = automatic), so that reruns compare like with like
        "parameters": {**result.parameters, "spatial_bandwidth": params.get("spatial_bandwidth"),
                       "range_bandwidth": params.get("range_bandwidth"),
                       "min_size": params.get("min_size")},
        "spatial_bandwidth_used": result.parameters["spatial_bandwidth"],
        "range_bandwidth_used": result.parameters["range_bandwidth"],
        "min_size_used": result.parameters["min_size"],
        "n_regions": result.n_regions,
        "width": int(image.shape[1]),
        "height": int(image.shape[0]),
        "input_format": info.format,
        "input_mode": info.mode,
        "notes": info.notes,
        "mask": None if mask is None else str(mask),
        "seconds": round(seconds, 4),
        "outputs": written,
    }
    if "json" in outputs:
        with io.atomic_path(paths["json"]) as tmp:
            tmp.write_text(json.dumps(record, indent=2) + "\n")
    return record
