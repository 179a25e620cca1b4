"""The manifest of a batch: one record per input, rewritten atomically as the batch runs."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

from .. import io
from .._defaults import first_line
from .one_image import new_record

__all__ = ["MANIFEST_INTERVAL", "Manifest", "summarize"]

#: Least seconds between rewrites of the manifest while a batch runs (more for a
#: manifest so long that writing it takes over 5% of that time).
MANIFEST_INTERVAL = 2.0

STATUSES = ("done", "skipped", "failed", "pending")


def summarize(records, seconds, **extra):
    """Counts per status, ``total``, ``seconds`` and ``images_per_second`` of `records`.

    Examples
    --------
    >>> records = [new_record("a.png", "done"), new_record("b.png", "failed", "bad")]
    >>> summary = summarize(records, 2.0, mode="in-process")
    >>> summary["total"], summary["done"], summary["failed"], summary["images_per_second"]
    (2, 1, 1, 0.5)
    """
    counts = {status: 0 for status in STATUSES}
    for record in records:
        counts[record["status"]] += 1
    return {
        "total": len(records),
        **counts,
        "seconds": round(seconds, 3),
        "images_per_second": round(counts["done"] / seconds, 3) if seconds > 0 else None,
        **extra,
    }


class Manifest:
    """The records of one batch run, and the JSON file that holds them.

    Parameters
    ----------
    path : Path or None
        Where the manifest is written (``None``: records are only kept in memory).
    header : dict
        The fields written before the summary: version, folders, parameters, ...
    names : sequence of str
        The inputs, in the order they are listed; each starts 'pending'.
    how : dict, optional
        Added to the summary (jobs, kernel threads, mode).
    start : float, optional
        When the run began, on the :func:`time.perf_counter` clock (default: now).

    Examples
    --------
    >>> manifest = Manifest(None, {}, ["a.png", "b.png"])
    >>> manifest.add(new_record("b.png", "done"))
    1
    >>> [(r["input"], r["status"]) for r in manifest.records()]
    [('a.png', 'pending'), ('b.png', 'done')]
    >>> manifest.pending()
    ['a.png']
    """

    def __init__(self, path, header, names, how=None, *, start=None):
        self.path = path
        self.header = dict(header)
        self.names = list(names)
        self._index = {name: i for i, name in enumerate(self.names)}
        self._records = [None] * len(self.names)
        self._how = dict(how or {})
        self._start = time.perf_counter() if start is None else start
        #: When the run began, on the :func:`time.time` clock (as file times are).
        self.started_at = time.time() - (time.perf_counter() - self._start)
        self._last_write = time.monotonic()
        self._interval = MANIFEST_INTERVAL
        self.finished = 0
        self.error = None
        """Why the last write failed, or None."""

    @property
    def total(self):
        return len(self.names)

    def add(self, record):
        """Keep `record` (replacing its input's entry); return how many inputs are finished."""
        i = self._index[record["input"]]
        if self._records[i] is None:
            self.finished += 1
        self._records[i] = record
        return self.finished

    def pending(self):
        """Names of the inputs that have no record yet."""
        return [name for name, record in zip(self.names, self._records) if record is None]

    def records(self):
        """Every input's record, in input order; 'pending' where there is none yet."""
        return [record if record is not None else new_record(name, "pending")
                for name, record in zip(self.names, self._records)]

    def summary(self):
        return summarize(self.records(), time.perf_counter() - self._start, **self._how)

    def write(self, *, complete=False):
        """Write the manifest file atomically (nothing without a path).

        Returns whether it was written. A failure (disk full, ...) leaves the file
        of the last successful write in place and sets :attr:`error`; a later
        success clears it.
        """
        if self.path is None:
            return False
        started = time.monotonic()
        document = {**self.header, "complete": complete, "summary": self.summary(),
                    "images": self.records()}
        if complete:
            document["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        try:
            with io.atomic_path(self.path) as tmp:
                tmp.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        except OSError as exc:
            self.error = f"cannot write {self.path}: {exc.strerror or first_line(exc)}"
            return False
        else:
            self.error = None
            return True
        finally:
            self._last_write = time.monotonic()
            self._interval = max(MANIFEST_INTERVAL, 20 * (self._last_write - started))

    def write_if_due(self):
        """Rewrite the manifest if the last write is long enough ago."""
        if self.path is not None and time.monotonic() - self._last_write >= self._interval:
            self.write()
