"""One image in, its output files out: the unit of work of ``segment image`` and ``batch``."""

from __future__ import annotations

import json
import time
from pathlib import Path

from . import io
from ._defaults import DEFAULT_MAX_PIXELS, OUTPUT_KINDS, output_name
from ._version import __version__

__all__ = ["OUTPUT_KINDS", "output_paths", "written_labels", "segment_file"]


def output_paths(stem, outdir):
    """Paths of every output of an image named `stem` in `outdir`.

    The label map is ``<stem>_labels.png``, or ``<stem>_labels.tif`` when it has
    more than 65535 regions (``labels_tif``); ``labels_npy`` is the ``.npy`` a label
    map may also be stored as.

    Examples
    --------
    >>> sorted(output_paths("cat", "out"))
    ['boundaries', 'json', 'labels', 'labels_npy', 'labels_tif', 'painted']
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


def segment_file(photo, outdir, params, *, outputs=OUTPUT_KINDS, max_pixels=DEFAULT_MAX_PIXELS,
                 stem=None, n_threads=None, on_compile=None):
    """Segment the image file `photo` and write the chosen `outputs` into `outdir`.

    Every file is written atomically; the JSON record (written last) lists the
    parameters, region count, image size and seconds taken to read and segment
    the image. The kernels are compiled or loaded first
    (:func:`segment._warmup.warm_up`, once per process), apart from those seconds.

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
    on_compile : callable, optional
        Called with no arguments, at most once and possibly from another thread,
        when the kernels are about to compile (the first run of an installation,
        about 25 s): to tell the user to wait.

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
    from ._warmup import warm_up
    from .segmentation import segment

    photo = Path(photo)
    outdir = Path(outdir)
    start = time.perf_counter()
    image, info = io.read_image(photo, max_pixels=max_pixels, return_info=True)
    seconds = time.perf_counter() - start
    warm_up(params, dtype=image.dtype, channels=image.shape[2] if image.ndim == 3 else None,
            n_threads=n_threads, on_compile=on_compile)
    start = time.perf_counter()
    result = segment(image, n_threads=n_threads, **params)
    seconds += time.perf_counter() - start
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
        "parameters": {**result.parameters, "range_bandwidth": params.get("range_bandwidth"),
                       "min_size": params.get("min_size")},
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
