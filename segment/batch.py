"""Segment whole folders of images: find them, plan the work, run it, record it.

The pieces, each usable on its own:

- :func:`find_images` lists the image files of a folder (optionally its sub-folders);
- :func:`plan_batch` turns them into one task per image: where its outputs go and
  whether they are already complete (so a rerun resumes where a killed run stopped);
- :func:`process_image` runs one task and returns its record, never raising: a bad
  file becomes a record with ``status="failed"`` and a one-line ``error``;
- :func:`run_batch` runs every task in local worker processes or on a Dask cluster,
  writes ``segment-manifest.json`` as it goes and returns the records and a summary.

``segment batch`` is a thin layer over :func:`run_batch`. Nothing here prints; the
command draws its progress bar from the `progress` callback.

Safety. Every output file is written under a temporary name in its folder and
renamed into place, so an interrupted run never leaves a truncated output. Inputs
are only read. Output paths are built from each input's path relative to
INPUT_DIR and must resolve inside OUTPUT_DIR; symlinked folders are not followed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import io
from ._version import __version__
from ._defaults import IMAGE_EXTENSIONS, MANIFEST_NAME, OUTPUT_KINDS, first_line, parse_outputs
from .outputs import output_paths, segment_file

__all__ = [
    "IMAGE_EXTENSIONS",
    "MANIFEST_NAME",
    "BatchUsageError",
    "BatchInterrupted",
    "BatchTask",
    "BatchResult",
    "find_images",
    "check_folders",
    "check_outputs",
    "plan_batch",
    "outputs_complete",
    "process_image",
    "run_batch",
]

#: Least seconds between rewrites of the manifest while a batch runs (more for a
#: manifest so long that writing it takes over 5% of that time).
MANIFEST_INTERVAL = 2.0

_DASK_MISSING = (
    "--scheduler needs Dask's distributed scheduler, which is not installed; "
    "install it with: pip install 'segment[dask]'"
)

# atomic_path's temporary names: ".<stem>.<8 random characters>.tmp<suffix>"
_TEMPORARY = re.compile(r"^\.(?P<stem>.+)\.[a-z0-9_]{8}\.tmp(?P<suffix>\.[A-Za-z0-9]+)$")


class BatchUsageError(ValueError):
    """The folders or options of a batch cannot work; the message says what to change."""


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a batch; :attr:`result` holds what was finished (manifest written)."""

    def __init__(self, result):
        super().__init__("batch interrupted")
        self.result = result


@dataclass(frozen=True)
class BatchTask:
    """One input image of a batch and where its outputs go."""

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
    failures: list = field(init=False)

    def __post_init__(self):
        self.failures = [r for r in self.records if r["status"] == "failed"]


# ---------------------------------------------------------------------------- finding


def _is_image_name(name):
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS


def _wanted_file(path):
    """A regular file (or a symlink to one), or a dangling symlink (reported as missing)."""
    try:
        return path.is_file() or (path.is_symlink() and not path.exists())
    except OSError:
        return True


