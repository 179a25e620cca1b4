"""The state one application of ``segment serve`` holds: its limits, the stored
results, the worker, and the private folder an upload is decoded from."""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from pathlib import Path

from .._defaults import first_line
from ..io import ImageReadError, read_image
from ..segmentation import segment as _segment
from .store import ServeError, _Store, _Worker


class _Service:
    """The state one application holds: limits, stored results, the worker, and a
    private folder that holds an upload for the moment it is decoded."""

    def __init__(self, *, max_pixels, max_bytes, max_memory, queue_size, timeout):
        self.max_pixels = max_pixels
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.store = _Store(max_memory)
        self.worker = _Worker(queue_size)
        shm = Path("/dev/shm")  # memory-backed where it exists
        where = str(shm) if shm.is_dir() and _writable(shm) else None
        self._folder = tempfile.TemporaryDirectory(prefix="segment-serve-", dir=where)

    def close(self):
        self.worker.close()
        self._folder.cleanup()

    def decode(self, data):
        """Read uploaded bytes by :func:`segment.io.read_image`'s rules."""
        path = Path(self._folder.name) / f"upload-{secrets.token_hex(8)}"
        try:
            path.write_bytes(data)
            return read_image(path, max_pixels=self.max_pixels, return_info=True)
        except ImageReadError as exc:
            message = first_line(exc).replace(str(path), "the upload")
            status = 413 if "over the limit" in message else 400
            raise ServeError(status, message) from None
        finally:
            path.unlink(missing_ok=True)

    def compute(self, data, parameters):
        start = time.perf_counter()
        image, info = self.decode(data)
        result = _segment(image, **parameters)
        return result, info.notes, time.perf_counter() - start


def _writable(folder):
    return os.access(folder, os.W_OK | os.X_OK)
