"""Before any work: check the folders and options, plan one task per image.

The images themselves are found by :mod:`segment.batch.finding`.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from .._defaults import (
    DEFAULT_MAX_PIXELS,
    MANIFEST_NAME,
    DEFAULT_OUTPUTS,
    parse_outputs,
)
from ..outputs import output_paths, written_labels
from .finding import _is_loop, _resolve, find_images, find_mask

__all__ = [
    "BatchUsageError",
    "BatchTask",
    "check_folders",
    "check_outputs",
    "validate_parameters",
    "outputs_complete",
    "plan_batch",
]


class BatchUsageError(ValueError):
    """The folders or options of a batch cannot work; the message says what to change."""


@dataclass(frozen=True)
class BatchTask:
    """One input image of a batch: where it is, where its outputs go, how to segment it.

    Plain data, so that it pickles to worker processes and Dask workers alike.
    """

    input: str
    """Path relative to INPUT_DIR, with forward slashes: the image's name in the manifest."""
    source: Path
    """Absolute path of the file to read."""
    outdir: Path
    """Absolute folder for its outputs, inside OUTPUT_DIR."""
    stem: str
    """Base name of its outputs (the file's stem, or its full name when two inputs share a stem)."""
    skip: bool = False
    """Its selected outputs are complete already."""
    error: str | None = None
    """Why it cannot be run at all (its outputs would land outside OUTPUT_DIR, ...)."""
    params: dict = field(default_factory=dict)
    """Keyword arguments for :func:`segment.segment`."""
    outputs: tuple = DEFAULT_OUTPUTS
    """The output kinds to write, in writing order."""
    max_pixels: int | None = DEFAULT_MAX_PIXELS
    """Largest image accepted (``None``: no limit)."""
    n_threads: int | None = None
    """Kernel threads for this image (``None``: the kernels' default, every core)."""
    mask: Path | None = None
    """The mask file of this image (``None``: segmented whole)."""
    masked: bool = False
    """A masks folder was given: an image without a mask there is noted as such."""
    write_options: dict = field(default_factory=dict)
    """``label_format`` and ``boundary_color`` of :func:`segment.outputs.segment_file`."""

    @property
    def rel_outdir(self):
        """The output folder relative to OUTPUT_DIR, with forward slashes ('' at the top)."""
        return posixpath.dirname(self.input)


# ---------------------------------------------------------------------------- checking


def _inside(path, folder):
    return path == folder or folder in path.parents


def check_folders(input_dir, output_dir, *, recursive=False):
    """Resolve and check INPUT_DIR and OUTPUT_DIR; raise :class:`BatchUsageError` if unusable.

    Refused: a missing INPUT_DIR, an OUTPUT_DIR that is a file or a symlink loop,
    the same folder twice, and on a recursive run, either folder inside the other
    (outputs would be read as inputs, or written among them).

    Returns
    -------
    input_dir, output_dir : Path
        Absolute paths (symlinks resolved).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "photos").mkdir()
    >>> [p.name for p in check_folders(root / "photos", root / "segmented")]
    ['photos', 'segmented']
    >>> try:
    ...     check_folders(root / "photos", root / "photos")
    ... except BatchUsageError as exc:
    ...     print(str(exc).split("; ")[-1])
    choose a separate folder for the outputs
    """
    input_dir, output_dir = Path(input_dir), Path(output_dir)
    if not input_dir.exists():
        raise BatchUsageError(f"INPUT_DIR {str(input_dir)!r} does not exist")
    if not input_dir.is_dir():
        raise BatchUsageError(f"INPUT_DIR {str(input_dir)!r} is not a folder")
    if output_dir.exists() and not output_dir.is_dir():
        raise BatchUsageError(f"OUTPUT_DIR {str(output_dir)!r} exists and is not a folder")
    try:
        inp, out = _resolve(input_dir), _resolve(output_dir)
    except OSError as exc:
        if not _is_loop(exc):
            raise
        which = "INPUT_DIR" if exc.filename == str(input_dir) else "OUTPUT_DIR"
        raise BatchUsageError(f"{which} {exc.filename!r} is a symlink loop") from None
    if inp == out:
        raise BatchUsageError(
            f"OUTPUT_DIR {str(output_dir)!r} is INPUT_DIR; choose a separate folder for the outputs"
        )
    if recursive and _inside(out, inp):
        raise BatchUsageError(
            f"OUTPUT_DIR {str(output_dir)!r} is inside INPUT_DIR {str(input_dir)!r}, so a "
            "--recursive run would read its outputs as inputs; choose a folder outside INPUT_DIR"
        )
    if recursive and _inside(inp, out):
        raise BatchUsageError(
            f"OUTPUT_DIR {str(output_dir)!r} contains INPUT_DIR {str(input_dir)!r}, so a "
            "--recursive run, which mirrors sub-folders under OUTPUT_DIR, could write "
            "outputs inside INPUT_DIR; choose a folder outside INPUT_DIR"
        )
    return inp, out


