"""Housekeeping of OUTPUT_DIR: the temporary files a stopped run leaves behind."""

from __future__ import annotations

import contextlib
import os

from .. import io
from ..outputs import output_paths

__all__ = ["remove_temporaries"]


def remove_temporaries(tasks, output_root, manifest_name=None):
    """Delete the temporary files (:func:`segment.io.temporary_name`) of the outputs
    of `tasks`, and of the manifest `manifest_name` in `output_root`, left by a
    stopped run.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from segment.batch import BatchTask
    >>> out = Path(tempfile.mkdtemp())
    >>> task = BatchTask(input="a.png", source=Path("a.png"), outdir=out, stem="a")
    >>> left = out / io.temporary_name(out / "a_painted.png")
    >>> _ = left.write_bytes(b"half")
    >>> _ = (out / "a_painted.png").write_bytes(b"whole")
    >>> remove_temporaries([task], out)
    >>> [p.name for p in out.iterdir()]
    ['a_painted.png']
    """
    expected = {}
    for task in tasks:
        names = expected.setdefault(task.outdir, set())
        names.update(path.name for path in output_paths(task.stem, task.outdir).values())
    if manifest_name:
        expected.setdefault(output_root, set()).add(manifest_name)
    for folder, names in expected.items():
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if io.temporary_target(entry.name) in names and entry.is_file():
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
