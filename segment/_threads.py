"""How many threads the compiled kernels use.

The kernels of :mod:`segment._native` run their loops on OpenMP threads: by
default one per processor (``OMP_NUM_THREADS`` overrides it). The setting belongs
to the calling thread, so that threads of one process (a Dask worker's tasks, a
web server's requests) can each ask for their own share.
"""

from __future__ import annotations

from contextlib import contextmanager

from . import _native

__all__ = ["kernel_threads", "set_kernel_threads", "max_threads"]


def max_threads():
    """The number of processors the kernels can use."""
    return _native.max_threads()


def set_kernel_threads(n_threads):
    """Let the kernels that this thread calls use `n_threads` threads (at least 1, at
    most :func:`max_threads`)."""
    _native.set_num_threads(max(1, min(int(n_threads), max_threads())))


@contextmanager
def kernel_threads(n_threads):
    """Within the block, the kernels this thread calls use `n_threads` threads (at
    most :func:`max_threads`); None leaves the setting as it is.

    Examples
    --------
    >>> with kernel_threads(1):
    ...     _native.get_num_threads()
    1
    """
    if n_threads is None:
        yield
        return
    previous = _native.get_num_threads()
    set_kernel_threads(n_threads)
    try:
        yield
    finally:
        _native.set_num_threads(previous)
