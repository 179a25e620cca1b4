"""Where the images of a batch are segmented: in this process, local worker processes, or Dask.

Each executor takes the tasks to run and an `on_record` callback, called in this
process (in its main thread) with each image's record as it comes back.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import threading
import time
from collections import deque

from .._defaults import first_line
from .one_image import new_record, process_image
from .planning import BatchUsageError

__all__ = ["cpu_count", "run_in_process", "run_processes", "connect", "run_dask"]

_DASK_MISSING = (
    "--scheduler needs Dask's distributed scheduler, which is not installed; "
    "install it with: pip install 'segment[dask]'"
)


def cpu_count():
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def run_in_process(tasks, on_record):
    """Run `tasks` one after another in this process."""
    for task in tasks:
        on_record(process_image(task))


# ---------------------------------------------------------------------------- local processes


def _end_with(batch):
    """End this worker process the moment the batch process ends, however it ends.

    `batch` is the reading end of a pipe whose only writing end the batch process
    holds: a thread waits on it, and reads end-of-file as soon as that process is
    gone (killed outright included, before anyone reaps it), then ends the worker,
    so that no worker lives on holding the batch's output pipes. On Linux the
    kernel also kills the worker if its own parent (the forkserver) dies first
    (``PR_SET_PDEATHSIG``).
    """
    import signal

    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)

    def watch():
        with contextlib.suppress(EOFError, OSError):
            while True:
                batch.recv_bytes()
        os._exit(1)

    threading.Thread(target=watch, name="segment-batch-watch", daemon=True).start()


def _init_worker(n_threads, batch):
    """Worker process set-up: leave Ctrl-C to the batch process, end with it (`batch`:
    see :func:`_end_with`), cap the kernels' threads."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _end_with(batch)
    import multiprocessing

    with contextlib.suppress(ValueError, RuntimeError):
        multiprocessing.set_start_method("fork", force=True)
    from .._threads import set_kernel_threads

    set_kernel_threads(n_threads)


#: What the fork server imports once, so that each worker forked from it starts with
#: them loaded instead of importing them itself (about 0.3 s a worker on 2 cores).
#: Importing them starts no thread: OpenMP's and OpenCV's pools start on first use.
_PRELOAD = ["numpy", "cv2", "PIL.Image", "segment.segmentation", "segment.outputs",
            "segment.batch.executors"]


def _mp_context():
    import multiprocessing

    # OpenMP's thread pool does not survive fork(): start workers from a clean process,
    # the fork server, which has run no kernel
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


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


_DIED = "the worker process segmenting it died (killed, or out of memory?)"
_NEVER_FINISH = "not run: worker processes die before finishing any image"


