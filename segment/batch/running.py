""":func:`run_batch`: plan, run every image on an executor, keep the manifest, report."""

from __future__ import annotations

import contextlib
import dataclasses
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .. import io
from .._defaults import DEFAULT_OUTPUTS, MANIFEST_NAME
from .._version import __version__
from ..outputs import output_paths
from .executors import connect, cpu_count, run_dask, run_in_process, run_processes
from .manifest import Manifest
from .one_image import new_record, skipped_record
from .output_dir import lock_output_dir, remove_temporaries
from .planning import (
    BatchUsageError,
    check_folders,
    check_outputs,
    outputs_complete,
    plan_batch,
    validate_parameters,
)

__all__ = ["BatchInterrupted", "BatchResult", "run_batch"]


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped a batch; :attr:`result` holds what was finished
    (manifest written), :attr:`signum` the signal (``signal.SIGINT`` for Ctrl-C)."""

    def __init__(self, result, signum=signal.SIGINT):
        super().__init__("batch interrupted")
        self.result = result
        self.signum = signum


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that the batch stops as on Ctrl-C."""


@contextlib.contextmanager
def _sigterm_stops_the_batch():
    """While the images are segmented, SIGTERM stops the batch as Ctrl-C does (once:
    a second SIGTERM does not interrupt the clean-up). Only in the main thread,
    where Python runs signal handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []

    def stop(signum, frame):
        if not received:
            received.append(signum)
            raise _Terminated()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


@dataclass
class BatchResult:
    """What :func:`run_batch` did."""

    records: list
    """One dict per input, in input order: ``input``, ``status`` ('done', 'skipped',
    'failed', or 'pending' if the run was interrupted first), ``error``,
    ``n_regions``, ``seconds``, ``width``, ``height``, ``notes``, ``outputs``."""
    summary: dict
    """Counts per status, ``total``, ``seconds`` and ``images_per_second``."""
    manifest: Path | None = None
    interrupted: bool = False
    manifest_error: str | None = None
    """Why the manifest could not be written at the end (the file there, if any,
    is from an earlier write), or None."""
    failures: list = field(init=False)

    def __post_init__(self):
        self.failures = [r for r in self.records if r["status"] == "failed"]


def _workers(n_todo, jobs, in_process):
    """(worker processes, kernel threads per image) for `n_todo` images."""
    cpus = cpu_count()
    count = max(1, min(int(jobs) if jobs is not None else cpus, n_todo)) if n_todo else 1
    if in_process:
        return count, cpus
    if jobs is None:
        # the default: every core, across images first (fewer images than cores
        # leave the spare cores to kernel threads within each image)
        return count, max(1, cpus // count)
    # --jobs N: N single-threaded workers, N cores busy; images in parallel scale
    # better than threads within one image (benchmarks/README.md)
    return count, 1


def _header(input_dir, output_root, params, outputs, *, recursive, max_pixels, overwrite,
            scheduler, client):
    if client is not None:
        scheduler = scheduler or getattr(getattr(client, "scheduler", None), "address", None)
    return {
        "segment_version": __version__,
        "input_dir": str(Path(input_dir).resolve()),
        "output_dir": str(output_root),
        "recursive": bool(recursive),
        "parameters": params,
        "outputs": list(outputs),
        "max_pixels": max_pixels,
        "overwrite": bool(overwrite),
        "scheduler": scheduler if client is not None else None,
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def _first_records(tasks, listing_errors):
    """Records known before any work: unlistable folders, refused and skipped images."""
    records = [new_record(folder, "failed", message) for folder, message in listing_errors]
    for task in tasks:
        if task.error is not None:
            records.append(new_record(task.input, "failed", f"refused: {task.error}"))
        elif task.skip:
            records.append(skipped_record(task))
    return records


def run_batch(input_dir, output_dir, params=None, *, recursive=False, outputs=DEFAULT_OUTPUTS,
              overwrite=False, max_pixels=io.DEFAULT_MAX_PIXELS, jobs=None, scheduler=None,
              client=None, in_process=False, progress=None, manifest=MANIFEST_NAME,
              masks=None, write_options=None):
    """Segment every image of `input_dir` into `output_dir`, in parallel, resumably.

    Parameters
    ----------
    input_dir, output_dir : path
        OUTPUT_DIR is created if missing. It may not be INPUT_DIR, and on a
        recursive run neither may lie inside the other.
    params : dict, optional
        Keyword arguments for :func:`segment.segment` (``spatial_bandwidth``,
        ``range_bandwidth``, ``min_size``, ``kernel``, ``method``).
    recursive : bool, optional
        Include sub-folders (mirrored under `output_dir`); symlinked folders are
        not followed.
    outputs : sequence of str, optional
        Which of :data:`segment._defaults.OUTPUT_KINDS` to write per image; by default
        :data:`segment._defaults.DEFAULT_OUTPUTS`.
    overwrite : bool, optional
        Redo images whose outputs are complete (by default they are skipped), and
        replace a ``<stem>.json`` that is not a segment record (by default that
        image fails: a file the batch did not write is never replaced).
    max_pixels : int or None, optional
        Images with more pixels fail (default 100 megapixels; ``None``: no limit).
    jobs : int, optional
        Worker processes, each segmenting one image at a time with one kernel
        thread, so that `jobs` cores are busy and workers never oversubscribe them.
        Default: the number of CPUs (with fewer images than CPUs, the workers share
        the spare cores as kernel threads).
    scheduler : str, optional
        Address of a Dask distributed scheduler ("tcp://host:8786"); the images
        are sent to its workers instead of local processes. Needs
        ``pip install 'segment[dask]'``, and the workers must see INPUT_DIR and
        OUTPUT_DIR at the same paths.
    client : distributed.Client, optional
        An existing Dask client to use instead of `scheduler` (not closed).
    in_process : bool, optional
        Run the images one after another in this process (no workers): for
        debugging. A crash then ends the batch and Ctrl-C waits for the current image.
    masks : path, optional
        A folder of masks matched by stem (:func:`segment.batch.finding.find_mask`):
        each image is segmented where its mask is not black; one without a mask is
        segmented whole, and its record's notes say so.
    write_options : dict, optional
        ``label_format`` and ``boundary_color`` for :func:`segment.outputs.segment_file`.
    progress : callable, optional
        Called as ``progress(record, finished, total)`` after each image, skipped
        ones included.
    manifest : str or None, optional
        Name of the manifest file written in `output_dir` (``None``: none). It is
        rewritten atomically every couple of seconds and at the end, so a killed
        run still leaves a valid record of the finished images. A write that fails
        (disk full) does not stop the batch; if the last one fails,
        ``result.manifest_error`` says why.

    Returns
    -------
    result : BatchResult

    Raises
    ------
    BatchUsageError
        For a bad parameter (checked once, before any work), unusable folders or
        outputs, an OUTPUT_DIR that another batch is writing to, or an unreachable
        scheduler.
    ImportError
        If `scheduler` is given and dask.distributed is not installed.
    BatchInterrupted
        On Ctrl-C, or SIGTERM when run in the main thread, after stopping the
        workers and writing the manifest; its ``result`` holds the records so far
        (unfinished images are 'pending'), its ``signum`` the signal.

    Notes
    -----
    While it runs, the batch holds a lock on OUTPUT_DIR
    (:func:`segment.batch.output_dir.lock_output_dir`). Its worker processes end
    with it, however it ends: killed outright, they notice within a second.

    An image fails, without stopping the batch, when it cannot be read (corrupt,
    truncated, empty, not an image, no permission), is over `max_pixels`, cannot be
    segmented or written, or kills its worker process.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from pathlib import Path
    >>> from segment import write_image
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "photos").mkdir()
    >>> image = np.zeros((20, 30, 3), np.uint8)
    >>> image[:, 15:] = 200
    >>> write_image(root / "photos" / "half.png", image)
    >>> result = run_batch(root / "photos", root / "out", in_process=True)
    >>> result.summary["done"], result.records[0]["n_regions"]
    (1, 2)
    >>> sorted(path.name for path in (root / "out").iterdir())  # doctest: +NORMALIZE_WHITESPACE
    ['half.json', 'half_labels.png', 'half_overlay.png', 'half_painted.png',
     'segment-manifest.json']
    >>> run_batch(root / "photos", root / "out", in_process=True).summary["skipped"]
    1
    """
    start = time.perf_counter()
    params = validate_parameters(params)
    outputs = check_outputs(outputs)
    if jobs is not None and int(jobs) < 1:
        raise BatchUsageError(f"jobs must be at least 1; got {jobs}")
    _, output_root = check_folders(input_dir, output_dir, recursive=recursive)
    output_root.mkdir(parents=True, exist_ok=True)
    with lock_output_dir(output_root):
        return _run_locked(input_dir, output_root, params, outputs, recursive=recursive,
                           overwrite=overwrite, max_pixels=max_pixels, jobs=jobs,
                           scheduler=scheduler, client=client, in_process=in_process,
                           progress=progress, manifest=manifest, start=start, masks=masks,
                           write_options=write_options)


def _run_locked(input_dir, output_root, params, outputs, *, recursive, overwrite, max_pixels,
                jobs, scheduler, client, in_process, progress, manifest, start, masks=None,
                write_options=None):
    """:func:`run_batch` once its options are checked and OUTPUT_DIR is held."""
    listing_errors = []
    tasks = plan_batch(input_dir, output_root, masks=masks, write_options=write_options,
                       recursive=recursive, outputs=outputs,
                       params=params, overwrite=overwrite, max_pixels=max_pixels,
                       errors=listing_errors)
    own_client = connect(scheduler) if client is None and scheduler else None
    client = client if client is not None else own_client

    first = _first_records(tasks, listing_errors)
    todo = [task for task in tasks if task.error is None and not task.skip]
    jobs, n_threads = _workers(len(todo), jobs, in_process)
    todo = [dataclasses.replace(task, n_threads=n_threads) for task in todo]
    mode = "dask" if client is not None else ("in-process" if in_process else "processes")
    how = {"jobs": jobs if mode == "processes" else 1 if mode == "in-process" else None,
           "kernel_threads": n_threads if mode != "dask" else None, "mode": mode}
    header = _header(input_dir, output_root, params, outputs, recursive=recursive,
                     max_pixels=max_pixels, overwrite=overwrite, scheduler=scheduler,
                     client=client)
    log = Manifest(output_root / manifest if manifest else None, header,
                   [task.input for task in tasks] + [folder for folder, _ in listing_errors],
                   how, start=start)

    def on_record(record):
        finished = log.add(record)
        if progress is not None:
            progress(record, finished, log.total)
        log.write_if_due()

    stopped_by = None
    try:
        for record in first:
            on_record(record)
        remove_temporaries([t for t in tasks if t.error is None], output_root, manifest)
        log.write()
        with _sigterm_stops_the_batch():
            _execute(todo, on_record, client=client, in_process=in_process, jobs=jobs,
                     n_threads=n_threads)
    except KeyboardInterrupt as exc:
        stopped_by = signal.SIGTERM if isinstance(exc, _Terminated) else signal.SIGINT
        # workers stopped mid-write leave temporary files; finished outputs stay
        with contextlib.suppress(Exception):
            remove_temporaries([t for t in tasks if t.error is None], output_root, manifest)
        _record_finished_meanwhile(todo, log, since=log.started_at)
    finally:
        if own_client is not None:
            with contextlib.suppress(Exception):
                own_client.close()
    log.write(complete=stopped_by is None)
    result = BatchResult(records=log.records(), summary=log.summary(), manifest=log.path,
                         interrupted=stopped_by is not None, manifest_error=log.error)
    if stopped_by is not None:
        raise BatchInterrupted(result, stopped_by)
    return result


def _execute(todo, on_record, *, client, in_process, jobs, n_threads):
    if not todo:
        return
    if client is not None:
        run_dask(todo, client, on_record)
    elif in_process:
        run_in_process(todo, on_record)
    else:
        run_processes(todo, jobs, n_threads, on_record)


def _record_finished_meanwhile(tasks, log, *, since):
    """After an interruption: record as done the pending tasks whose outputs this run
    finished, though their result never came back (stopped between the last write
    and the reply)."""
    pending = set(log.pending())
    for task in tasks:
        if task.input in pending and outputs_complete(task.outdir, task.stem, task.outputs,
                                                       task.params):
            written = [path for path in output_paths(task.stem, task.outdir).values()
                       if path.is_file()]
            with contextlib.suppress(OSError):
                if all(path.stat().st_mtime >= since for path in written):
                    log.add(skipped_record(task, status="done"))
