"""OUTPUT_DIR's housekeeping: one batch at a time, and the temporary files a stopped run leaves."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from .. import io
from ..outputs import output_paths
from .planning import BatchUsageError

__all__ = ["LOCK_NAME", "lock_output_dir", "remove_temporaries"]

#: The lock file a running batch holds in its OUTPUT_DIR (removed when it ends).
LOCK_NAME = ".segment-batch.lock"


def _holder(fd):
    """' (pid N)' from the lock file open as `fd`, or ''."""
    with contextlib.suppress(OSError, ValueError):
        pid = int(os.pread(fd, 32, 0).split()[0])
        return f" (pid {pid})"
    return ""


def _acquire(path, fcntl):
    """Open and lock `path`; return its descriptor, or None where locks are not supported."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
    while True:
        fd = os.open(path, flags, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise BatchUsageError(
                f"OUTPUT_DIR {str(path.parent)!r} is in use by another segment batch{holder}; "
                "wait for it to end or choose another folder"
            ) from None
        except OSError:  # a file system without locks (some network mounts)
            os.close(fd)
            return None
        try:
            current = os.stat(path)
        except FileNotFoundError:
            current = None
        if current is not None and os.path.samestat(os.fstat(fd), current):
            break
        os.close(fd)  # the run that held it removed it meanwhile: take the new one
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


@contextlib.contextmanager
def lock_output_dir(folder):
    """Hold OUTPUT_DIR `folder` for one batch: while it is held, another batch into
    it is refused, so that no run removes another's temporary files or manifest.

    The lock is ``fcntl.flock`` on :data:`LOCK_NAME` in `folder`, released by the
    system if the process dies; without ``fcntl`` (Windows), or on a file system
    without locks, the batch runs unlocked.

    Raises
    ------
    BatchUsageError
        If another batch holds `folder`.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with lock_output_dir(folder):
    ...     try:
    ...         with lock_output_dir(folder):
    ...             pass
    ...     except BatchUsageError as exc:
    ...         print("refused:", "in use by another segment batch" in str(exc))
    refused: True
    >>> list(folder.iterdir())
    []
    """
    try:
        import fcntl
    except ImportError:
        fcntl = None
    path = Path(folder) / LOCK_NAME
    fd = _acquire(path, fcntl) if fcntl is not None else None
    try:
        yield
    finally:
        if fd is not None:
            # removed while still held, so that a run that opened it meanwhile is
            # refused, and one that locks it after this close sees it gone and retries
            with contextlib.suppress(OSError):
                os.unlink(path)
            os.close(fd)


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