class _PoolRun:
    """The state of one :func:`run_processes` call: what waits, runs, and may have
    killed its worker."""

    def __init__(self, tasks, jobs, n_threads, on_record, worker):
        self.waiting = deque(tasks)
        self.suspects = deque()
        self.running = {}
        self.jobs, self.n_threads = jobs, n_threads
        self.on_record, self.worker = on_record, worker
        self.pool = None
        self.finished_any = False
        self.deaths = 0
        # the workers end when this process does: they wait for end-of-file on this pipe
        self.context = _mp_context()
        self.batch_end, self.batch_alive = self.context.Pipe(duplex=False)

    def submit(self):
        """Fill the pool: a suspect alone, else up to `jobs` waiting tasks."""
        from concurrent.futures import ProcessPoolExecutor

        if self.pool is None:
            self.pool = ProcessPoolExecutor(self.jobs, mp_context=self.context,
                                            initializer=_init_worker,
                                            initargs=(self.n_threads, self.batch_end))
        if self.suspects:
            if not self.running:
                self._submit(self.suspects, alone=True)
            return
        while self.waiting and len(self.running) < self.jobs:
            self._submit(self.waiting, alone=False)

    def _submit(self, queue, *, alone):
        task = queue.popleft()
        try:
            future = self.pool.submit(self.worker, task)
        except BaseException:
            queue.appendleft(task)
            raise
        self.running[future] = (task, alone)

    def collect(self, done):
        """Record the finished futures; return whether the pool broke."""
        from concurrent.futures.process import BrokenProcessPool

        broken = False
        for future in done:
            task, alone = self.running.pop(future)
            error = future.exception()
            if error is None:
                self.finished_any = True
                self.on_record(future.result())
            elif isinstance(error, BrokenProcessPool):
                broken = True
                if alone:
                    self.deaths += 1
                    self.on_record(new_record(task.input, "failed", _DIED))
                else:
                    self.suspects.append(task)
            else:
                self.on_record(new_record(task.input, "failed",
                                          f"{type(error).__name__}: {first_line(error)}"))
        return broken

    def give_up(self):
        """Record every task not run yet as failed."""
        for task in [*self.suspects, *self.waiting]:
            self.on_record(new_record(task.input, "failed", _NEVER_FINISH))
        self.suspects.clear()
        self.waiting.clear()

    def keep_finished(self):
        """After an interruption: record the results that came back before it."""
        for future in self.running:
            if future.done() and not future.cancelled() and future.exception() is None:
                with contextlib.suppress(Exception):
                    self.on_record(future.result())

    def stop(self, *, kill):
        if self.pool is not None:
            _stop_pool(self.pool, kill=kill)
            self.pool = None

    def close(self):
        self.stop(kill=False)
        self.batch_end.close()
        self.batch_alive.close()


def run_processes(tasks, jobs, n_threads, on_record, worker=None):
    """Run `tasks` in `jobs` worker processes, calling `on_record` as each finishes.

    At most `jobs` tasks are in flight, so when a worker dies (killed, out of memory)
    the images it may have been running are known: each is rerun alone in a fresh
    pool, and the one that kills its worker again is recorded as failed. If workers
    die before finishing a single image, three times, the remaining images are
    recorded as failed rather than tried one by one.
    """
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool

    run = _PoolRun(tasks, jobs, n_threads, on_record, worker or process_image)
    try:
        while run.waiting or run.suspects or run.running:
            if run.deaths >= 3 and not run.finished_any:
                run.give_up()
                continue
            broken = False
            try:
                run.submit()
            except BrokenProcessPool:
                broken = True
            done, _ = wait(list(run.running), return_when=FIRST_COMPLETED)
            if broken or any(isinstance(f.exception(), BrokenProcessPool) for f in done):
                # the pool is gone: every task still running fails the same way
                done, _ = wait(list(run.running))
            if run.collect(done) or broken:
                run.stop(kill=True)
    except BaseException:
        run.keep_finished()
        run.stop(kill=True)
        raise
    finally:
        run.close()


# ---------------------------------------------------------------------------- Dask


def _dask_process_image(task):
    """:func:`process_image` on a Dask worker, with the kernels' threads shared out
    among the worker's task threads."""
    worker_threads = 1
    with contextlib.suppress(Exception):
        from distributed import get_worker

        worker = get_worker()
        state = getattr(worker, "state", None)
        worker_threads = int(getattr(state, "nthreads", None) or getattr(worker, "nthreads", 1))
    task = dataclasses.replace(task, n_threads=max(1, cpu_count() // max(1, worker_threads)))
    return process_image(task)


def connect(scheduler):
    """A Dask client of the scheduler at address `scheduler`."""
    try:
        from distributed import Client
    except ImportError:
        raise ImportError(_DASK_MISSING) from None
    try:
        return Client(scheduler, timeout="20s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise BatchUsageError(
            f"cannot connect to the Dask scheduler at {scheduler!r}: {first_line(exc)}"
        ) from None


def run_dask(tasks, client, on_record):
    """Run `tasks` on the workers of Dask `client`, calling `on_record` as each finishes."""
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
                record = new_record(task.input, "failed",
                                    f"Dask task failed: {type(exc).__name__}: {first_line(exc)}")
            on_record(record)
    except BaseException:
        with contextlib.suppress(Exception):
            client.cancel(list(futures), force=True)
        raise
