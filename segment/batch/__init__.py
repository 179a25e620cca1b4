"""Segment whole folders of images: find them, plan the work, run it, record it.

The pieces, each usable on its own:

- :func:`find_images` lists the image files of a folder (optionally its sub-folders);
- :func:`plan_batch` turns them into one :class:`BatchTask` per image: where its
  outputs go and whether they are already complete (so a rerun resumes where a
  killed run stopped);
- :func:`process_image` runs one task and returns its record, never raising: a bad
  file becomes a record with ``status="failed"`` and a one-line ``error``;
- :func:`run_batch` runs every task in local worker processes or on a Dask cluster,
  writes ``segment-manifest.json`` as it goes and returns the records and a summary.

``segment batch`` is a thin layer over :func:`run_batch`. Nothing here prints; the
command draws its progress bar from the `progress` callback.

The modules, each importing only those above it in this list: ``finding``
(the images of a folder and their masks), ``planning`` (checking the folders and
options, the task list), ``one_image`` (one task -> its record),
``executors`` (in this process, local worker processes, Dask), ``manifest`` (the
records and their file), ``output_dir`` (housekeeping of OUTPUT_DIR) and
``running`` (:func:`run_batch`).

Safety. Every output file is written under a temporary name in its folder and
renamed into place, so an interrupted run never leaves a truncated output. Inputs
are only read, and nothing is written inside INPUT_DIR. Output paths are built
from each input's path relative to INPUT_DIR and must resolve inside OUTPUT_DIR;
symlinked folders are not followed, and a symlink loop fails its image only. A
JSON file the batch did not write is not replaced unless asked. One batch at a
time writes to an OUTPUT_DIR (a lock file). Ctrl-C and SIGTERM stop a batch
cleanly (manifest written); worker processes end with the batch however it ends.
"""

from .._defaults import IMAGE_EXTENSIONS, MANIFEST_NAME
from .finding import find_images
from .one_image import process_image
from .planning import (
    BatchTask,
    BatchUsageError,
    check_folders,
    check_outputs,
    outputs_complete,
    plan_batch,
    validate_parameters,
)
from .running import BatchInterrupted, BatchResult, run_batch

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
    "validate_parameters",
]