def check_outputs(outputs):
    """Validate a selection of output kinds; return it as a tuple in writing order.

    Examples
    --------
    >>> check_outputs("json,labels")
    ('labels', 'json')
    >>> check_outputs(["painted"])
    ('painted',)
    """
    try:
        return parse_outputs(outputs)
    except ValueError as exc:
        raise BatchUsageError(str(exc)) from None


def _parameter_checks():
    """{name: check} for the keyword arguments of :func:`segment.segment` a batch passes
    on: those of :data:`segment._validate.PARAMETER_CHECKS` but ``n_threads``, which the
    batch sets itself."""
    from .._validate import PARAMETER_CHECKS

    return {name: check for name, check in PARAMETER_CHECKS.items() if name != "n_threads"}


def validate_parameters(params):
    """Check segmentation parameters once, before any image is read.

    Parameters
    ----------
    params : dict or None
        Keyword arguments for :func:`segment.segment`, as :func:`run_batch` takes them.

    Returns
    -------
    params : dict
        A copy of `params`, values as given (they are recorded and compared as given).

    Raises
    ------
    BatchUsageError
        Naming the first unknown parameter or bad value, with what is accepted.

    Examples
    --------
    >>> validate_parameters({"spatial_bandwidth": 7, "range_bandwidth": None})
    {'spatial_bandwidth': 7, 'range_bandwidth': None}
    >>> validate_parameters({"spatial_bandwidth": -1.0})
    Traceback (most recent call last):
    ...
    segment.batch.planning.BatchUsageError: spatial_bandwidth must be a positive finite number or None (automatic); got -1.0
    """
    params = dict(params or {})
    checks = _parameter_checks()
    for name, value in params.items():
        if name not in checks:
            raise BatchUsageError(
                f"unknown segmentation parameter {name!r}; accepted: {', '.join(checks)}"
            )
        try:
            checks[name](value)
        except (TypeError, ValueError) as exc:
            raise BatchUsageError(str(exc)) from None
    return params


def read_json_record(path):
    """The JSON object in file `path`, or None if it is missing, unreadable or not an object."""
    try:
        with open(path, encoding="utf-8") as handle:
            record = json.load(handle)
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def outputs_complete(outdir, stem, outputs=DEFAULT_OUTPUTS, params=None):
    """Whether the selected outputs of image `stem` in `outdir` all exist.

    The JSON record is written last, so its presence means the others were
    finished. When it is selected and `params` is given, the parameters it records
    must also equal `params` (``None`` stands for "automatic" on both sides):
    changing a parameter, or going from an explicit value to the automatic one,
    and rerunning redoes the image. The label map counts as
    present as ``.png`` or ``.npy``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> outputs_complete(folder, "cat", outputs=("labels", "json"))
    False
    >>> _ = (folder / "cat_labels.npy").write_bytes(b"")
    >>> _ = (folder / "cat.json").write_text('{"parameters": {"range_bandwidth": 6.5}}')
    >>> outputs_complete(folder, "cat", outputs=("labels", "json"))
    True
    >>> outputs_complete(folder, "cat", outputs=("labels", "json"),
    ...                  params={"range_bandwidth": 8.0})
    False
    """
    paths = output_paths(stem, outdir)
    for kind in outputs:
        if kind == "labels":
            if written_labels(paths) is None:
                return False
        elif not paths[kind].is_file():
            return False
    if "json" in outputs and params:
        record = read_json_record(paths["json"])
        if record is None:
            return False
        recorded = record.get("parameters") or {}
        if any(recorded.get(key) != value for key, value in params.items()):
            return False
    return True


# ---------------------------------------------------------------------------- planning


def _assign_stems(rel_paths):
    """Output stems, unique per folder (case-insensitively): the file's stem, or its
    full name when two inputs of one folder share a stem (``a.jpg`` and ``a.png``)."""
    taken = {(Path("."), Path(MANIFEST_NAME).stem.casefold())}
    by_key = {}
    for rel in rel_paths:
        by_key.setdefault((rel.parent, rel.stem.casefold()), []).append(rel)
    stems = {}
    for rel in rel_paths:
        clash = len(by_key[(rel.parent, rel.stem.casefold())]) > 1
        stem = rel.name if clash else rel.stem
        candidate, n = stem, 1
        while (rel.parent, candidate.casefold()) in taken:
            n += 1
            candidate = f"{stem}-{n}"
        taken.add((rel.parent, candidate.casefold()))
        stems[rel] = candidate
    return stems


