"""The compiled kernels, ready before the first image of a process is timed.

numba compiles the kernels the first time they run, or loads them from its
on-disk cache (``NUMBA_CACHE_DIR``, else the package's ``__pycache__``). Compiling
takes about 25 s on a 2-core machine, once per installation; loading takes about
a second, once per process. :func:`warm_up` does either on a tiny synthetic image,
so that neither counts as the time of a real image, and tells its caller before a
compilation starts.
"""

from __future__ import annotations

import threading

import numpy as np

__all__ = ["COMPILE_NOTICE", "NOTICE_AFTER", "kernels_cached", "warm_up"]

#: What the command line prints on stderr while the kernels compile.
COMPILE_NOTICE = "segment: compiling the kernels once, about 25 s; later runs start at once"

#: Seconds after which a warm-up that is still running is taken to compile,
#: whatever :func:`kernels_cached` said (loading the cached kernels takes about 1 s).
NOTICE_AFTER = 5.0

#: Warm-up image size (rows, columns): the smallest that runs every stage.
_SHAPE = (24, 32)

_warm = set()
_lock = threading.Lock()


def kernels_cached():
    """Whether numba's on-disk cache holds the compiled mean shift kernel for this
    machine and this version of the source.

    Every segmentation runs that kernel, and the kernels are cached together (a
    new version, an emptied cache or another CPU invalidates them all), so it
    stands for all of them.

    Returns
    -------
    cached : bool or None
        None if it cannot be told (caching disabled, or numba's cache laid out
        differently).
    """
    try:
        from .meanshift import _seek_from

        index = _seek_from._cache._cache_file._load_index()  # {} if absent or stale
        magic = _seek_from.targetctx.codegen().magic_tuple()
        return any(key[1] == magic for key in index)
    except Exception:  # numba's internals differ: say so, do not guess
        return None


def _synthetic(dtype, channels):
    """Four noisy quadrants of distinct colours, `dtype` scaled, (H, W) or (H, W, C)."""
    rng = np.random.default_rng(0)
    rows, cols = _SHAPE
    colours = np.array([[0.8, 0.2, 0.2], [0.2, 0.7, 0.3], [0.2, 0.3, 0.8], [0.9, 0.9, 0.2]])
    quadrant = (np.arange(rows)[:, None] >= rows // 2) * 2 + (np.arange(cols) >= cols // 2)
    rgb = np.clip(colours[quadrant] + rng.normal(0.0, 0.02, (rows, cols, 3)), 0.0, 1.0)
    if channels is None:
        pixels = rgb.mean(axis=2)
    elif channels < 3:
        pixels = np.repeat(rgb.mean(axis=2, keepdims=True), channels, axis=2)
    else:
        pixels = np.concatenate([rgb, np.ones((rows, cols, channels - 3))], axis=2)
    dtype = np.dtype(dtype)
    if dtype.kind == "u":
        return np.rint(pixels * np.iinfo(dtype).max).astype(dtype)
    return pixels.astype(dtype)


def warm_up(params=None, *, dtype=np.uint8, channels=3, n_threads=None, on_compile=None):
    """Compile, or load from numba's cache, every kernel that segmenting an image of
    `dtype` and `channels` with `params` runs; once per process and kind of image.

    Parameters
    ----------
    params : dict, optional
        Keyword arguments for :func:`segment.segment`; ``kernel`` and ``method``
        choose kernels, the others are passed on unchanged.
    dtype : numpy dtype, optional
        The image's dtype: uint8 images use their own colour conversion kernel.
    channels : int or None, optional
        Channels of the image; None for a 2-D greyscale image.
    n_threads : int, optional
        Numba threads, as for :func:`segment.segment`.
    on_compile : callable, optional
        Called with no arguments, at most once, when the kernels are about to
        compile: at once if :func:`kernels_cached` says they are not cached, else
        from another thread if the warm-up still runs after :data:`NOTICE_AFTER`
        seconds.

    Returns
    -------
    seconds : float
        Time taken; 0.0 if this process has warmed up for such images before.

    Raises
    ------
    TypeError, ValueError
        As :func:`segment.segment` does for bad `params`.

    Notes
    -----
    Cost: one segmentation of a 24 x 32 image (milliseconds) once the kernels are
    loaded; about 1 s to load them from numba's cache; about 25 s on 2 cores to
    compile them on a first run.

    Examples
    --------
    >>> seconds = warm_up({"kernel": "flat"})
    >>> warm_up({"kernel": "flat"})
    0.0
    """
    import time

    from .segmentation import segment

    params = dict(params or {})
    key = (np.dtype(dtype).str, channels, params.get("kernel"), params.get("method"))
    with _lock:
        if key in _warm:
            return 0.0
        told = threading.Event()

        def tell():
            if on_compile is not None and not told.is_set():
                told.set()
                on_compile()

        timer = None
        if on_compile is not None:
            if kernels_cached() is False:
                tell()
            else:
                timer = threading.Timer(NOTICE_AFTER, tell)
                timer.daemon = True
                timer.start()
        start = time.perf_counter()
        try:
            segment(_synthetic(dtype, channels), n_threads=n_threads, **params)
        finally:
            if timer is not None:
                timer.cancel()
        _warm.add(key)
        return time.perf_counter() - start
