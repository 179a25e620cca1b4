"""What the page's server keeps: stored results under a memory bound (least recently
used first out), and the worker that computes one segmentation at a time."""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

__all__ = ["ServeError"]


class ServeError(Exception):
    """An error answered as JSON ``{"error": message}`` with an HTTP `status`."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def _array_bytes(obj, seen=None, depth=0):
    """Bytes of the NumPy arrays an object holds, through its attributes (each
    buffer counted once)."""
    seen = set() if seen is None else seen
    if isinstance(obj, np.ndarray):
        base = obj
        while isinstance(base.base, np.ndarray):
            base = base.base
        if id(base) in seen:
            return 0
        seen.add(id(base))
        return base.nbytes
    if depth > 3 or not hasattr(obj, "__dict__"):
        return 0
    return sum(_array_bytes(value, seen, depth + 1) for value in vars(obj).values())


@dataclass(eq=False)
class _Entry:
    """One uploaded image: its segmentation at the current cut, and what was asked."""

    id: str
    name: str
    current: object  # Segmentation; every cut shares the image and the hierarchy
    requested: dict
    seconds: float
    notes: list
    cut_serial: int = 0
    cache: dict = field(default_factory=dict)  # rendered files of the current cut
    nbytes: int = 0

    def measure(self):
        self.nbytes = _array_bytes(self.current) + sum(len(v) for v in self.cache.values()
                                                       if isinstance(v, bytes))
        return self.nbytes


class _Store:
    """Results by id, evicting the least recently used beyond `max_memory` bytes (the
    newest result stays even when it alone is larger). Used from the event loop only."""

    def __init__(self, max_memory):
        self.max_memory = max_memory
        self._entries = OrderedDict()

    def __len__(self):
        return len(self._entries)

    @property
    def nbytes(self):
        return sum(entry.nbytes for entry in self._entries.values())

    def add(self, entry):
        entry.measure()
        self._entries[entry.id] = entry
        self.shrink(keep=entry.id)

    def get(self, key):
        entry = self._entries.get(key)
        if entry is None:
            raise ServeError(404, f"no segmentation with id {key!r} (unknown or evicted; "
                                  f"upload the image again)")
        self._entries.move_to_end(key)
        return entry

    def remove(self, key):
        self.get(key)
        del self._entries[key]

    def shrink(self, keep):
        while self.nbytes > self.max_memory and len(self._entries) > 1:
            oldest = next(iter(self._entries))
            if oldest == keep:
                self._entries.move_to_end(oldest)
                oldest = next(iter(self._entries))
            del self._entries[oldest]


class _Worker:
    """One segmentation computes at a time, in its own thread; up to `queue_size`
    more wait; beyond that a request is refused at once (503)."""

    def __init__(self, queue_size):
        self.capacity = 1 + queue_size
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="segment-serve")
        self._lock = threading.Lock()
        self.pending = 0

    def _release(self, _future):
        with self._lock:
            self.pending -= 1

    async def run(self, function, timeout):
        with self._lock:
            if self.pending >= self.capacity:
                raise ServeError(503, f"busy: {self.pending} segmentations are computing or "
                                      f"queued; try again shortly")
            self.pending += 1
        try:
            future = self._executor.submit(function)
        except RuntimeError:  # shutting down
            self._release(None)
            raise ServeError(503, "the server is shutting down") from None
        future.add_done_callback(self._release)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout)
        except asyncio.TimeoutError:
            # a queued job is cancelled and never runs; one already computing runs to
            # its end and its result is dropped (mean shift cannot stop halfway)
            future.cancel()
            raise ServeError(504, f"the segmentation took longer than {timeout:g} s; try a "
                                  f"smaller image or a smaller spatial_bandwidth") from None

    def close(self):
        self._executor.shutdown(wait=False, cancel_futures=True)