def _is_segment_record(record):
    return (isinstance(record, dict) and isinstance(record.get("parameters"), dict)
            and "n_regions" in record)


def _foreign_json(outdir, stem):
    """The name of the JSON output of `stem` if a file the batch did not write holds it."""
    path = output_paths(stem, outdir)["json"]
    if path.exists() and not _is_segment_record(read_json_record(path)):
        return path.name
    return None


def _refusal(outdir, stem, out, resolved_sources):
    """Why outputs of `stem` may not be written into `outdir`, or None."""
    try:
        resolved = _resolve(outdir)
    except OSError as exc:
        if _is_loop(exc):
            return f"its output folder {outdir.relative_to(out).as_posix()} is a symlink loop"
        raise
    if not _inside(resolved, out):
        return f"its output folder {outdir} resolves to {resolved}, outside OUTPUT_DIR"
    for target in output_paths(stem, resolved).values():
        try:
            if _resolve(target) in resolved_sources:
                return "its outputs would overwrite an input file"
        except OSError as exc:
            if _is_loop(exc):
                return f"its output {target.relative_to(resolved).as_posix()} is a symlink loop"
            raise
    return None


def plan_batch(input_dir, output_dir, *, recursive=False, outputs=DEFAULT_OUTPUTS, params=None,
               overwrite=False, max_pixels=DEFAULT_MAX_PIXELS, errors=None, masks=None,
               write_options=None):
    """One :class:`BatchTask` per image of `input_dir`, with its outputs under `output_dir`.

    Parameters
    ----------
    input_dir, output_dir : path
        See :func:`check_folders` for what is refused.
    recursive : bool, optional
        Include sub-folders; their structure is mirrored under `output_dir`.
    outputs : sequence of str, optional
        The output kinds to write, any of :data:`segment.outputs.OUTPUT_KINDS`.
    params : dict, optional
        Segmentation parameters, used to tell whether existing outputs are current.
    overwrite : bool, optional
        Redo images whose outputs are complete (by default they are skipped), and
        replace a ``<stem>.json`` that is not a segment record (by default the image
        is refused, so that a file the batch did not write is never replaced).
    max_pixels : int or None, optional
        Largest image each task accepts.
    errors : list, optional
        Receives ``(relative folder, message)`` for folders that could not be listed.

    Returns
    -------
    tasks : list of BatchTask

    Raises
    ------
    BatchUsageError
        For folders :func:`check_folders` refuses, or an unknown output kind.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from pathlib import Path
    >>> from segment import write_image
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "photos").mkdir()
    >>> write_image(root / "photos" / "a.png", np.zeros((8, 8, 3), np.uint8))
    >>> _ = (root / "photos" / "notes.txt").write_text("not an image")
    >>> [(t.input, t.stem, t.skip) for t in plan_batch(root / "photos", root / "out")]
    [('a.png', 'a', False)]
    """
    inp, out = check_folders(input_dir, output_dir, recursive=recursive)
    outputs = check_outputs(outputs)
    params = dict(params or {})
    rel_paths = find_images(inp, recursive=recursive, exclude=[out], errors=errors)
    stems = _assign_stems(rel_paths)
    resolved_sources, loops = set(), set()
    for rel in rel_paths:
        try:
            resolved_sources.add(_resolve(inp / rel))
        except OSError as exc:
            if _is_loop(exc):
                loops.add(rel)
    tasks = []
    for rel in rel_paths:
        outdir = out / rel.parent
        stem = stems[rel]
        if rel in loops:
            error = "the input is a symlink loop"
        else:
            error = _refusal(outdir, stem, out, resolved_sources)
        if error is None and not overwrite and "json" in outputs:
            foreign = _foreign_json(outdir, stem)
            if foreign:
                error = (f"its output {foreign} exists and was not written by segment; "
                         "move it, or pass --overwrite to replace it")
        skip = (error is None and not overwrite
                and outputs_complete(outdir, stem, outputs, params))
        tasks.append(BatchTask(input=rel.as_posix(), source=inp / rel, outdir=outdir,
                               stem=stem, skip=skip, error=error, params=params,
                               outputs=outputs, max_pixels=max_pixels,
                               mask=find_mask(masks, rel), masked=masks is not None,
                               write_options=write_options or {}))
    return tasks
