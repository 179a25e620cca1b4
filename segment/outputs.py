"""One image in, its output files out: the unit of work of ``segment image`` and ``batch``."""

from __future__ import annotations

import json
import time
from pathlib import Path

from . import io
from ._defaults import DEFAULT_MAX_PIXELS, OUTPUT_KINDS, output_name
from ._version import __version__

__all__ = ["OUTPUT_KINDS", "output_paths", "segment_file"]


def output_paths(stem, outdir):
    """Paths of every output of an image named `stem` in `outdir`.

    The label map is ``<stem>_labels.png``, or ``<stem>_labels.npy`` when it has
    more than 65535 regions; both are listed under ``labels`` / ``labels_npy``.

    Examples
    --------
    >>> sorted(output_paths("cat", "out"))
    ['boundaries', 'json', 'labels', 'labels_npy', 'painted']
    """
    outdir = Path(outdir)
    return {kind: outdir / output_name(stem, kind) for kind in (*OUTPUT_KINDS, "labels_npy")}


def segment_file(photo, outdir, params, *, outputs=OUTPUT_KINDS, max_pixels=DEFAULT_MAX_PIXELS,
                 stem=None, n_threads=None):
    """Segment the image file `photo` and write the chosen `outputs` into `outdir`.

    Every file is written atomically; the JSON record (written last) lists the
    parameters, region count, image size and seconds taken.

    Parameters
    ----------
    photo : path
    outdir : path
        Created if missing.
    params : dict
        Keyword arguments for :func:`segment.segment`.
    outputs : sequence of str, optional
        Any of :data:`OUTPUT_KINDS`.
    max_pixels : int or None, optional
        Largest image accepted; see :func:`segment.io.read_image`.
    stem : str, optional
        Base name of the outputs; the file's stem by default.
    n_threads : int, optional
        Numba threads for this image.

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
    ['half.json', 'half_boundaries.png', 'half_labels.png', 'half_painted.png']
    """
    from .segmentation import segment

    photo = Path(photo)
    outdir = Path(outdir)
    start = time.perf_counter()
    image, info = io.read_image(photo, max_pixels=max_pixels, return_info=True)
    result = segment(image, n_threads=n_threads, **params)
    seconds = time.perf_counter() - start
    outdir.mkdir(parents=True, exist_ok=True)
    paths = output_paths(stem or photo.stem, outdir)
    written = {}
    if "painted" in outputs:
        io.write_image(paths["painted"], result.paint())
        written["painted"] = paths["painted"].name
    if "boundaries" in outputs:
        io.write_image(paths["boundaries"], result.overlay("image"))
        written["boundaries"] = paths["boundaries"].name
    if "labels" in outputs:
        written["labels"] = io.write_labels(paths["labels"], result.labels).name
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
        "seconds": round(seconds, 4),
        "outputs": written,
    }
    if "json" in outputs:
        with io.atomic_path(paths["json"]) as tmp:
            tmp.write_text(json.dumps(record, indent=2) + "\n")
    return record