def find_images(input_dir, *, recursive=False, exclude=(), errors=None):
    """List the image files in `input_dir`, as sorted paths relative to it.

    Parameters
    ----------
    input_dir : path
    recursive : bool, optional
        Also look in sub-folders. Symlinked folders are not followed, so nothing
        outside `input_dir` is reached through them.
    exclude : sequence of path, optional
        Folders never entered (e.g. the output folder).
    errors : list, optional
        If given, ``(relative folder, message)`` is appended for each folder that
        could not be listed.

    Returns
    -------
    paths : list of Path
        Files whose extension is one of :data:`IMAGE_EXTENSIONS` (any case).
        Hidden files and folders (name starting with ".", such as macOS
        ``._IMG_0001.jpg``) and things that are not regular files are left out.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ["b.PNG", "a.jpg", "notes.txt", "sub/c.tif"]:
    ...     (root / name).parent.mkdir(exist_ok=True)
    ...     (root / name).touch()
    >>> [p.as_posix() for p in find_images(root)]
    ['a.jpg', 'b.PNG']
    >>> [p.as_posix() for p in find_images(root, recursive=True)]
    ['a.jpg', 'b.PNG', 'sub/c.tif']
    """
    root = Path(input_dir)
    excluded = {Path(p).resolve() for p in exclude}
    found = []

    def on_error(exc):
        if errors is not None:
            where = Path(exc.filename) if exc.filename else root
            rel = os.path.relpath(where, root)
            errors.append((Path(rel).as_posix(), f"cannot list folder: {exc.strerror or exc}"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=on_error, followlinks=False):
        here = Path(dirpath)
        rel_dir = here.relative_to(root)
        if recursive:
            dirnames[:] = sorted(
                d for d in dirnames
                if not d.startswith(".") and (here / d).resolve() not in excluded
                and not (here / d).is_symlink()
            )
        else:
            dirnames[:] = []
        for name in filenames:
            if _is_image_name(name) and _wanted_file(here / name):
                found.append(rel_dir / name)
        # os.walk lists symlinks to folders among dirnames; a symlink to a file among
        # filenames. Nothing else to do: symlinked folders were dropped above.
    return sorted(found, key=lambda p: p.as_posix())


# ---------------------------------------------------------------------------- planning


def _inside(path, folder):
    return path == folder or folder in path.parents


def check_folders(input_dir, output_dir, *, recursive=False):
    """Resolve and check INPUT_DIR and OUTPUT_DIR; raise :class:`BatchUsageError` if unusable.

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
    inp, out = input_dir.resolve(), output_dir.resolve()
    if inp == out:
        raise BatchUsageError(
            f"OUTPUT_DIR {str(output_dir)!r} is INPUT_DIR; choose a separate folder for the outputs"
        )
    if recursive and _inside(out, inp):
        raise BatchUsageError(
            f"OUTPUT_DIR {str(output_dir)!r} is inside INPUT_DIR {str(input_dir)!r}, so a "
            "--recursive run would read its outputs as inputs; choose a folder outside INPUT_DIR"
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


def _read_json_record(path):
    try:
        with open(path, encoding="utf-8") as handle:
            record = json.load(handle)
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def outputs_complete(outdir, stem, outputs=OUTPUT_KINDS, params=None):
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
            if not (paths["labels"].is_file() or paths["labels_npy"].is_file()):
                return False
        elif not paths[kind].is_file():
            return False
    if "json" in outputs and params:
        record = _read_json_record(paths["json"])
        if record is None:
            return False
        recorded = record.get("parameters") or {}
        if any(recorded.get(key) != value for key, value in params.items()):
            return False
    return True


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


def plan_batch(input_dir, output_dir, *, recursive=False, outputs=OUTPUT_KINDS, params=None,
               overwrite=False, errors=None):
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
        Redo images whose outputs are complete (by default they are skipped).
    errors : list, optional
        Receives ``(relative folder, message)`` for folders that could not be listed.

    Returns
    -------
    tasks : list of BatchTask

    Raises
    ------
    BatchUsageError
        For a missing INPUT_DIR, OUTPUT_DIR equal to it (or inside it on a recursive
        run), or an unknown output kind.

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
    rel_paths = find_images(inp, recursive=recursive, exclude=[out], errors=errors)
    stems = _assign_stems(rel_paths)
    sources = {(inp / rel).absolute() for rel in rel_paths}
    resolved_sources = set()
    for source in sources:
        with contextlib.suppress(OSError):
            resolved_sources.add(source.resolve())
    tasks = []
    for rel in rel_paths:
        outdir = out / rel.parent
        stem = stems[rel]
        error = None
        resolved = outdir.resolve()
        if not _inside(resolved, out):
            error = f"its output folder {outdir} resolves to {resolved}, outside OUTPUT_DIR"
        else:
            targets = output_paths(stem, resolved).values()
            if any(target.resolve() in resolved_sources for target in targets):
                error = "its outputs would overwrite an input file"
        skip = (error is None and not overwrite
                and outputs_complete(outdir, stem, outputs, params))
        tasks.append(BatchTask(input=rel.as_posix(), source=inp / rel, outdir=outdir,
                               stem=stem, skip=skip, error=error))
    return tasks


def _remove_temporaries(tasks, output_root):
    """Delete temporary files that a killed run left beside the outputs of `tasks`."""
    expected = {}
    for task in tasks:
        names = expected.setdefault(task.outdir, set())
        for path in output_paths(task.stem, task.outdir).values():
            names.add((path.stem, path.suffix))
    expected.setdefault(output_root, set()).add((Path(MANIFEST_NAME).stem, ".json"))
    for folder, names in expected.items():
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            match = _TEMPORARY.match(entry.name)
            if match and (match["stem"], match["suffix"]) in names and entry.is_file():
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


# ---------------------------------------------------------------------------- one image


def _one_line(text):
    text = str(text).strip()
    return text.splitlines()[0] if text else ""


def _record(task_input, status, error=None, **fields):
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
    task : dict
        ``input`` (name for the record), ``source`` (file to read), ``outdir``,
        ``stem``, ``rel_outdir`` (the folder relative to OUTPUT_DIR, for the
        record), ``params`` (for :func:`segment.segment`), ``outputs``,
        ``max_pixels`` and ``n_threads``. A plain dict, so that it pickles to worker
        processes and Dask workers alike.

    Returns
    -------
    record : dict
        ``status`` is 'done', or 'failed' with a one-line ``error``.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from pathlib import Path
    >>> from segment import write_image
    >>> root = Path(tempfile.mkdtemp())
    >>> write_image(root / "a.png", np.zeros((8, 8, 3), np.uint8))
    >>> task = {"input": "a.png", "source": root / "a.png", "outdir": root / "out",
    ...         "stem": "a", "params": {}, "outputs": ("json",), "max_pixels": None}
    >>> record = process_image(task)
    >>> record["status"], record["n_regions"], record["outputs"]
    ('done', 1, {'json': 'a.json'})
    >>> _ = (root / "b.png").write_text("not an image")
    >>> record = process_image({**task, "input": "b.png", "source": root / "b.png", "stem": "b"})
    >>> record["status"], record["error"]
    ('failed', 'not an image file Pillow can read: b.png')
    """
    start = time.perf_counter()
    source = str(task["source"])
    try:
        result = segment_file(
            source, task["outdir"], task["params"], outputs=task["outputs"],
            max_pixels=task["max_pixels"], stem=task["stem"], n_threads=task.get("n_threads"),
        )
    except io.ImageReadError as exc:
        error = _one_line(exc).replace(source, task["input"])
    except Exception as exc:  # any other problem with this one image: record it, go on
        error = f"{type(exc).__name__}: {_one_line(exc)}".replace(source, task["input"])
    else:
        rel = Path(task.get("rel_outdir", ""))
        written = {kind: (rel / name).as_posix() for kind, name in result["outputs"].items()}
        if "json" in task["outputs"]:
            written["json"] = (rel / output_paths(task["stem"], ".")["json"].name).as_posix()
        return _record(
            task["input"], "done",
            n_regions=result["n_regions"],
            seconds=round(time.perf_counter() - start, 4),
            width=result["width"], height=result["height"],
            notes=list(result["notes"]),
            outputs=written,
        )
    return _record(task["input"], "failed", error or "failed",
                   seconds=round(time.perf_counter() - start, 4))


def _skipped_record(task, output_root, outputs):
    rel = task.outdir.relative_to(output_root)
    paths = output_paths(task.stem, task.outdir)
    written = {}
    for kind in outputs:
        path = paths[kind]
        if kind == "labels" and not path.is_file():
            path = paths["labels_npy"]
        written[kind] = (rel / path.name).as_posix()
    previous = _read_json_record(paths["json"]) if "json" in outputs else None
    previous = previous or {}
    return _record(task.input, "skipped", n_regions=previous.get("n_regions"),
                   width=previous.get("width"), height=previous.get("height"),
                   notes=previous.get("notes") or [], outputs=written)


# ---------------------------------------------------------------------------- running


def _cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _init_worker(n_threads):
    """Worker process set-up: leave Ctrl-C to the parent, cap numba's threads."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A worker starts no processes of its own. With 'fork' as its default start
    # method, the lock numba creates when it launches its threads is an unnamed
    # semaphore, which cannot leak (and be warned about) when the worker is stopped.
    import multiprocessing

    with contextlib.suppress(ValueError, RuntimeError):
        multiprocessing.set_start_method("fork", force=True)
    import numba

    numba.set_num_threads(max(1, min(n_threads, numba.config.NUMBA_NUM_THREADS)))


def _mp_context():
    import multiprocessing

    # numba's thread pools do not survive fork(): start workers from a clean process
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _stop_pool(pool, *, kill):
    processes = list((getattr(pool, "_processes", None) or {}).values())
    if not kill:
        pool.shutdown(wait=True)
        return
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
    # let the executor's manager thread see the dead workers and release its queues
    with contextlib.suppress(Exception):
        pool.shutdown(wait=True)


def _run_processes(tasks, jobs, n_threads, on_record, worker=None):
    """Run `tasks` in `jobs` worker processes, calling `on_record` as each finishes.

    At most `jobs` tasks are in flight, so when a worker dies (killed, out of memory)
    the images it may have been running are known: each is rerun alone in a fresh
    pool, and the one that kills its worker again is recorded as failed. If workers
    die before finishing a single image, three times, the remaining images are
    recorded as failed rather than tried one by one.
    """
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    worker = worker or process_image
    context = _mp_context()
    waiting = deque(tasks)
    suspects = deque()
    running = {}
    pool = None
    finished_any = False
    deaths = 0
    try:
        while waiting or suspects or running:
            if deaths >= 3 and not finished_any:
                for task in [*suspects, *waiting]:
                    on_record(_record(task["input"], "failed",
                                      "not run: worker processes die before finishing any image"))
                suspects.clear()
                waiting.clear()
                continue
            if pool is None:
                pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker,
                                           initargs=(n_threads,))
            broken = False
            try:
                if suspects:
                    if not running:
                        task = suspects.popleft()
                        running[pool.submit(worker, task)] = (task, True)
                else:
                    while waiting and len(running) < jobs:
                        task = waiting.popleft()
                        running[pool.submit(worker, task)] = (task, False)
            except BrokenProcessPool:
                waiting.appendleft(task)
                broken = True
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            if broken or any(isinstance(f.exception(), BrokenProcessPool) for f in done):
                # the pool is gone: every task still running fails the same way
                done, _ = wait(list(running))
            for future in done:
                task, alone = running.pop(future)
                error = future.exception()
                if error is None:
                    finished_any = True
                    on_record(future.result())
                elif isinstance(error, BrokenProcessPool):
                    broken = True
                    if alone:
                        deaths += 1
                        on_record(_record(
                            task["input"], "failed",
                            "the worker process segmenting it died (killed, or out of memory?)",
                        ))
                    else:
                        suspects.append(task)
                else:
                    on_record(_record(task["input"], "failed",
                                      f"{type(error).__name__}: {_one_line(error)}"))
            if broken:
                _stop_pool(pool, kill=True)
                pool = None
    except BaseException:
        # keep the results that came back before the interruption
        for future, (task, _) in running.items():
            if future.done() and not future.cancelled() and future.exception() is None:
                with contextlib.suppress(Exception):
                    on_record(future.result())
        if pool is not None:
            _stop_pool(pool, kill=True)
            pool = None
        raise
    finally:
        if pool is not None:
            _stop_pool(pool, kill=False)


def _run_in_process(tasks, on_record):
    for task in tasks:
        on_record(process_image(task))


# numba's 'workqueue' threading layer must not be entered by two threads at once
_PARALLEL_LOCK = threading.Lock()


def _threading_layer_is_threadsafe():
    import numba

    try:
        return numba.threading_layer() in ("omp", "tbb")
    except ValueError:  # no parallel function has run yet
        return False


def _dask_process_image(task):
    """:func:`process_image` on a Dask worker, with numba's threads shared out among
    the worker's task threads."""
    worker_threads = 1
    with contextlib.suppress(Exception):
        from distributed import get_worker

        worker = get_worker()
        state = getattr(worker, "state", None)
        worker_threads = int(getattr(state, "nthreads", None) or getattr(worker, "nthreads", 1))
    task = dict(task, n_threads=max(1, _cpu_count() // max(1, worker_threads)))
    if worker_threads > 1 and not _threading_layer_is_threadsafe():
        with _PARALLEL_LOCK:
            return process_image(task)
    return process_image(task)


def _connect(scheduler):
    try:
        from distributed import Client
    except ImportError:
        raise ImportError(_DASK_MISSING) from None
    try:
        return Client(scheduler, timeout="20s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise BatchUsageError(
            f"cannot connect to the Dask scheduler at {scheduler!r}: {_one_line(exc)}"
        ) from None


def _run_dask(tasks, client, on_record):
    from distributed import as_completed

    token = f"{os.getpid()}-{time.time_ns()}"
    futures = {}
    for i, task in enumerate(tasks):
        future = client.submit(_dask_process_image, task, key=f"segment-{token}-{i}", pure=False)
        futures[future] = task
    try:
        for future in as_completed(futures, loop=client.loop):
            task = futures[future]
            try:
                record = future.result()
            except Exception as exc:  # e.g. KilledWorker: the task killed its workers
                record = _record(task["input"], "failed",
                                 f"Dask task failed: {type(exc).__name__}: {_one_line(exc)}")
            on_record(record)
    except BaseException:
        with contextlib.suppress(Exception):
            client.cancel(list(futures), force=True)
        raise


def _summary(records, seconds, **extra):
    counts = {status: 0 for status in ("done", "skipped", "failed", "pending")}
    for record in records:
        counts[record["status"]] += 1
    return {
        "total": len(records),
        **counts,
        "seconds": round(seconds, 3),
        "images_per_second": round(counts["done"] / seconds, 3) if seconds > 0 else None,
        **extra,
    }


def _write_manifest(path, header, records, summary, *, complete):
    document = {**header, "complete": complete, "summary": summary, "images": records}
    if complete:
        document["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with io.atomic_path(path) as tmp:
        tmp.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")


def run_batch(input_dir, output_dir, params=None, *, recursive=False, outputs=OUTPUT_KINDS,
              overwrite=False, max_pixels=io.DEFAULT_MAX_PIXELS, jobs=None, scheduler=None,
              client=None, in_process=False, progress=None, manifest=MANIFEST_NAME):
    """Segment every image of `input_dir` into `output_dir`, in parallel, resumably.

    Parameters
    ----------
    input_dir, output_dir : path
        OUTPUT_DIR is created if missing. It may not be INPUT_DIR, nor lie inside it
        on a recursive run.
    params : dict, optional
        Keyword arguments for :func:`segment.segment` (``spatial_bandwidth``,
        ``range_bandwidth``, ``min_size``, ``kernel``, ``method``).
    recursive : bool, optional
        Include sub-folders (mirrored under `output_dir`); symlinked folders are
        not followed.
    outputs : sequence of str, optional
        Which of 'painted', 'boundaries', 'labels', 'json' to write per image.
    overwrite : bool, optional
        Redo images whose outputs are complete; by default they are skipped.
    max_pixels : int or None, optional
        Images with more pixels fail (default 100 megapixels; ``None``: no limit).
    jobs : int, optional
        Worker processes, each segmenting one image at a time with one numba
        thread, so that `jobs` cores are busy and workers never oversubscribe them.
        Default: the number of CPUs (with fewer images than CPUs, the workers share
        the spare cores as numba threads).
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
    progress : callable, optional
        Called as ``progress(record, finished, total)`` after each image, skipped
        ones included.
    manifest : str or None, optional
        Name of the manifest file written in `output_dir` (``None``: none). It is
        rewritten atomically every couple of seconds and at the end, so a killed
        run still leaves a valid record of the finished images.

    Returns
    -------
    result : BatchResult

    Raises
    ------
    BatchUsageError
        For unusable folders or outputs, or an unreachable scheduler.
    ImportError
        If `scheduler` is given and dask.distributed is not installed.
    BatchInterrupted
        On Ctrl-C, after stopping the workers and writing the manifest; its
        ``result`` holds the records so far (unfinished images are 'pending').

    Notes
    -----
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
    ['half.json', 'half_boundaries.png', 'half_labels.png', 'half_painted.png',
     'segment-manifest.json']
    >>> run_batch(root / "photos", root / "out", in_process=True).summary["skipped"]
    1
    """
    start = time.perf_counter()
    params = dict(params or {})
    outputs = check_outputs(outputs)
    if jobs is not None and int(jobs) < 1:
        raise BatchUsageError(f"jobs must be at least 1; got {jobs}")
    listing_errors = []
    tasks = plan_batch(input_dir, output_dir, recursive=recursive, outputs=outputs,
                       params=params, overwrite=overwrite, errors=listing_errors)
    output_root = Path(output_dir).resolve()
    output_root.mkdir(parents=True, exist_ok=True)
    if client is None and scheduler:
        own_client = client = _connect(scheduler)
    else:
        own_client = None

    records = [None] * len(tasks)
    index = {task.input: i for i, task in enumerate(tasks)}
    extra_records = [_record(folder, "failed", message) for folder, message in listing_errors]
    todo = []
    for i, task in enumerate(tasks):
        if task.error is not None:
            records[i] = _record(task.input, "failed", f"refused: {task.error}")
        elif task.skip:
            records[i] = _skipped_record(task, output_root, outputs)
        else:
            todo.append({
                "input": task.input,
                "source": str(task.source.absolute()),
                "outdir": str(task.outdir),
                "rel_outdir": task.outdir.relative_to(output_root).as_posix(),
                "stem": task.stem,
                "params": params,
                "outputs": outputs,
                "max_pixels": max_pixels,
            })
    cpus = _cpu_count()
    requested = jobs
    jobs = int(jobs) if jobs is not None else cpus
    jobs = max(1, min(jobs, len(todo))) if todo else 1
    if in_process:
        n_threads = cpus
    elif requested is None:
        # the default: every core, across images first (fewer images than cores
        # leave the spare cores to numba threads within each image)
        n_threads = max(1, cpus // jobs)
    else:
        # --jobs N: N single-threaded workers, N cores busy; images in parallel scale
        # better than threads within one image (benchmarks/README.md)
        n_threads = 1
    for task in todo:
        task["n_threads"] = n_threads
    mode = "dask" if client is not None else ("in-process" if in_process else "processes")
    how = {"jobs": jobs if mode == "processes" else 1 if mode == "in-process" else None,
           "numba_threads": n_threads if mode != "dask" else None, "mode": mode}

    manifest_path = output_root / manifest if manifest else None
    header = {
        "segment_version": __version__,
        "input_dir": str(Path(input_dir).resolve()),
        "output_dir": str(output_root),
        "recursive": bool(recursive),
        "parameters": params,
        "outputs": list(outputs),
        "max_pixels": max_pixels,
        "overwrite": bool(overwrite),
        "scheduler": (scheduler or getattr(getattr(client, "scheduler", None), "address", None)
                      if client is not None else None),
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    total = len(tasks) + len(extra_records)
    finished = 0
    last_write = time.monotonic()
    interval = MANIFEST_INTERVAL

    def snapshot():
        current = [r if r is not None else _record(t.input, "pending")
                   for r, t in zip(records, tasks)] + extra_records
        return current, _summary(current, time.perf_counter() - start, **how)

    def write(complete):
        if manifest_path is not None:
            current, summary = snapshot()
            _write_manifest(manifest_path, header, current, summary, complete=complete)

    def on_record(record):
        nonlocal finished, last_write, interval
        records[index[record["input"]]] = record
        finished += 1
        if progress is not None:
            progress(record, finished, total)
        if manifest_path is not None and time.monotonic() - last_write >= interval:
            started = time.monotonic()
            with contextlib.suppress(OSError):  # retried at the next interval and at the end
                write(False)
            last_write = time.monotonic()
            interval = max(MANIFEST_INTERVAL, 20 * (last_write - started))

    interrupted = False
    try:
        for record in extra_records:
            finished += 1
            if progress is not None:
                progress(record, finished, total)
        for record in records:
            if record is not None:
                finished += 1
                if progress is not None:
                    progress(record, finished, total)
        _remove_temporaries([t for t in tasks if t.error is None], output_root)
        write(False)
        if todo:
            if client is not None:
                _run_dask(todo, client, on_record)
            elif in_process:
                _run_in_process(todo, on_record)
            else:
                _run_processes(todo, jobs, n_threads, on_record)
    except KeyboardInterrupt:
        interrupted = True
        # workers stopped mid-write leave temporary files; finished outputs stay
        with contextlib.suppress(Exception):
            _remove_temporaries([t for t in tasks if t.error is None], output_root)
    finally:
        if own_client is not None:
            with contextlib.suppress(Exception):
                own_client.close()
    write(not interrupted)
    current, summary = snapshot()
    result = BatchResult(records=current, summary=summary, manifest=manifest_path,
                         interrupted=interrupted)
    if interrupted:
        raise BatchInterrupted(result)
    return result
