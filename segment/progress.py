"""What ``segment batch`` prints while it works: a tqdm bar on a terminal, a plain line
every few seconds otherwise."""

from __future__ import annotations

import math

#: Seconds between two progress lines of ``segment batch`` when stderr is not a
#: terminal (a log file, a pipe); the environment variable
#: ``SEGMENT_PROGRESS_INTERVAL`` overrides it.
PROGRESS_INTERVAL = 10.0


def _progress_interval():
    import os

    try:
        value = float(os.environ.get("SEGMENT_PROGRESS_INTERVAL", PROGRESS_INTERVAL))
    except ValueError:
        return PROGRESS_INTERVAL
    return value if math.isfinite(value) and value >= 0 else PROGRESS_INTERVAL


class _BatchProgress:
    """The progress of ``segment batch`` on `stream`, as ``run_batch``'s `progress`
    callback.

    On a terminal, a tqdm bar of the images to segment (skipped ones leave it and
    are counted beside it) with their rate, the time left and the failures. Else
    (a log, a pipe) a plain line every `interval` seconds: images finished of the
    total, done, skipped and failed, the rate, the time left.
    """

    def __init__(self, stream, *, terminal, interval=PROGRESS_INTERVAL):
        import time

        self._clock = time.monotonic
        self.stream = stream
        self.terminal = terminal
        self.interval = interval
        self.counts = {"done": 0, "skipped": 0, "failed": 0}
        self.start = self._clock()
        self.last = self.start
        self.bar = None

    def __call__(self, record, finished, total):
        status = record["status"]
        if status in self.counts:
            self.counts[status] += 1
        if self.terminal:
            self._draw(total)
            return
        now = self._clock()
        if now - self.last >= self.interval:
            self.last = now
            self._write_line(finished, total, now)

    def _draw(self, total):
        from tqdm import tqdm

        segmented = self.counts["done"] + self.counts["failed"]
        if self.bar is None:
            self.bar = tqdm(total=total, file=self.stream, unit="img", dynamic_ncols=True,
                            smoothing=0)
        self.bar.total = total - self.counts["skipped"]
        extra = [f"{self.counts[s]} {s}" for s in ("skipped", "failed") if self.counts[s]]
        self.bar.set_postfix_str(", ".join(extra), refresh=False)
        self.bar.update(segmented - self.bar.n)

    def _write_line(self, finished, total, now):
        from tqdm import tqdm

        segmented = self.counts["done"] + self.counts["failed"]
        rate = segmented / max(now - self.start, 1e-9)
        left = total - finished
        eta = tqdm.format_interval(left / rate) if rate > 0 else "?"
        done, skipped, failed = (self.counts[s] for s in ("done", "skipped", "failed"))
        self.stream.write(f"segment: {finished}/{total} images: {done} done, {skipped} "
                          f"skipped, {failed} failed; {rate:.2f} images/s; "
                          f"{left} left, ETA {eta}\n")
        self.stream.flush()

    def close(self):
        if self.bar is not None:
            self.bar.close()
