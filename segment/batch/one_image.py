"""One task in, one record out: segment an image of a batch, or say why it failed."""

from __future__ import annotations

import time
from pathlib import Path

from .. import io
from .._defaults import first_line
from ..outputs import output_paths, segment_file, written_labels
from .planning import read_json_record

__all__ = ["new_record", "process_image", "skipped_record"]


def new_record(task_input, status, error=None, **fields):
    """A manifest entry for input `task_input`: every field present, unknown ones empty.

    Examples
    --------
    >>> record = new_record("a.png", "failed", "not an image")
    >>> record["status"], record["error"], record["n_regions"], record["outputs"]
    ('failed', 'not an image', None, {})
    """
    record = {
        "input": task_input,
        "status": status,
        "error": error,
        "n_regions": None,
        "seconds": None,
        "width": None,
        "height": None,
        "notes": [],
        "outputs": {},
    }
    record.update(fields)
    return record


def process_image(task):
    """Segment one image of a batch and write its outputs; never raises for a bad file.

    Parameters
    ----------
    task : BatchTask
        The image, where its outputs go and how to segment it.

    Returns
    -------
    record : dict
        ``status`` is 'done', or 'failed' with a one-line ``error``; output paths
        are relative to OUTPUT_DIR.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from pathlib import Path
    >>> from segment import write_image
    >>> from segment.batch import BatchTask
    >>> root = Path(tempfile.mkdtemp())
    >>> write_image(root / "a.png", np.zeros((8, 8, 3), np.uint8))
    >>> task = BatchTask(input="a.png", source=root / "a.png", outdir=root / "out",
    ...                  stem="a", outputs=("json",), max_pixels=None)
    >>> record = process_image(task)
    >>> record["status"], record["n_regions"], record["outputs"]
    ('done', 1, {'json': 'a.json'})
    >>> _ = (root / "b.png").write_text("not an image")
    >>> from dataclasses import replace
    >>> record = process_image(replace(task, input="b.png", source=root / "b.png", stem="b"))
    >>> record["status"], record["error"]
    ('failed', 'not an image file Pillow can read: b.png')
    """
    start = time.perf_counter()
    source = str(task.source)
    try:
        result = segment_file(
            source, task.outdir, task.params, outputs=task.outputs,
            max_pixels=task.max_pixels, stem=task.stem, n_threads=task.n_threads,
            mask=task.mask, **task.write_options,
        )
    except io.ImageReadError as exc:
        error = first_line(exc).replace(source, task.input)
    except Exception as exc:  # any other problem with this one image: record it, go on
        error = f"{type(exc).__name__}: {first_line(exc)}".replace(source, task.input)
    else:
        rel = Path(task.rel_outdir)
        written = {kind: (rel / name).as_posix() for kind, name in result["outputs"].items()}
        if "json" in task.outputs:
            written["json"] = (rel / output_paths(task.stem, ".")["json"].name).as_posix()
        return new_record(
            task.input, "done",
            n_regions=result["n_regions"],
            seconds=round(time.perf_counter() - start, 4),
            width=result["width"], height=result["height"],
            notes=list(result["notes"]) + (["no mask: segmented whole"]
                                           if task.masked and task.mask is None else []),
            outputs=written,
        )
    return new_record(task.input, "failed", error, seconds=round(time.perf_counter() - start, 4))


def skipped_record(task, status="skipped"):
    """The record of a task whose outputs are complete already, from its JSON record."""
    rel = Path(task.rel_outdir)
    paths = output_paths(task.stem, task.outdir)
    written = {}
    for kind in task.outputs:
        path = paths[kind]
        if kind == "labels":
            path = written_labels(paths) or path
        written[kind] = (rel / path.name).as_posix()
    previous = read_json_record(paths["json"]) if "json" in task.outputs else None
    previous = previous or {}
    return new_record(task.input, status, n_regions=previous.get("n_regions"),
                      width=previous.get("width"), height=previous.get("height"),
                      notes=previous.get("notes") or [], outputs=written)
